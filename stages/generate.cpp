// `genvec generate`: every shard's queries answered by the frozen LLM -> RUN/cache/generations/
// (data/generation_cache.h). Shards are planned over ranks once (shard_plan), so every rank
// knows its work without talking. Within a shard, queries run in batches sorted by prompt length
// (longest first); each batch is one committed chunk, so a run killed at any moment resumes
// after its last batch and, the batches being the same, ends with the same cache as an
// uninterrupted run. A query's sampling seed comes from run.seed and its id,
// so neither the number of ranks nor resuming changes its answer.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <thread>

#include "common/config.h"
#include "common/errors.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/utf8.h"
#include "data/generation_cache.h"
#include "data/shards.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "models/generate.h"
#include "models/llm.h"
#include "stages/command.h"
#include "stages/fingerprints.h"
#include "stages/progress.h"

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

struct PromptBuilder {
  const Tokenizer& tokenizer;
  const ChatTemplate& chat;
  int64_t max_tokens;

  // The query as one user turn; a query too long for max_tokens is shortened (binary search
  // over its code points) until the whole prompt fits.
  std::pair<std::string, std::vector<int32_t>> build(const std::string& query) const {
    std::string prompt = chat_render_user_turn(chat, query);
    std::vector<int32_t> ids = tokenizer.encode(prompt);
    if (static_cast<int64_t>(ids.size()) <= max_tokens) return {prompt, ids};
    const std::vector<uint32_t> codepoints = utf8_decode(query);
    size_t low = 0, high = codepoints.size();
    while (low < high) {
      const size_t mid = (low + high + 1) / 2;
      const std::string candidate =
          chat_render_user_turn(chat, utf8_encode({codepoints.begin(), codepoints.begin() + mid}));
      if (static_cast<int64_t>(tokenizer.encode(candidate).size()) <= max_tokens)
        low = mid;
      else
        high = mid - 1;
    }
    if (low == 0)
      throw ConfigError("generate.max_prompt_tokens = " + std::to_string(max_tokens) +
                            " leaves no room for a query after the chat template",
                        "raise generate.max_prompt_tokens");
    prompt =
        chat_render_user_turn(chat, utf8_encode({codepoints.begin(), codepoints.begin() + low}));
    return {prompt, tokenizer.encode(prompt)};
  }
};

// Rows committed and shards finished over all ranks, read from the caches on the shared file
// system. Another rank may be merging a shard while this reads: the state of that moment is
// skipped and the previous one kept.
struct GlobalState {
  int64_t rows = 0;
  size_t finished = 0;
};
GlobalState global_state(const fs::path& cache_dir, const std::vector<ShardEntry>& shards,
                         const GlobalState& previous) {
  GlobalState state;
  try {
    for (const ShardEntry& shard : shards) {
      const GenerationShardState s = generation_shard_state(cache_dir, shard.name());
      state.rows += s.committed_rows;
      state.finished += s.finished;
    }
  } catch (const std::exception&) {
    return previous;
  }
  return state;
}

}  // namespace

