// Generation caches in HDF5: see generation_cache.h.
#include "data/generation_cache.h"

#include <algorithm>
#include <cstdio>

#include "common/errors.h"
#include "common/version.h"
#include "data/hdf5_file.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// The committed row count and info of a cache file, without reading its rows.
int64_t peek(const fs::path& path, GenerationCacheInfo* info) {
  const Hdf5Reader file(path);
  if (info) *info = {file.string_attribute("fingerprint"), file.string_attribute("decoding")};
  return file.int_attribute("committed_rows");
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

template <class Field>
std::vector<Field> column(const std::vector<GenerationRow>& rows, Field GenerationRow::*field) {
  std::vector<Field> values;
  for (const GenerationRow& row : rows) values.push_back(row.*field);
  return values;
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
  file.close();
}

std::vector<GenerationRow> generation_file_read(const fs::path& path, GenerationCacheInfo* info) {
  const Hdf5Reader file(path);
  if (info) *info = {file.string_attribute("fingerprint"), file.string_attribute("decoding")};
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

GenerationShardState generation_shard_state(const fs::path& dir, const std::string& name) {
  GenerationShardState state;
  GenerationCacheInfo info;
  const fs::path file = dir / (name + ".h5");
  if (fs::exists(file)) {
    state.finished = true;
    state.committed_rows = peek(file, &info);
    state.fingerprint = info.fingerprint;
    return state;
  }
  const fs::path chunks = dir / (name + ".chunks");
  if (!fs::is_directory(chunks)) return state;
  for (const fs::directory_entry& entry : fs::directory_iterator(chunks)) {
    const std::string chunk = entry.path().filename().string();
    if (!chunk.starts_with("chunk-") || !chunk.ends_with(".h5")) continue;
    state.committed_rows += peek(entry.path(), &info);
    state.fingerprint = info.fingerprint;
  }
  return state;
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
