// `genvec generate`: every shard's queries answered by the frozen LLM -> RUN/cache/generations/
// (data/generation_cache.h). Within a shard, queries run in batches sorted by prompt length
// (longest first); each batch is one committed chunk, handed out by rank 0 to whichever rank is
// free (stages/work_source.h), so a run killed at any moment resumes with the batches it had
// not committed and, the batches being the same, ends with the same cache as an uninterrupted
// run. A query's sampling seed comes from run.seed and its id, so neither the number of ranks
// nor resuming changes its answer.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <utility>

#include "common/config.h"
#include "common/errors.h"
#include "common/fault_injection.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "common/utf8.h"
#include "data/generation_cache.h"
#include "data/shards.h"
#include "data/work_schedule.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "models/generate.h"
#include "models/llm.h"
#include "stages/command.h"
#include "stages/fingerprints.h"
#include "stages/work_source.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// Text without what an HDF5 string cannot hold faithfully: broken UTF-8 (a response cut by the
// token budget may end inside a character) and NUL bytes become U+FFFD.
std::string clean_text(const std::string& text) {
  std::vector<uint32_t> codepoints = utf8_decode(text);
  for (uint32_t& cp : codepoints)
    if (cp == 0) cp = kReplacementCharacter;
  return utf8_encode(codepoints);
}

// The shard a rank is on: its queries, their prompts, and the batch plan (prompt length order).
struct OpenShard {
  int64_t index = -1;
  std::vector<ShardQuery> queries;
  std::vector<std::pair<std::string, std::vector<int32_t>>> prompts;
  std::vector<size_t> order;
};

OpenShard shard_open(int64_t index, const fs::path& file, const GenerationSetup& setup,
                     int64_t max_prompt_tokens) {
  OpenShard shard{index, shard_read(file), {}, {}};
  std::vector<size_t> lengths;
  for (const ShardQuery& query : shard.queries) {
    shard.prompts.push_back(generation_prompt(setup, query.text, max_prompt_tokens));
    lengths.push_back(shard.prompts.back().second.size());
  }
  shard.order = work_batch_order(lengths);
  return shard;
}

// With --shard I, the one shard a job array task works on.
std::vector<ShardEntry> only_requested_shard(std::vector<ShardEntry> shards,
                                             const std::string* requested, const fs::path& dir) {
  if (!requested) return shards;
  const std::optional<int64_t> index = shard_index_parse(*requested);
  if (!index || *index >= static_cast<int64_t>(shards.size()))
    throw ConfigError("--shard " + *requested + ": " + dir.string() + " holds shards 0 to " +
                          std::to_string(shards.size() - 1),
                      "pass a shard number in that range (a job array: --array=0-" +
                          std::to_string(shards.size() - 1) + ")");
  return {shards[static_cast<size_t>(*index)]};
}

}  // namespace

