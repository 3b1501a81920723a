// Teacher caches round-trip exactly; a file that is not there has no info; a size mismatch
// between ids and embeddings is refused before anything is written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/errors.h"
#include "data/teacher_cache.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

TEST(TeacherCache, RoundTripAndInfo) {
  const fs::path dir = fs::temp_directory_path() / ("genvec-tc-" + std::to_string(getpid()));
  TeacherShard shard;
  shard.ids = {"q1", "q2", "q3"};
  shard.dimension = 4;
  for (int i = 0; i < 12; ++i) shard.embeddings.push_back(0.25f * i - 1.0f);
  shard.info = {"fp", "kind = llm\npooling = mean\n"};
  EXPECT_FALSE(teacher_file_info(dir / "s.h5"));
  teacher_file_write(dir / "s.h5", shard);
  const TeacherShard back = teacher_file_read(dir / "s.h5");
  EXPECT_EQ(back.ids, shard.ids);
  EXPECT_EQ(back.embeddings, shard.embeddings);
  EXPECT_EQ(back.dimension, 4);
  EXPECT_EQ(back.info.teacher, shard.info.teacher);
  EXPECT_EQ(teacher_file_info(dir / "s.h5")->fingerprint, "fp");
  shard.embeddings.pop_back();
  EXPECT_THROW(teacher_file_write(dir / "bad.h5", shard), IoError);
  EXPECT_FALSE(fs::exists(dir / "bad.h5"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace genvec
