/* pc_config.h - strict, schema-driven YAML configs (libyaml): every key typed, documented, checked. */
#ifndef PC_CONFIG_H
#define PC_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Types a key's value may have. */
typedef enum {
  PC_T_STR,      /* scalar string; `choices` restricts it when non-NULL */
  PC_T_PATH,     /* scalar string naming a file; relative to the config file's directory */
  PC_T_INT,      /* integer; [min, max] when min < max */
  PC_T_FLOAT,    /* real number */
  PC_T_BOOL,     /* true/false (YAML 1.1 yes/no/on/off also accepted) */
  PC_T_DURATION, /* "15m", "2h", "14d", "1h30m" or bare seconds -> int64 seconds; [min,max] apply */
  PC_T_TIME,     /* "YYYY-MM-DDTHH:MM[:SS]" local UTC+8 -> int64 epoch seconds */
  PC_T_MAP,      /* mapping with the fixed keys listed in `sub` (terminated by {0}) */
  PC_T_LIST,     /* sequence; `sub` points to ONE pc_key describing every item (its name is ignored) */
  PC_T_DICT,     /* mapping with free keys (restricted to `choices` when non-NULL);
                    `sub` points to ONE pc_key describing every value */
  PC_T_STRS,     /* a scalar string or a sequence of strings (e.g. one file or several) */
  PC_T_SECTIONS  /* top level only: a mapping of names (`choices` when non-NULL) to mappings
                    of keys; the one named `section` is taken over the top level (its keys
                    replace or join the top level's), the others are ignored. One config
                    serves several programs (jobs): keys for one of them alone go under
                    its name. The key itself is then absent (never read, not in the
                    effective config). */
} pc_ktype;

/* What a path key names, for the checks of every path before any work
 * (pc_paths_check, io/pc_paths.h). A PC_T_PATH key, or a PC_T_STRS / LIST of
 * paths with a role, is resolved against the config file's directory. */
typedef enum {
  PC_P_NONE,     /* not a path (a STRS of codes), or one no check applies to */
  PC_P_IN,       /* an input file: exists, readable, not a directory */
  PC_P_IN_H5,    /* an input HDF5 file (an output of another job) */
  PC_P_IN_DATA,  /* a dataset of synth or ingest (HDF5 with /persons; its tables open) */
  PC_P_IN_INDEX, /* an index of `paicha index` built from the config's PC_P_IN_DATA */
  PC_P_KEY,      /* a key file that must exist: checked as the job reads it (pc_keyfile) */
  PC_P_KEY_NEW,  /* a key file created when missing: checked as PC_P_KEY when there */
  PC_P_OUT,      /* an output file: its directory exists and is writable; not a directory */
  PC_P_OUT_DIR,  /* an output directory: its parent exists and is writable; not a file */
  PC_P_LEDGER    /* a file read when there (HDF5) and rewritten: a campaign's ledger */
} pc_prole;

typedef struct pc_key {
  const char *name;            /* NULL terminates an array of keys */
  pc_ktype type;
  int required;                /* 1: missing is an error */
  const char *def;             /* default as YAML text, NULL: none ("" allowed) */
  const char *help;            /* one line, shown by --help */
  const struct pc_key *sub;    /* see pc_ktype */
  const char *const *choices;  /* NULL-terminated, or NULL */
  int64_t min, max;            /* range for INT/DURATION when min < max */
  pc_prole role;               /* PATH, STRS, LIST items of PATH: what the path names */
  const char *replaces;        /* an output that may be the input of this key (replaced when done) */
  const char *section;         /* PC_T_SECTIONS: the name whose keys this schema takes */
  const char *const *holds;    /* PC_P_OUT_DIR: the files the job writes in it (NULL-terminated),
                                  outputs too for the collision check (pc_paths_check) */
} pc_key;

typedef struct pc_config pc_config;

