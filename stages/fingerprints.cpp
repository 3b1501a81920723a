// Cache fingerprints: see fingerprints.h.
#include "stages/fingerprints.h"

#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/utf8.h"
#include "common/version.h"
#include "dist/world.h"
#include "models/teacher.h"

namespace genvec {

Placement stage_placement(const Config& config, const WorldInfo& world) {
  return placement_resolve(config.model.device, config.model.dtype, world.cuda_device);
}

GenerationSetup generation_setup(const Config& config, const Placement& placement) {
  const std::string model = config.model.path;
  const GenerateConfig& g = config.generate;
  GenerationSetup setup;
  setup.text =
      with_context("loading the tokenizer of " + model, [&] { return load_llm_text_side(model); });
  if (setup.text.chat_template.empty())
    throw ConfigError(model + " has no chat template",
                      "the generate stage answers queries as chat turns; use an instruct model");
  setup.chat = chat_template_detect(setup.text.chat_template, model);
  SamplingParams& params = setup.params;
  params.max_new_tokens = g.max_new_tokens;
  params.temperature = g.temperature;
  params.top_k = g.top_k;
  params.top_p = g.top_p;
  params.stop_ids = setup.text.extra_stop_ids;
  const Tokenizer& tokenizer = *setup.text.tokenizer;
  if (tokenizer.eos_id) params.stop_ids.push_back(*tokenizer.eos_id);
  for (const std::string& end : setup.chat.end_of_turn)
    if (auto id = tokenizer.token_id(end)) params.stop_ids.push_back(*id);
  // Batch size is part of it: padding changes a batch's float sums, and so, rarely, a token.
  setup.decoding =
      str_cat("max_new_tokens=", g.max_new_tokens, " max_prompt_tokens=", g.max_prompt_tokens,
              " temperature=", g.temperature, " top_k=", g.top_k, " top_p=", g.top_p,
              " batch_size=", g.batch_size, " seed=", config.run.seed, " on ",
              placement.describe());
  setup.model_id = file_identity(model);
  return setup;
}

GenerationCacheInfo generation_cache_info(const GenerationSetup& setup, const ShardEntry& shard) {
  return {StableHash()
              .add_field(shard.checksum)
              .add_field(setup.model_id)
              .add_field(setup.text.chat_template)
              .add_field(setup.decoding)
              .add_field("generation-cache-v1")
              .add_field(kNumericsVersion)
              .hex(),
          setup.decoding};
}

int64_t teacher_chunk_rows(const Config& config) { return 16 * config.teacher.batch_size; }

std::string teacher_fingerprint(const std::string& generation_checksum, const Teacher& teacher,
                                const std::string& teacher_id, int64_t chunk_rows) {
  return StableHash()
      .add_field(generation_checksum)
      .add_field(teacher.describe())
      .add_field(teacher_id)
      .add_field("chunk_rows=" + std::to_string(chunk_rows))
      .add_field("teacher-cache-v2")
      .add_field(kNumericsVersion)
      .hex();
}

std::string generation_content_checksum(const std::filesystem::path& dir, const std::string& name) {
  const ShardChunksState state = generation_shard_state(dir, name);
  const std::string file = (dir / (name + ".h5")).string();
  if (!state.finished)
    throw ConfigError(file + " is not there: " + name + " is not generated yet",
                      "run `genvec generate` with this config first");
  if (state.content_checksum.empty())
    throw ConfigError(file + " has no content_checksum: an older genvec made it",
                      "rerun `genvec generate --force` with this config");
  return state.content_checksum;
}

std::pair<std::string, std::vector<int32_t>> generation_prompt(const GenerationSetup& setup,
                                                               const std::string& query,
                                                               int64_t max_tokens) {
  const Tokenizer& tokenizer = *setup.text.tokenizer;
  std::string prompt = chat_render_user_turn(setup.chat, query);
  std::vector<int32_t> ids = tokenizer.encode(prompt);
  if (static_cast<int64_t>(ids.size()) <= max_tokens) return {prompt, ids};
  const std::vector<uint32_t> codepoints = utf8_decode(query);
  size_t low = 0, high = codepoints.size();
  while (low < high) {
    const size_t mid = (low + high + 1) / 2;
    const std::string candidate = chat_render_user_turn(
        setup.chat, utf8_encode({codepoints.begin(), codepoints.begin() + mid}));
    if (static_cast<int64_t>(tokenizer.encode(candidate).size()) <= max_tokens)
      low = mid;
    else
      high = mid - 1;
  }
  if (low == 0)
    throw ConfigError("generate.max_prompt_tokens = " + std::to_string(max_tokens) +
                          " leaves no room for a query after the chat template",
                      "raise generate.max_prompt_tokens");
  prompt = chat_render_user_turn(setup.chat,
                                 utf8_encode({codepoints.begin(), codepoints.begin() + low}));
  return {prompt, tokenizer.encode(prompt)};
}

}  // namespace genvec
