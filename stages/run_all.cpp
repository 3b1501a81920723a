// `genvec run`: every built stage in order on one config (shard, generate, teacher, train), each
// skipping what is finished, so rerunning the same command after any interruption continues
// the job; --force passes to every stage and redoes them all. A stage's failure, or training
// stopped by a signal (kExitPreempted), ends the run with that stage's code.
#include "common/log.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {

int run_main(const CommandContext& context) {
  const bool leader = context.world.rank() == 0;
  const std::pair<const char*, CommandMain> stages[] = {{"shard", shard_main},
                                                        {"generate", generate_main},
                                                        {"teacher", teacher_main},
                                                        {"train", train_main}};
  for (const auto& [name, stage] : stages) {
    if (leader) log_info(str_cat("genvec run: ", name));
    if (const int code = stage(context); code != 0) return code;
  }
  if (leader)
    log_info(
        "genvec run: done; eval, encode and decode are not built in this version (the "
        "trained embedder is RUN/embedder.h5)");
  return 0;
}

}  // namespace genvec
