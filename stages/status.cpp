// `genvec status`: where a run stands, per stage and shard: rows committed / total and whether
// each cache still matches what the current config would make (a mismatch is what the stage
// would refuse without --force). Reads only; rank 0 reports.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>

#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "data/generation_cache.h"
#include "data/shards.h"
#include "data/teacher_cache.h"
#include "dist/world.h"
#include "models/teacher.h"
#include "stages/command.h"
#include "stages/fingerprints.h"
#include "training/checkpoint.h"

namespace genvec {

namespace fs = std::filesystem;

namespace {

void row(const std::string& shard, int64_t done, int64_t total, const std::string& state,
         const std::string& match) {
  std::cout << "  " << std::left << std::setw(24) << shard << std::right << std::setw(8) << done
            << " / " << std::left << std::setw(8) << total << std::setw(13) << state << match
            << "\n";
}

}  // namespace

int status_main(const CommandContext& context) {
  if (context.world.rank() != 0) return 0;
  const Config& config = context.config;
  const fs::path run = config.run.dir;
  std::cout << "run " << run.string() << "\n";

  const fs::path shard_dir = run / "shards";
  const auto recorded = shard_manifest_fingerprint(shard_dir);
  if (!recorded) {
    std::cout << "shard      not done (genvec shard)\n";
    return 0;
  }
  const ShardOptions options = shard_options(config);
  std::string inputs = "inputs changed since: genvec shard --force redoes it";
  try {
    if (*recorded == shard_input_fingerprint(query_files_expand(config.data.files), options))
      inputs = "matches [data]";
  } catch (const IoError& e) {
    inputs = std::string("inputs unreadable: ") + e.what();
  }
  const std::vector<ShardEntry> shards = shard_manifest_entries(shard_dir);
  int64_t total = 0;
  for (const ShardEntry& shard : shards) total += shard.rows;
  std::cout << "shard      done: " << shards.size() << " shards, " << total << " queries; "
            << inputs << "\n";

  const fs::path generations = run / "cache" / "generations";
  const Placement placement = stage_placement(config, context.world.info());
  const GenerationSetup setup = generation_setup(config, placement);
  std::cout << "generate   " << config.model.path << " (" << setup.decoding << ")\n";
  std::vector<std::string> generation_checksums;  // of finished caches, "" otherwise
  for (const ShardEntry& shard : shards) {
    const std::string name = shard.name();
    const ShardChunksState state = generation_shard_state(generations, name);
    const std::string wanted = generation_cache_info(setup, shard).fingerprint;
    generation_checksums.push_back(state.finished ? state.content_checksum : "");
    row(name, state.committed_rows, shard.rows,
        state.finished         ? "finished"
        : state.committed_rows ? "in progress"
                               : "not started",
        state.fingerprint.empty()     ? ""
        : state.fingerprint == wanted ? "matches the config"
                                      : "made with other settings (--force redoes it)");
  }

  const fs::path teacher_dir = run / "cache" / "teacher";
  std::unique_ptr<Teacher> teacher;  // loaded only to check caches that exist
  std::optional<std::string> teacher_id;
  std::cout << "teacher    " << config.teacher.kind << " " << teacher_model_path(config).string()
            << "\n";
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string name = shards[i].name();
    const ShardChunksState state = teacher_shard_state(teacher_dir, name);
    if (state.fingerprint.empty()) {
      row(name, 0, shards[i].rows, "not started", "");
      continue;
    }
    if (!teacher) {
      teacher = make_teacher(config, placement);
      teacher_id = file_identity(teacher_model_path(config));
    }
    const bool current =
        !generation_checksums[i].empty() &&
        state.fingerprint == teacher_fingerprint(generation_checksums[i], *teacher, *teacher_id,
                                                 teacher_chunk_rows(config));
    row(name, state.committed_rows, shards[i].rows, state.finished ? "finished" : "in progress",
        current ? "matches the config" : "made from other responses or settings");
  }

  const CheckpointDir checkpoints(run / "checkpoints");
  if (const std::optional<int64_t> newest = checkpoints.latest_step(); !newest) {
    std::cout << "train      not started (genvec train)\n";
  } else {
    std::cout << "train      newest checkpoint " << checkpoints.file_for(*newest).filename().string()
              << " of " << config.train.max_steps
              << " steps"
              << (fs::exists(run / "embedder.h5") ? "; finished, embedder in RUN/embedder.h5"
                                                  : "; rerun genvec train to continue")
              << "\n";
  }
  return 0;
}

}  // namespace genvec
