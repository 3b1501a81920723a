// Logging: every line carries time, rank and level. Rank 0 logs to the console; other ranks
// print only errors there (so a failure on any rank is seen). With a run directory, every rank
// also writes RUN/logs/rank-NNNNN.log.
//
// Messages are plain strings (build them with str_cat): spdlog stays inside log.cpp, because
// libtorch 2.x puts its own fmt headers on the include path of every file that uses torch, and
// those clash with the system fmt that spdlog is built against.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

namespace genvec {

enum class LogLevel { trace, debug, info, warn, error };

// Parses "trace" | "debug" | "info" | "warn" | "error"; throws ConfigError otherwise, and
// IoError when the rank's log file cannot be opened.
void log_init(int rank, const std::string& level, const std::filesystem::path* run_dir);

// The path of one rank's log file inside a run directory.
std::filesystem::path log_rank_file(const std::filesystem::path& run_dir, int rank);

void log_write(LogLevel level, std::string_view message);
inline void log_debug(std::string_view message) { log_write(LogLevel::debug, message); }
inline void log_info(std::string_view message) { log_write(LogLevel::info, message); }
inline void log_warn(std::string_view message) { log_write(LogLevel::warn, message); }
inline void log_error(std::string_view message) { log_write(LogLevel::error, message); }

// Writes buffered lines out (before an abort, say).
void log_flush();

// Concatenates anything streamable: str_cat("rank ", 3, " of ", 4) == "rank 3 of 4".
template <class... Parts>
std::string str_cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

}  // namespace genvec
