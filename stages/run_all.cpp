// `genvec run`: every built stage in order on one config (shard, generate, teacher, train), each
// skipping what is finished, so rerunning the same command after any interruption continues
// the job; --force passes to every stage and redoes them all. A stage's failure, or training
// stopped by a signal (kExitPreempted), ends the run with that stage's code.
#include "common/config.h"
#include "common/log.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {

int run_main(const CommandContext& context) {
  const bool leader = context.world.rank() == 0;
  const std::pair<const char*, CommandMain> stages[] = {{"shard", shard_main},
                                                        {"generate", generate_main},
                                                        {"teacher", teacher_main},
                                                        {"train", train_main}};
  // Some stages work on rank 0 alone (shard): every rank waits for a stage to end before the
  // next one reads what it wrote.
  const std::unique_ptr<Communicator> communicator =
      context.world.make_cpu_communicator(context.config.dist.timeout_s);
  for (const auto& [name, stage] : stages) {
    if (leader) log_info(str_cat("genvec run: ", name));
    if (const int code = stage(context); code != 0) return code;
    communicator->barrier();
  }
  if (leader)
    log_info(
        "genvec run: done; the trained embedder is RUN/embedder.h5 (genvec eval, encode "
        "and decode use it)");
  return 0;
}

}  // namespace genvec
