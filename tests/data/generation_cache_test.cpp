// Generation caches: rows round-trip exactly (UTF-8, empty texts, empty id lists, no rows); a
// cache resumes from the chunks committed in any order, removing what a killed run left half
// written; merge() needs every batch and puts them in batch order; another fingerprint is refused
// unless forced; damaged files and NUL bytes are clear errors; a damaged committed chunk and a
// killed merge's temporary are cleared away on resume; the content checksum follows the rows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/errors.h"
#include "data/generation_cache.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

GenerationRow row(int i) {
  return {"q" + std::to_string(i),
          "query " + std::to_string(i) + " — ünïcödé 日本",
          "<|im_start|>user\nquery " + std::to_string(i),
          i % 3 ? "answer " + std::to_string(i) : "",
          i % 3 ? std::vector<int32_t>{i, i + 1, 49151} : std::vector<int32_t>{},
          i % 2 ? "stop" : "length"};
}

std::vector<GenerationRow> rows(int first, int count) {
  std::vector<GenerationRow> out;
  for (int i = first; i < first + count; ++i) out.push_back(row(i));
  return out;
}

class GenerationCache : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genvec-gc-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  const GenerationCacheInfo info_{"fp-1", "temperature=0 max_new_tokens=64"};
};

TEST_F(GenerationCache, RowsRoundTripExactly) {
  for (const int count : {0, 1, 7}) {
    const fs::path file = dir_ / ("rows" + std::to_string(count) + ".h5");
    generation_file_write(file, rows(0, count), info_);
    GenerationCacheInfo read_info;
    EXPECT_EQ(generation_file_read(file, &read_info), rows(0, count));
    EXPECT_EQ(read_info.fingerprint, "fp-1");
    EXPECT_EQ(read_info.decoding, info_.decoding);
  }
}

TEST_F(GenerationCache, ResumesFromCommittedChunksAndMergesInBatchOrder) {
  const std::string name = "shard-00000-of-00002";
  const GenerationShardCache cache(dir_, name, info_);
  EXPECT_TRUE(cache.prepare(false).committed_batches.empty());
  // Batches committed out of order, as two ranks would.
  cache.write_batch(2, rows(7, 2));
  cache.write_batch(0, rows(0, 4));
  // What kill -9 in the middle of batch 1 leaves: a temporary, never a chunk.
  const fs::path half = dir_ / (name + ".chunks/chunk-000001.h5.tmp.4242");
  std::ofstream(half) << "half";
  const ShardChunksState resumed = cache.prepare(false);
  EXPECT_FALSE(resumed.finished);
  EXPECT_EQ(resumed.committed_batches, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(resumed.committed_rows, 6);
  EXPECT_FALSE(fs::exists(half));
  EXPECT_EQ(generation_shard_state(dir_, name).committed_rows, 6);

  try {
    cache.merge(3, 9);
    FAIL() << "merged without batch 1";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk-000001.h5 is missing"), std::string::npos)
        << e.what();
  }
  cache.write_batch(1, rows(4, 3));
  EXPECT_THROW(cache.merge(3, 10), IoError);  // the shard has another row count
  cache.merge(3, 9);
  EXPECT_FALSE(fs::exists(dir_ / (name + ".chunks")));
  EXPECT_EQ(generation_file_read(cache.file()), rows(0, 9));
  const ShardChunksState done = cache.prepare(false);
  EXPECT_TRUE(done.finished);
  EXPECT_EQ(done.committed_rows, 9);
  EXPECT_EQ(done.fingerprint, "fp-1");

  // Killed after the merged file was published but before the chunks were removed.
  generation_file_write(dir_ / (name + ".chunks/chunk-000000.h5"), rows(0, 4), info_);
  EXPECT_TRUE(cache.prepare(false).finished);
  EXPECT_FALSE(fs::exists(dir_ / (name + ".chunks")));
}

TEST_F(GenerationCache, OtherFingerprintIsRefusedUnlessForced) {
  GenerationShardCache(dir_, "s", info_).write_batch(0, rows(0, 2));
  const GenerationCacheInfo hotter{"fp-2", "temperature=0.7"};
  const GenerationShardCache other(dir_, "s", hotter);
  try {
    other.prepare(false);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk-000000.h5 was made from other inputs or settings"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("decoding then: temperature=0 max_new_tokens=64"),
              std::string::npos)
        << e.what();
    EXPECT_NE(e.hint().find("--force"), std::string::npos);
  }
  EXPECT_TRUE(other.prepare(true).committed_batches.empty());
  other.write_batch(0, rows(0, 1));
  other.merge(1, 1);
  EXPECT_THROW(GenerationShardCache(dir_, "s", info_).prepare(false), ConfigError);
  EXPECT_EQ(generation_shard_state(dir_, "s").fingerprint, "fp-2");
}

