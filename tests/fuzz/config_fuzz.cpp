// libFuzzer target for the config loader (TOML text → Config): any input must either load or
// throw ConfigError; a crash, a sanitizer report or another exception type is a finding.
// Built by tests/fuzz/CMakeLists.txt with clang alone (the loader is torch-free); the seed corpus
// also runs as a regular test through fuzz_replay.cpp.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/config.h"
#include "common/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    genvec::config_load_string(text, "fuzz.toml", "/fuzz", {});
  } catch (const genvec::ConfigError&) {
  }
  return 0;
}
