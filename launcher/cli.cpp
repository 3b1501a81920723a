// Command table, parser and help texts: see cli.h.
#include "launcher/cli.h"

#include <algorithm>
#include <sstream>

#include "common/config_schema.h"
#include "common/errors.h"
#include "common/version.h"

namespace genvec {
namespace {

const OptionSpec kForce{"--force", "",
                        "redo the work even if it is finished or its inputs changed"};

std::vector<CommandSpec> make_commands() {
  return {
      {"shard",
       "split query files into deterministic shards",
       "query files in [data]",
       "RUN/shards/",
       {kForce},
       shard_main,
       true,
       false},
      {"generate",
       "answer every query with the frozen LLM",
       "shards, the LLM",
       "RUN/cache/generations/*.h5",
       {kForce, {"--shard", "I", "only shard I (0-based), e.g. one task of a Slurm job array"}},
       generate_main,
       true,
       true},
      {"teacher",
       "embed every response with the teacher",
       "generation caches, the teacher",
       "RUN/cache/teacher/*.h5",
       {kForce},
       teacher_main,
       true,
       true},
      {"train",
       "train the gen tokens and projections, data-parallel",
       "both caches, the LLM",
       "RUN/checkpoints/, RUN/metrics.jsonl, RUN/embedder.h5",
       {kForce},
       train_main,
       true,
       true},
      {"eval",
       "run MTEB-style tasks on a checkpoint or a baseline",
       "a checkpoint (or a baseline), the task registry",
       "RUN/eval/<model>/<task>.json, RUN/eval/summary.md",
       {{"--model", "KIND",
         "checkpoint, teacher, llm-mean, llm-last, or all (default: eval.models)"},
        {"--checkpoint", "FILE", "the checkpoint to evaluate (default: the run's newest)"},
        {"--tasks", "FILE", "a task registry instead of eval.registry"},
        {"--list", "", "read and check the tasks, print what each holds, and stop"},
        {"--force", "", "evaluate again tasks whose results exist for the same model"}},
       eval_main,
       true,
       true},
      {"encode",
       "embed texts with a trained checkpoint or a baseline",
       "a checkpoint, texts (JSONL, TSV/CSV or plain lines)",
       "embeddings: .h5 (ids + matrix), .npy (matrix) or .jsonl",
       {{"--input", "FILE", "the texts: JSONL/TSV/CSV (a \"text\" field) or one text per line"},
        {"--output", "FILE", "where the embeddings go; the format follows the extension"},
        {"--model", "KIND", "checkpoint (default), teacher, llm-mean or llm-last"},
        {"--checkpoint", "FILE", "the checkpoint (default: the run's newest)"},
        {"--instruction", "TEXT", "put before every text (default: none)"},
        {"--task", "NAME", "use this registry task's query instruction"},
        {"--passage", "", "with --task: its passage instruction (for a corpus)"},
        {"--tasks", "FILE", "the registry --task looks in (default eval.registry)"},
        {"--text-field", "NAME", "the text's field or column (default text)"},
        {"--id-field", "NAME", "the id's field or column (default: line numbers)"},
        {"--force", "", "start over instead of resuming"}},
       encode_main,
       true,
       true},
      {"decode",
       "turn embeddings back into text with the frozen LLM",
       "a checkpoint, queries",
       "the text the LLM generates from each query's compression tokens",
       {{"--query", "TEXT", "one query"},
        {"--input", "FILE", "many queries (JSONL/TSV/CSV with a \"text\" field, or lines)"},
        {"--checkpoint", "FILE", "the checkpoint (default: the run's newest)"},
        {"--instruction", "TEXT", "put before every query (default: none, as in training)"},
        {"--max-new-tokens", "N", "tokens to generate (default generate.max_new_tokens)"},
        {"--logit-lens", "", "also print the LM head's top tokens at each compression position"},
        {"--answer", "", "also print the LLM's own answer to each query (what the tokens learn)"}},
       decode_main,
       true,
       true},
      {"run",
       "every stage in order, skipping finished ones",
       "everything",
       "everything",
       {kForce},
       run_main,
       true,
       true},
      {"complete",
       "answer one prompt with the frozen LLM (through its chat template)",
       "the LLM (model.path or --model)",
       "the completion on stdout",
       {{"--model", "PATH", "GGUF file or Hugging Face directory (default: model.path)"},
        {"--prompt", "TEXT", "the user message"},
        {"--raw", "", "send the prompt as is, without the chat template"}},
       complete_main,
       false,
       true},
      {"status",
       "show what each stage has done in a run directory",
       "the run directory",
       "nothing",
       {},
       status_main,
       false,
       true},
      {"doctor",
       "check the machine: libraries, BLAS speed, MPI layout, models",
       "the machine",
       "nothing",
       {},
       doctor_main,
       false,
       false},
      {"config",
       "print the resolved config as TOML",
       "the config",
       "nothing",
       {{"--keys", "", "list every key with its type, default, range and meaning"},
        {"--get", "KEY", "print one resolved value (for scripts: slurm/submit.sh)"}},
       config_main,
       false,
       false},
  };
}

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& command : cli_commands())
    if (command.name == name) return &command;
  return nullptr;
}

