// The generate stage's cache of one shard, in HDF5, resumable after kill -9 at any moment: each
// batch is committed as one chunk file, and the chunks are merged into <shard>.h5 when the shard
// is done (data/shard_chunks.h). Every file carries the fingerprint of what made it; a cache made
// from anything else is refused (--force starts it over).
// Datasets, one row per query, readable with h5py/h5dump: query_id, query, prompt, completion
// (variable-length UTF-8 strings), completion_token_ids (variable-length int32), finish_reason;
// attributes fingerprint, decoding, committed_rows, content_checksum (of every row, for the
// stages that consume the cache), genvec_version. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/shard_chunks.h"

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
  std::string content_checksum = {};  // of the rows; filled when read from a file
};

// One shard's generation cache (data/shard_chunks.h): batch b of the shard's batch plan is
// chunk b, written by whichever rank generated it; merge() concatenates the chunks in batch order.
class GenerationShardCache {
 public:
  GenerationShardCache(std::filesystem::path dir, std::string name, GenerationCacheInfo info);

  std::filesystem::path file() const { return chunks_.file(); }
  // See ShardChunks::prepare: with `force` starts over; otherwise another fingerprint is a
  // ConfigError saying to use --force.
  ShardChunksState prepare(bool force) const;
  // Commits the rows of batch `batch` as its chunk.
  void write_batch(int64_t batch, const std::vector<GenerationRow>& rows) const;
  // Merges chunks 0 .. batches-1, which must hold `rows` rows in all, into file() and removes
  // them.
  void merge(int64_t batches, int64_t rows) const;

 private:
  ShardChunks chunks_;
  GenerationCacheInfo info_;
};

// Where the cache of shard `name` under `dir` stands, read without changing anything.
ShardChunksState generation_shard_state(const std::filesystem::path& dir, const std::string& name);

// Writes rows to an HDF5 file atomically (temporary name, then rename).
void generation_file_write(const std::filesystem::path& file,
                           const std::vector<GenerationRow>& rows, const GenerationCacheInfo& info);
// Reads a whole file; `info`, if given, receives its attributes. IoError names the file.
std::vector<GenerationRow> generation_file_read(const std::filesystem::path& file,
                                                GenerationCacheInfo* info = nullptr);

}  // namespace genvec