/* Parse and validate. `text` is the YAML; `fname` names it in messages.
 * Local (no MPI). On success *out owns the parsed config and 0 is returned.
 * On failure returns PC_ERR_CONFIG and writes into err (size errlen) every
 * problem found, one per line, each "FILE:LINE:COL: message" (1-based line
 * and column of the offending node; for a missing required key, the mark of
 * the mapping that should hold it). Problems detected: YAML syntax errors,
 * unknown keys (message lists the allowed ones), wrong types, values outside
 * choices or ranges, malformed durations/times, missing required keys,
 * duplicate keys, an empty document where keys are required.
 * Details: problems come sorted by position; when err is too small it holds
 * whole lines only, the last one "FILE: N more problems not shown". A YAML
 * syntax error ends the parse (libyaml cannot go on), so it is reported with
 * whatever came before it. `key:` with no value (or ~, null) is an error for
 * INT/FLOAT/BOOL/DURATION/TIME, "" for STR/PATH (an error when the key is
 * required or has choices), "every child takes its default" for a MAP, and
 * "given, empty" for LIST/DICT/STRS (their default is not used). Tags are
 * ignored (the schema decides types), anchors allowed, aliases rejected; one
 * document only; nesting deeper than 64 and more than 2^20 values are errors.
 * DICT names must be non-empty without '.' or control characters. Defaults of
 * the schema are parsed and checked here: a bad one aborts (programming error).
 * Returns PC_ERR_MEM when memory runs out. */
int pc_config_parse(const char *fname, const char *text, size_t len, const pc_key *schema,
                    pc_config **out, char *err, size_t errlen);

/* Read the whole file and pc_config_parse it. Local. A file that cannot be
 * read is an error "FILE: cannot read: <strerror>"; one over 64 MB is refused.
 * Every relative path the file gives (PC_T_PATH values anywhere, items of a
 * STRS or LIST of paths with a role) is then made relative to the file's
 * directory: "DIR/value", DIR absolute (realpath), unchanged when the file is
 * named without a directory (it is in the current one). Defaults are not
 * changed (they are the program's, relative to the current directory). The
 * effective config shows the resolved paths. */
int pc_config_load(const char *path, const pc_key *schema, pc_config **out, char *err,
                   size_t errlen);

/* Free *c and set it to NULL; NULL is fine. Local, never fails. */
void pc_config_destroy(pc_config **c);

/* Accessors, all local. `path` is dotted: "outbreak.cases", "channels.cafe.min_overlap",
 * list items by index: "areas.0.name". When the key is absent, the schema's
 * default applies (for keys inside DICT/LIST items too). has() is 1 when the
 * key is present in the file OR has a default. A path that is not in the
 * schema, or a type mismatch, is a programming error: the accessor prints it
 * to stderr and abort()s.
 * Absent without a default: str() gives NULL, the numeric accessors 0, len()
 * 0. A DICT given in the file replaces its default whole (no merge). A LIST
 * item or DICT entry that does not exist has nothing below it: no defaults
 * apply inside it ("areas.5.min_dwell" is absent when there are 2 areas).
 * A STRS is read with len()/str_at() or an index path ("stays.0"), never as
 * a plain str(). Nothing is modified after parsing: accessors are re-entrant. */
int pc_config_has(const pc_config *c, const char *path);
int pc_config_given(const pc_config *c, const char *path); /* present in the file */
const char *pc_config_str(const pc_config *c, const char *path); /* STR, PATH; NULL if absent w/o default */
int64_t pc_config_int(const pc_config *c, const char *path);      /* INT */
double pc_config_float(const pc_config *c, const char *path);     /* FLOAT (INT accepted) */
int pc_config_bool(const pc_config *c, const char *path);         /* BOOL */
int64_t pc_config_duration(const pc_config *c, const char *path); /* DURATION, seconds */
int64_t pc_config_time(const pc_config *c, const char *path);     /* TIME, epoch seconds */
/* Number of items of a LIST, STRS (1 for a scalar) or DICT (given keys, or the
 * default's keys); 0 when absent. */
