// Splitting validated queries into shards, the units of work and of resume of every later stage.
// With data.max_queries the first N queries are kept or, with data.sample = "random", the N
// whose ids hash (with run.seed) smallest: a uniform sample that no file order biases.
// A query goes to shard hash(id) mod N, so adding files never moves existing queries; ids are
// the configured id column or, without one, a hash of the normalized text. Written to
// RUN/shards/: shard-SSSSS-of-NNNNN.jsonl ({"id", "text", "file", "line"} per row, input order),
// rejects.jsonl ({"file", "line", "reason"} per bad row) and, last, manifest.json (per-shard
// rows and checksums, the counts, the input fingerprint). Every file is written atomically;
// the manifest's presence means the shards are complete. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/query_files.h"

namespace genvec {

struct Config;

struct ShardOptions {
  int64_t num_shards = 8;
  int64_t max_queries = 0;  // 0: all
  bool sample_random = false;  // keep the max_queries ids of smallest seeded hash, not the first
  int64_t seed = 0;
  bool dedup = true;
  QueryFileOptions files;
};

struct ShardReport {
  int64_t rows = 0;      // rows read, good and bad
  int64_t accepted = 0;  // rows written to shards
  int64_t rejected = 0;  // bad rows, duplicates included (rejects.jsonl)
  int64_t duplicates = 0;
  int64_t over_max_queries = 0;  // good rows past data.max_queries, not used
  std::vector<int64_t> shard_rows;
};

// The options [data] sets (and run.seed, which fixes data.sample = "random").
ShardOptions shard_options(const Config& config);

std::string shard_file_name(int64_t shard, int64_t num_shards);

// A shard number as a user writes it (`genvec generate --shard 3`): decimal digits only, at most
// nine; nullopt otherwise. "03" and "3" are the same shard.
std::optional<int64_t> shard_index_parse(const std::string& text);

// What the shards are made from: the options and each input file's path, size and modification
// time (cheap to check before reading anything).
std::string shard_input_fingerprint(const std::vector<std::filesystem::path>& files,
                                    const ShardOptions& options);

// The fingerprint recorded in DIR/manifest.json; nullopt when there is no complete set of shards.
std::optional<std::string> shard_manifest_fingerprint(const std::filesystem::path& dir);

struct ShardEntry {
  std::string file;  // name inside the shards folder
  int64_t rows = 0;
  std::string checksum;

  // The file name without ".jsonl": what the stages' caches of this shard are named after.
  std::string name() const { return std::filesystem::path(file).stem().string(); }
};
// The shards DIR/manifest.json lists; IoError (with a hint to run `genvec shard`) without one.
std::vector<ShardEntry> shard_manifest_entries(const std::filesystem::path& dir);

struct ShardQuery {
  std::string id;
  std::string text;
};
// The queries of one shard file, in order; IoError naming file and line for a damaged file.
std::vector<ShardQuery> shard_read(const std::filesystem::path& file);

// Reads `files` in order and writes the shards, rejects and manifest into `dir`.
ShardReport shard_queries(const std::vector<std::filesystem::path>& files,
                          const ShardOptions& options, const std::filesystem::path& dir);

}  // namespace genvec
