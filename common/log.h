// Logging setup: every line carries time, rank and level. Rank 0 logs to the console; other ranks
// print only errors there (so a failure on any rank is seen). With a run directory, every rank
// also writes RUN/logs/rank-NNNNN.log. Code logs through spdlog's default logger.
#pragma once

#include <filesystem>
#include <string>

namespace genvec {

// Parses "trace" | "debug" | "info" | "warn" | "error"; throws ConfigError otherwise.
void log_init(int rank, const std::string& level, const std::filesystem::path* run_dir);

// The path of one rank's log file inside a run directory.
std::filesystem::path log_rank_file(const std::filesystem::path& run_dir, int rank);

}  // namespace genvec
