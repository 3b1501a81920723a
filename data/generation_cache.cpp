// Generation caches in HDF5: see generation_cache.h.
#include "data/generation_cache.h"

#include <algorithm>
#include <cstdio>

#include "common/errors.h"
#include "common/hash.h"
#include "common/version.h"
#include "data/hdf5_file.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

constexpr ShardCacheKind kGenerationCache{"other inputs or settings", "decoding"};

template <class Field>
std::vector<Field> column(const std::vector<GenerationRow>& rows, Field GenerationRow::*field) {
  std::vector<Field> values;
  for (const GenerationRow& row : rows) values.push_back(row.*field);
  return values;
}

// Every field of every row, in order: what the teacher's and the trainer's fingerprints chain to.
std::string rows_checksum(const std::vector<GenerationRow>& rows) {
  StableHash hash;
  for (const GenerationRow& row : rows) {
    hash.add_field(row.id).add_field(row.query).add_field(row.prompt).add_field(row.completion);
    for (const int32_t id : row.token_ids) hash.add(std::to_string(id) + ",");
    hash.add_field(row.finish_reason);
  }
  return hash.hex();
}

}  // namespace

void generation_file_write(const fs::path& path, const std::vector<GenerationRow>& rows,
                           const GenerationCacheInfo& info) {
  Hdf5Writer file(path);
  file.strings("query_id", column(rows, &GenerationRow::id));
  file.strings("query", column(rows, &GenerationRow::query));
  file.strings("prompt", column(rows, &GenerationRow::prompt));
  file.strings("completion", column(rows, &GenerationRow::completion));
  file.int32_lists("completion_token_ids", column(rows, &GenerationRow::token_ids));
  file.strings("finish_reason", column(rows, &GenerationRow::finish_reason));
  file.attribute("fingerprint", info.fingerprint);
  file.attribute("decoding", info.decoding);
  file.attribute("genvec_version", std::string(genvec_version()));
  file.attribute("committed_rows", static_cast<int64_t>(rows.size()));
  file.attribute("content_checksum", rows_checksum(rows));
  file.close();
}

std::vector<GenerationRow> generation_file_read(const fs::path& path, GenerationCacheInfo* info) {
  const Hdf5Reader file(path);
  if (info)
    *info = {file.string_attribute("fingerprint"), file.string_attribute("decoding"),
             file.has_attribute("content_checksum") ? file.string_attribute("content_checksum")
                                                    : ""};
  const int64_t rows = file.int_attribute("committed_rows");
  std::vector<GenerationRow> out(rows);
  for (const auto& [name, field] : {std::pair{"query_id", &GenerationRow::id},
                                    {"query", &GenerationRow::query},
                                    {"prompt", &GenerationRow::prompt},
                                    {"completion", &GenerationRow::completion},
                                    {"finish_reason", &GenerationRow::finish_reason}}) {
    std::vector<std::string> values = file.strings(name, rows);
    for (int64_t i = 0; i < rows; ++i) out[i].*field = std::move(values[i]);
  }
  std::vector<std::vector<int32_t>> ids = file.int32_lists("completion_token_ids", rows);
  for (int64_t i = 0; i < rows; ++i) out[i].token_ids = std::move(ids[i]);
  return out;
}

GenerationShardCache::GenerationShardCache(fs::path dir, std::string name, GenerationCacheInfo info)
    : chunks_(std::move(dir), std::move(name)), info_(std::move(info)) {}

ShardChunksState GenerationShardCache::prepare(bool force) const {
  return chunks_.prepare(info_.fingerprint, force, kGenerationCache);
}

void GenerationShardCache::write_batch(int64_t batch,
                                       const std::vector<GenerationRow>& rows) const {
  generation_file_write(chunks_.chunk_file(batch), rows, info_);
}

void GenerationShardCache::merge(int64_t batches, int64_t rows) const {
  std::vector<GenerationRow> merged;
  for (const fs::path& chunk : chunks_.chunks_to_merge(batches)) {
    std::vector<GenerationRow> part =
        chunks_.read_chunk(chunk, [&] { return generation_file_read(chunk); });
    merged.insert(merged.end(), std::make_move_iterator(part.begin()),
                  std::make_move_iterator(part.end()));
  }
  if (static_cast<int64_t>(merged.size()) != rows)
    throw IoError(chunks_.chunk_dir().string() + ": the chunks hold " +
                      std::to_string(merged.size()) + " rows, the shard has " +
                      std::to_string(rows),
                  "rerun the stage with --force");
  generation_file_write(file(), merged, info_);
  chunks_.remove_chunks();
}

ShardChunksState generation_shard_state(const fs::path& dir, const std::string& name) {
  return ShardChunks(dir, name).state();
}

}  // namespace genvec
