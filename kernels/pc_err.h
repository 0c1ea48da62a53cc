/* pc_err.h - error codes and the PC_CALL convention shared by every layer. */
#ifndef PC_ERR_H
#define PC_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Every fallible function returns 0 on success or one of these codes. The
 * first error raised in a process is kept with its file, line and message
 * (pc_err_message); later ones are dropped, the PC_CALL lines propagating it
 * included: the first names the cause, and the callers' lines would only
 * push it out of a message of bounded size. pc_err_clear forgets it. */
typedef enum {
  PC_OK = 0,
  PC_ERR_ARG,     /* bad argument or usage */
  PC_ERR_CONFIG,  /* config file problem */
  PC_ERR_IO,      /* file system, HDF5 */
  PC_ERR_MPI,     /* an MPI call failed */
  PC_ERR_MEM,     /* allocation failed or would not fit */
  PC_ERR_DATA,    /* inconsistent or invalid data */
  PC_ERR_INJECT,  /* failure injected by a test hook */
  PC_ERR_SIGNAL,  /* interrupted by a signal */
  PC_ERR_UNSUPPORTED
} pc_status;

/* Record an error: local, never fails. Returns code so callers can
 * `return pc_err(PC_ERR_IO, __FILE__, __LINE__, "...")`. */
int pc_err_raise(int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The first recorded message ("" when none); local. It names the C source
 * location of the raise ("... (pc_h5.c:58)") only in debug mode: a person
 * reading it needs what failed and what to do, a developer the line. */
const char *pc_err_message(void);
/* Forget the recorded error (tests; pc_agree, which replaces it with the agreed one). */
void pc_err_clear(void);

/* Why a file cannot be created at `path`, and what to do, for "cannot
 * create X: <why>": "no such directory D (mkdir -p D)", "directory D is not
 * writable by you (...)", "the disk of D is full: No space left on device (df -h D ...)",
 * else strerror(err). err is the errno of the failure (0 when lost, as
 * HDF5 loses it): the directory itself is examined, so the advice holds
 * either way. Writes at most n bytes into buf; returns buf. Local, never fails. */
const char *pc_err_create_why(const char *path, int err, char *buf, size_t n);

/* Debug mode (paicha JOB --debug): source locations in messages. Set it
 * before anything can fail; process-wide, local, never fails. */
void pc_err_set_debug(int on);
int pc_err_debug(void);

/* The noun for n things, "1 case" / "2 cases":
 * printf("%llu %s", n, pc_plural(n, "case", "cases")). Local, cannot fail. */
static inline const char *pc_plural(unsigned long long n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

#define PC_ERROR(code, ...) pc_err_raise((code), __FILE__, __LINE__, __VA_ARGS__)

/* PC_CALL's record: a no-op when the cause is recorded (the usual case);
 * else, a call failed without saying why (a bug), recorded as its C
 * expression with --debug, as a plain "internal error" without. Local. */
int pc_err_propagate(int code, const char *file, int line, const char *expr);

/* Propagate a failure from a call that already recorded its cause. */
#define PC_CALL(expr)                                                       \
  do {                                                                      \
    int pc_call_rc_ = (expr);                                               \
    if (pc_call_rc_) {                                                      \
      pc_err_propagate(pc_call_rc_, __FILE__, __LINE__, #expr);             \
      return pc_call_rc_;                                                   \
    }                                                                       \
  } while (0)

/* Propagate and jump to a cleanup label (rc must be declared). */
#define PC_CALLG(expr, label)                                               \
  do {                                                                      \
    rc = (expr);                                                            \
    if (rc) {                                                               \
      pc_err_propagate(rc, __FILE__, __LINE__, #expr);                      \
      goto label;                                                           \
    }                                                                       \
  } while (0)

/* malloc that records PC_ERR_MEM with the size when it fails. */
void *pc_malloc(size_t bytes, const char *what);
void *pc_calloc(size_t n, size_t size, const char *what);
void *pc_realloc(void *p, size_t bytes, const char *what);
/* Fault in the pages of p[0, bytes) now, in one call (MADV_POPULATE_WRITE,
 * Linux 5.14), for a big block that will be written all over: with the
 * node's other ranks faulting at the same time, a fault per page cost
 * several times what populating the same pages did (two processes, 3 GB
 * each, at once on the bench VM: 7.4 s against 1.0 s). A hint only: on an
 * older kernel or a block under 16 MB nothing happens and the pages are
 * faulted in as they are written, as before. */
void pc_prefault(void *p, size_t bytes);
/* Local, never fails, for the rest of the process: the memory pc_malloc,
 * pc_calloc and pc_realloc give is advised to the kernel as huge pages
 * (MADV_HUGEPAGE, pc_mem_huge_page_bytes): big blocks each, and the heap as
 * it grows (what the libraries allocate included); glibc keeps up to 16 MB
 * freed at the heap's top instead of returning it. Where faults are costly
 * this cuts them by up to 512; where memory is short, advised faults compact
 * it first and stall, so only a caller that knows free 2 MB blocks are
 * plenty turns it on (pc_budget_check). */
void pc_mem_huge_pages(void);
/* Local, never fails: the size of the kernel's transparent huge page
 * (/sys/kernel/mm/transparent_hugepage/hpage_pmd_size: 2 MB on x86_64, 512 MB
 * on aarch64 with 64 KB pages), read once; 2 MB where it cannot be read. */
size_t pc_mem_huge_page_bytes(void);
/* Bytes free in blocks of at least 2^order pages of `page` bytes, from the
 * text of /proc/buddyinfo (a line per node and zone: "Node 0, zone Normal"
 * then the free blocks of order 0, 1, ...). 0 for text not of that shape. */
double pc_buddy_free_bytes(const char *buddyinfo, int order, double page);

#endif
