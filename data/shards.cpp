// Sharding queries: see shards.h.
#include "data/shards.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <queue>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/version.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

std::string location(const std::string& file, int64_t line) {
  return file + ":" + std::to_string(line);
}

// A query kept for the shards; the queue orders by rank, largest on top.
struct KeptQuery {
  uint64_t rank = 0;
  uint64_t order = 0;  // input position
  std::string id;
  std::string row;  // the shard line
  bool operator<(const KeptQuery& other) const { return rank < other.rank; }
};

// A query's place in the random sample: a seeded hash of its id, so the sample is uniform and the
// same whatever order or files the queries come in.
uint64_t sample_rank(const std::string& id, int64_t seed) {
  return StableHash().add_field("sample " + std::to_string(seed)).add_field(id).value();
}

}  // namespace

ShardOptions shard_options(const Config& config) {
  const DataConfig& data = config.data;
  ShardOptions options;
  options.num_shards = data.num_shards;
  options.max_queries = data.max_queries;
  options.sample_random = data.sample == "random";
  options.seed = config.run.seed;
  options.dedup = data.dedup;
  options.files.format = data.format;
  options.files.text_field = data.text_field;
  options.files.id_field = data.id_field;
  options.files.max_chars = data.max_query_chars;
  return options;
}

std::optional<int64_t> shard_index_parse(const std::string& text) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(text);
}

std::string shard_file_name(int64_t shard, int64_t num_shards) {
  char name[64];
  std::snprintf(name, sizeof name, "shard-%05lld-of-%05lld.jsonl", static_cast<long long>(shard),
                static_cast<long long>(num_shards));
  return name;
}

std::string shard_input_fingerprint(const std::vector<fs::path>& files,
                                    const ShardOptions& options) {
  StableHash hash;
  hash.add_field(kNumericsVersion)
      .add_field(std::to_string(options.num_shards))
      .add_field(std::to_string(options.max_queries));
  // Only when random, so the shards of runs made before data.sample existed stay valid.
  if (options.sample_random) hash.add_field("random " + std::to_string(options.seed));
  hash.add_field(options.dedup ? "dedup" : "keep")
      .add_field(options.files.format)
      .add_field(options.files.text_field)
      .add_field(options.files.id_field)
      .add_field(std::to_string(options.files.max_chars));
  // By content, so moving, copying or touching the inputs changes nothing and editing them is
  // caught.
  for (const fs::path& file : files)
    hash.add_field(file.filename().string()).add_field(file_content_hash(file));
  return hash.hex();
}

std::optional<std::string> shard_manifest_fingerprint(const fs::path& dir) {
  const fs::path path = dir / "manifest.json";
  if (!fs::exists(path)) return std::nullopt;
  const Json manifest = json_parse_file(path);
  const Json* fingerprint = manifest.find("fingerprint");
  if (!fingerprint) throw IoError(path.string() + ": no fingerprint", "rerun with --force");
  return fingerprint->as_string(path.string() + ": fingerprint");
}

std::vector<ShardEntry> shard_manifest_entries(const fs::path& dir) {
  const fs::path path = dir / "manifest.json";
  if (!fs::exists(path))
    throw IoError(dir.string() + " holds no finished shards", "run `genvec shard` first");
  const Json manifest = json_parse_file(path);
  std::vector<ShardEntry> entries;
  const Json* shards = manifest.find("shards");
  if (!shards) throw IoError(path.string() + ": no shard list", "rerun `genvec shard --force`");
  for (const Json& shard : shards->as_array(path.string() + ": shards"))
    entries.push_back({shard.find("file")->as_string("file"), shard.find("rows")->as_int("rows"),
                       shard.find("checksum")->as_string("checksum")});
  return entries;
}

std::vector<ShardQuery> shard_read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(file.string() + ": cannot be read", "rerun `genvec shard --force`");
  std::vector<ShardQuery> queries;
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    const std::string where = file.string() + ":" + std::to_string(++number);
    const Json row = json_parse(line, where);
    const Json* id = row.find("id");
    const Json* text = row.find("text");
    if (!id || !text)
      throw IoError(where + ": a shard row without id or text", "rerun `genvec shard --force`");
    queries.push_back({id->as_string(where + ": id"), text->as_string(where + ": text")});
  }
  return queries;
}

