// What the generate and teacher caches are made from, as fingerprints: computed the same way by
// the stages that write the caches and by `genvec status`, which checks them. Each chains to the
// content of what it consumed (the shard's checksum, the model files' full-content identity, the
// generation cache's content_checksum) and to genvec's kNumericsVersion.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "data/generation_cache.h"
#include "data/shards.h"
#include "models/chat_template.h"
#include "models/generate.h"
#include "models/placement.h"
#include "models/text_side.h"

namespace genvec {

struct Config;
struct WorldInfo;
class Teacher;

// The LLM's text side and the decoding settings the generate stage uses.
struct GenerationSetup {
  LlmTextSide text;
  ChatTemplate chat;
  SamplingParams params;  // stop ids: EOS, the template's end of turn, generation_config's
  std::string decoding;   // the settings as text (a cache attribute)
  std::string model_id;   // file_identity of the model
};

// A query as generate sends it (and decode --answer asks it): one user turn through the chat
// template; a query too long for `max_tokens` is shortened (binary search over its code points)
// until the whole prompt fits. The prompt text and its token ids; ConfigError when not even an
// empty query fits.
std::pair<std::string, std::vector<int32_t>> generation_prompt(const GenerationSetup& setup,
                                                               const std::string& query,
                                                               int64_t max_tokens);

// The settings as the rank with `placement` decodes (device kind and dtype change the numbers, so
// they are part of the decoding text and the fingerprint). Throws ConfigError for a model without
// a chat template.
GenerationSetup generation_setup(const Config& config, const Placement& placement);

// The generation cache info of one shard: its checksum, the model, template and decoding.
GenerationCacheInfo generation_cache_info(const GenerationSetup& setup, const ShardEntry& shard);

// [model] device and dtype resolved for this rank.
Placement stage_placement(const Config& config, const WorldInfo& world);

// Responses per teacher cache chunk: a few teacher batches, so a chunk takes seconds (files stay
// few) and a killed run redoes little.
int64_t teacher_chunk_rows(const Config& config);

// The teacher cache fingerprint: the content of the generation cache it embeds, the teacher's
// settings, the identity of its weights and the chunk size (which decides the chunks' batches).
std::string teacher_fingerprint(const std::string& generation_checksum, const Teacher& teacher,
                                const std::string& teacher_id, int64_t chunk_rows);

// The content_checksum of shard `name`'s finished generation cache under `dir`; a ConfigError
// naming the stage to rerun when it is not finished or was made by a genvec without checksums.
std::string generation_content_checksum(const std::filesystem::path& dir, const std::string& name);

}  // namespace genvec
