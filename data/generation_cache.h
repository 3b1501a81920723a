// The generate stage's cache of one shard, in HDF5, resumable after kill -9 at any moment.
// While a shard is in progress its rows are committed in chunks, each chunk one HDF5 file
// written whole under a temporary name and renamed (RUN/cache/generations/<shard>.chunks/
// chunk-NNNNNN.h5): a chunk exists completely or not at all, so the committed rows are exactly
// those of the chunk files, and a resumed run continues after the last one. finish() merges the
// chunks into <shard>.h5 (atomically too) and removes them. Every file carries the fingerprint
// of what made it; a cache made from anything else is refused (--force starts it over).
// Datasets, one row per query, readable with h5py/h5dump: query_id, query, prompt, completion
// (variable-length UTF-8 strings), completion_token_ids (variable-length int32), finish_reason;
// attributes fingerprint, decoding, committed_rows, genvec_version. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genvec {

struct GenerationRow {
  std::string id;
  std::string query;
  std::string prompt;      // as sent to the LLM, after the chat template
  std::string completion;  // decoded text
  std::vector<int32_t> token_ids;
  std::string finish_reason;  // "stop" or "length"

  bool operator==(const GenerationRow&) const = default;
};

struct GenerationCacheInfo {
  std::string fingerprint;  // of the shard, model, tokenizer, template and decoding parameters
  std::string decoding;     // the decoding parameters as text, for people reading the file
};

class GenerationShardCache {
 public:
  // The cache of shard `name` under `dir`. With `force`, anything there is removed first;
  // otherwise a cache with another fingerprint is a ConfigError saying to use --force.
  GenerationShardCache(std::filesystem::path dir, std::string name, GenerationCacheInfo info,
                       bool force);

  std::filesystem::path file() const { return dir_ / (name_ + ".h5"); }
  bool finished() const;
  int64_t committed_rows() const { return committed_; }

  // Commits rows (the next ones of the shard) as one chunk.
  void append(const std::vector<GenerationRow>& rows);
  // Merges the chunks into file() and removes them; idempotent.
  void finish();

 private:
  std::filesystem::path chunk_dir() const { return dir_ / (name_ + ".chunks"); }
  std::vector<std::filesystem::path> chunk_files() const;

  std::filesystem::path dir_;
  std::string name_;
  GenerationCacheInfo info_;
  int64_t committed_ = 0;
};

// Where the cache of shard `name` under `dir` stands, read without changing anything.
struct GenerationShardState {
  bool finished = false;
  int64_t committed_rows = 0;
  std::string fingerprint;  // empty when nothing is committed yet
};
GenerationShardState generation_shard_state(const std::filesystem::path& dir,
                                            const std::string& name);

// Writes rows to an HDF5 file atomically (temporary name, then rename).
void generation_file_write(const std::filesystem::path& file,
                           const std::vector<GenerationRow>& rows, const GenerationCacheInfo& info);
// Reads a whole file; `info`, if given, receives its attributes. IoError names the file.
std::vector<GenerationRow> generation_file_read(const std::filesystem::path& file,
                                                GenerationCacheInfo* info = nullptr);

}  // namespace genvec
