// `genvec run`: every stage in order on one config (shard, generate, teacher, train, then eval of
// eval.models on the registry's eval.tasks when the config names a registry), each skipping what
// is finished (evaluation reuses results of the same model and task), so rerunning the same
// command after any interruption continues the job; --force passes to every stage and redoes them
// all. A stage's failure, or a stage stopped by a signal (kExitPreempted), ends the run with that
// stage's code.
#include <ATen/ATen.h>

#include <string_view>

#include "common/config.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {

int run_main(const CommandContext& context) {
  const bool leader = context.world.rank() == 0;
  const std::pair<const char*, CommandMain> stages[] = {{"shard", shard_main},
                                                        {"generate", generate_main},
                                                        {"teacher", teacher_main},
                                                        {"train", train_main},
                                                        {"eval", eval_main}};
  // Some stages work on rank 0 alone (shard): every rank waits for a stage to end before the
  // next one reads what it wrote.
  const std::unique_ptr<Communicator> communicator =
      context.world.make_cpu_communicator(context.config.dist.timeout_s);
  const StopSignals stop_signals;  // for the whole run, between stages too
  for (const auto& [name, stage] : stages) {
    if (std::string_view(name) == "eval" && context.config.eval.registry.empty()) {
      if (leader) log_info("genvec run: eval skipped: no eval.registry in the config");
      continue;
    }
    if (leader) log_info(str_cat("genvec run: ", name));
    if (const int code = stage(context); code != 0) return code;
    // A signal during a stage that finished anyway (shard) stops the run before the next one.
    at::Tensor stop = at::tensor({stop_signal_received() != 0 ? 1 : 0}, at::kInt);
    communicator->all_reduce(stop, ReduceOp::max);
    if (stop.item<int>() != 0) {
      log_stop_reason("run", context.world.rank());
      return kExitPreempted;
    }
  }
  if (leader)
    log_info(
        "genvec run: done; the trained embedder is RUN/embedder.h5 (genvec encode and decode use "
        "it), the results are in RUN/eval/summary.md");
  return 0;
}

}  // namespace genvec