const OptionSpec* find_common_option(std::string_view flag) {
  for (const OptionSpec& option : cli_common_options())
    if (option.flag == flag) return &option;
  return nullptr;
}

const OptionSpec* find_option(const CommandSpec& command, std::string_view flag) {
  for (const auto* options : {&cli_common_options(), &command.options})
    for (const OptionSpec& option : *options)
      if (option.flag == flag) return &option;
  return nullptr;
}

std::string usage_hint(const CommandSpec* command) {
  return command ? "see `genvec " + std::string(command->name) + " --help`" : "see `genvec --help`";
}

void print_options(std::ostringstream& out, const std::vector<OptionSpec>& options) {
  for (const OptionSpec& option : options) {
    std::string left = std::string(option.flag);
    if (!option.metavar.empty()) left += " " + std::string(option.metavar);
    out << "  " << left << std::string(std::max<size_t>(2, 28 - left.size()), ' ') << option.doc
        << "\n";
  }
}

}  // namespace

const std::vector<CommandSpec>& cli_commands() {
  static const std::vector<CommandSpec> commands = make_commands();
  return commands;
}

const std::vector<OptionSpec>& cli_common_options() {
  static const std::vector<OptionSpec> options = {
      {"--config", "FILE", "TOML config; relative paths in it are relative to its folder"},
      {"--set", "SECTION.KEY=VALUE", "override one config key (repeatable, applied last)"},
      {"--log-level", "LEVEL", "trace, debug, info, warn or error (same as --set log.level=)"},
      {"--help", "", "show this help"},
  };
  return options;
}

CommandLine cli_parse(const std::vector<std::string>& args) {
  CommandLine line;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    line.help = true;
    if (args.size() > 1 && args[0] == "help") {
      line.command = find_command(args[1]);
      if (!line.command)
        throw ConfigError("unknown command `" + args[1] + "`", usage_hint(nullptr));
    }
    return line;
  }
  line.command = find_command(args[0]);
  if (!line.command) throw ConfigError("unknown command `" + args[0] + "`", usage_hint(nullptr));

  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (size_t eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "-h") flag = "--help";
    const OptionSpec* option = find_option(*line.command, flag);
    if (!option)
      throw ConfigError(
          "genvec " + std::string(line.command->name) + ": unknown option `" + args[i] + "`",
          usage_hint(line.command));
    if (option->metavar.empty()) {
      if (value) throw ConfigError("option " + flag + " takes no value", usage_hint(line.command));
      if (flag == "--help")
        line.help = true;
      else
        line.flags.insert(flag);
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size())
        throw ConfigError(
            "option " + flag + " needs a value (" + std::string(option->metavar) + ")",
            usage_hint(line.command));
      value = args[++i];
    }
    if (!find_common_option(flag)) {
      line.values[flag] = *value;
    } else if (flag == "--config") {
      line.config_file = *value;
    } else if (flag == "--log-level") {
      line.overrides.push_back({"log.level", *value});
    } else if (flag == "--set") {
      size_t eq = value->find('=');
      if (eq == std::string::npos || eq == 0)
        throw ConfigError("--set " + *value + ": expected SECTION.KEY=VALUE",
                          "for example --set train.lr=3e-4");
      line.overrides.push_back({value->substr(0, eq), value->substr(eq + 1)});
    }
  }
  return line;
}

std::string cli_tool_help() {
  std::ostringstream out;
  out << "genvec " << genvec_version() << " (" << genvec_git_revision()
      << ") - generative embeddings (LLM2Vec-Gen) from a frozen LLM\n\n"
      << "usage: genvec <command> [--config FILE] [--set SECTION.KEY=VALUE]... [options]\n\n"
      << "commands:\n";
  for (const CommandSpec& command : cli_commands()) {
    out << "  " << command.name << std::string(12 - command.name.size(), ' ') << command.summary
        << "\n";
  }
  out << "\noptions every command takes:\n";
  print_options(out, cli_common_options());
  out << "\nEvery command runs alone, under `mpirun -np N genvec ...` or under "
         "`srun --mpi=pmix genvec ...`.\n"
         "`genvec <command> --help` shows a command's options; `genvec config --keys` lists "
         "every config key.\n";
  return out.str();
}

std::string cli_command_help(const CommandSpec& command) {
  std::ostringstream out;
  out << "genvec " << command.name << " - " << command.summary << "\n";
  out << "\nusage: genvec " << command.name << " [--config FILE] [--set SECTION.KEY=VALUE]...";
  for (const OptionSpec& option : command.options) out << " [" << option.flag << "]";
  out << "\n\nreads:  " << command.reads << "\nwrites: " << command.writes << "\n\noptions:\n";
  print_options(out, command.options);
  print_options(out, cli_common_options());
  return out.str();
}

}  // namespace genvec
