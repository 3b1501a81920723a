// PyTorch checkpoints read without torch: files torch.save wrote (tests/golden/
// make_torch_checkpoint_fixture.py) compared byte for byte with safetensors copies, sharded and
// mixed model directories through ModelWeights, and hand-made zips and pickles that must fail
// with a clear IoError: disallowed globals, bad opcodes, out-of-range views, damaged zips.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/errors.h"
#include "models/model_weights.h"
#include "models/torch_checkpoint.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden/torch_checkpoint";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::span<const uint8_t> span_of(const std::string& bytes) {
  return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

// The IoError message parsing `bytes` gives, "" when it parses. Any other exception fails.
std::string parse_error(const std::string& bytes) {
  try {
    torch_checkpoint_parse(span_of(bytes), "bad.bin");
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(text, fragment)                          \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) \
      << "expected '" << (fragment) << "' in '" << (text) << "'"

template <class T>
std::vector<T> values_of(const SafetensorsTensor& t) {
  std::vector<T> out(t.num_elements);
  if (t.num_bytes > 0) std::memcpy(out.data(), t.data, t.num_bytes);
  return out;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("genvec-ckpt-" + std::to_string(getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// ---- Hand-made checkpoints: a stored zip writer and a pickle writer (protocol 2 opcodes). ----

std::string le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(value >> (8 * i) & 0xFF);
  return out;
}

struct ZipOptions {
  uint16_t method = 0;  // 8 = deflate, which the reader must refuse
  bool zip64 = false;   // sizes and offsets in ZIP64 extra fields, as for files over 4 GiB
};

// A zip archive of `entries` (name, data), stored; CRCs left 0 since the reader ignores them.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries,
                     ZipOptions options = {}) {
  std::string out, directory;
  for (const auto& [name, data] : entries) {
    const uint64_t local = out.size();
    out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(options.method, 2) + le(0, 4) + le(0, 4) +
           le(data.size(), 4) + le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
    const uint64_t small = options.zip64 ? 0xFFFFFFFF : 0;
    const std::string extra = options.zip64 ? le(1, 2) + le(24, 2) + le(data.size(), 8) +
                                                  le(data.size(), 8) + le(local, 8)
                                            : "";
    directory += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(options.method, 2) +
                 le(0, 4) + le(0, 4) + le(small ? small : data.size(), 4) +
                 le(small ? small : data.size(), 4) + le(name.size(), 2) + le(extra.size(), 2) +
                 le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(small ? small : local, 4) + name +
                 extra;
  }
  const uint64_t directory_at = out.size();
  out += directory;
  if (options.zip64) {
    const uint64_t end64 = out.size();
    out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) +
           le(entries.size(), 8) + le(entries.size(), 8) + le(directory.size(), 8) +
           le(directory_at, 8);
    out += le(0x07064b50, 4) + le(0, 4) + le(end64, 8) + le(1, 4);
  }
  out += le(0x06054b50, 4) + le(0, 4) + le(options.zip64 ? 0xFFFF : entries.size(), 2) +
         le(options.zip64 ? 0xFFFF : entries.size(), 2) +
         le(options.zip64 ? 0xFFFFFFFF : directory.size(), 4) +
         le(options.zip64 ? 0xFFFFFFFF : directory_at, 4) + le(0, 2);
  return out;
}

std::string pickle_str(const std::string& text) { return "X" + le(text.size(), 4) + text; }
std::string pickle_int(int64_t value) { return "\x8a\x08" + le(value, 8); }  // LONG1
std::string pickle_ints(const std::vector<int64_t>& values) {
  std::string out = "(";
  for (int64_t value : values) out += pickle_int(value);
  return out + "t";
}
const std::string kOrderedDict = "ccollections\nOrderedDict\n)R";

struct View {
  std::string storage_type = "FloatStorage";
  int64_t numel = 4;  // the storage's size in elements
  int64_t offset = 0;
  std::vector<int64_t> size = {2, 2}, stride = {2, 1};
};

// _rebuild_tensor_v2(('storage', torch.<type>, '0', 'cpu', numel), offset, size, stride, ...)
std::string pickle_tensor(const View& v) {
  return "ctorch._utils\n_rebuild_tensor_v2\n((" + pickle_str("storage") + "ctorch\n" +
         v.storage_type + "\n" + pickle_str("0") + pickle_str("cpu") + pickle_int(v.numel) + "tQ" +
         pickle_int(v.offset) + pickle_ints(v.size) + pickle_ints(v.stride) + "\x89" +
         kOrderedDict + "tR";
}

// A checkpoint holding {"w": tensor}: the storage "0" is 16 bytes, floats 1, 2, 3, 4.
std::string pickle_state_dict(const View& view = {}) {
  return "\x80\x02" + kOrderedDict + "(" + pickle_str("w") + pickle_tensor(view) + "u.";
}
const std::string kStorage =
    le(0x3f800000, 4) + le(0x40000000, 4) + le(0x40400000, 4) + le(0x40800000, 4);
std::string checkpoint(const std::string& pickle, ZipOptions options = {},
                       const std::string& byteorder = "little") {
  return make_zip({{"archive/data.pkl", pickle},
                   {"archive/byteorder", byteorder},
                   {"archive/data/0", kStorage},
                   {"archive/version", "3\n"}},
                  options);
}

// ---- Files torch.save wrote. ----

// Every tensor equals its contiguous copy in expected.safetensors, byte for byte: dtypes, a 0-d
// and an empty tensor, views that map in place (shared storage at offsets) and views that must
// be copied (transpose, strided slice, expand).
TEST(TorchCheckpoint, MatchesTheSafetensorsCopyByteForByte) {
  const TorchCheckpoint checkpoint(kGolden / "pytorch_model.bin");
  const ModelWeights expected(kGolden / "expected.safetensors");
  EXPECT_EQ(checkpoint.tensors().size(), expected.tensors().size());
  EXPECT_EQ(checkpoint.tensors().size(), 19u);
  for (const auto& [name, want] : expected.tensors()) {
    SCOPED_TRACE(name);
    const SafetensorsTensor* got = checkpoint.find(name);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->name, name);
    EXPECT_EQ(got->dtype, want->dtype);
    EXPECT_EQ(got->element_size, want->element_size);
    EXPECT_EQ(got->shape, want->shape);
    EXPECT_EQ(got->num_elements, want->num_elements);
    ASSERT_EQ(got->num_bytes, want->num_bytes);
    if (want->num_bytes > 0) {
      EXPECT_EQ(std::memcmp(got->data, want->data, want->num_bytes), 0);
    }
  }
  EXPECT_EQ(checkpoint.find("missing"), nullptr);
}

