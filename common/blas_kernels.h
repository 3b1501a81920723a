// OpenBLAS chooses its kernels from the CPU model when it loads. A build that does not know a
// newer CPU falls back to its oldest x86-64 kernels: Debian 12's OpenBLAS 0.3.21 runs Prescott
// (SSE3) kernels on Sapphire Rapids, and sgemm there is 22 instead of ~100 GFLOP/s per core.
// So before anything else genvec asks OpenBLAS which kernels it chose; when that is such a
// fallback while the CPU has AVX-512 (or AVX2 and FMA), it sets OPENBLAS_CORETYPE to the family
// those kernels were written for (SkylakeX, or Haswell) and re-executes itself, once. An
// OPENBLAS_CORETYPE set by the user or the site is left alone, and GENVEC_BLAS_KERNELS=keep
// turns this off. `genvec doctor` shows the kernels in use and whether genvec chose them.
#pragma once

namespace genvec {

// Call first in main(), before MPI starts: may not return (execv).
void blas_select_kernels(char** argv);

// The kernels genvec replaced ("Prescott"), or "" when it did not step in.
const char* blas_kernels_replaced();

}  // namespace genvec
