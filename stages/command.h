// What the launcher hands every command: the resolved config, the MPI world, and the command
// line's flags. Each command's entry point has the signature CommandMain and returns the process
// exit code; errors are thrown (common/errors.h), never printed and swallowed.
#pragma once

#include <map>
#include <set>
#include <string>

namespace genvec {

struct Config;
class World;

struct CommandContext {
  const Config& config;
  const World& world;
  const std::set<std::string>& flags;  // the command's value-less options given, e.g. "--force"
  const std::map<std::string, std::string>& values;  // its options with values, e.g. "--prompt"

  bool has_flag(const std::string& flag) const { return flags.count(flag) > 0; }
  const std::string* value(const std::string& option) const {
    auto it = values.find(option);
    return it == values.end() ? nullptr : &it->second;
  }
};

using CommandMain = int (*)(const CommandContext&);

// The exit code of a stage stopped by SIGTERM or SIGUSR1 after saving its state: "preempted,
// rerun me to resume" (EX_TEMPFAIL; slurm/train.sh requeues on it).
constexpr int kExitPreempted = 75;

// Report commands (stages/*.cpp).
int doctor_main(const CommandContext& context);
int config_main(const CommandContext& context);
// Pipeline stages (stages/<name>.cpp).
int shard_main(const CommandContext& context);
int generate_main(const CommandContext& context);
int teacher_main(const CommandContext& context);
int train_main(const CommandContext& context);
// Evaluation and use of a trained embedder (stages/eval.cpp, encode.cpp, decode.cpp).
int eval_main(const CommandContext& context);
int encode_main(const CommandContext& context);
int decode_main(const CommandContext& context);
// `genvec run`: the stages above in order (stages/run_all.cpp).
int run_main(const CommandContext& context);
int status_main(const CommandContext& context);
// `genvec complete`: one chat completion from the frozen LLM (stages/complete.cpp).
int complete_main(const CommandContext& context);

}  // namespace genvec
