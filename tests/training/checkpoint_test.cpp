// Checkpoints round-trip exactly; retention keeps the newest K and every M-th and clears killed
// writes' temporaries; `latest` names the newest; a damaged or truncated newest checkpoint is
// reported and the one before it is used.
#include "training/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/errors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

Checkpoint sample(int64_t step) {
  Checkpoint c;
  c.step = step;
  c.parameters = {{"gen_tokens", {2, 3}, {1, 2, 3, 4, 5, static_cast<float>(step)}},
                  {"recon.bias", {3}, {0.5f, -0.25f, 1e-30f}}};
  c.adam_m = {{"gen_tokens", {2, 3}, {0, 0, 0, 0, 0, 1}}, {"recon.bias", {3}, {1, 2, 3}}};
  c.adam_v = {{"gen_tokens", {2, 3}, {6, 5, 4, 3, 2, 1}}, {"recon.bias", {3}, {9, 8, 7}}};
  c.config_toml = "[run]\nseed = 3\n";
  c.data_fingerprint = "abc";
  c.model_identity = "model-id";
  c.model_path = "/models/m.gguf";
  c.num_tokens = 2;
  c.num_compression_tokens = 1;
  c.hidden_size = 3;
  c.teacher_size = 3;
  c.global_batch_size = 8;
  c.seed = 3;
  return c;
}

class CheckpointDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("genvec-checkpoint-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CheckpointDirTest, RoundTripsEveryField) {
  const Checkpoint c = sample(7);
  checkpoint_write(dir_.string() + ".h5", c);
  const Checkpoint back = checkpoint_read(dir_.string() + ".h5");
  fs::remove(dir_.string() + ".h5");
  EXPECT_EQ(back.step, 7);
  ASSERT_EQ(back.parameters.size(), 2u);
  EXPECT_EQ(back.parameters[0].values, c.parameters[0].values);
  EXPECT_EQ(back.parameters[1].values, c.parameters[1].values);
  EXPECT_EQ(back.parameters[1].shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(back.adam_v[0].values, c.adam_v[0].values);
  EXPECT_EQ(back.config_toml, c.config_toml);
  EXPECT_EQ(back.model_identity, "model-id");
  EXPECT_EQ(back.num_compression_tokens, 1);
  EXPECT_EQ(back.global_batch_size, 8);
}

TEST_F(CheckpointDirTest, KeepsTheNewestAndEveryMthAndPointsLatestAtTheNewest) {
  const CheckpointDir dir(dir_);
  fs::create_directories(dir_);
  std::ofstream(dir_ / "step-00000005.h5.tmp.4242") << "a write killed part-way";
  for (int64_t step = 5; step <= 30; step += 5) dir.save(sample(step), 2, 10);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"latest", "step-00000010.h5", "step-00000020.h5",
                                             "step-00000025.h5", "step-00000030.h5"}));
  std::vector<std::string> warnings;
  const auto newest = dir.load_newest([&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->step, 30);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(CheckpointDirTest, ADamagedNewestFallsBackToThePreviousWithAWarning) {
  const CheckpointDir dir(dir_);
  dir.save(sample(10), 3, 0);
  dir.save(sample(20), 3, 0);
  dir.save(sample(30), 3, 0);
  fs::resize_file(dir.file_for(30), fs::file_size(dir.file_for(30)) / 2);  // truncated
  // Step 20: one value changed on disk (its bytes found and overwritten) is caught by its
  // checksum.
  {
    std::fstream file(dir.file_for(20), std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const float values[6] = {1, 2, 3, 4, 5, 20};
    const std::string needle(reinterpret_cast<const char*>(values), sizeof values);
    const size_t at = bytes.find(needle);
    ASSERT_NE(at, std::string::npos);
    const float flipped = 1.5f;
    file.seekp(static_cast<std::streamoff>(at));
    file.write(reinterpret_cast<const char*>(&flipped), sizeof flipped);
  }
  std::vector<std::string> warnings;
  const auto newest = dir.load_newest([&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->step, 10);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("step-00000030.h5"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("checksum"), std::string::npos) << warnings[1];
}

TEST_F(CheckpointDirTest, NothingToResumeFrom) {
  const CheckpointDir dir(dir_);
  EXPECT_FALSE(dir.load_newest([](const std::string&) {}));
  fs::create_directories(dir_);
  std::ofstream(dir_ / "step-00000005.h5") << "not hdf5";
  std::vector<std::string> warnings;
  EXPECT_FALSE(dir.load_newest([&](const std::string& w) { warnings.push_back(w); }));
  EXPECT_EQ(warnings.size(), 1u);
}

}  // namespace
}  // namespace genvec
