// The command table and the command-line parser. `--help` texts are generated from the same
// tables the parser uses, so the documentation cannot drift from what is accepted.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "stages/command.h"

namespace genvec {

struct OptionSpec {
  std::string_view flag;     // "--config"
  std::string_view metavar;  // "FILE"; empty for a flag that takes no value
  std::string_view doc;
};

struct CommandSpec {
  std::string_view name;
  std::string_view summary;
  std::string_view reads;  // as in the design's command table
  std::string_view writes;
  std::vector<OptionSpec> options;  // options of this command beyond the common ones
  CommandMain main;
  bool uses_run_dir;  // every rank logs to RUN/logs/
  bool uses_model;    // reads the [model] LLM (a built-in one is written first)
};

// Every command, in the order `genvec --help` lists them.
const std::vector<CommandSpec>& cli_commands();

// Options every command takes.
const std::vector<OptionSpec>& cli_common_options();

struct CommandLine {
  const CommandSpec* command = nullptr;  // nullptr only with help for the whole tool
  std::optional<std::filesystem::path> config_file;
  std::vector<ConfigOverride> overrides;      // --set, then --log-level, in command-line order
  std::set<std::string> flags;                // value-less command options given ("--force")
  std::map<std::string, std::string> values;  // command options with a value ("--prompt")
  bool help = false;
};

// Parses argv (without argv[0]). Throws ConfigError on an unknown command or option, a missing
// value, or a malformed --set.
CommandLine cli_parse(const std::vector<std::string>& args);

std::string cli_tool_help();
std::string cli_command_help(const CommandSpec& command);

}  // namespace genvec
