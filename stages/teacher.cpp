// `genvec teacher`: every generated response embedded by the [teacher] model (models/teacher.h)
// -> RUN/cache/teacher/<shard>.h5 (data/teacher_cache.h), rows aligned with the generation
// cache. A shard's responses run in chunks of teacher_chunk_rows, longest first (so the largest
// batch comes first and tight padding follows), each chunk committed on its own and handed out
// by rank 0 to whichever rank is free (stages/work_source.h): a killed run redoes at most the
// chunks in flight. A shard whose generation cache, teacher settings or weights changed is
// refused without --force.
#include <ATen/ATen.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/errors.h"
#include "common/fault_injection.h"
#include "common/file_identity.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "data/generation_cache.h"
#include "data/shards.h"
#include "data/teacher_cache.h"
#include "data/work_schedule.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "models/teacher.h"
#include "stages/command.h"
#include "stages/fingerprints.h"
#include "stages/work_source.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// The shard a rank is on: its generation rows, their content checksum, and the chunk plan
// (responses by length, longest first).
struct OpenShard {
  int64_t index = -1;
  std::vector<GenerationRow> rows;
  std::string generation_checksum;
  std::vector<size_t> order;
};

OpenShard shard_open(int64_t index, const fs::path& generation_file) {
  OpenShard shard;
  shard.index = index;
  GenerationCacheInfo info;
  shard.rows = generation_file_read(generation_file, &info);
  shard.generation_checksum = info.content_checksum;
  std::vector<size_t> lengths;
  for (const GenerationRow& row : shard.rows) lengths.push_back(row.completion.size());
  shard.order = work_batch_order(lengths);
  return shard;
}

}  // namespace

int teacher_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const fs::path run = config.run.dir;
  const std::vector<ShardEntry> shards = shard_manifest_entries(run / "shards");
  const fs::path generations = run / "cache" / "generations";
  const fs::path out_dir = run / "cache" / "teacher";
  const int64_t chunk_rows = teacher_chunk_rows(config);
  auto generation_file = [&](int64_t s) { return generations / (shards[s].name() + ".h5"); };

  std::unique_ptr<Teacher> teacher;  // loaded once something needs it
  std::string teacher_id;
  auto load_teacher = [&] {
    if (teacher) return;
    teacher = make_teacher(config, stage_placement(config, world.info()));
    teacher_id = file_identity(teacher_model_path(config));
  };
  auto cache_of = [&](int64_t s, const std::string& generation_checksum) {
    load_teacher();
    return TeacherShardCache(
        out_dir, shards[s].name(),
        {teacher_fingerprint(generation_checksum, *teacher, teacher_id, chunk_rows),
         teacher->describe()});
  };

  if (world.rank() == 0) {  // every response must be there before any is embedded
    std::vector<std::string> missing;
    for (size_t s = 0; s < shards.size(); ++s)
      if (!fs::exists(generation_file(s))) missing.push_back(shards[s].name());
    if (!missing.empty())
      throw ConfigError(std::to_string(missing.size()) + " of " + std::to_string(shards.size()) +
                            " shards are not generated yet (" + missing.front() +
                            (missing.size() > 1 ? ", ..." : "") + " in " + generations.string() +
                            ")",
                        "run `genvec generate` with this config first");
  }
  const StopSignals stop_signals;  // the chunk in flight is committed, then the stage stops
  WorkSource work(world, config, "teacher", "", shards, chunk_rows, [&](size_t s) {
    const std::string checksum = generation_content_checksum(generations, shards[s].name());
    const ShardChunksState state = cache_of(s, checksum).prepare(context.has_flag("--force"));
    if (state.finished) log_info(str_cat(shards[s].name(), ": already embedded"));
    return state;
  });

  FaultKillSwitch kill_switch;
  int64_t rows_done = 0, truncated = 0, empty = 0, merges_done = 0;
  const auto start = std::chrono::steady_clock::now();
  OpenShard open;
  for (WorkItem item = work.next({}); item.kind != WorkItem::Kind::none; item = work.next(item)) {
    const ShardEntry& shard = shards[item.shard];
    if (item.kind == WorkItem::Kind::merge) {
      const TeacherShardCache cache =
          cache_of(item.shard, generation_content_checksum(generations, shard.name()));
      cache.merge(work.batches(item.shard), shard.rows);
      ++merges_done;
      log_info(str_cat(shard.name(), ": finished, ", shard.rows, " embeddings in ",
                       cache.file().string()));
      continue;
    }
    if (open.index != item.shard) {
      open = with_context(shard.name(),
                          [&] { return shard_open(item.shard, generation_file(item.shard)); });
      if (static_cast<int64_t>(open.rows.size()) != shard.rows)
        throw IoError(generation_file(item.shard).string() + " holds " +
                          std::to_string(open.rows.size()) + " rows, the shard " +
                          std::to_string(shard.rows),
                      "rerun `genvec generate --force`");
    }
    const TeacherShardCache cache = cache_of(item.shard, open.generation_checksum);
    const int64_t first = work.batch_first(item.batch);
    const int64_t count = work.batch_count(item.shard, item.batch);
    std::vector<std::string> texts;
    TeacherShard chunk;
    for (int64_t i = first; i < first + count; ++i) {
      const GenerationRow& row = open.rows[open.order[i]];
      texts.push_back(row.completion);
      chunk.ids.push_back(row.id);
      chunk.generation_rows.push_back(static_cast<int64_t>(open.order[i]));
    }
    EncodeReport report;
    const at::Tensor embeddings =
        with_context(str_cat(generation_file(item.shard).string(), ", chunk ", item.batch),
                     [&] { return teacher->embed(texts, &report).contiguous(); });
    chunk.dimension = teacher->dimension();
    chunk.embeddings.assign(embeddings.data_ptr<float>(),
                            embeddings.data_ptr<float>() + embeddings.numel());
    cache.write_batch(item.batch, std::move(chunk));
    rows_done += report.texts;
    truncated += report.truncated;
    empty += report.empty;
    log_info(str_cat(shard.name(), ": chunk ", item.batch + 1, "/", work.batches(item.shard),
                     " committed (", report.texts, " responses, ", report.truncated, " truncated, ",
                     report.empty, " empty)"));
    kill_switch.after_commit();
  }
  // Rank 0 shows the progress of the others until they are done too.
  if (work.finish()) return kExitPreempted;

  auto communicator = world.make_cpu_communicator(config.dist.timeout_s);
  at::Tensor totals = at::tensor({rows_done, truncated, empty, merges_done}, at::kLong);
  communicator->all_reduce(totals, ReduceOp::sum);
  if (world.rank() != 0) return 0;
  if (totals[0].item<int64_t>() == 0 && totals[3].item<int64_t>() == 0) {
    std::cout << "all " << shards.size() << " shards are embedded already; nothing to do "
              << "(--force redoes them)\n";
    return 0;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "embedded " << totals[0].item<int64_t>() << " responses in " << seconds << " s ("
            << totals[0].item<int64_t>() / std::max(seconds, 1e-9) << " per second on "
            << world.size() << " rank(s); " << totals[1].item<int64_t>()
            << " truncated at teacher.max_length, " << totals[2].item<int64_t>() << " empty) into "
            << out_dir.string() << "\n";
  return 0;
}

}  // namespace genvec
