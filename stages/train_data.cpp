// Reading the caches for training: see train_data.h.
#include "stages/train_data.h"

#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "common/hash.h"
#include "common/log.h"
#include "data/generation_cache.h"
#include "data/query_files.h"
#include "data/shards.h"
#include "data/teacher_cache.h"
#include "models/teacher.h"
#include "models/text_side.h"
#include "stages/fingerprints.h"

namespace genvec {

namespace fs = std::filesystem;

std::vector<int32_t> response_end_ids(const Config& config, const LlmTextSide& text) {
  const Tokenizer& tokenizer = *text.tokenizer;
  if (config.train.response_eos == "reference") return tokenizer.encode("<|end_of_text|>");
  if (!tokenizer.eos_id)
    throw ConfigError(config.model.path + ": the tokenizer has no EOS token to end responses with",
                      "set train.response_eos = \"reference\"");
  return {*tokenizer.eos_id};
}

TrainData train_data_load(const Config& config, const Placement& placement,
                          const GenerationSetup& setup) {
  const LlmTextSide& text = setup.text;
  const fs::path run = config.run.dir;
  const TrainConfig& t = config.train;
  const std::vector<ShardEntry> shards = shard_manifest_entries(run / "shards");
  if (shard_manifest_fingerprint(run / "shards") !=
      shard_input_fingerprint(query_files_expand(config.data.files), shard_options(config)))
    throw ConfigError((run / "shards").string() + " was made from other [data] files or settings",
                      "rerun `genvec shard --force`, then generate and teacher, with this config");
  const fs::path generations = run / "cache" / "generations";
  const fs::path teacher_dir = run / "cache" / "teacher";
  const std::unique_ptr<Teacher> teacher = make_teacher(config, placement);
  const std::string teacher_id = file_identity(teacher_model_path(config));
  const std::vector<int32_t> end_ids = response_end_ids(config, text);
  const int64_t query_budget = t.max_length - t.num_tokens;
  if (query_budget < 1)
    throw ConfigError("train.max_length (" + std::to_string(t.max_length) +
                          ") leaves no room for a query before the " +
                          std::to_string(t.num_tokens) + " special tokens",
                      "raise train.max_length");

  TrainData data;
  StableHash fingerprint;
  fingerprint.add_field("train-data-v1").add_field(t.response_eos);
  fingerprint.add_field(std::to_string(t.max_length) + "/" + std::to_string(t.num_tokens));
  fingerprint.add_field(t.empty_responses + "/" + t.truncated_responses);
  for (const ShardEntry& shard : shards) {
    const std::string name = shard.name();
    const fs::path generation_file = generations / (name + ".h5");
    const ShardChunksState generated = generation_shard_state(generations, name);
    if (!generated.finished)
      throw ConfigError(
          generation_file.string() + " is missing: shard " + name + " is not generated yet",
          "run `genvec generate` with this config first");
    if (generated.fingerprint != generation_cache_info(setup, shard).fingerprint)
      throw ConfigError(
          generation_file.string() + " was made from other queries, model or decoding settings",
          "rerun `genvec generate --force` and `genvec teacher --force` with this "
          "config");
    const fs::path teacher_file = teacher_dir / (name + ".h5");
    const ShardChunksState embedded = teacher_shard_state(teacher_dir, name);
    if (!embedded.finished)
      throw ConfigError(
          teacher_file.string() + " is missing: shard " + name + " has no teacher embeddings yet",
          "run `genvec teacher` with this config first");
    if (embedded.fingerprint != teacher_fingerprint(generated.content_checksum, *teacher,
                                                    teacher_id, teacher_chunk_rows(config)))
      throw ConfigError(
          teacher_file.string() + " was made from other responses or teacher settings",
          "rerun `genvec teacher --force` with this config");
    fingerprint.add_field(generated.content_checksum).add_field(embedded.content_checksum);

    const std::vector<GenerationRow> rows = generation_file_read(generation_file);
    const TeacherShard targets = teacher_file_read(teacher_file);
    if (targets.ids.size() != rows.size())
      throw IoError(teacher_file.string() + " holds " + std::to_string(targets.ids.size()) +
                        " rows, " + generation_file.string() + " " + std::to_string(rows.size()),
                    "rerun `genvec teacher --force`");
    if (data.teacher_size == 0) data.teacher_size = targets.dimension;
    if (targets.dimension != data.teacher_size)
      throw IoError(teacher_file.string() + ": embeddings of dimension " +
                    std::to_string(targets.dimension) + ", other shards have " +
                    std::to_string(data.teacher_size));
    for (size_t i = 0; i < rows.size(); ++i) {
      const GenerationRow& row = rows[i];
      ++data.rows_read;
      if (targets.ids[i] != row.id)
        throw IoError(teacher_file.string() + " row " + std::to_string(i) + " is query '" +
                          targets.ids[i] + "', the generation cache has '" + row.id + "'",
                      "rerun `genvec teacher --force`");
      const bool empty = row.token_ids.empty();
      const bool truncated = row.finish_reason == "length";
      data.empty_responses += empty;
      data.truncated_responses += truncated;
      if ((empty && t.empty_responses == "skip") ||
          (truncated && t.truncated_responses == "skip")) {
        ++data.skipped;
        continue;
      }
      TrainExample example;
      example.query = text.tokenizer->encode(row.query);
      if (example.query.empty())
        throw IoError(generation_file.string() + " row " + std::to_string(i) + " (query '" +
                      row.id + "'): the query has no tokens");
      if (static_cast<int64_t>(example.query.size()) > query_budget) {
        example.query.resize(query_budget);
        ++data.truncated_queries;
      }
      example.response = row.token_ids;
      example.response.insert(example.response.end(), end_ids.begin(), end_ids.end());
      example.teacher.assign(targets.embeddings.begin() + i * targets.dimension,
                             targets.embeddings.begin() + (i + 1) * targets.dimension);
      data.decoder_length.push_back(t.num_compression_tokens +
                                    static_cast<int64_t>(example.response.size()));
      data.work.push_back(2 * (data.decoder_length.back() + t.num_tokens) +
                          static_cast<int64_t>(example.query.size()));
      data.examples.push_back(std::move(example));
    }
  }
  if (data.examples.empty())
    throw ConfigError("no training examples: the caches hold " + std::to_string(data.rows_read) +
                          " rows and train.empty_responses / train.truncated_responses skipped " +
                          std::to_string(data.skipped),
                      "generate more queries or keep those responses");
  data.fingerprint = fingerprint.hex();
  return data;
}

}  // namespace genvec
