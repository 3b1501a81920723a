// libFuzzer target for the query-file reader: any bytes, in any format (the first byte picks
// it), must end in accepted and rejected rows or an IoError (a bad header), never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/errors.h"
#include "data/query_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using genvec::QueryFormat;
  constexpr QueryFormat kFormats[] = {QueryFormat::jsonl, QueryFormat::csv, QueryFormat::tsv,
                                      QueryFormat::text};
  const QueryFormat format = kFormats[data[0] % 4];
  genvec::QueryFileOptions options;
  if (data[0] & 4 && format != QueryFormat::text) options.id_field = "id";
  options.max_chars = 1 + data[0] % 64;
  try {
    genvec::query_bytes_read(
        std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), "fuzz", format,
        options, [](genvec::QueryRow&&) {}, [](genvec::RejectedRow&&) {});
  } catch (const genvec::IoError&) {
  }
  return 0;
}
