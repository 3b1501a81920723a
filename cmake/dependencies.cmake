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
find_package(Torch 1.13 REQUIRED)
message(STATUS "genvec: Torch ${Torch_VERSION} found (${Torch_DIR})")
# TorchConfig appends its flags (ABI, warnings) to TORCH_CXX_FLAGS; apply them to our targets.
separate_arguments(GENVEC_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")

find_package(MPI REQUIRED COMPONENTS C)
message(STATUS "genvec: MPI ${MPI_C_VERSION} found (${MPI_C_LIBRARIES})")
find_package(HDF5 REQUIRED COMPONENTS C)
message(STATUS "genvec: HDF5 ${HDF5_VERSION} found")
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
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} $ENV{NCCL_HOME}/include)
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} $ENV{NCCL_HOME}/lib)
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
