// libFuzzer target for the JSON reader: any bytes must parse or throw IoError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/errors.h"
#include "common/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    genvec::json_parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const genvec::IoError&) {
  }
  return 0;
}
