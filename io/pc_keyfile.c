/* pc_keyfile.c - create and check the pseudonymisation key file. */
#include "pc_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_err.h"

static int make_key(const char *path, pc_key128 *key) {
  unsigned char b[16];
  int r = open("/dev/urandom", O_RDONLY);
  if (r < 0 || read(r, b, sizeof b) != (ssize_t)sizeof b) {
    if (r >= 0) close(r);
    return PC_ERROR(PC_ERR_IO, "cannot read /dev/urandom to make a key");
  }
  close(r);
  char hex[34];
  for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", b[i]);
  hex[32] = '\n';
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  char why[4400];
  if (fd < 0)
    return PC_ERROR(PC_ERR_IO, "cannot create key file %s: %s", path,
                    pc_err_create_why(path, errno, why, sizeof why));
  if (fchmod(fd, 0600) != 0 || write(fd, hex, 33) != 33 || fsync(fd) != 0) {
    close(fd);
    unlink(path);
    return PC_ERROR(PC_ERR_IO, "cannot write key file %s: %s", path, strerror(errno));
  }
  close(fd);
  pc_key_parse(hex, 32, key);
  return 0;
}

/* Opened without following a link and checked on the open descriptor (fstat), so the file
 * read is the file checked: a link planted at the path, or a file swapped in between a
 * check and the open, is refused rather than used. */
int pc_keyfile_load(const char *path, int create, pc_key128 *key, int *created) {
  if (created) *created = 0;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT && create) {
      struct stat lst;
      if (lstat(path, &lst) == 0) /* a dangling link: never create through it */
        return PC_ERROR(PC_ERR_IO, "key file %s is a symbolic link: give the key file itself", path);
      PC_CALL(make_key(path, key));
      if (created) *created = 1;
      return 0;
    }
    if (e == ELOOP)
      return PC_ERROR(PC_ERR_IO, "key file %s is a symbolic link: give the key file itself", path);
    return PC_ERROR(PC_ERR_IO, "cannot use key file %s: %s%s", path, strerror(e),
                    e == ENOENT ? " (only synth and ingest create a key)" : "");
  }
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) != 0)
    rc = PC_ERROR(PC_ERR_IO, "cannot use key file %s: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    rc = PC_ERROR(PC_ERR_IO, "key file %s is not a regular file", path);
  else if (st.st_uid != geteuid())
    rc = PC_ERROR(PC_ERR_IO,
                  "key file %s belongs to user id %u, not to the user running the job (%u): "
                  "a key another account could have planted or read is refused",
                  path, (unsigned)st.st_uid, (unsigned)geteuid());
  else if (st.st_mode & 077)
    rc = PC_ERROR(PC_ERR_IO,
                  "key file %s has mode %04o: it must be readable by its owner only "
                  "(chmod 600 %s)",
                  path, (unsigned)(st.st_mode & 07777), path);
  char buf[64];
  ssize_t n = 0;
  if (!rc) {
    n = read(fd, buf, sizeof buf);
    if (n < 0) rc = PC_ERROR(PC_ERR_IO, "cannot read key file %s: %s", path, strerror(errno));
  }
  close(fd);
  if (rc) return rc;
  if (n == 33 && buf[32] == '\n') n = 32;
  if (n != 32 || pc_key_parse(buf, 32, key) != 0)
    return PC_ERROR(PC_ERR_IO, "key file %s must hold exactly 32 hexadecimal digits on one line",
                    path);
  static const pc_key128 zero;
  if (!memcmp(key, &zero, sizeof zero))
    return PC_ERROR(PC_ERR_IO, "key file %s holds the all-zero key: make a new one (remove it; "
                    "synth or ingest creates one)", path);
  return 0;
}

uint64_t pc_key_fingerprint(const pc_key128 *key) {
  static const char tag[] = "paicha key fingerprint v1";
  return pc_siphash(key, tag, sizeof tag - 1);
}
