// Logging setup: see log.h.
#include "common/log.h"

#include <cstdio>
#include <memory>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"

namespace genvec {

std::filesystem::path log_rank_file(const std::filesystem::path& run_dir, int rank) {
  char name[32];
  std::snprintf(name, sizeof name, "rank-%05d.log", rank);
  return run_dir / "logs" / name;
}

void log_init(int rank, const std::string& level_name, const std::filesystem::path* run_dir) {
  const spdlog::level::level_enum level = spdlog::level::from_str(level_name);
  // from_str maps unknown names to "off"; refuse them instead of silencing the run.
  if (level == spdlog::level::off && level_name != "off")
    throw ConfigError("unknown log level \"" + level_name + "\"",
                      "use one of trace, debug, info, warn, error");

  std::vector<spdlog::sink_ptr> sinks;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(rank == 0 ? level : spdlog::level::err);
  sinks.push_back(console);
  if (run_dir) {
    const std::filesystem::path file = log_rank_file(*run_dir, rank);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string()));
    } catch (const spdlog::spdlog_ex& e) {
      throw IoError("cannot open the rank log " + file.string() + ": " + e.what(),
                    "check that run.dir is writable from every node");
    }
    sinks.back()->set_level(level);
  }
  auto logger = std::make_shared<spdlog::logger>("genvec", sinks.begin(), sinks.end());
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [rank " + std::to_string(rank) + "] [%l] %v");
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

void log_write(LogLevel level, std::string_view message) {
  static constexpr spdlog::level::level_enum levels[] = {
      spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
      spdlog::level::err};
  spdlog::log(levels[static_cast<int>(level)], "{}", message);
}

void log_flush() { spdlog::default_logger()->flush(); }

}  // namespace genvec
