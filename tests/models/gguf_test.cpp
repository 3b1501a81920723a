// The GGUF reader and ggml dequantization against gguf-py (tests/golden/make_gguf_fixtures.py),
// the reader's answers to truncated and malformed files (always an IoError, never a crash), and
// the writer: gguf-py's fixture written again reads back with every value and tensor unchanged.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/errors.h"
#include "models/ggml_types.h"
#include "models/gguf.h"
#include "models/gguf_write.h"

namespace genvec {
namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(GENVEC_SOURCE_DIR) / "tests/golden/gguf_dequant.gguf";

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<float> dequantize(const GgufTensorInfo& tensor) {
  std::vector<float> values(tensor.num_elements);
  ggml_dequantize(tensor.traits.type, tensor.data, values.data(), tensor.num_elements);
  return values;
}

// The IoError message gguf_parse gives for `bytes` ("" if it parses).
std::string parse_error(const std::vector<uint8_t>& bytes) {
  try {
    gguf_parse(bytes, "bad.gguf");
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(Gguf, ReadsEveryMetadataValueType) {
  GgufModelFile model(kFixture);
  const GgufFile& f = model.file();
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.at("general.architecture").as_string("k"), "genvec-test");
  EXPECT_EQ(f.at("test.uint8").as_int("k"), 200);
  EXPECT_EQ(f.at("test.int8").as_int("k"), -100);
  EXPECT_EQ(f.at("test.uint16").as_int("k"), 60000);
  EXPECT_EQ(f.at("test.int16").as_int("k"), -30000);
  EXPECT_EQ(f.at("test.uint32").as_int("k"), 4000000000);
  EXPECT_EQ(f.at("test.int32").as_int("k"), -2000000000);
  EXPECT_EQ(f.at("test.float32").as_number("k"), 0.125);
  EXPECT_EQ(std::get<uint64_t>(f.at("test.uint64").value), (uint64_t{1} << 63) + 5);
  EXPECT_THROW(f.at("test.uint64").as_int("test.uint64"), IoError);  // beyond int64
  EXPECT_EQ(f.at("test.int64").as_int("k"), -(int64_t{1} << 62));
  EXPECT_EQ(f.at("test.float64").as_number("k"), -1.0e300);
  EXPECT_EQ(std::get<bool>(f.at("test.bool").value), true);
  EXPECT_EQ(f.at("test.string").as_string("k"), "h\xc3\xa9llo \xe2\x9c\x93 \n");
  const auto& strings = f.at("test.strings").as_array("k");
  ASSERT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings[2].as_string("k"), "\xc3\xbc");
  const auto& nested = f.at("test.nested").as_array("k");
  ASSERT_EQ(nested.size(), 2u);
  EXPECT_EQ(nested[0].as_array("k")[1].as_int("k"), 2);
  EXPECT_EQ(nested[1].as_array("k")[0].as_int("k"), 3);
  EXPECT_THROW(f.at("test.string").as_int("test.string"), IoError);
  EXPECT_THROW(f.at("no.such.key"), IoError);
}

TEST(Gguf, DequantizationMatchesGgufPyExactly) {
  GgufModelFile model(kFixture);
  int compared = 0;
  for (const GgufTensorInfo& tensor : model.file().tensors) {
    if (tensor.name.ends_with(".expected")) continue;
    const GgufTensorInfo* expected = model.file().find_tensor(tensor.name + ".expected");
    ASSERT_NE(expected, nullptr) << tensor.name;
    EXPECT_EQ(tensor.traits.name, tensor.name);
    EXPECT_EQ(tensor.shape, expected->shape) << tensor.name;
    const std::vector<float> ours = dequantize(tensor), reference = dequantize(*expected);
    ASSERT_EQ(ours.size(), reference.size());
    // Same float operations in the same order as ggml and gguf-py: equal bits, not a tolerance.
    for (size_t i = 0; i < ours.size(); ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(ours[i]), std::bit_cast<uint32_t>(reference[i]))
          << tensor.name << "[" << i << "]: " << ours[i] << " vs " << reference[i];
    ++compared;
  }
  EXPECT_EQ(compared, 10);  // F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K
}

TEST(Gguf, HalfConversionHandlesEveryClass) {
  EXPECT_EQ(ggml_f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(ggml_f16_to_f32(0xC000), -2.0f);
  EXPECT_EQ(ggml_f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(ggml_f16_to_f32(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(ggml_f16_to_f32(0x7C00)));
  EXPECT_TRUE(std::isnan(ggml_f16_to_f32(0x7E00)));
  EXPECT_TRUE(std::signbit(ggml_f16_to_f32(0x8000)));
  EXPECT_EQ(ggml_bf16_to_f32(0x3F80), 1.0f);
}

// Every prefix of a valid file is rejected with an IoError naming the file (a few are checked
// byte by byte through the header and metadata, the tensor data in strides).
TEST(Gguf, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> bytes = read_bytes(kFixture);
  ASSERT_GT(bytes.size(), 4096u);
  EXPECT_EQ(parse_error(bytes), "");
  for (size_t length = 0; length < bytes.size(); length += length < 4096 ? 1 : 97) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    const std::string error = parse_error(prefix);
    ASSERT_NE(error, "") << "a " << length << "-byte prefix parsed";
    ASSERT_NE(error.find("bad.gguf"), std::string::npos) << error;
  }
}

// A minimal GGUF writer for malformed-file tests.
struct GgufBytes {
  std::vector<uint8_t> bytes;
  template <class T>
  GgufBytes& put(T value) {
    const auto* p = reinterpret_cast<const uint8_t*>(&value);
    bytes.insert(bytes.end(), p, p + sizeof(T));
    return *this;
  }
  GgufBytes& str(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  GgufBytes& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    return put<uint32_t>(0x46554747)
        .put<uint32_t>(version)
        .put<uint64_t>(tensors)
        .put<uint64_t>(kvs);
  }
  // One tensor info: name, dims, ggml type, offset.
  GgufBytes& tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type,
                    uint64_t offset) {
    str(name).put<uint32_t>(dims.size());
    for (uint64_t d : dims) put<uint64_t>(d);
    return put<uint32_t>(type).put<uint64_t>(offset);
  }
  GgufBytes& pad(size_t total) {
    bytes.resize(total, 0);
    return *this;
  }
};

TEST(Gguf, MalformedFilesGetAClearError) {
  auto expect_error = [](const GgufBytes& file, const std::string& fragment) {
    const std::string error = parse_error(file.bytes);
    EXPECT_NE(error.find(fragment), std::string::npos)
        << "expected '" << fragment << "', got '" << error << "'";
  };
  expect_error(GgufBytes().put<uint32_t>(0x12345678), "bad magic");
  expect_error(GgufBytes().header(0, 0, 1), "version 1 is not supported");
  expect_error(GgufBytes().header(0, 0, 0x03000000), "big-endian");
  expect_error(GgufBytes().header(0, 1u << 30), "metadata count");
  expect_error(GgufBytes().header(0, 1).put<uint64_t>(1ull << 40).pad(64), "a metadata key needs");
  expect_error(GgufBytes().header(0, 1).str("k").put<uint32_t>(13), "unknown type 13");
  expect_error(
      GgufBytes().header(0, 1).str("k").put<uint32_t>(9).put<uint32_t>(4).put<uint64_t>(1ull << 60),
      "cannot fit");
  expect_error(GgufBytes().header(0, 1).str("k").put<uint32_t>(7).put<uint8_t>(2),
               "neither 0 nor 1");
  expect_error(GgufBytes()
                   .header(0, 2)
                   .str("k")
                   .put<uint32_t>(0)
                   .put<uint8_t>(1)
                   .str("k")
                   .put<uint32_t>(0)
                   .put<uint8_t>(1),
               "'k' appears twice");
  expect_error(GgufBytes().header(0, 1).str("general.alignment").put<uint32_t>(4).put<uint32_t>(24),
               "not a power of two");
  expect_error(GgufBytes().header(1, 0).tensor("t", {32, 1, 1, 1, 1}, 0, 0).pad(128),
               "5 dimensions");
  expect_error(GgufBytes().header(1, 0).tensor("t", {32}, 99, 0).pad(256), "ggml type 99");
  expect_error(GgufBytes().header(1, 0).tensor("t", {33}, 2, 0).pad(256),
               "not a multiple of the Q4_0 block size");
  expect_error(GgufBytes().header(1, 0).tensor("t", {8}, 0, 4).pad(256), "not aligned");
  expect_error(GgufBytes().header(1, 0).tensor("t", {1024}, 0, 0).pad(256), "runs past the end");
  expect_error(GgufBytes().header(1, 0).tensor("t", {1ull << 41}, 0, 0).pad(256),
               "impossible dimension");
  expect_error(GgufBytes().header(2, 0).tensor("t", {8}, 0, 0).tensor("t", {8}, 0, 32).pad(256),
               "'t' appears twice");
  // Nested arrays beyond any real use are refused before they exhaust the stack.
  GgufBytes deep;
  deep.header(0, 1).str("k").put<uint32_t>(9);
  for (int i = 0; i < 100; ++i) deep.put<uint32_t>(9).put<uint64_t>(1);
  expect_error(deep.pad(deep.bytes.size() + 64), "nested deeper");

  GgufBytes valid;
  valid.header(1, 1)
      .str("general.alignment")
      .put<uint32_t>(4)
      .put<uint32_t>(64)
      .tensor("t", {8}, 0, 0);
  ASSERT_EQ(valid.bytes.size(), 90u);  // so the data starts at the next multiple of 64: 128
  valid.pad(128 + 8 * 4);
  const GgufFile parsed = gguf_parse(valid.bytes, "ok.gguf");
  ASSERT_EQ(parsed.tensors.size(), 1u);
  EXPECT_EQ(parsed.alignment, 64u);
  EXPECT_EQ(parsed.tensors[0].data, valid.bytes.data() + 128);
}

// Equal type, element type and value, recursively (GgufValue has no operator==).
bool same_value(const GgufValue& a, const GgufValue& b) {
  if (a.type != b.type || a.element_type != b.element_type || a.value.index() != b.value.index())
    return false;
  if (a.type != GgufType::array)
    return std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::vector<GgufValue>>)
            return false;
          else
            return x == std::get<T>(b.value);
        },
        a.value);
  const auto &x = std::get<std::vector<GgufValue>>(a.value),
             &y = std::get<std::vector<GgufValue>>(b.value);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!same_value(x[i], y[i])) return false;
  return true;
}

