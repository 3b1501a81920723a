// The command-line parser and the help texts generated from the same tables.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "launcher/cli.h"

namespace genvec {
namespace {

CommandLine parse(std::vector<std::string> args) { return cli_parse(args); }

std::string parse_error(std::vector<std::string> args) {
  try {
    cli_parse(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Cli, ParsesConfigSetLogLevelAndFlags) {
  const CommandLine line = parse({"train", "--config", "run.toml", "--set", "train.lr=3e-4",
                                  "--set=data.files=a,b", "--log-level", "debug", "--force"});
  ASSERT_NE(line.command, nullptr);
  EXPECT_EQ(line.command->name, "train");
  EXPECT_EQ(line.config_file->string(), "run.toml");
  ASSERT_EQ(line.overrides.size(), 3u);
  EXPECT_EQ(line.overrides[0].key, "train.lr");
  EXPECT_EQ(line.overrides[0].value, "3e-4");
  EXPECT_EQ(line.overrides[1].key, "data.files");
  EXPECT_EQ(line.overrides[1].value, "a,b");
  EXPECT_EQ(line.overrides[2].key, "log.level");
  EXPECT_EQ(line.overrides[2].value, "debug");
  EXPECT_TRUE(line.flags.count("--force"));
  EXPECT_FALSE(line.help);
}

TEST(Cli, HelpForToolAndCommand) {
  EXPECT_TRUE(parse({}).help);
  EXPECT_EQ(parse({"--help"}).command, nullptr);
  const CommandLine command_help = parse({"doctor", "--help"});
  EXPECT_TRUE(command_help.help);
  EXPECT_EQ(command_help.command->name, "doctor");
  EXPECT_EQ(parse({"help", "config"}).command->name, "config");
}

TEST(Cli, RejectsUnknownCommandsOptionsAndMalformedValues) {
  EXPECT_NE(parse_error({"trian"}).find("unknown command `trian`"), std::string::npos);
  EXPECT_NE(parse_error({"doctor", "--force"}).find("unknown option `--force`"),
            std::string::npos);
  EXPECT_NE(parse_error({"train", "--config"}).find("needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"train", "--set", "train.lr"}).find("SECTION.KEY=VALUE"),
            std::string::npos);
  EXPECT_NE(parse_error({"train", "--force=yes"}).find("takes no value"), std::string::npos);
}

// The help texts are generated from the parser's tables: every command and option appears.
TEST(Cli, HelpListsEveryCommandAndOptionTheParserAccepts) {
  const std::string tool_help = cli_tool_help();
  for (const CommandSpec& command : cli_commands()) {
    EXPECT_NE(tool_help.find("  " + std::string(command.name) + " "), std::string::npos)
        << command.name;
    const std::string help = cli_command_help(command);
    for (const auto* options : {&command.options, &cli_common_options()}) {
      for (const OptionSpec& option : *options) {
        EXPECT_NE(help.find(std::string(option.flag)), std::string::npos)
            << command.name << " " << option.flag;
        if (option.flag == "--help") continue;
        std::vector<std::string> args = {std::string(command.name), std::string(option.flag)};
        if (!option.metavar.empty()) args.push_back("x=y");
        EXPECT_NO_THROW(cli_parse(args)) << command.name << " " << option.flag;
      }
    }
  }
}

TEST(Cli, CommandTableCoversTheDesignedPipeline) {
  for (const char* name : {"shard", "generate", "teacher", "train", "eval", "encode", "decode",
                           "run", "status", "doctor", "config"}) {
    bool found = false;
    for (const CommandSpec& command : cli_commands()) found |= command.name == name;
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace genvec
