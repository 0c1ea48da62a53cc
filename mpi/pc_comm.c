/* pc_comm.c - the communicator handle parallel HDF5 needs (see pc_comm.h for why it is typed). */
#include "pc_comm.h"
#include "pc_mpi_impl.h"

pc_comm pc_ctx_comm(const pc_ctx *ctx) { return ctx->comm; }

pc_info pc_ctx_io_info(const pc_ctx *ctx) { return MPI_INFO_NULL; }