TEST(Gguf, WrittenFilesReadBackUnchanged) {
  GgufModelFile original(kFixture);
  std::vector<GgufTensorData> tensors;
  for (const GgufTensorInfo& t : original.file().tensors)
    tensors.push_back({t.name, t.shape, dequantize(t)});
  const auto path = std::filesystem::temp_directory_path() / "genvec-gguf-write-test.gguf";
  gguf_write(path, original.file().metadata, tensors);
  GgufModelFile written(path);
  const GgufFile& f = written.file();
  ASSERT_EQ(f.metadata.size(), original.file().metadata.size());
  for (const auto& [key, value] : original.file().metadata)
    EXPECT_TRUE(f.find(key) && same_value(*f.find(key), value)) << key;
  ASSERT_EQ(f.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(f.tensors[i].name, tensors[i].name);
    EXPECT_EQ(f.tensors[i].shape, tensors[i].shape);
    EXPECT_EQ(f.tensors[i].traits.type, GgmlType::f32);
    EXPECT_EQ(f.tensors[i].data - f.tensors[0].data,
              static_cast<std::ptrdiff_t>(f.tensors[i].offset));
    EXPECT_EQ(dequantize(f.tensors[i]), tensors[i].values) << tensors[i].name;
  }
  tensors[0].values.pop_back();
  EXPECT_THROW(gguf_write(path.string() + ".bad", original.file().metadata, tensors), IoError);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".bad"));
  std::filesystem::remove(path);
}

TEST(Gguf, MissingFileNamesThePath) {
  try {
    GgufModelFile("/nonexistent/model.gguf");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos);
  }
}

}  // namespace
}  // namespace genvec
