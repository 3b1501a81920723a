// Sharding: deterministic bytes, assignment that adding files does not disturb, duplicates and
// repeated ids in rejects with where they were first seen, max_queries, and a manifest whose
// counts and checksums describe the shard files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "common/hash.h"
#include "common/json.h"
#include "data/shards.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

class Shards : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genvec-shards-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "in");
    std::ofstream(dir_ / "in/a.jsonl") << "{\"text\": \"alpha\"}\n{\"text\": \"beta\"}\n"
                                          "{\"text\": \"Alpha \"}\n{\"text\": \"gamma\"}\n"
                                          "{\"text\": \"delta\"}\n";
    std::ofstream(dir_ / "in/b.txt") << "epsilon\nzeta\n\nbeta\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // id -> shard file, over all shards of `out`.
  std::map<std::string, std::string> assignment(const fs::path& out, int64_t shards) {
    std::map<std::string, std::string> where;
    for (int64_t s = 0; s < shards; ++s) {
      std::ifstream in(out / shard_file_name(s, shards));
      for (std::string line; std::getline(in, line);)
        where[json_parse(line, "shard").find("id")->as_string("id")] = shard_file_name(s, shards);
    }
    return where;
  }
  fs::path dir_;
};

TEST_F(Shards, DeterministicAndStableWhenFilesAreAdded) {
  ShardOptions options;
  options.num_shards = 3;
  const std::vector<fs::path> a = {dir_ / "in/a.jsonl"};
  const std::vector<fs::path> both = {dir_ / "in/a.jsonl", dir_ / "in/b.txt"};
  shard_queries(both, options, dir_ / "one");
  shard_queries(both, options, dir_ / "two");
  for (int64_t s = 0; s < 3; ++s)
    EXPECT_EQ(read(dir_ / "one" / shard_file_name(s, 3)),
              read(dir_ / "two" / shard_file_name(s, 3)));
  shard_queries(a, options, dir_ / "a_only");
  const auto with_b = assignment(dir_ / "one", 3);
  for (const auto& [id, shard] : assignment(dir_ / "a_only", 3)) EXPECT_EQ(with_b.at(id), shard);
}

TEST_F(Shards, DuplicatesAreRejectedWithWhereTheyFirstAppeared) {
  ShardOptions options;
  options.num_shards = 2;
  const ShardReport report =
      shard_queries({dir_ / "in/a.jsonl", dir_ / "in/b.txt"}, options, dir_ / "out");
  EXPECT_EQ(report.rows, 9);
  EXPECT_EQ(report.accepted, 6);  // alpha beta gamma delta epsilon zeta
  EXPECT_EQ(report.duplicates, 2);
  EXPECT_EQ(report.rejected, 3);  // two duplicates and the empty line
  const std::string rejects = read(dir_ / "out/rejects.jsonl");
  EXPECT_NE(rejects.find("\"line\": 3, \"reason\": \"duplicate of " +
                         (dir_ / "in/a.jsonl").string() + ":1\""),
            std::string::npos)
      << rejects;
  EXPECT_NE(rejects.find("\"line\": 3, \"reason\": \"empty query\""), std::string::npos);

  options.dedup = false;  // repeated texts are kept, each with its own id
  const ShardReport kept =
      shard_queries({dir_ / "in/a.jsonl", dir_ / "in/b.txt"}, options, dir_ / "kept");
  EXPECT_EQ(kept.accepted, 8);
  EXPECT_EQ(assignment(dir_ / "kept", 2).size(), 8u);
}

TEST_F(Shards, RepeatedIdsAndMaxQueries) {
  std::ofstream(dir_ / "in/ids.csv") << "id,text\n7,first\n8,second\n7,third\n9,fourth\n";
  ShardOptions options;
  options.num_shards = 2;
  options.files.id_field = "id";
  options.max_queries = 2;
  const ShardReport report = shard_queries({dir_ / "in/ids.csv"}, options, dir_ / "out");
  EXPECT_EQ(report.accepted, 2);
  EXPECT_EQ(report.over_max_queries, 1);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_NE(read(dir_ / "out/rejects.jsonl").find("id \\\"7\\\" repeats"), std::string::npos);
  EXPECT_EQ(assignment(dir_ / "out", 2).count("7"), 1u);
}

