// The teacher stage's cache of one shard: RUN/cache/teacher/<shard>.h5 with datasets query_id
// (UTF-8 strings, in the generation cache's row order) and embedding [n, d] float32, and
// attributes fingerprint, teacher (the teacher's settings), dimension, committed_rows,
// content_checksum (of the ids and the embeddings' bits), genvec_version. Resumable like the
// generation cache (data/shard_chunks.h): each batch is a
// chunk holding its rows' positions in the generation cache (dataset `generation_row`), ids and
// embeddings; the merge puts the rows back in generation order. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/shard_chunks.h"

namespace genvec {

struct TeacherCacheInfo {
  std::string fingerprint;  // of the generation cache, the teacher's settings and weights
  std::string teacher;      // the teacher's settings as text, for people reading the file
  int64_t rows = 0;         // filled when read from a file
};

struct TeacherShard {
  std::vector<std::string> ids;
  std::vector<float> embeddings;  // rows x dimension, row-major
  int64_t dimension = 0;
  TeacherCacheInfo info;
  std::vector<int64_t> generation_rows;  // a chunk's rows in the generation cache; empty
                                         // in a merged file, whose order is the generation's
};

// One shard's teacher cache: batch b of the shard's batch plan is chunk b.
class TeacherShardCache {
 public:
  TeacherShardCache(std::filesystem::path dir, std::string name, TeacherCacheInfo info);

  std::filesystem::path file() const { return chunks_.file(); }
  ShardChunksState prepare(bool force) const;  // see ShardChunks::prepare
  // Commits batch `batch`: `chunk` with its rows, ids and embeddings (info is this cache's).
  void write_batch(int64_t batch, TeacherShard chunk) const;
  // Merges chunks 0 .. batches-1 into file(), rows back in generation order; the chunks must
  // cover rows 0 .. rows-1 exactly once.
  void merge(int64_t batches, int64_t rows) const;

 private:
  ShardChunks chunks_;
  TeacherCacheInfo info_;
};

// Where the cache of shard `name` under `dir` stands, read without changing anything.
ShardChunksState teacher_shard_state(const std::filesystem::path& dir, const std::string& name);

void teacher_file_write(const std::filesystem::path& file, const TeacherShard& shard);
TeacherShard teacher_file_read(const std::filesystem::path& file);

}  // namespace genvec
