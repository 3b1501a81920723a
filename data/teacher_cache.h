// The teacher stage's cache of one shard: RUN/cache/teacher/<shard>.h5 with datasets query_id
// (UTF-8 strings, in the generation cache's row order) and embedding [n, d] float32, and
// attributes fingerprint, teacher (the teacher's settings), dimension, committed_rows,
// genvec_version. Embedding is cheap next to generation, so a shard's file is written whole
// (atomically) once the shard is done: a killed run redoes at most the shards it was on.
// Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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
};

void teacher_file_write(const std::filesystem::path& file, const TeacherShard& shard);
TeacherShard teacher_file_read(const std::filesystem::path& file);
// The attributes of a finished file; nullopt when there is none.
std::optional<TeacherCacheInfo> teacher_file_info(const std::filesystem::path& file);

}  // namespace genvec
