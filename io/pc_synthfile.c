/* pc_synthfile.c - synth's registry tables, /persons and /identities, written in slices by every rank; a dataset's size read back. */
#include "pc_synthfile.h"

int pc_synthfile_open(pc_out *out, uint64_t nglobal, pc_synthfile *w) {
  w->ctx = out->ctx;
  w->persons = w->identities = -1;
  PC_CALL(pc_out_dset(out, "persons", pc_schema_type(&pc_schema_persons), nglobal, PC_OUT_PLAIN,
                      "registered persons sorted by pid; birth_date YYYYMMDD; sex 1 male 2 "
                      "female; sector GB/T 4754 section or S0 student, R0 retired, U0 "
                      "none; region = residence community code; no clear identities",
                      &w->persons));
  int rc = pc_out_dset(out, "identities", pc_schema_type(&pc_schema_identities), nglobal,
                       PC_OUT_PLAIN,
                       "RESTRICTED: clear identities (ID number, phone) by pid, sorted by pid",
                       &w->identities);
  if (rc) pc_synthfile_close(w);
  return rc;
}

int pc_synthfile_write(pc_synthfile *w, uint64_t start, size_t m, const pc_person *persons,
                       const pc_identity *identities) {
  PC_CALL(pc_agree(w->ctx, pc_h5_dset_write(w->ctx, w->persons,
                                            pc_schema_type(&pc_schema_persons), start, m, persons)));
  return pc_agree(w->ctx, pc_h5_dset_write(w->ctx, w->identities,
                                           pc_schema_type(&pc_schema_identities), start, m,
                                           identities));
}

void pc_synthfile_close(pc_synthfile *w) {
  if (w->persons >= 0) H5Dclose(w->persons);
  if (w->identities >= 0) H5Dclose(w->identities);
  w->persons = w->identities = -1;
}

int pc_synthfile_size(const char *path, uint64_t *persons, uint64_t *stays) {
  hid_t d = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (d < 0) return PC_ERROR(PC_ERR_IO, "cannot open %s", path);
  uint64_t p = 0, s = 0;
  int rc = pc_h5_attr_read_u64(d, "persons", &p);
  if (!rc && H5Aexists(d, "stays") > 0) rc = pc_h5_attr_read_u64(d, "stays", &s);
  H5Fclose(d);
  *persons = p;
  *stays = s;
  return rc;
}

int pc_synthfile_counts_stays(const char *path) {
  hid_t d = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (d < 0) return 0;
  uint64_t tag = 0, sum = 0;
  int yes = H5Lexists(d, "stay_buckets", H5P_DEFAULT) > 0 &&
            H5Aexists(d, "stay_buckets_checksum") > 0 && H5Aexists(d, "stays_checksum") > 0 &&
            !pc_h5_attr_read_u64(d, "stay_buckets_checksum", &tag) &&
            !pc_h5_attr_read_u64(d, "stays_checksum", &sum) && tag == sum;
  H5Fclose(d);
  return yes;
}
