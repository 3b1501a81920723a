// libFuzzer target for the evaluation task files: the first byte picks what the rest is — a task
// registry (TOML), or a task's data file read as CSV, TSV, JSONL or side-by-side lines and loaded
// as an STS, clustering or reranking task. Anything must end in task data or a genvec Error
// (ConfigError / IoError naming the file and line), never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/errors.h"
#include "eval/tasks/task_data.h"
#include "eval/tasks/task_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] % 2 == 0) {
      genvec::task_registry_parse(bytes, "fuzz.toml", false);
      return 0;
    }
    static const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("task_files_fuzz_" + std::to_string(::getpid()));
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    static const char* const kFormats[] = {"csv", "tsv", "jsonl", "lines"};
    genvec::TaskSpec spec;
    spec.name = "fuzz";
    spec.data = {{file},
                 kFormats[(data[0] >> 1) % 4],
                 (data[0] & 8) != 0,
                 {1 + (data[0] >> 6)},
                 (data[0] & 16) ? " " : ""};
    switch ((data[0] >> 5) % 3) {
      case 0:
        spec.type = genvec::TaskType::sts;
        spec.columns = {{"text1", {"1"}}, {"text2", {"2"}}, {"score", {"3"}}};
        break;
      case 1:
        spec.type = genvec::TaskType::clustering;
        spec.columns = {{"text", {"text", "2"}}, {"label", {"1"}}};
        spec.label_delimiter = ":";
        break;
      default:
        spec.type = genvec::TaskType::reranking;
        spec.columns = {
            {"query", {"query"}}, {"positive", {"positive"}}, {"negative", {"negative"}}};
    }
    genvec::task_data_load(spec);
  } catch (const genvec::Error&) {
  }
  return 0;
}
