# paicha - one Makefile: settings on top, a library from mpi/ kernels/ io/, entry points in jobs/.
#   make            build build/paicha           make check   deps + build + every test
#   make demo       the demo province end to end make bench   long measurements (bench/results/)
#   make deps       install missing packages     make SAN=1   ASan+UBSan build (build/san/)
#   make help       this list                    V=1          show full commands
#   make fuzz       libFuzzer, FUZZ_SECONDS each make SAN=1 check  the suite under sanitizers

VERSION   := 0.1.0
CC        := mpicc
SAN       ?= 0
OPT       ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wno-unused-parameter
CSTD      := -std=c11 -D_GNU_SOURCE
PKGS      := hdf5-openmpi yaml-0.1 zlib libisal json-c xlsxwriter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhdf5_hl -lm
NP        ?= 2

ifeq ($(SAN),1)
  BUILD   := build/san
  OPT     := -O1 -g -fno-omit-frame-pointer
  SANFLAGS:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
  BUILD   := build
  SANFLAGS:=
endif

INCS      := -Ikernels -Impi -Iio -Iservices -Ijobs -I$(BUILD)/gen
CFLAGS    := $(CSTD) $(OPT) $(WARN) $(SANFLAGS) $(INCS) -DPC_VERSION='"$(VERSION)"' -MMD -MP
LDFLAGS   := $(SANFLAGS)

LIB_SRC   := $(wildcard kernels/*.c) $(wildcard mpi/*.c) $(wildcard io/*.c) \
             $(wildcard services/*.c) $(filter-out jobs/main.c,$(wildcard jobs/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
PROG_SRC  := $(wildcard tests/mpi/prog_*.c)
PROG_BIN  := $(PROG_SRC:tests/mpi/%.c=$(BUILD)/tests/%)
BIN       := $(BUILD)/paicha

ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @printf '  %-6s %s\n'
endif

.PHONY: all deps check test unit demo bench help clean fuzz
all: $(BIN)

$(BUILD)/obj/%.o: %.c
	$(say) CC $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# The costs make bench measured, compiled in for the memory check before every job.
$(BUILD)/gen/pc_rates.h: bench/rates.yaml tools/rates2c.sh
	$(say) GEN $@
	@mkdir -p $(dir $@)
	$(Q)tools/rates2c.sh $< > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/services/pc_budget.o: $(BUILD)/gen/pc_rates.h

$(BUILD)/libpaicha.a: $(LIB_OBJ)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/obj/jobs/main.o $(BUILD)/libpaicha.a
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) $< $(BUILD)/libpaicha.a $(PKG_LIBS) -o $@

# Unit tests of kernels: plain C, run without mpirun.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpaicha.a
	$(say) TEST $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(BUILD)/libpaicha.a $(PKG_LIBS) -lcmocka $(LDFLAGS) -o $@

# Programs of the MPI layer's tests: run under mpirun by tests/mpi/t_*.sh.
$(BUILD)/tests/prog_%: tests/mpi/prog_%.c $(BUILD)/libpaicha.a
	$(say) TEST $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(BUILD)/libpaicha.a $(PKG_LIBS) $(LDFLAGS) -o $@

unit: $(UNIT_BIN)

deps:
	@tools/deps.sh

# `check` installs first, then re-enters make so pkg-config sees the packages.
check: deps
	@$(MAKE) --no-print-directory test

test: $(BIN) $(UNIT_BIN) $(PROG_BIN)
	@PAICHA=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) SAN=$(SAN) tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@NP=$(NP) PAICHA=$(abspath $(BIN)) tools/demo.sh
	@NP=$(NP) PAICHA=$(abspath $(BIN)) jobs/campaign-demo

bench: deps
	@$(MAKE) --no-print-directory $(BIN)
	@NP=$(NP) PAICHA=$(abspath $(BIN)) bench/run.sh $(BENCH)

# libFuzzer targets of tests/fuzz/ (clang, ASan+UBSan), FUZZ_SECONDS each; outputs in build/fuzz/.
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tools/fuzz.sh

help:
	@sed -n '2,6p' Makefile | sed 's/^# \{0,1\}//'
	@echo "  variables: NP=ranks for demo/bench (2), BENCH=names for bench (all), SAN=1, V=1,"
	@echo "             FUZZ_SECONDS=seconds per fuzz target (60)"

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/jobs/main.d
