// File identities for fingerprints: every byte counts (a change in the middle of a large file,
// which 4 MiB samples at both ends missed, changes it), the hash does not depend on how the bytes
// are fed, its values are pinned (a silent change would refuse every cache made before), and the
// cache by path, size and mtime is used and invalidated by a write.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/file_identity.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

class FileIdentity : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genvec-fi-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "model");
    const char* home = std::getenv("GENVEC_HOME");
    saved_home_ = home ? home : "";
    setenv("GENVEC_HOME", (dir_ / "home").c_str(), 1);
  }
  void TearDown() override {
    setenv("GENVEC_HOME", saved_home_.c_str(), 1);
    fs::remove_all(dir_);
  }
  void write(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
  }
  fs::path dir_;
  std::string saved_home_;
};

std::string hash_of(const std::string& bytes) {
  ContentHasher hasher;
  hasher.update(bytes.data(), bytes.size());
  return hasher.hex();
}

TEST(ContentHasher, ValuesArePinnedAndIndependentOfHowBytesAreFed) {
  EXPECT_EQ(hash_of(""), "3fdf455f9dcf1e62");
  EXPECT_EQ(hash_of("abc"), "c6286258a8ea2c6a");
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += static_cast<char>((i * 7919) % 251);
  EXPECT_EQ(hash_of(bytes), "574e39766158ee66");
  for (const size_t piece : {1, 5, 31, 32, 33, 64, 999}) {
    ContentHasher hasher;
    for (size_t at = 0; at < bytes.size(); at += piece)
      hasher.update(bytes.data() + at, std::min(piece, bytes.size() - at));
    EXPECT_EQ(hasher.hex(), hash_of(bytes)) << "pieces of " << piece;
  }
  std::string changed = bytes;
  changed[500] ^= 1;
  EXPECT_NE(hash_of(changed), hash_of(bytes));
  EXPECT_NE(hash_of(bytes + std::string(1, '\0')), hash_of(bytes));  // the length counts
}

TEST_F(FileIdentity, EveryByteOfEveryFileCounts) {
  std::string weights(10 << 20, 'w');
  write(dir_ / "model/weights.bin", weights);
  write(dir_ / "model/config.json", "{}");
  const std::string before = file_identity(dir_ / "model");
  weights[5 << 20] = 'x';  // the middle of a 10 MiB file
  write(dir_ / "model/weights.bin", weights);
  const std::string after = file_identity(dir_ / "model");
  EXPECT_NE(after, before);
  fs::rename(dir_ / "model/config.json", dir_ / "model/other.json");
  EXPECT_NE(file_identity(dir_ / "model"), after);  // names count too
  EXPECT_EQ(file_identity(dir_ / "model/weights.bin"), file_identity(dir_ / "model/weights.bin"));
  EXPECT_THROW(file_identity(dir_ / "missing.gguf"), std::exception);
}

TEST_F(FileIdentity, HashesAreCachedByPathSizeAndMtime) {
  const fs::path file = dir_ / "model/weights.bin";
  write(file, "first content");
  const std::string first = file_content_hash(file);
  const fs::path cache = dir_ / "home/cache/file-hashes.tsv";
  ASSERT_TRUE(fs::exists(cache));
  // A cached entry is believed: plant another hash for the same key and it comes back.
  std::string line;
  std::getline(std::ifstream(cache), line);
  ASSERT_EQ(line.substr(0, 16), first);
  std::ofstream(cache, std::ios::app) << "0123456789abcdef" << line.substr(16) << "\n";
  EXPECT_EQ(file_content_hash(file), "0123456789abcdef");
  // A write changes the size or the mtime, so the file is hashed again.
  write(file, "second content, longer");
  EXPECT_EQ(file_content_hash(file), hash_of("second content, longer"));
  // Malformed lines are ignored, and an unwritable cache only costs time.
  std::ofstream(cache, std::ios::app) << "garbage\tline\n";
  EXPECT_EQ(file_content_hash(file), hash_of("second content, longer"));
  setenv("GENVEC_HOME", "/proc/genvec-cannot-write-here", 1);
  EXPECT_EQ(file_content_hash(file), hash_of("second content, longer"));
}

}  // namespace
}  // namespace genvec
