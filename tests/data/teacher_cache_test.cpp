// Teacher caches round-trip exactly; a file that is not there has no info; a size mismatch
// between ids and embeddings is refused before anything is written; chunks written in any order
// merge back into generation order, and chunks that miss or repeat a row are refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/errors.h"
#include "data/teacher_cache.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

class TeacherCache : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genvec-tc-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Rows `generation_rows` of a shard whose row r has id "q<r>" and embedding (r, r + 0.5).
  static TeacherShard chunk(const std::vector<int64_t>& generation_rows) {
    TeacherShard chunk;
    chunk.dimension = 2;
    chunk.generation_rows = generation_rows;
    for (const int64_t r : generation_rows) {
      chunk.ids.push_back("q" + std::to_string(r));
      chunk.embeddings.push_back(static_cast<float>(r));
      chunk.embeddings.push_back(static_cast<float>(r) + 0.5f);
    }
    return chunk;
  }

  fs::path dir_;
  const TeacherCacheInfo info_{"fp", "kind = llm\npooling = mean\n"};
};

TEST_F(TeacherCache, RoundTripAndInfo) {
  TeacherShard shard;
  shard.ids = {"q1", "q2", "q3"};
  shard.dimension = 4;
  for (int i = 0; i < 12; ++i) shard.embeddings.push_back(0.25f * i - 1.0f);
  shard.info = info_;
  EXPECT_TRUE(teacher_shard_state(dir_, "s").fingerprint.empty());
  teacher_file_write(dir_ / "s.h5", shard);
  const TeacherShard back = teacher_file_read(dir_ / "s.h5");
  EXPECT_EQ(back.ids, shard.ids);
  EXPECT_EQ(back.embeddings, shard.embeddings);
  EXPECT_EQ(back.dimension, 4);
  EXPECT_EQ(back.info.teacher, shard.info.teacher);
  EXPECT_TRUE(back.generation_rows.empty());
  EXPECT_EQ(teacher_shard_state(dir_, "s").fingerprint, "fp");
  shard.embeddings.pop_back();
  EXPECT_THROW(teacher_file_write(dir_ / "bad.h5", shard), IoError);
  EXPECT_FALSE(fs::exists(dir_ / "bad.h5"));
}

TEST_F(TeacherCache, ChunksMergeBackIntoGenerationOrder) {
  const TeacherShardCache cache(dir_, "s", info_);
  EXPECT_TRUE(cache.prepare(false).committed_batches.empty());
  cache.write_batch(1, chunk({1, 3}));
  cache.write_batch(0, chunk({4, 0, 2}));
  const ShardChunksState state = teacher_shard_state(dir_, "s");
  EXPECT_EQ(state.committed_batches, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(state.committed_rows, 5);
  cache.merge(2, 5);
  const TeacherShard merged = teacher_file_read(cache.file());
  EXPECT_EQ(merged.ids, (std::vector<std::string>{"q0", "q1", "q2", "q3", "q4"}));
  EXPECT_EQ(merged.embeddings, chunk({0, 1, 2, 3, 4}).embeddings);
  EXPECT_EQ(merged.info.fingerprint, "fp");
  EXPECT_TRUE(teacher_shard_state(dir_, "s").finished);
  EXPECT_FALSE(fs::exists(dir_ / "s.chunks"));
}

TEST_F(TeacherCache, ChunksMissingOrRepeatingARowAreRefused) {
  const TeacherShardCache cache(dir_, "s", info_);
  cache.write_batch(0, chunk({0, 1}));
  cache.write_batch(1, chunk({1}));
  EXPECT_THROW(cache.merge(2, 3), IoError);  // row 1 twice
  cache.write_batch(1, chunk({3}));
  EXPECT_THROW(cache.merge(2, 3), IoError);  // row 3 of 3 rows
  cache.write_batch(1, chunk({}));
  try {
    cache.merge(2, 3);
    FAIL() << "merged without row 2";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no chunk holds row 2"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(cache.file()));
  const TeacherShardCache other(dir_, "s", {"fp-2", "kind = sentence-encoder\n"});
  try {
    other.prepare(false);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("other responses or teacher settings"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace genvec
