// `genvec teacher`: every generated response embedded by the [teacher] model (models/teacher.h)
// -> RUN/cache/teacher/<shard>.h5 (data/teacher_cache.h), rows aligned with the generation
// cache by query id. Shards are planned over ranks as in generate (shard_plan); each shard is
// embedded in one call (length-sorted batches inside) and written whole. A shard whose
// generation cache, teacher settings or teacher weights changed is refused without --force.
#include <ATen/ATen.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "common/log.h"
#include "data/generation_cache.h"
#include "data/shards.h"
#include "data/teacher_cache.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "models/teacher.h"
#include "stages/command.h"
#include "stages/fingerprints.h"

namespace genvec {

namespace fs = std::filesystem;

int teacher_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const fs::path run = config.run.dir;
  const std::vector<ShardEntry> shards = shard_manifest_entries(run / "shards");
  const fs::path generations = run / "cache" / "generations";
  const fs::path out_dir = run / "cache" / "teacher";
  const std::string teacher_id = file_identity(teacher_model_path(config));

  std::unique_ptr<Teacher> teacher;  // loaded once some shard needs it
  int64_t rows_done = 0, truncated = 0, empty = 0, shards_done = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto plan = shard_plan(shards, world.size());
  for (const size_t s : plan[world.rank()]) {
    const std::string name = shards[s].name();
    const fs::path source = generations / (name + ".h5");
    const fs::path target = out_dir / (name + ".h5");
    if (!fs::exists(source))
      throw ConfigError(source.string() + " is missing: the shard is not generated yet",
                        "run `genvec generate` with this config first");
    GenerationCacheInfo generation;
    const std::vector<GenerationRow> rows = generation_file_read(source, &generation);
    if (!teacher) teacher = make_teacher(config);
    const TeacherCacheInfo info{teacher_fingerprint(generation.fingerprint, *teacher, teacher_id),
                                teacher->describe()};
    ++shards_done;
    if (const auto existing = teacher_file_info(target); existing && !context.has_flag("--force")) {
      if (existing->fingerprint == info.fingerprint) {
        log_info(str_cat(name, ": already embedded"));
        continue;
      }
      throw ConfigError(target.string() + " was made from other responses or teacher settings",
                        "rerun with --force to embed again, or restore the settings");
    }
    std::vector<std::string> texts;
    TeacherShard shard;
    shard.info = info;
    for (const GenerationRow& row : rows) {
      texts.push_back(row.completion);
      shard.ids.push_back(row.id);
    }
    EncodeReport report;
    const at::Tensor embeddings =
        with_context(source.string(), [&] { return teacher->embed(texts, &report).contiguous(); });
    shard.dimension = teacher->dimension();
    shard.embeddings.assign(embeddings.data_ptr<float>(),
                            embeddings.data_ptr<float>() + embeddings.numel());
    teacher_file_write(target, shard);
    rows_done += report.texts;
    truncated += report.truncated;
    empty += report.empty;
    log_info(str_cat(name, ": ", report.texts, " responses embedded (", report.truncated,
                     " truncated, ", report.empty, " empty)"));
  }

  auto communicator = world.make_cpu_communicator(config.dist.timeout_s);
  at::Tensor totals = at::tensor({rows_done, truncated, empty, shards_done}, at::kLong);
  communicator->all_reduce(totals, ReduceOp::sum);
  if (world.rank() != 0) return 0;
  if (totals[0].item<int64_t>() == 0) {
    std::cout << "all " << shards.size() << " shards are embedded already; nothing to do "
              << "(--force redoes them)\n";
    return 0;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "embedded " << totals[0].item<int64_t>() << " responses in " << seconds << " s ("
            << totals[0].item<int64_t>() / std::max(seconds, 1e-9) << " per second; "
            << totals[1].item<int64_t>() << " truncated at teacher.max_length, "
            << totals[2].item<int64_t>() << " empty) into " << out_dir.string() << "\n";
  return 0;
}

}  // namespace genvec
