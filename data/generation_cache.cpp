// Generation caches in HDF5: see generation_cache.h. Uses the HDF5 C API (1.10 and later).
#include "data/generation_cache.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/version.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// An HDF5 identifier closed when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what, const fs::path& file)
      : id_(id), close_(close) {
    if (id_ < 0) throw IoError(file.string() + ": HDF5 could not " + what);
  }
  ~Handle() { close_(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const std::string& what, const fs::path& file) {
  if (status < 0) throw IoError(file.string() + ": HDF5 could not " + what);
}

// HDF5 prints its own error stack to stderr by default; genvec's IoErrors say what failed.
void quiet_hdf5() {
  static const bool once = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)once;
}

hid_t utf8_string_type() {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

void write_column(hid_t file, const char* name, hid_t type, hsize_t rows, const void* data,
                  const fs::path& path) {
  const Handle space(H5Screate_simple(1, &rows, nullptr), H5Sclose, "create a dataspace", path);
  const Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create properties", path);
  if (rows > 0) {
    const hsize_t chunk = std::min<hsize_t>(rows, 1024);
    check(H5Pset_chunk(properties, 1, &chunk), "set the chunk size", path);
  }
  const Handle dataset(H5Dcreate2(file, name, type, space, H5P_DEFAULT, properties, H5P_DEFAULT),
                       H5Dclose, std::string("create dataset ") + name, path);
  if (rows > 0)
    check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          std::string("write dataset ") + name, path);
}

void write_strings(hid_t file, const char* name, const std::vector<GenerationRow>& rows,
                   std::string GenerationRow::*field, const fs::path& path) {
  std::vector<const char*> pointers;
  for (const GenerationRow& row : rows) {
    // Stored as C strings: a NUL inside would silently cut the text, so refuse it.
    if ((row.*field).find('\0') != std::string::npos)
      throw IoError(path.string() + ": the " + name + " of query " + row.id +
                    " contains a NUL byte");
    pointers.push_back((row.*field).c_str());
  }
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path);
  write_column(file, name, type, rows.size(), pointers.data(), path);
}

void write_string_attribute(hid_t file, const char* name, const std::string& value,
                            const fs::path& path) {
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path);
  const Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace", path);
  const Handle attribute(H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                         std::string("create attribute ") + name, path);
  const char* text = value.c_str();
  check(H5Awrite(attribute, type, &text), std::string("write attribute ") + name, path);
}

std::string read_string_attribute(hid_t file, const char* name, const fs::path& path) {
  const Handle attribute(H5Aopen(file, name, H5P_DEFAULT), H5Aclose,
                         std::string("find attribute ") + name, path);
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path);
  char* text = nullptr;
  check(H5Aread(attribute, type, &text), std::string("read attribute ") + name, path);
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

int64_t read_row_count(hid_t file, const fs::path& path) {
  const Handle attribute(H5Aopen(file, "committed_rows", H5P_DEFAULT), H5Aclose,
                         "find attribute committed_rows", path);
  int64_t rows = 0;
  check(H5Aread(attribute, H5T_NATIVE_INT64, &rows), "read attribute committed_rows", path);
  return rows;
}

// Reads a 1-D dataset of `rows` variable-length items; `take` copies item i out of the buffer.
template <class Item>
void read_column(hid_t file, const char* name, hid_t type, int64_t rows, const fs::path& path,
                 const std::function<void(int64_t, const Item&)>& take) {
  const Handle dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose,
                       std::string("find dataset ") + name, path);
  const Handle space(H5Dget_space(dataset), H5Sclose, "read a dataspace", path);
  hsize_t size = 0;
  if (H5Sget_simple_extent_ndims(space) != 1 ||
      H5Sget_simple_extent_dims(space, &size, nullptr) < 0 || static_cast<int64_t>(size) != rows)
    throw IoError(
        path.string() + ": dataset " + name + " does not hold " + std::to_string(rows) + " rows",
        "the file is damaged: rerun the stage with --force");
  if (rows == 0) return;
  std::vector<Item> buffer(rows);
  check(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
        std::string("read dataset ") + name, path);
  for (int64_t i = 0; i < rows; ++i) take(i, buffer[i]);
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(type, space, H5P_DEFAULT, buffer.data());
#else
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer.data());
#endif
}

GenerationCacheInfo read_info(hid_t file, const fs::path& path) {
  return {read_string_attribute(file, "fingerprint", path),
          read_string_attribute(file, "decoding", path)};
}

// The committed row count and info of a cache file, without reading its rows.
int64_t peek(const fs::path& path, GenerationCacheInfo* info) {
  quiet_hdf5();
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                    "open the file (damaged? rerun with --force)", path);
  if (info) *info = read_info(file, path);
  return read_row_count(file, path);
}

void refuse_other_fingerprint(const GenerationCacheInfo& found, const GenerationCacheInfo& wanted,
                              const fs::path& path) {
  if (found.fingerprint != wanted.fingerprint)
    throw ConfigError(path.string() + " was made from other inputs or settings (fingerprint " +
                          found.fingerprint + ", now " + wanted.fingerprint +
                          "; decoding then: " + found.decoding + ")",
                      "rerun with --force to generate it again, or restore the settings it was "
                      "made with");
}

}  // namespace