int generate_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const GenerateConfig& g = config.generate;
  const fs::path shard_dir = fs::path(config.run.dir) / "shards";
  const fs::path cache_dir = fs::path(config.run.dir) / "cache" / "generations";
  const std::vector<ShardEntry> shards =
      only_requested_shard(shard_manifest_entries(shard_dir), context.value("--shard"), shard_dir);
  const fs::path model = config.model.path;
  const Placement placement = stage_placement(config, world.info());
  const GenerationSetup setup = generation_setup(config, placement);
  const Tokenizer& tokenizer = *setup.text.tokenizer;
  auto cache_of = [&](int64_t s) {
    return GenerationShardCache(cache_dir, shards[s].name(),
                                generation_cache_info(setup, shards[s]));
  };
  FaultKillSwitch kill_switch;
  const StopSignals stop_signals;  // the batch in flight is committed, then the stage stops

  WorkSource work(
      world, config, "generate", "generated tokens", shards, g.batch_size, [&](size_t s) {
        const ShardChunksState state = cache_of(s).prepare(context.has_flag("--force"));
        if (state.finished)
          log_info(
              str_cat(shards[s].name(), ": already generated (", state.committed_rows, " rows)"));
        return state;
      });

  std::optional<Llm> llm;
  int64_t queries_done = 0, tokens_done = 0, merges_done = 0;
  // Where the time goes, for the stage's overhead over the model runtime's generation loop.
  double load_seconds = 0, generate_seconds = 0;
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const auto start = std::chrono::steady_clock::now();
  OpenShard open;
  int64_t batch_tokens = 0;  // generated by the batch just done, for rank 0's progress line
  for (WorkItem item = work.next({}); item.kind != WorkItem::Kind::none;
       item = work.next(item, std::exchange(batch_tokens, 0))) {
    const ShardEntry& shard = shards[item.shard];
    const GenerationShardCache cache = cache_of(item.shard);
    if (item.kind == WorkItem::Kind::merge) {
      cache.merge(work.batches(item.shard), shard.rows);
      ++merges_done;
      log_info(
          str_cat(shard.name(), ": finished, ", shard.rows, " rows in ", cache.file().string()));
      continue;
    }
    if (open.index != item.shard)
      open = with_context(shard.name(), [&] {
        return shard_open(item.shard, shard_dir / shard.file, setup, g.max_prompt_tokens);
      });
    if (!llm) {
      const auto load_start = std::chrono::steady_clock::now();
      llm = with_context("loading " + model.string(), [&] { return Llm::load(model, placement); });
      load_seconds = seconds_since(load_start);
    }
    const int64_t first = work.batch_first(item.batch);
    const int64_t count = work.batch_count(item.shard, item.batch);
    std::vector<GenerationRequest> requests;
    for (int64_t i = first; i < first + count; ++i) {
      const size_t q = open.order[i];
      requests.push_back({open.prompts[q].second, StableHash()
                                                      .add_field(std::to_string(config.run.seed))
                                                      .add_field(open.queries[q].id)
                                                      .value()});
    }
    const auto generate_start = std::chrono::steady_clock::now();
    const std::vector<Generation> answers = generate(*llm, requests, setup.params);
    generate_seconds += seconds_since(generate_start);
    std::vector<GenerationRow> rows;
    for (int64_t i = first; i < first + count; ++i) {
      const Generation& answer = answers[i - first];
      const size_t q = open.order[i];
      rows.push_back({open.queries[q].id, open.queries[q].text, open.prompts[q].first,
                      clean_text(tokenizer.decode(answer.tokens)), answer.tokens,
                      answer.finish_reason});
      batch_tokens += static_cast<int64_t>(answer.tokens.size());
    }
    cache.write_batch(item.batch, rows);
    queries_done += count;
    tokens_done += batch_tokens;
    log_info(str_cat(shard.name(), ": batch ", item.batch + 1, "/", work.batches(item.shard),
                     " committed (", count, " queries), ",
                     static_cast<int64_t>(tokens_done / std::max(seconds_since(start), 1e-9)),
                     " generated tokens/s on this rank"));
    kill_switch.after_commit();
  }
  const double busy_seconds = seconds_since(start);  // until this rank had no more work
  // Rank 0 shows the progress of the others until they are done too.
  if (work.finish()) return kExitPreempted;

  // Totals over all ranks for the one summary rank 0 prints.
  auto communicator = world.make_cpu_communicator(config.dist.timeout_s);
  at::Tensor totals = at::tensor({queries_done, tokens_done, merges_done}, at::kLong);
  communicator->all_reduce(totals, ReduceOp::sum);
  at::Tensor times = at::tensor({load_seconds, generate_seconds, busy_seconds}, at::kDouble);
  communicator->all_reduce(times, ReduceOp::sum);
  const std::string* one_shard = context.value("--shard");
  const std::string scope =
      one_shard ? "shard " + *one_shard : "all " + std::to_string(shards.size()) + " shards";
  if (world.rank() == 0 && totals[0].item<int64_t>() == 0 && totals[2].item<int64_t>() == 0) {
    std::cout << scope << (one_shard ? " is" : " are")
              << " generated already; nothing to do (--force redoes them)\n";
  } else if (world.rank() == 0) {
    const double seconds = seconds_since(start);
    const double load = times[0].item<double>(), loop = times[1].item<double>();
    const double other = times[2].item<double>() - load - loop;
    std::cout << "generated " << totals[0].item<int64_t>() << " answers ("
              << totals[1].item<int64_t>() << " tokens) in " << seconds << " s ("
              << totals[0].item<int64_t>() / std::max(seconds, 1e-9) << " queries/s, "
              << totals[1].item<int64_t>() / std::max(seconds, 1e-9) << " tokens/s) on "
              << world.size() << " rank(s), " << config.dist.schedule << " schedule; " << scope
              << " done, in " << cache_dir.string() << "\n"
              << "  summed over ranks: model load " << load << " s, generation loop " << loop
              << " s, the stage's own work (prompts, decoding, caches, asking for work) " << other
              << " s = " << 100.0 * other / std::max(loop, 1e-9) << "% of the loop\n";
  }
  return 0;
}

}  // namespace genvec