TEST_F(GenerationCache, DamagedFilesAndNulBytesAreClearErrors) {
  const fs::path file = dir_ / "damaged.h5";
  generation_file_write(file, rows(0, 3), info_);
  fs::resize_file(file, fs::file_size(file) / 2);
  try {
    generation_file_read(file);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("damaged.h5"), std::string::npos) << e.what();
  }
  std::vector<GenerationRow> bad = rows(0, 1);
  bad[0].completion = std::string("a\0b", 3);
  EXPECT_THROW(generation_file_write(dir_ / "nul.h5", bad, info_), IoError);
  EXPECT_FALSE(fs::exists(dir_ / "nul.h5"));
}

TEST_F(GenerationCache, DamagedChunksAreRedoneAndKilledMergesCleared) {
  const std::string name = "s";
  const GenerationShardCache cache(dir_, name, info_);
  cache.prepare(false);
  cache.write_batch(0, rows(0, 2));
  cache.write_batch(1, rows(2, 2));
  cache.write_batch(2, rows(4, 2));
  // A disk that lost a committed chunk's last writes, and a merge killed while writing.
  fs::resize_file(cache.file().parent_path() / "s.chunks/chunk-000001.h5", 100);
  const fs::path killed_merge = dir_ / "s.h5.tmp.4242";
  std::ofstream(killed_merge) << "half a merged file";
  const ShardChunksState resumed = cache.prepare(false);
  EXPECT_EQ(resumed.committed_batches, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(resumed.committed_rows, 4);
  EXPECT_FALSE(fs::exists(dir_ / "s.chunks/chunk-000001.h5"));
  EXPECT_FALSE(fs::exists(killed_merge));
  // Damaged after prepare: merge removes it, says so, and keeps the other chunks.
  cache.write_batch(1, rows(2, 2));
  fs::resize_file(dir_ / "s.chunks/chunk-000002.h5", 100);
  try {
    cache.merge(3, 6);
    FAIL() << "merged a damaged chunk";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk-000002.h5 cannot be read"), std::string::npos)
        << e.what();
    EXPECT_NE(e.hint().find("rerun the stage"), std::string::npos) << e.hint();
  }
  EXPECT_FALSE(fs::exists(dir_ / "s.chunks/chunk-000002.h5"));
  EXPECT_EQ(cache.prepare(false).committed_batches, (std::vector<int64_t>{0, 1}));
  cache.write_batch(2, rows(4, 2));
  cache.merge(3, 6);
  EXPECT_EQ(generation_file_read(cache.file()), rows(0, 6));
}

// What the teacher's fingerprint chains to: the same rows give the same checksum whatever the
// chunking; any changed field changes it.
TEST_F(GenerationCache, ContentChecksumFollowsTheRows) {
  const GenerationShardCache cache(dir_, "s", info_);
  cache.prepare(false);
  cache.write_batch(0, rows(0, 3));
  cache.write_batch(1, rows(3, 2));
  cache.merge(2, 5);
  const std::string merged = generation_shard_state(dir_, "s").content_checksum;
  EXPECT_EQ(merged.size(), 16u);
  generation_file_write(dir_ / "whole.h5", rows(0, 5), info_);
  GenerationCacheInfo read;
  generation_file_read(dir_ / "whole.h5", &read);
  EXPECT_EQ(read.content_checksum, merged);
  for (int field = 0; field < 3; ++field) {
    std::vector<GenerationRow> changed = rows(0, 5);
    if (field == 0) changed[4].completion += ".";
    if (field == 1) changed[4].token_ids.push_back(7);
    if (field == 2) changed[4].prompt += " ";
    generation_file_write(dir_ / "changed.h5", changed, info_);
    generation_file_read(dir_ / "changed.h5", &read);
    EXPECT_NE(read.content_checksum, merged) << "field " << field;
  }
}

}  // namespace
}  // namespace genvec