ShardReport shard_queries(const std::vector<fs::path>& files, const ShardOptions& options,
                          const fs::path& dir) {
  ShardReport report;
  report.shard_rows.assign(options.num_shards, 0);
  std::vector<std::string> shards(options.num_shards);
  std::string rejects;
  std::unordered_map<std::string, std::string> first_seen;  // normalized text or id -> where
  std::unordered_map<std::string, int64_t> repeats;         // derived id -> occurrences
  // The queries kept so far, the one to drop next on top: the latest in "first" mode (its rank
  // is its input position), the largest hash in "random" mode.
  std::priority_queue<KeptQuery> kept;
  uint64_t order = 0;

  auto reject = [&](RejectedRow&& row) {
    ++report.rows;
    ++report.rejected;
    rejects += "{\"file\": " + json_quote(row.file) + ", \"line\": " + std::to_string(row.line) +
               ", \"reason\": " + json_quote(row.reason) + "}\n";
  };
  auto accept = [&](QueryRow&& row) {
    const std::string normalized = query_normalize(row.text);
    const std::string here = location(row.file, row.line);
    if (options.dedup) {
      const auto [it, fresh] = first_seen.emplace("text\n" + normalized, here);
      if (!fresh) {
        ++report.duplicates;
        return reject({row.file, row.line, "duplicate of " + it->second});
      }
    }
    std::string id = row.id;
    if (!id.empty()) {
      const auto [it, fresh] = first_seen.emplace("id\n" + id, here);
      if (!fresh) return reject({row.file, row.line, "id \"" + id + "\" repeats " + it->second});
    } else {
      // Without an id column the id comes from the text; repeated texts (dedup off) get
      // "-2", "-3", ... in input order, which stays stable as long as the files do.
      id = "q" + StableHash().add(normalized).hex();
      if (const int64_t seen = repeats[id]++; seen > 0) id += "-" + std::to_string(seen + 1);
    }
    ++report.rows;
    const uint64_t position = order++;
    const uint64_t rank = options.sample_random ? sample_rank(id, options.seed) : position;
    if (options.max_queries > 0 && static_cast<int64_t>(kept.size()) >= options.max_queries) {
      ++report.over_max_queries;
      if (rank >= kept.top().rank) return;
      kept.pop();
    }
    kept.push({rank, position, id,
               "{\"id\": " + json_quote(id) + ", \"text\": " + json_quote(row.text) +
                   ", \"file\": " + json_quote(row.file) +
                   ", \"line\": " + std::to_string(row.line) + "}\n"});
  };
  for (const fs::path& file : files) query_file_read(file, options.files, accept, reject);

  // Back to input order, so a shard lists its queries as the files do in both modes.
  std::vector<KeptQuery> chosen;
  for (; !kept.empty(); kept.pop()) chosen.push_back(kept.top());
  std::sort(chosen.begin(), chosen.end(),
            [](const KeptQuery& a, const KeptQuery& b) { return a.order < b.order; });
  for (const KeptQuery& query : chosen) {
    ++report.accepted;
    const int64_t shard = static_cast<int64_t>(StableHash().add(query.id).value() %
                                               static_cast<uint64_t>(options.num_shards));
    ++report.shard_rows[shard];
    shards[shard] += query.row;
  }

  // Shards of an earlier run go first, manifest first: until the new manifest is written the
  // folder holds no complete set, which is what a later stage must see if this one dies here.
  std::error_code ignored;
  fs::remove(dir / "manifest.json", ignored);
  if (fs::is_directory(dir))
    for (const fs::directory_entry& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().starts_with("shard-")) fs::remove(entry.path(), ignored);

  std::string shard_list;
  for (int64_t s = 0; s < options.num_shards; ++s) {
    const std::string name = shard_file_name(s, options.num_shards);
    write_file_atomic(dir / name, shards[s]);
    shard_list += std::string(s ? ",\n" : "\n") + "    {\"file\": " + json_quote(name) +
                  ", \"rows\": " + std::to_string(report.shard_rows[s]) + ", \"checksum\": \"" +
                  StableHash().add(shards[s]).hex() + "\"}";
  }
  write_file_atomic(dir / "rejects.jsonl", rejects);
  std::string inputs;
  for (const fs::path& file : files)
    inputs += std::string(inputs.empty() ? "" : ", ") + json_quote(fs::absolute(file).string());
  const std::string manifest =
      "{\n  \"genvec_version\": " + json_quote(genvec_version()) +
      ",\n  \"fingerprint\": " + json_quote(shard_input_fingerprint(files, options)) +
      ",\n  \"num_shards\": " + std::to_string(options.num_shards) + ",\n  \"inputs\": [" + inputs +
      "],\n  \"counts\": {\"rows\": " + std::to_string(report.rows) +
      ", \"accepted\": " + std::to_string(report.accepted) +
      ", \"rejected\": " + std::to_string(report.rejected) +
      ", \"duplicates\": " + std::to_string(report.duplicates) +
      ", \"over_max_queries\": " + std::to_string(report.over_max_queries) + "},\n  \"shards\": [" +
      shard_list + "\n  ]\n}\n";
  write_file_atomic(dir / "manifest.json", manifest);  // last: it marks the set complete
  return report;
}

}  // namespace genvec