TEST(TorchCheckpoint, DtypesShapesAndViewsAreRight) {
  const TorchCheckpoint checkpoint(kGolden / "pytorch_model.bin");
  auto get = [&](const std::string& name) {
    const SafetensorsTensor* tensor = checkpoint.find(name);
    if (!tensor) throw std::runtime_error("no tensor " + name);
    return *tensor;
  };
  const std::map<std::string, std::string> dtypes = {
      {"f32", "F32"}, {"f16", "F16"}, {"bf16", "BF16"}, {"f64", "F64"}, {"i64", "I64"},
      {"i32", "I32"}, {"i16", "I16"}, {"i8", "I8"},     {"u8", "U8"},   {"bool", "BOOL"}};
  for (const auto& [name, dtype] : dtypes) {
    EXPECT_EQ(get(name).dtype, dtype);
    EXPECT_EQ(get(name).shape, (std::vector<int64_t>{2, 3}));
  }
  EXPECT_EQ(values_of<float>(get("f32")), (std::vector<float>{-2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(values_of<int64_t>(get("i64")), (std::vector<int64_t>{-2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(values_of<uint16_t>(get("bf16"))[0], 0xC000);  // -2 in bfloat16
  EXPECT_EQ(values_of<uint8_t>(get("bool")), (std::vector<uint8_t>{1, 0, 1, 0, 0, 1}));
  EXPECT_EQ(get("scalar").shape, std::vector<int64_t>{});
  EXPECT_EQ(values_of<float>(get("scalar")), std::vector<float>{3.5f});
  EXPECT_EQ(get("empty").shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(get("empty").num_bytes, 0);
  EXPECT_EQ(get("transposed").shape, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(values_of<float>(get("transposed")),
            (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(values_of<int32_t>(get("strided")), (std::vector<int32_t>{1, 4, 7}));
  EXPECT_EQ(values_of<float>(get("expanded")), (std::vector<float>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(get("position_ids").shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(values_of<int64_t>(get("position_ids")), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(values_of<float>(get("shared_a")), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(values_of<float>(get("shared_b")), (std::vector<float>{6, 7, 8, 9}));
  EXPECT_EQ(values_of<float>(get("param")), (std::vector<float>{0.25f, -1.5f, 8.0f}));
}

// Row-major views point into the file, whatever their storage offset; only the others are copied.
TEST(TorchCheckpoint, MapsRowMajorViewsInPlace) {
  const std::string bytes = read_file(kGolden / "pytorch_model.bin");
  const TorchCheckpointFile file = torch_checkpoint_parse(span_of(bytes), "pytorch_model.bin");
  std::map<std::string, const SafetensorsTensor*> by_name;
  for (const SafetensorsTensor& tensor : file.tensors) by_name[tensor.name] = &tensor;
  auto in_file = [&](const std::string& name) {
    const uint8_t* data = by_name.at(name)->data;
    return data >= span_of(bytes).data() && data < span_of(bytes).data() + bytes.size();
  };
  for (const char* name : {"f32", "scalar", "shared_a", "shared_b", "position_ids", "param"})
    EXPECT_TRUE(in_file(name)) << name;
  for (const char* name : {"transposed", "strided", "expanded"})
    EXPECT_FALSE(in_file(name)) << name;
  EXPECT_EQ(file.copies.size(), 3u);
  // The two views of one storage lie 4 floats apart in it.
  EXPECT_EQ(by_name.at("shared_b")->data - by_name.at("shared_a")->data, 4 * 4);
}

TEST(ModelWeights, ReadsAShardedPytorchDirectory) {
  const ModelWeights weights(kGolden / "sharded");
  ASSERT_EQ(weights.tensors().size(), 4u);
  EXPECT_EQ(weights.find("encoder.weight")->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values_of<float>(*weights.find("encoder.weight")),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(values_of<float>(*weights.find("encoder.bias")), (std::vector<float>{-1, -2}));
  EXPECT_EQ(values_of<float>(*weights.find("head.weight")), (std::vector<float>{100, 101}));
  EXPECT_EQ(values_of<float>(*weights.find("head.bias")), (std::vector<float>{-100}));
}

TEST(ModelWeights, PrefersSafetensorsAndSaysWhatItLookedFor) {
  TempDir dir;
  try {
    ModelWeights weights(dir.path);
    FAIL() << "an empty directory loaded";
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(),
                    "model.safetensors, model.safetensors.index.json, "
                    "pytorch_model.bin and pytorch_model.bin.index.json");
  }
  fs::copy_file(kGolden / "pytorch_model.bin", dir.path / "pytorch_model.bin");
  EXPECT_NE(ModelWeights(dir.path).find("f32"), nullptr);
  fs::copy_file(kGolden / "../safetensors_dtypes/model.safetensors",
                dir.path / "model.safetensors");
  const ModelWeights weights(dir.path);
  EXPECT_NE(weights.find("F32"), nullptr);  // safetensors_dtypes names tensors by dtype
  EXPECT_EQ(weights.find("f32"), nullptr);
  EXPECT_NE(ModelWeights(dir.path / "pytorch_model.bin").find("f32"), nullptr);
  EXPECT_THROW(ModelWeights(dir.path / "nothing.bin"), IoError);
}

TEST(ModelWeights, AStaleShardIndexIsAnError) {
  TempDir dir;
  for (const auto& entry : fs::directory_iterator(kGolden / "sharded"))
    fs::copy_file(entry.path(), dir.path / entry.path().filename());
  write_file(dir.path / "pytorch_model.bin.index.json",
             R"({"weight_map": {"encoder.weight": "pytorch_model-00002-of-00002.bin",
                                "head.bias": "pytorch_model-00002-of-00002.bin"}})");
  try {
    ModelWeights weights(dir.path);
    FAIL() << "a stale index loaded";
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), "maps tensor 'encoder.weight' to pytorch_model-00002-of-00002.bin");
  }
  write_file(dir.path / "pytorch_model.bin.index.json", R"({"weight_map": {"x": "../x.bin"}})");
  EXPECT_THROW(ModelWeights{dir.path}, IoError);
}

// ---- Files that must be refused. ----

TEST(TorchCheckpoint, LegacyFormatNamesTheFileAndTheFix) {
  const fs::path legacy = kGolden / "legacy.bin";
  try {
    TorchCheckpoint checkpoint(legacy);
    FAIL() << "a legacy checkpoint loaded";
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), legacy.string());
    EXPECT_CONTAINS(e.what(), "legacy");
    EXPECT_CONTAINS(e.hint(), "torch>=1.6");
  }
}

// The pickle in os_system.bin would run `echo pwned` under torch.load(weights_only=False).
TEST(TorchCheckpoint, RefusesGlobalsOutsideTheWhitelist) {
  try {
    TorchCheckpoint checkpoint(kGolden / "os_system.bin");
    FAIL() << "os.system was accepted";
  } catch (const IoError& e) {
    EXPECT_CONTAINS(e.what(), "os_system.bin");
    EXPECT_CONTAINS(e.what(), "calls os.system");
  }
  // The same through STACK_GLOBAL (protocol 4), and a builtin that looks harmless.
  EXPECT_CONTAINS(parse_error(checkpoint("\x80\x04" + pickle_str("os") + pickle_str("system") +
                                         "\x93" + pickle_str("echo") + "\x85R.")),
                  "calls os.system");
  EXPECT_CONTAINS(parse_error(checkpoint(std::string("\x80\x02") + "c__builtin__\neval\n.")),
                  "calls __builtin__.eval");
}

TEST(TorchCheckpoint, HandMadeCheckpointsParseWhenValid) {
  const std::string bytes = checkpoint(pickle_state_dict());  // the tensors point into it
  const TorchCheckpointFile file = torch_checkpoint_parse(span_of(bytes), "ok");
  ASSERT_EQ(file.tensors.size(), 1u);
  EXPECT_EQ(values_of<float>(file.tensors[0]), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_TRUE(file.copies.empty());
  // ZIP64 extra fields, as torch writes for entries past 4 GiB.
  EXPECT_EQ(parse_error(checkpoint(pickle_state_dict(), {.zip64 = true})), "");
  // A transpose of the 2x2 storage is copied: 1, 3, 2, 4.
  const std::string transposed_bytes = checkpoint(pickle_state_dict({.stride = {1, 2}}));
  const TorchCheckpointFile transposed = torch_checkpoint_parse(span_of(transposed_bytes), "ok");
  EXPECT_EQ(values_of<float>(transposed.tensors[0]), (std::vector<float>{1, 3, 2, 4}));
  EXPECT_EQ(transposed.copies.size(), 1u);
}

TEST(TorchCheckpoint, MalformedCheckpointsGetAClearError) {
  auto expect_error = [](const std::string& bytes, const std::string& fragment) {
    const std::string error = parse_error(bytes);
    EXPECT_CONTAINS(error, fragment);
  };
  expect_error("", "too short to be a zip archive");
  expect_error(std::string(100, 'x'), "no end-of-central-directory record");
  expect_error(make_zip({{"archive/data.pkl", "."}}, {.method = 8}), "is compressed (method 8)");
  expect_error(make_zip({{"x.txt", "hello"}}), "without <archive>/data.pkl");
  expect_error(checkpoint(pickle_state_dict(), {}, "big"), "big-endian");
  expect_error(checkpoint("\x80\x02\xff"), "unsupported pickle opcode 0xff");
  expect_error(checkpoint("\x80\x02" + kOrderedDict), "truncated");
  expect_error(checkpoint("\x80\x02h\x07."), "memo entry 7 was never stored");
  expect_error(checkpoint("\x80\x02u."), "no MARK");
  expect_error(checkpoint("\x80\x02N."), "holds a None, not a state dict");
  expect_error(checkpoint("\x80\x02}(" + pickle_str("w") + "K\x01u."),
               "entry 'w' is a int, not a tensor");
  expect_error(checkpoint("\x80\x02}(" + pickle_str("state_dict") + "}u."), "training checkpoint");
  // Views that reach outside their storage name the tensor.
  expect_error(checkpoint(pickle_state_dict({.offset = 1})),
               "tensor 'w' (size [2, 2], stride [2, 1], offset 1) reaches element 4 of storage 0");
  expect_error(checkpoint(pickle_state_dict({.size = {3, 2}})), "reaches element 5");
  expect_error(checkpoint(pickle_state_dict({.offset = -1})), "negative storage offset");
  expect_error(checkpoint(pickle_state_dict({.stride = {2, -1}})), "negative size or stride");
  expect_error(checkpoint(pickle_state_dict({.stride = {INT64_MAX, 1}})), "reaches past any");
  expect_error(checkpoint(pickle_state_dict({.size = {2}})), "size and stride differ");
  // A stride-0 view as large as a terabyte would have to be copied: refused before allocating.
  expect_error(checkpoint(pickle_state_dict({.size = {int64_t{1} << 38}, .stride = {0}})),
               "bytes to copy row-major");
  // The storage's claimed size must fit its entry, and its entry must exist.
  expect_error(checkpoint(pickle_state_dict({.numel = 5})), "claims 5 F32 elements");
  expect_error(checkpoint(pickle_state_dict({.storage_type = "DoubleStorage", .numel = 4})),
               "claims 4 F64 elements");
  expect_error(make_zip({{"archive/data.pkl", pickle_state_dict()}}),
               "has no entry archive/data/0");
  expect_error(checkpoint(pickle_state_dict({.storage_type = "ComplexFloatStorage"})),
               "calls torch.ComplexFloatStorage");
}

TEST(TorchCheckpoint, EveryTruncationIsAnErrorNotACrash) {
  const std::string bytes = read_file(kGolden / "sharded/pytorch_model-00002-of-00002.bin");
  ASSERT_EQ(parse_error(bytes), "");
  for (size_t length = 0; length < bytes.size(); ++length)
    EXPECT_NE(parse_error(bytes.substr(0, length)), "") << length;
}

// Any one damaged byte either still parses (it hit padding, a CRC or a timestamp) or is an
// IoError; the reader never reads outside the file (run under ASan to see).
TEST(TorchCheckpoint, EveryCorruptedByteIsParsedOrRefused) {
  const std::string bytes = read_file(kGolden / "sharded/pytorch_model-00002-of-00002.bin");
  for (size_t at = 0; at < bytes.size(); ++at)
    for (uint8_t flip : {0x01, 0x80, 0xFF}) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ flip);
      EXPECT_NO_THROW(parse_error(damaged)) << at;
    }
}

}  // namespace
}  // namespace genvec