void generation_file_write(const fs::path& path, const std::vector<GenerationRow>& rows,
                           const GenerationCacheInfo& info) {
  quiet_hdf5();
  std::error_code ignored;
  fs::create_directories(path.parent_path(), ignored);
  const fs::path temporary = temporary_path_for(path);
  {
    const Handle file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                      H5Fclose, "create the file", temporary);
    write_strings(file, "query_id", rows, &GenerationRow::id, path);
    write_strings(file, "query", rows, &GenerationRow::query, path);
    write_strings(file, "prompt", rows, &GenerationRow::prompt, path);
    write_strings(file, "completion", rows, &GenerationRow::completion, path);
    write_strings(file, "finish_reason", rows, &GenerationRow::finish_reason, path);
    std::vector<hvl_t> ids;
    for (const GenerationRow& row : rows)
      ids.push_back({row.token_ids.size(), const_cast<int32_t*>(row.token_ids.data())});
    const Handle id_type(H5Tvlen_create(H5T_NATIVE_INT32), H5Tclose, "create a vlen type", path);
    write_column(file, "completion_token_ids", id_type, rows.size(), ids.data(), path);
    write_string_attribute(file, "fingerprint", info.fingerprint, path);
    write_string_attribute(file, "decoding", info.decoding, path);
    write_string_attribute(file, "genvec_version", genvec_version(), path);
    const int64_t count = static_cast<int64_t>(rows.size());
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace", path);
    const Handle attribute(
        H5Acreate2(file, "committed_rows", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose, "create attribute committed_rows", path);
    check(H5Awrite(attribute, H5T_NATIVE_INT64, &count), "write committed_rows", path);
  }
  publish_file_atomic(temporary, path);
}

std::vector<GenerationRow> generation_file_read(const fs::path& path, GenerationCacheInfo* info) {
  quiet_hdf5();
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                    "open the file (damaged? rerun with --force)", path);
  if (info) *info = read_info(file, path);
  const int64_t rows = read_row_count(file, path);
  std::vector<GenerationRow> out(rows);
  const Handle string_type(utf8_string_type(), H5Tclose, "create a string type", path);
  for (const auto& [name, field] : {std::pair{"query_id", &GenerationRow::id},
                                    {"query", &GenerationRow::query},
                                    {"prompt", &GenerationRow::prompt},
                                    {"completion", &GenerationRow::completion},
                                    {"finish_reason", &GenerationRow::finish_reason}})
    read_column<char*>(file, name, string_type, rows, path,
                       [&](int64_t i, char* const& text) { out[i].*field = text ? text : ""; });
  const Handle id_type(H5Tvlen_create(H5T_NATIVE_INT32), H5Tclose, "create a vlen type", path);
  read_column<hvl_t>(file, "completion_token_ids", id_type, rows, path,
                     [&](int64_t i, const hvl_t& ids) {
                       const int32_t* p = static_cast<const int32_t*>(ids.p);
                       out[i].token_ids.assign(p, p + ids.len);
                     });
  return out;
}

GenerationShardCache::GenerationShardCache(fs::path dir, std::string name, GenerationCacheInfo info,
                                           bool force)
    : dir_(std::move(dir)), name_(std::move(name)), info_(std::move(info)) {
  std::error_code ignored;
  if (force) {
    fs::remove(file(), ignored);
    fs::remove_all(chunk_dir(), ignored);
  }
  if (finished()) {
    GenerationCacheInfo found;
    committed_ = peek(file(), &found);
    refuse_other_fingerprint(found, info_, file());
    return;
  }
  if (fs::is_directory(chunk_dir()))  // writes a killed run left half done
    for (const fs::directory_entry& entry : fs::directory_iterator(chunk_dir()))
      if (entry.path().string().find(".tmp.") != std::string::npos)
        fs::remove(entry.path(), ignored);
  for (const fs::path& chunk : chunk_files()) {
    GenerationCacheInfo found;
    committed_ += peek(chunk, &found);
    refuse_other_fingerprint(found, info_, chunk);
  }
}

bool GenerationShardCache::finished() const { return fs::exists(file()); }

std::vector<fs::path> GenerationShardCache::chunk_files() const {
  std::vector<fs::path> chunks;
  if (!fs::is_directory(chunk_dir())) return chunks;
  for (const fs::directory_entry& entry : fs::directory_iterator(chunk_dir())) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("chunk-") && name.ends_with(".h5")) chunks.push_back(entry.path());
  }
  std::sort(chunks.begin(), chunks.end());
  return chunks;
}

void GenerationShardCache::append(const std::vector<GenerationRow>& rows) {
  if (finished()) throw IoError(file().string() + ": the shard is finished; nothing to append");
  char name[32];
  std::snprintf(name, sizeof name, "chunk-%06zu.h5", chunk_files().size());
  generation_file_write(chunk_dir() / name, rows, info_);
  committed_ += static_cast<int64_t>(rows.size());
}

void GenerationShardCache::finish() {
  if (finished()) return;
  std::vector<GenerationRow> rows;
  for (const fs::path& chunk : chunk_files()) {
    std::vector<GenerationRow> part = generation_file_read(chunk);
    rows.insert(rows.end(), std::make_move_iterator(part.begin()),
                std::make_move_iterator(part.end()));
  }
  generation_file_write(file(), rows, info_);
  std::error_code ignored;
  fs::remove_all(chunk_dir(), ignored);
}

}  // namespace genvec
