// Teacher caches in HDF5: see teacher_cache.h.
#include "data/teacher_cache.h"

#include <algorithm>

#include "common/errors.h"
#include "common/hash.h"
#include "common/version.h"
#include "data/hdf5_file.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

constexpr ShardCacheKind kTeacherCache{"other responses or teacher settings", "teacher"};

// The ids and the embeddings' exact bits, in order: what the trainer's fingerprint chains to.
std::string shard_checksum(const TeacherShard& shard) {
  StableHash hash;
  for (const std::string& id : shard.ids) hash.add_field(id);
  hash.add(std::string_view(reinterpret_cast<const char*>(shard.embeddings.data()),
                            shard.embeddings.size() * sizeof(float)));
  return hash.hex();
}

}  // namespace

void teacher_file_write(const fs::path& path, const TeacherShard& shard) {
  const int64_t rows = static_cast<int64_t>(shard.ids.size());
  if (static_cast<int64_t>(shard.embeddings.size()) != rows * shard.dimension)
    throw IoError(path.string() + ": " + std::to_string(rows) + " ids but " +
                  std::to_string(shard.embeddings.size()) + " embedding values");
  if (!shard.generation_rows.empty() && static_cast<int64_t>(shard.generation_rows.size()) != rows)
    throw IoError(path.string() + ": " + std::to_string(rows) + " ids but " +
                  std::to_string(shard.generation_rows.size()) + " row positions");
  Hdf5Writer file(path);
  file.strings("query_id", shard.ids);
  file.float_matrix("embedding", shard.embeddings.data(), rows, shard.dimension);
  if (!shard.generation_rows.empty()) file.int64s("generation_row", shard.generation_rows);
  file.attribute("fingerprint", shard.info.fingerprint);
  file.attribute("teacher", shard.info.teacher);
  file.attribute("dimension", shard.dimension);
  file.attribute("committed_rows", rows);
  file.attribute("genvec_version", std::string(genvec_version()));
  file.attribute("content_checksum", shard_checksum(shard));
  file.close();
}

TeacherShard teacher_file_read(const fs::path& path) {
  const Hdf5Reader file(path);
  TeacherShard shard;
  const int64_t rows = file.int_attribute("committed_rows");
  shard.info = {file.string_attribute("fingerprint"), file.string_attribute("teacher"), rows};
  shard.dimension = file.int_attribute("dimension");
  shard.ids = file.strings("query_id", rows);
  shard.embeddings = file.float_matrix("embedding", rows, shard.dimension);
  if (file.has_dataset("generation_row"))
    shard.generation_rows = file.int64s("generation_row", rows);
  return shard;
}

TeacherShardCache::TeacherShardCache(fs::path dir, std::string name, TeacherCacheInfo info)
    : chunks_(std::move(dir), std::move(name)), info_(std::move(info)) {}

ShardChunksState TeacherShardCache::prepare(bool force) const {
  return chunks_.prepare(info_.fingerprint, force, kTeacherCache);
}

void TeacherShardCache::write_batch(int64_t batch, TeacherShard chunk) const {
  chunk.info = info_;
  teacher_file_write(chunks_.chunk_file(batch), chunk);
}

void TeacherShardCache::merge(int64_t batches, int64_t rows) const {
  TeacherShard merged;
  merged.info = info_;
  merged.ids.resize(rows);
  std::vector<bool> seen(rows, false);
  for (const fs::path& path : chunks_.chunks_to_merge(batches)) {
    const TeacherShard chunk = chunks_.read_chunk(path, [&] { return teacher_file_read(path); });
    if (merged.dimension == 0) {
      merged.dimension = chunk.dimension;
      merged.embeddings.assign(rows * chunk.dimension, 0.0f);
    }
    if (chunk.dimension != merged.dimension || chunk.generation_rows.size() != chunk.ids.size())
      throw IoError(path.string() + ": dimension " + std::to_string(chunk.dimension) +
                        " or row positions do not match the shard's other chunks",
                    "rerun the stage with --force");
    for (size_t i = 0; i < chunk.generation_rows.size(); ++i) {
      const int64_t row = chunk.generation_rows[i];
      if (row < 0 || row >= rows || seen[row])
        throw IoError(path.string() + ": row position " + std::to_string(row) +
                          " is outside the shard's " + std::to_string(rows) + " rows or repeated",
                      "rerun the stage with --force");
      seen[row] = true;
      merged.ids[row] = chunk.ids[i];
      std::copy_n(chunk.embeddings.begin() + static_cast<std::ptrdiff_t>(i * chunk.dimension),
                  chunk.dimension,
                  merged.embeddings.begin() + static_cast<std::ptrdiff_t>(row * chunk.dimension));
    }
  }
  for (int64_t row = 0; row < rows; ++row)
    if (!seen[row])
      throw IoError(chunks_.chunk_dir().string() + ": no chunk holds row " + std::to_string(row),
                    "rerun the stage with --force");
  teacher_file_write(file(), merged);  // an empty shard has dimension 0: no chunk told it
  chunks_.remove_chunks();
}

ShardChunksState teacher_shard_state(const fs::path& dir, const std::string& name) {
  return ShardChunks(dir, name).state();
}

}  // namespace genvec
