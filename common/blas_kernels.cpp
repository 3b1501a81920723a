// Choosing OpenBLAS kernels that match the CPU: see blas_kernels.h.
#include "common/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace genvec {
namespace {

constexpr const char* kReplacedVariable = "GENVEC_BLAS_KERNELS_REPLACED";

// OpenBLAS's names for the pre-AVX kernel families its DYNAMIC_ARCH builds fall back to.
bool is_fallback(const std::string& core) {
  for (const char* name : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom"})
    if (core == name) return true;
  return false;
}

const char* matching_kernels() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
}

}  // namespace

void blas_select_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  if (const char* mode = std::getenv("GENVEC_BLAS_KERNELS"); mode && std::strcmp(mode, "keep") == 0)
    return;
  using GetCorename = char* (*)();
  auto corename = reinterpret_cast<GetCorename>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (corename == nullptr) return;  // not OpenBLAS
  const std::string core = corename();
  const char* kernels = matching_kernels();
  if (!is_fallback(core) || kernels == nullptr) return;
  setenv("OPENBLAS_CORETYPE", kernels, 1);
  setenv(kReplacedVariable, core.c_str(), 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc?): carry on with the slow kernels rather than not at all.
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kReplacedVariable);
}

const char* blas_kernels_replaced() {
  const char* replaced = std::getenv(kReplacedVariable);
  return replaced ? replaced : "";
}

}  // namespace genvec
