# Helpers every folder uses to declare its library, so flags, warnings and sanitizers are set in
# one place.

set(GENVEC_WARNINGS -Wall -Wextra -Wno-unused-parameter)
if(GENVEC_WERROR)
  list(APPEND GENVEC_WARNINGS -Werror)
endif()

# genvec_target_defaults(target [TORCH]): warnings, sanitizers, include root; TORCH adds libtorch
# with its flags and, when enabled, the shared precompiled torch header.
function(genvec_target_defaults target)
  cmake_parse_arguments(ARG "TORCH" "" "" ${ARGN})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${target} PRIVATE ${GENVEC_WARNINGS})
  if(GENVEC_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${GENVEC_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=${GENVEC_SANITIZE})
  endif()
  if(ARG_TORCH)
    target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
    if(GENVEC_WITH_NCCL)
      # A CUDA libtorch needs NCCL symbols; link the NCCL genvec chose (torch's own when pip
      # installed it) so the linker does not resolve them against an older system copy.
      target_link_libraries(${target} PUBLIC genvec_nccl)
    endif()
    target_compile_options(${target} PRIVATE ${GENVEC_TORCH_CXX_FLAGS})
    if(GENVEC_TORCH_PCH)
      target_precompile_headers(${target} REUSE_FROM genvec_torch_pch)
    endif()
  endif()
endfunction()

# One precompiled ATen header shared by every target that uses torch: compiled once (~10 s)
# instead of once per translation unit.
if(GENVEC_TORCH_PCH)
  add_library(genvec_torch_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/torch_pch.cpp)
  target_link_libraries(genvec_torch_pch PUBLIC ${TORCH_LIBRARIES})
  target_compile_options(genvec_torch_pch PRIVATE ${GENVEC_WARNINGS} ${GENVEC_TORCH_CXX_FLAGS})
  target_precompile_headers(genvec_torch_pch PRIVATE <ATen/ATen.h>)
endif()
