// Chunked shard caches: see shard_chunks.h.
#include "data/shard_chunks.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/errors.h"
#include "common/log.h"
#include "data/hdf5_file.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// The batch index of a committed chunk's file name, or -1 for anything else (temporaries).
int64_t chunk_batch(const fs::path& path) {
  const std::string name = path.filename().string();
  if (!name.starts_with("chunk-") || !name.ends_with(".h5")) return -1;
  const std::string digits = name.substr(6, name.size() - 9);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::strtoll(digits.c_str(), nullptr, 10);
}

struct FileAttributes {
  std::string fingerprint;
  int64_t rows = 0;
  std::string content_checksum;
};
FileAttributes peek(const fs::path& path) {
  const Hdf5Reader file(path);
  return {file.string_attribute("fingerprint"), file.int_attribute("committed_rows"),
          file.has_attribute("content_checksum") ? file.string_attribute("content_checksum") : ""};
}

}  // namespace

ShardChunks::ShardChunks(fs::path dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {}

fs::path ShardChunks::chunk_file(int64_t batch) const {
  char name[40];
  std::snprintf(name, sizeof name, "chunk-%06lld.h5", static_cast<long long>(batch));
  return chunk_dir() / name;
}

ShardChunksState ShardChunks::scan(const FileCheck& check, bool remove_damaged) const {
  ShardChunksState state;
  if (fs::exists(file())) {
    const FileAttributes found = peek(file());
    check(file(), found.fingerprint);
    return {true, found.rows, {}, found.fingerprint, found.content_checksum};
  }
  if (!fs::is_directory(chunk_dir())) return state;
  for (const fs::directory_entry& entry : fs::directory_iterator(chunk_dir())) {
    const int64_t batch = chunk_batch(entry.path());
    if (batch < 0) continue;
    FileAttributes found;
    try {
      found = peek(entry.path());
    } catch (const IoError& error) {
      // A committed chunk that cannot be read (a disk that lost its last writes, a truncated
      // copy): not committed after all. Its batch is done again.
      if (remove_damaged) {
        log_warn(entry.path().string() + " cannot be read (" + error.what() +
                 "): removed, its batch will be done again");
        std::error_code ignored;
        fs::remove(entry.path(), ignored);
      }
      continue;
    }
    check(entry.path(), found.fingerprint);
    state.committed_rows += found.rows;
    state.committed_batches.push_back(batch);
    state.fingerprint = found.fingerprint;
  }
  std::sort(state.committed_batches.begin(), state.committed_batches.end());
  return state;
}

ShardChunksState ShardChunks::state() const {
  return scan([](const fs::path&, const std::string&) {}, false);
}

ShardChunksState ShardChunks::prepare(const std::string& fingerprint, bool force,
                                      const ShardCacheKind& kind) const {
  std::error_code ignored;
  if (force) {
    fs::remove(file(), ignored);
    fs::remove_all(chunk_dir(), ignored);
  }
  const ShardChunksState state = scan([&](const fs::path& path, const std::string& found) {
    if (found == fingerprint) return;
    throw ConfigError(path.string() + " was made from " + kind.made_from + " (fingerprint " +
                          found + ", now " + fingerprint + "; " + kind.settings +
                          " then: " + Hdf5Reader(path).string_attribute(kind.settings) + ")",
                      "rerun with --force to make it again, or restore the settings it was "
                      "made with");
  }, true);
  // A merge killed while writing leaves <shard>.h5.tmp.<pid> (common/atomic_file.h).
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ignored))
    if (entry.path().filename().string().starts_with(name_ + ".h5.tmp."))
      fs::remove(entry.path(), ignored);
  if (state.finished) {
    fs::remove_all(chunk_dir(), ignored);  // a merge killed before it removed them
  } else if (fs::is_directory(chunk_dir())) {
    for (const fs::directory_entry& entry : fs::directory_iterator(chunk_dir()))
      if (chunk_batch(entry.path()) < 0)  // a write a killed run left half done
        fs::remove(entry.path(), ignored);
  }
  return state;
}

std::vector<fs::path> ShardChunks::chunks_to_merge(int64_t batches) const {
  std::vector<fs::path> chunks;
  for (int64_t batch = 0; batch < batches; ++batch) {
    chunks.push_back(chunk_file(batch));
    if (!fs::exists(chunks.back()))
      throw IoError(chunks.back().string() + " is missing: batch " + std::to_string(batch) +
                        " of " + name_ + " was never committed",
                    "rerun the stage: it redoes the missing batches");
  }
  return chunks;
}

void ShardChunks::throw_damaged_chunk(const fs::path& chunk, const std::exception& error) const {
  std::error_code ignored;
  fs::remove(chunk, ignored);
  throw IoError(chunk.string() + " cannot be read (" + error.what() + "); it is removed",
                "rerun the stage: it does that batch again and keeps the other chunks of " + name_);
}

void ShardChunks::remove_chunks() const {
  std::error_code ignored;
  fs::remove_all(chunk_dir(), ignored);
}

}  // namespace genvec
