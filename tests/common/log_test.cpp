// Logging: every rank's file under RUN/logs/, each line with time, rank and level.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/errors.h"
#include "common/log.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Log, EveryRankWritesItsOwnFileWithTimeRankAndLevel) {
  const fs::path run_dir = fs::temp_directory_path() / ("genvec-log-test-" + std::to_string(getpid()));
  fs::remove_all(run_dir);
  log_init(3, "debug", &run_dir);
  log_write(LogLevel::trace, "not shown at debug");
  log_debug(str_cat("step ", 7, " done"));
  log_warn("careful");
  log_flush();

  const fs::path file = run_dir / "logs" / "rank-00003.log";
  EXPECT_EQ(log_rank_file(run_dir, 3), file);
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), 2u) << file;
  const std::regex format(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[rank 3\] \[(\w+)\] (.*))");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(lines[0], match, format)) << lines[0];
  EXPECT_EQ(match[1], "debug");
  EXPECT_EQ(match[2], "step 7 done");
  ASSERT_TRUE(std::regex_match(lines[1], match, format)) << lines[1];
  EXPECT_EQ(match[1], "warning");
  fs::remove_all(run_dir);
}

TEST(Log, BadLevelAndUnwritableRunDirAreClearErrors) {
  EXPECT_THROW(log_init(0, "verbose", nullptr), ConfigError);
  const fs::path impossible = "/dev/null/run";
  try {
    log_init(0, "info", &impossible);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/null/run/logs/rank-00000.log"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace genvec
