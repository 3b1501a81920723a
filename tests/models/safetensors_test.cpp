// safetensors files and model directories: a file written by the reference implementation
// (tests/golden/make_safetensors_fixture.py), sharded directories, and malformed files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/errors.h"
#include "models/safetensors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> make_file(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> bytes(8 + header.size() + data.size());
  const uint64_t length = header.size();
  std::memcpy(bytes.data(), &length, 8);
  std::copy(header.begin(), header.end(), bytes.begin() + 8);
  std::copy(data.begin(), data.end(), bytes.begin() + 8 + header.size());
  return bytes;
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  try {
    safetensors_parse(bytes, "bad.safetensors");
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

void write(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

template <class T>
std::vector<T> values_of(const SafetensorsTensor& t) {
  std::vector<T> out(t.num_elements);
  std::memcpy(out.data(), t.data, t.num_bytes);
  return out;
}

// Written by safetensors.numpy.save_file: tensor "<dtype>" holds arange(n) in that dtype.
TEST(Safetensors, ReadsTheReferenceWritersFile) {
  SafetensorsModel model(fs::path(GENVEC_SOURCE_DIR) / "tests/golden/safetensors_dtypes");
  const SafetensorsTensor* f32 = model.find("F32");
  ASSERT_NE(f32, nullptr);
  EXPECT_EQ(f32->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values_of<float>(*f32), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values_of<double>(*model.find("F64")), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values_of<int64_t>(*model.find("I64")), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values_of<int8_t>(*model.find("I8")), (std::vector<int8_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(model.find("F16")->element_size, 2);
  EXPECT_EQ(model.find("BOOL")->num_bytes, 6);
  const SafetensorsTensor* empty = model.find("empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(empty->num_bytes, 0);
  EXPECT_EQ(model.find("missing"), nullptr);
}

TEST(Safetensors, ShardedDirectoryFollowsTheIndex) {
  const fs::path dir = fs::temp_directory_path() / ("genvec-st-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  write(dir / "a.safetensors",
        make_file(R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                  {0, 0, 128, 63}));
  write(dir / "b.safetensors",
        make_file(R"({"y": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})", {7, 9}));
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"metadata": {}, "weight_map": {"x": "a.safetensors", "y": "b.safetensors"}})";
  SafetensorsModel model(dir);
  EXPECT_EQ(values_of<float>(*model.find("x"))[0], 1.0f);
  EXPECT_EQ(values_of<uint8_t>(*model.find("y"))[1], 9);
  EXPECT_EQ(model.tensors().size(), 2u);

  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map": {"x": "../etc/passwd"}})";
  EXPECT_THROW(SafetensorsModel{dir}, IoError);
  fs::remove_all(dir);
  try {
    SafetensorsModel model2(dir);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("neither model.safetensors"), std::string::npos);
  }
}

TEST(Safetensors, MalformedFilesGetAClearError) {
  auto expect_error = [](const std::vector<uint8_t>& bytes, const std::string& fragment) {
    const std::string error = parse_error(bytes);
    EXPECT_NE(error.find(fragment), std::string::npos)
        << "expected '" << fragment << "', got '" << error << "'";
  };
  expect_error({1, 2, 3}, "shorter than the 8-byte header length");
  expect_error({255, 255, 0, 0, 0, 0, 0, 0, '{', '}'}, "exceeds the file");
  expect_error(make_file("{not json", {}), "invalid JSON");
  expect_error(make_file("[]", {}), "expected an object");
  expect_error(make_file(R"({"t": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}})", {0}),
               "unknown dtype Q4");
  expect_error(make_file(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}})",
                         std::vector<uint8_t>(8)),
               "lie outside");
  expect_error(make_file(R"({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
                         std::vector<uint8_t>(8)),
               "needs 12");
  expect_error(make_file(R"({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
                         std::vector<uint8_t>(4)),
               "impossible shape");
  expect_error(make_file(R"({"t": {"dtype": "F32", "shape": [1]}})", std::vector<uint8_t>(4)),
               "lacks");
  expect_error(make_file(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                             "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}})",
                         std::vector<uint8_t>(3)),
               "overlap");
  expect_error(make_file(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                             "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
                         std::vector<uint8_t>(2)),
               "appears twice");
  expect_error(make_file(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, "4"]}})",
                         std::vector<uint8_t>(4)),
               "expected an integer");
}

TEST(Safetensors, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> bytes = make_file(
      R"({"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}})",
      std::vector<uint8_t>(16, 1));
  EXPECT_EQ(parse_error(bytes), "");
  for (size_t length = 0; length < bytes.size(); ++length)
    EXPECT_NE(parse_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + length)), "")
        << length;
}

}  // namespace
}  // namespace genvec
