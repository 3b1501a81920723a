// Generation caches: rows round-trip exactly (UTF-8, empty texts, empty id lists, no rows); a
// cache resumes from its committed chunks, ignoring the half-written file a killed run left;
// finish() merges the chunks in order; another fingerprint is refused unless forced; damaged
// files and NUL bytes are clear errors.
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

TEST_F(GenerationCache, ResumesFromCommittedChunksAndMergesInOrder) {
  {
    GenerationShardCache cache(dir_, "shard-00000-of-00002", info_, false);
    EXPECT_EQ(cache.committed_rows(), 0);
    cache.append(rows(0, 4));
    cache.append(rows(4, 3));
  }
  // What kill -9 in the middle of the third chunk leaves: a temporary, never a chunk.
  std::ofstream(dir_ / "shard-00000-of-00002.chunks/chunk-000002.h5.tmp.4242") << "half";
  GenerationShardCache resumed(dir_, "shard-00000-of-00002", info_, false);
  EXPECT_EQ(resumed.committed_rows(), 7);
  EXPECT_FALSE(fs::exists(dir_ / "shard-00000-of-00002.chunks/chunk-000002.h5.tmp.4242"));
  resumed.append(rows(7, 2));
  resumed.finish();
  EXPECT_TRUE(resumed.finished());
  EXPECT_FALSE(fs::exists(dir_ / "shard-00000-of-00002.chunks"));
  EXPECT_EQ(generation_file_read(resumed.file()), rows(0, 9));
  resumed.finish();  // idempotent
  EXPECT_EQ(GenerationShardCache(dir_, "shard-00000-of-00002", info_, false).committed_rows(), 9);
  EXPECT_THROW(resumed.append(rows(9, 1)), IoError);
}

TEST_F(GenerationCache, OtherFingerprintIsRefusedUnlessForced) {
  GenerationShardCache(dir_, "s", info_, false).append(rows(0, 2));
  const GenerationCacheInfo hotter{"fp-2", "temperature=0.7"};
  try {
    GenerationShardCache(dir_, "s", hotter, false);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("other inputs or settings"), std::string::npos);
    EXPECT_NE(e.hint().find("--force"), std::string::npos);
  }
  GenerationShardCache forced(dir_, "s", hotter, true);
  EXPECT_EQ(forced.committed_rows(), 0);
  forced.append(rows(0, 1));
  forced.finish();
  EXPECT_THROW(GenerationShardCache(dir_, "s", info_, false), ConfigError);
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

}  // namespace
}  // namespace genvec