size_t pc_config_len(const pc_config *c, const char *path);
/* i-th key of a DICT, in file order. */
const char *pc_config_key(const pc_config *c, const char *path, size_t i);
/* i-th string of a STRS or of a LIST of scalars; i-th integer of a LIST of INT. */
const char *pc_config_str_at(const pc_config *c, const char *path, size_t i);
int64_t pc_config_int_at(const pc_config *c, const char *path, size_t i);
/* Line and column (1-based) of the node at path in the file, 0 when the key
 * is absent (a default): for messages of later checks. Local. */
int pc_config_line(const pc_config *c, const char *path);
int pc_config_col(const pc_config *c, const char *path);
const char *pc_config_file(const pc_config *c);

/* ---------- checks of meaning ----------
 * The schema says what a value is (an int in a range, a time); some rules
 * need more: two keys together (`to` after `from`), a name unique in a list,
 * a string with a syntax of its own ("08:00-20:00", "4G"). Such checks run
 * right after the parse, on a valid config, and report into a problem list
 * in the same form and order as the parser's, so the operator gets every
 * problem of the file at once, each with FILE:LINE:COL. */
typedef struct pc_config_problems pc_config_problems;

/* A check of meaning: records every problem it finds with pc_config_problem
 * and returns 0, or PC_ERR_MEM (recorded) when memory runs out. Local. */
typedef int pc_config_check_fn(const pc_config *c, pc_config_problems *p);

/* Record a problem at the node of `path` (dotted, as for the accessors; ""
 * is the whole config): "FILE:LINE:COL: PATH: message" ("FILE:LINE:COL:
 * message" for ""). When the key is absent, the position is that of the
 * nearest enclosing key the file gives (the mapping that would hold it).
 * With p NULL - code that re-derives a checked value at run time - the
 * problem is recorded as the process's error instead (PC_ERROR) with the
 * same text. Returns PC_ERR_CONFIG, for `return pc_config_problem(...)`.
 * Local; never fails (a problem that finds no memory is counted, and the
 * list then says memory ran out). A path not in the schema aborts. */
int pc_config_problem(pc_config_problems *p, const pc_config *c, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record a problem of another file the config names (cases.csv): shown as
 * "FILE:LINE: message" after the config's own problems, by file and line.
 * Local, never fails (as pc_config_problem). Returns PC_ERR_CONFIG. */
int pc_config_problem_in(pc_config_problems *p, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Every path value of c: fn(c, dotted path, its key, value, arg) for each
 * PC_T_PATH value (given or default, non-empty) and each item of a STRS or
 * LIST of paths whose key has a role, in schema order. Local. */
typedef void pc_config_path_fn(const pc_config *c, const char *path, const pc_key *k,
                               const char *value, void *arg);
void pc_config_paths(const pc_config *c, pc_config_path_fn *fn, void *arg);

/* Run the NULL-terminated `checks` on c, in order, all of them. Local.
 * Returns 0 when none found a problem; PC_ERR_CONFIG with err (size errlen)
 * holding every problem, sorted by position, in pc_config_parse's form
 * (whole lines, "N more problems not shown" when err is too small);
 * PC_ERR_MEM when memory runs out. */
int pc_config_check(const pc_config *c, pc_config_check_fn *const *checks, char *err,
                    size_t errlen);

/* The effective config as YAML text: every key of the schema with its given
 * or default value, in schema order, durations/times normalised. malloc'd;
 * the caller frees. Parsing it again gives the same effective config.
 * Strings are double-quoted with escapes; keys with neither value nor default
 * are left out. NULL when memory runs out. */
char *pc_config_effective(const pc_config *c);

/* Print the keys of a schema for --help: one line per key, indented by
 * nesting, "name: TYPE (required|default X) - help". Local.
 * Choices show as "one of a, b" (DICT: "keys a, b"), ranges as "[min..max]";
 * items of a LIST/DICT of maps are listed under "each item:"/"each value:". */
void pc_config_help(FILE *f, const pc_key *schema, int indent);

#endif
