// Open MPI (Debian: libopenmpi-dev, pkg-config ompi-c): the collectives of data-parallel
// training. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros taking
// the address of global objects, which Swift cannot import; these accessors return them.
#include <mpi.h>

static inline MPI_Comm tapestry_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype tapestry_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype tapestry_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op tapestry_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler tapestry_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *tapestry_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int tapestry_mpi_success(void) { return MPI_SUCCESS; }
static inline int tapestry_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
