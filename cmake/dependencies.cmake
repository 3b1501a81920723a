# Finds genvec's dependencies and says, for each optional one, whether it was found and what to do
# if not. Required: Torch, MPI, HDF5, tomlplusplus, spdlog, GTest. Optional: CUDA runtime + NCCL.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  message(STATUS "genvec: ccache found (${CCACHE_PROGRAM}): rebuilds reuse earlier compiles")
  # Without this sloppiness ccache refuses to cache anything compiled with the torch PCH.
  set(launcher ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${launcher})
else()
  message(STATUS "genvec: ccache not found - HINT: apt-get install ccache for faster rebuilds")
endif()

# Debian's libtorch-dev 1.13 by default; any libtorch >= 1.13 (CUDA 2.x builds included)
# through -DTorch_DIR=<libtorch>/share/cmake/Torch.
if(Torch_DIR)
  # TorchConfig finds its libraries and Caffe2 with find_library/find_dependency, which search
  # the system before its own folder: with libtorch-dev installed, a libtorch named by Torch_DIR
  # would silently mix with Debian's. Search its own prefix first.
  get_filename_component(GENVEC_TORCH_PREFIX "${Torch_DIR}/../../.." ABSOLUTE)
  list(PREPEND CMAKE_PREFIX_PATH "${GENVEC_TORCH_PREFIX}")
endif()
# Torch's CUDA setup copies CMAKE_CXX_STANDARD (20) to CUDA, which nvcc through CMake 3.25
# cannot do; genvec compiles no CUDA sources, so C++17 for CUDA is enough.
set(CMAKE_CUDA_STANDARD 17)
find_package(Torch 1.13 REQUIRED)
if(GENVEC_TORCH_PREFIX)
  get_filename_component(torch_library_real "${TORCH_LIBRARY}" REALPATH)
  get_filename_component(torch_prefix_real "${GENVEC_TORCH_PREFIX}" REALPATH)
  if(NOT torch_library_real MATCHES "^${torch_prefix_real}/")
    message(FATAL_ERROR "genvec: Torch_DIR names ${GENVEC_TORCH_PREFIX} but CMake found "
                        "${TORCH_LIBRARY}. HINT: start from an empty build folder.")
  endif()
endif()
message(STATUS "genvec: Torch ${Torch_VERSION} found (${TORCH_LIBRARY})")
# TorchConfig's flags (the C++ ABI among them) go to the targets that use torch.
separate_arguments(GENVEC_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")
if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
  # genvec's torch-free libraries, spdlog, toml++ and GoogleTest use the C++11 ABI.
  message(FATAL_ERROR "genvec: this libtorch uses the pre-C++11 ABI, which cannot link with "
                      "genvec's other libraries. HINT: use a cxx11-ABI libtorch (the 'cxx11 ABI' "
                      "download, PyPI wheels >= 2.7, or Debian's libtorch-dev).")
endif()

find_package(MPI REQUIRED COMPONENTS C)
message(STATUS "genvec: MPI ${MPI_C_VERSION} found (${MPI_C_LIBRARIES})")
find_package(HDF5 REQUIRED COMPONENTS C)
message(STATUS "genvec: HDF5 ${HDF5_VERSION} found")
find_package(ZLIB REQUIRED)  # gzip-compressed query files
find_package(tomlplusplus 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(GTest REQUIRED)

set(GENVEC_WITH_CUDA OFF)
set(GENVEC_WITH_NCCL OFF)
find_package(CUDAToolkit QUIET)
if(CUDAToolkit_FOUND)
  set(GENVEC_WITH_CUDA ON)
  message(STATUS "genvec: CUDA runtime ${CUDAToolkit_VERSION} found: ranks pick a GPU by local rank")
else()
  message(STATUS "genvec: CUDA toolkit not found - CPU only. HINT: install the CUDA toolkit or "
                 "pass -DCUDAToolkit_ROOT=/usr/local/cuda")
endif()

if(GENVEC_NCCL AND GENVEC_WITH_CUDA)
  # NCCL_HOME first, then the NCCL a pip-installed CUDA torch brings (one NCCL per process: torch
  # needs its own version), then the toolkit's. Pip's NCCL has only libnccl.so.2.
  set(nccl_hints $ENV{NCCL_HOME} ${TORCH_INSTALL_PREFIX}/../nvidia/nccl ${CUDAToolkit_LIBRARY_ROOT})
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${nccl_hints} ${CUDAToolkit_INCLUDE_DIRS}
            PATH_SUFFIXES include)
  find_library(NCCL_LIBRARY NAMES nccl libnccl.so.2 NAMES_PER_DIR HINTS ${nccl_hints} ${CUDAToolkit_LIBRARY_DIR}
               PATH_SUFFIXES lib lib64)
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(GENVEC_WITH_NCCL ON)
    add_library(genvec_nccl INTERFACE)
    target_include_directories(genvec_nccl SYSTEM INTERFACE ${NCCL_INCLUDE_DIR})
    target_link_libraries(genvec_nccl INTERFACE ${NCCL_LIBRARY} CUDA::cudart)
    message(STATUS "genvec: NCCL found (${NCCL_LIBRARY}): the NCCL backend is built")
  else()
    message(STATUS "genvec: NCCL not found - GPU all-reduce unavailable. HINT: set NCCL_HOME "
                   "or install libnccl-dev")
  endif()
elseif(NOT GENVEC_NCCL)
  message(STATUS "genvec: NCCL backend off (-DGENVEC_NCCL=OFF)")
else()
  message(STATUS "genvec: NCCL backend off: it needs the CUDA toolkit")
endif()
