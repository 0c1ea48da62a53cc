/* pc_comm.h - the job's communicator as a typed handle, for a library that takes one (parallel HDF5). */
#ifndef PC_COMM_H
#define PC_COMM_H

/* Only mpi/ calls MPI, yet parallel HDF5 opens a file with a communicator
 * (H5Pset_fapl_mpio). The choices were: mpi/ calling HDF5 (no: mpi/ would
 * then own files), io/ reaching into the context for MPI_Comm (no: io would
 * name MPI), or a `void *` handle (no: MPI_Comm is a pointer in Open MPI but
 * an int in MPICH, so a cast would not port and would silence the compiler).
 * So mpi/ hands out the communicator under its own type names: io passes
 * them to HDF5 unopened, names no MPI symbol and makes no MPI call, and the
 * compiler still checks the types. Included by io/pc_h5.c only; HDF5's
 * parallel header includes <mpi.h> there anyway. */
#include <mpi.h>

#include "pc_mpi.h"

typedef MPI_Comm pc_comm;
typedef MPI_Info pc_info;

/* The job's communicator (a duplicate of the world's, errors returned).
 * Owned by the context: do not free. Local, never fails. */
pc_comm pc_ctx_comm(const pc_ctx *ctx);
/* MPI-IO hints for the job's files (none today): the place to add ROMIO
 * hints. Owned by the context: do not free. Local, never fails. */
pc_info pc_ctx_io_info(const pc_ctx *ctx);

#endif
