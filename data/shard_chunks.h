// The file layout the resumable shard caches share (generation and teacher): while a shard is in
// progress, each batch of its fixed batch plan is committed as one HDF5 file written whole under a
// temporary name and renamed, <dir>/<shard>.chunks/chunk-NNNNNN.h5 with NNNNNN the batch's index.
// A chunk exists completely or not at all, so the committed batches are exactly the chunk files,
// whichever rank wrote them and in whatever order. Once every batch is committed the chunks are
// merged into <dir>/<shard>.h5 (atomically too) and removed. Every file carries the attributes
// `fingerprint` (of what made it), `committed_rows` and `content_checksum` (of its rows: what
// the fingerprint of the stage that reads it chains to). A chunk that cannot be read (a damaged
// file) is removed with a warning and its batch done again. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace genvec {

struct ShardChunksState {
  bool finished = false;                   // <shard>.h5 exists
  int64_t committed_rows = 0;              // in the final file, or summed over the chunks
  std::vector<int64_t> committed_batches;  // sorted; empty when finished
  std::string fingerprint;                 // of the files found; empty when there are none
  std::string content_checksum;            // of the merged file's rows; empty unless finished
};

// How a cache kind words a refusal: "<file> was made from <made_from> (...; <settings> then: ...)"
struct ShardCacheKind {
  const char* made_from;  // "other inputs or settings"
  const char* settings;   // the attribute that describes the settings, e.g. "decoding"
};

class ShardChunks {
 public:
  ShardChunks(std::filesystem::path dir, std::string name);

  std::filesystem::path file() const { return dir_ / (name_ + ".h5"); }
  std::filesystem::path chunk_dir() const { return dir_ / (name_ + ".chunks"); }
  std::filesystem::path chunk_file(int64_t batch) const;

  // Where the shard stands, read without changing anything (genvec status).
  ShardChunksState state() const;

  // Readies the shard for work; call once, before any rank writes to it. With `force`,
  // everything there is removed first. Otherwise removes what killed runs left (temporaries of
  // chunks and of the merged file, chunks of an already merged shard, chunks that cannot be
  // read, with a warning) and refuses, with a ConfigError naming the file and `--force`, any
  // file whose fingerprint is not `fingerprint`.
  ShardChunksState prepare(const std::string& fingerprint, bool force,
                           const ShardCacheKind& kind) const;

  // The chunk files of batches 0 .. batches-1, in order; an IoError if one is missing.
  std::vector<std::filesystem::path> chunks_to_merge(int64_t batches) const;
  // Reads a chunk with `read`; a chunk that cannot be read is removed, and the IoError says so
  // and that rerunning the stage redoes its batch (the other chunks are kept).
  template <class Read>
  auto read_chunk(const std::filesystem::path& chunk, const Read& read) const {
    try {
      return read();
    } catch (const std::exception& error) {
      throw_damaged_chunk(chunk, error);
    }
  }
  // After the merged file is published.
  void remove_chunks() const;

 private:
  // Reads every committed file's attributes once, handing each file's fingerprint to `check`.
  using FileCheck = std::function<void(const std::filesystem::path&, const std::string&)>;
  ShardChunksState scan(const FileCheck& check, bool remove_damaged) const;
  [[noreturn]] void throw_damaged_chunk(const std::filesystem::path& chunk,
                                        const std::exception& error) const;

  std::filesystem::path dir_;
  std::string name_;
};

}  // namespace genvec
