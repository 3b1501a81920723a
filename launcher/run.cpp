// The launcher's run path and error guard: see run.h.
#include "launcher/run.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/run_lock.h"
#include "data/shards.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "models/builtin_model.h"

namespace genvec {

bool launcher_is_first_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* value = std::getenv(name)) return std::string(value) == "0";
  return true;
}

void launcher_print_error(const std::exception& error) {
  std::cerr << "genvec: error: " << error.what() << "\n";
  if (auto* e = dynamic_cast<const Error*>(&error); e && !e->hint().empty())
    std::cerr << "---> HINT: " << e->hint() << "\n";
}

int launcher_guard(const World& world, std::string_view command, const std::function<int()>& body) {
  int code = kExitError;
  std::string hint;
  try {
    return body();
  } catch (const Error& e) {
    code = dynamic_cast<const ConfigError*>(&e) ? kExitUsage : kExitError;
    hint = e.hint();
    log_error(str_cat("genvec ", command, " failed on rank ", world.rank(), " (", world.info().host,
                      "): ", e.what()));
  } catch (const std::exception& e) {
    hint = "this looks like a bug in genvec or a library; report it with the logs in RUN/logs/";
    log_error(str_cat("genvec ", command, " failed on rank ", world.rank(), " (", world.info().host,
                      "): internal error: ", e.what()));
  }
  if (!hint.empty()) log_error("---> HINT: " + hint);
  log_flush();
  if (world.size() > 1) world.abort(code);
  return code;
}

int launcher_run(const CommandLine& command_line, int* argc, char*** argv) {
  std::unique_ptr<World> world;
  try {
    world = std::make_unique<World>(argc, argv);
  } catch (const Error& e) {
    launcher_print_error(e);
    return kExitError;
  }
  log_init(world->rank(), "info", nullptr);  // until the config names the level and run dir
  const CommandSpec& command = *command_line.command;
  return launcher_guard(*world, command.name, [&] {
    const std::filesystem::path* file =
        command_line.config_file ? &*command_line.config_file : nullptr;
    const Config config = config_load(file, command_line.overrides);
    const std::filesystem::path run_dir = config.run.dir;
    // One job per run directory: rank 0 holds the lock for the job; the others wait until it has
    // it (if it cannot, it fails and the job ends), so no rank of a second job writes anything,
    // its logs included.
    // The tasks of a generation job array (generate --shard I) run at once on one run directory,
    // each on its own shard, so each holds that shard's lock (a value that is not a number gets
    // the run's lock; generate rejects it).
    std::unique_ptr<RunLock> lock;
    const auto shard_value = command_line.values.find("--shard");
    const std::optional<int64_t> shard = shard_value == command_line.values.end()
                                             ? std::nullopt
                                             : shard_index_parse(shard_value->second);
    const std::string lock_name =
        shard ? "genvec-shard-" + std::to_string(*shard) + ".lock" : "genvec.lock";
    if (command.uses_run_dir) {
      if (world->rank() == 0) lock = std::make_unique<RunLock>(run_dir, lock_name);
      world->make_cpu_communicator(config.dist.timeout_s)->barrier();
    }
    log_init(world->rank(), config.log.level, command.uses_run_dir ? &run_dir : nullptr);

    if (command.uses_model && !config.model.builtin.empty())
      builtin_model_ensure(config.model.builtin, config.model.path);

    const WorldInfo& info = world->info();
    const int threads = config.dist.threads_per_rank > 0
                            ? static_cast<int>(config.dist.threads_per_rank)
                            : info.cores;
    at::set_num_threads(threads);
    log_debug(str_cat("genvec ", command.name, ": rank ", info.rank, "/", info.size, " on ",
                      info.host, " (local rank ", info.local_rank, "/", info.local_size, "), ",
                      threads, " thread(s), cuda device ", info.cuda_device));
    const int code =
        command.main(CommandContext{config, *world, command_line.flags, command_line.values});
    // Ranks agree on the outcome: if any rank's command failed, every rank reports it.
    at::Tensor worst = at::tensor({code}, at::kInt);
    world->make_cpu_communicator(config.dist.timeout_s)->all_reduce(worst, ReduceOp::max);
    return worst.item<int>();
  });
}

}  // namespace genvec