// data.sample = "random": the sample does not depend on the files' order, reaches past the first
// file (the first N would all come from it), changes with the seed and fixes the fingerprint.
TEST_F(Shards, RandomSampleIgnoresFileOrder) {
  {
    std::ofstream first(dir_ / "in/first.txt"), second(dir_ / "in/second.txt");
    for (int i = 0; i < 100; ++i) first << "first " << i << "\n";
    for (int i = 0; i < 100; ++i) second << "second " << i << "\n";
  }
  ShardOptions options;
  options.num_shards = 3;
  options.max_queries = 50;
  options.sample_random = true;
  const fs::path first = dir_ / "in/first.txt", second = dir_ / "in/second.txt";
  const ShardReport report = shard_queries({first, second}, options, dir_ / "ab");
  EXPECT_EQ(report.accepted, 50);
  EXPECT_EQ(report.over_max_queries, 150);
  shard_queries({second, first}, options, dir_ / "ba");
  const auto sample = assignment(dir_ / "ab", 3);
  EXPECT_EQ(sample, assignment(dir_ / "ba", 3));
  auto from_second = [&](const fs::path& out) {
    int64_t count = 0;
    for (int s = 0; s < 3; ++s) {
      const std::string rows = read(out / shard_file_name(s, 3));
      for (size_t at = rows.find("second "); at != std::string::npos;
           at = rows.find("second ", at + 1))
        ++count;
    }
    return count;
  };
  EXPECT_GT(from_second(dir_ / "ab"), 10);  // 25 expected of a uniform sample
  EXPECT_LT(from_second(dir_ / "ab"), 40);
  options.seed = 1;
  shard_queries({first, second}, options, dir_ / "seed1");
  EXPECT_NE(sample, assignment(dir_ / "seed1", 3));
  ShardOptions in_order = options;
  in_order.sample_random = false;
  EXPECT_NE(shard_input_fingerprint({first, second}, options),
            shard_input_fingerprint({first, second}, in_order));
  shard_queries({first, second}, in_order, dir_ / "first");
  EXPECT_EQ(from_second(dir_ / "first"), 0);
}

TEST_F(Shards, ManifestDescribesTheShards) {
  ShardOptions options;
  options.num_shards = 4;
  const std::vector<fs::path> files = {dir_ / "in/a.jsonl", dir_ / "in/b.txt"};
  EXPECT_FALSE(shard_manifest_fingerprint(dir_ / "out"));
  const ShardReport report = shard_queries(files, options, dir_ / "out");
  const Json manifest = json_parse_file(dir_ / "out/manifest.json");
  EXPECT_EQ(*shard_manifest_fingerprint(dir_ / "out"), shard_input_fingerprint(files, options));
  EXPECT_EQ(manifest.find("counts")->find("accepted")->as_int("accepted"), report.accepted);
  int64_t rows = 0;
  for (const Json& shard : manifest.find("shards")->as_array("shards")) {
    const std::string bytes = read(dir_ / "out" / shard.find("file")->as_string("file"));
    EXPECT_EQ(shard.find("checksum")->as_string("checksum"), StableHash().add(bytes).hex());
    rows += shard.find("rows")->as_int("rows");
  }
  EXPECT_EQ(rows, report.accepted);
  options.num_shards = 5;  // other settings, other fingerprint
  EXPECT_NE(shard_input_fingerprint(files, options), *shard_manifest_fingerprint(dir_ / "out"));
}

// `generate --shard I` and the lock of a job array's task read the number the same way: "03" is
// shard 3 (one lock file for both spellings); anything but plain digits is no shard.
TEST(ShardIndex, DigitsOnly) {
  EXPECT_EQ(shard_index_parse("3"), 3);
  EXPECT_EQ(shard_index_parse("03"), 3);
  EXPECT_EQ(shard_index_parse("0"), 0);
  for (const char* bad : {"", "-1", "+1", "3a", "1e3", " 3", "0x3", "1234567890"})
    EXPECT_EQ(shard_index_parse(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace genvec