int generate_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const GenerateConfig& g = config.generate;
  const fs::path shard_dir = fs::path(config.run.dir) / "shards";
  const fs::path cache_dir = fs::path(config.run.dir) / "cache" / "generations";
  const std::vector<ShardEntry> shards = shard_manifest_entries(shard_dir);
  const fs::path model = config.model.path;
  const GenerationSetup setup = generation_setup(config);
  const Tokenizer& tokenizer = *setup.text.tokenizer;
  const PromptBuilder prompts{tokenizer, setup.chat, g.max_prompt_tokens};
  // Fault injection for the resume tests: the process kills itself (SIGKILL, as a preempted job
  // would be) after committing this many chunks.
  const char* kill_after = std::getenv("GENVEC_FAULT_KILL_AFTER_CHUNKS");
  int64_t chunks_left = kill_after ? std::atoll(kill_after) : -1;

  std::optional<Llm> llm;
  int64_t queries_done = 0, tokens_done = 0, shards_done = 0;
  // Where the time goes, for the stage's overhead over the model runtime's generation loop.
  double load_seconds = 0, generate_seconds = 0;
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const auto start = std::chrono::steady_clock::now();
  const auto plan = shard_plan(shards, world.size());
  // Rank 0 shows the whole job's progress, counted from the caches all ranks write.
  int64_t total_rows = 0;
  for (const ShardEntry& shard : shards) total_rows += shard.rows;
  std::optional<Progress> progress;
  GlobalState global;
  if (world.rank() == 0) {
    if (!context.has_flag("--force")) global = global_state(cache_dir, shards, global);
    progress.emplace("generate", total_rows, global.rows);
  }
  for (const size_t s : plan[world.rank()]) {
    const ShardEntry& shard = shards[s];
    const std::string name = shard.name();
    const GenerationCacheInfo info = generation_cache_info(setup, shard);
    GenerationShardCache cache(cache_dir, name, info, context.has_flag("--force"));
    ++shards_done;
    if (cache.finished()) {
      log_info(str_cat(name, ": already generated (", cache.committed_rows(), " rows)"));
      continue;
    }
    if (!llm) {
      const auto load_start = std::chrono::steady_clock::now();
      llm = with_context("loading " + model.string(), [&] { return Llm::load(model); });
      load_seconds = seconds_since(load_start);
    }
    const std::vector<ShardQuery> queries = shard_read(shard_dir / shard.file);
    std::vector<std::pair<std::string, std::vector<int32_t>>> built;
    for (const ShardQuery& query : queries) built.push_back(prompts.build(query.text));
    std::vector<size_t> order(queries.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return built[a].second.size() > built[b].second.size();
    });
    for (size_t first = cache.committed_rows(); first < order.size(); first += g.batch_size) {
      const size_t end = std::min(order.size(), first + static_cast<size_t>(g.batch_size));
      std::vector<GenerationRequest> requests;
      for (size_t i = first; i < end; ++i)
        requests.push_back({built[order[i]].second, StableHash()
                                                        .add_field(std::to_string(config.run.seed))
                                                        .add_field(queries[order[i]].id)
                                                        .value()});
      const auto generate_start = std::chrono::steady_clock::now();
      const std::vector<Generation> answers = generate(*llm, requests, setup.params);
      generate_seconds += seconds_since(generate_start);
      std::vector<GenerationRow> rows;
      for (size_t i = first; i < end; ++i) {
        const Generation& answer = answers[i - first];
        const ShardQuery& query = queries[order[i]];
        rows.push_back({query.id, query.text, built[order[i]].first,
                        clean_text(tokenizer.decode(answer.tokens)), answer.tokens,
                        answer.finish_reason});
        tokens_done += static_cast<int64_t>(answer.tokens.size());
      }
      cache.append(rows);
      queries_done += static_cast<int64_t>(rows.size());
      log_info(str_cat(name, ": ", cache.committed_rows(), "/", queries.size(), " queries, ",
                       static_cast<int64_t>(tokens_done / std::max(seconds_since(start), 1e-9)),
                       " generated tokens/s"));
      if (chunks_left > 0 && --chunks_left == 0) std::raise(SIGKILL);
      if (progress && progress->due())
        progress->update((global = global_state(cache_dir, shards, global)).rows);
    }
    cache.finish();
  }
  if (progress) {  // rank 0's own shards are done: follow the others until they are too
    while ((global = global_state(cache_dir, shards, global)).finished < shards.size()) {
      progress->update(global.rows);
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    progress->finish(global.rows);
  }

  // Totals over all ranks for the one summary rank 0 prints.
  const double busy_seconds = seconds_since(start);
  auto communicator = world.make_cpu_communicator(config.dist.timeout_s);
  at::Tensor totals = at::tensor({queries_done, tokens_done, shards_done}, at::kLong);
  communicator->all_reduce(totals, ReduceOp::sum);
  at::Tensor times = at::tensor({load_seconds, generate_seconds, busy_seconds}, at::kDouble);
  communicator->all_reduce(times, ReduceOp::sum);
  if (world.rank() == 0 && totals[0].item<int64_t>() == 0) {
    std::cout << "all " << shards.size() << " shards are generated already; nothing to do "
              << "(--force redoes them)\n";
  } else if (world.rank() == 0) {
    const double seconds = seconds_since(start);
    const double load = times[0].item<double>(), loop = times[1].item<double>();
    const double other = times[2].item<double>() - load - loop;
    std::cout << "generated " << totals[0].item<int64_t>() << " answers ("
              << totals[1].item<int64_t>() << " tokens) in " << seconds << " s ("
              << totals[0].item<int64_t>() / std::max(seconds, 1e-9) << " queries/s, "
              << totals[1].item<int64_t>() / std::max(seconds, 1e-9) << " tokens/s); "
              << totals[2].item<int64_t>() << " of " << shards.size() << " shards done, in "
              << cache_dir.string() << "\n"
              << "  summed over ranks: model load " << load << " s, generation loop " << loop
              << " s, the stage's own work (prompts, decoding, caches) " << other
              << " s = " << 100.0 * other / std::max(loop, 1e-9) << "% of the loop\n";
  }
  return 0;
}

}  // namespace genvec
