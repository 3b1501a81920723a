// Teacher caches in HDF5: see teacher_cache.h.
#include "data/teacher_cache.h"

#include "common/errors.h"
#include "common/version.h"
#include "data/hdf5_file.h"

namespace genvec {

namespace fs = std::filesystem;

void teacher_file_write(const fs::path& path, const TeacherShard& shard) {
  const int64_t rows = static_cast<int64_t>(shard.ids.size());
  if (static_cast<int64_t>(shard.embeddings.size()) != rows * shard.dimension)
    throw IoError(path.string() + ": " + std::to_string(rows) + " ids but " +
                  std::to_string(shard.embeddings.size()) + " embedding values");
  Hdf5Writer file(path);
  file.strings("query_id", shard.ids);
  file.float_matrix("embedding", shard.embeddings.data(), rows, shard.dimension);
  file.attribute("fingerprint", shard.info.fingerprint);
  file.attribute("teacher", shard.info.teacher);
  file.attribute("dimension", shard.dimension);
  file.attribute("committed_rows", rows);
  file.attribute("genvec_version", std::string(genvec_version()));
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
  return shard;
}

std::optional<TeacherCacheInfo> teacher_file_info(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  const Hdf5Reader file(path);
  return TeacherCacheInfo{file.string_attribute("fingerprint"), file.string_attribute("teacher"),
                          file.int_attribute("committed_rows")};
}

}  // namespace genvec
