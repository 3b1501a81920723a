// A GoogleTest case that cannot run here (a model or service is missing) skips, saying why,
// unless GENVEC_STRICT_TESTS=1 (CI, `scripts/test.sh --strict`): then it fails, so a missing
// model cannot turn a test run green by shrinking it. Hardware the machine lacks (a GPU) is the
// one reason that may still skip: use GTEST_SKIP() for that alone.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace genvec {

inline bool tests_strict() {
  const char* strict = std::getenv("GENVEC_STRICT_TESTS");
  return strict != nullptr && std::strcmp(strict, "1") == 0;
}

}  // namespace genvec

// Skips the current test with `why` streamed after it, or fails it in strict mode.
#define GENVEC_SKIP_OR_FAIL(why)                                                             \
  do {                                                                                       \
    if (::genvec::tests_strict())                                                            \
      GTEST_FAIL() << why << " (GENVEC_STRICT_TESTS=1: only a missing GPU may skip a test)"; \
    else                                                                                     \
      GTEST_SKIP() << why;                                                                   \
  } while (0)
