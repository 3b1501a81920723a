// The tokenizer.json reader and byte-level BPE against Hugging Face tokenizers on a small
// trained tokenizer (tests/golden/make_hf_tokenizer_fixture.py), and pre-tokenization edge cases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/errors.h"
#include "common/json.h"
#include "models/pretokenize.h"
#include "models/tokenizer.h"
#include "models/unicode.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Tokenizer load_fixture_tokenizer() {
  const fs::path path = kGolden / "hf_bpe_tokenizer/tokenizer.json";
  return Tokenizer::from_hf_json(json_parse(read_text(path), path.string()), path.string());
}

TEST(Tokenizer, HfTokenizerJsonIdsEqualTheReference) {
  const Tokenizer tokenizer = load_fixture_tokenizer();
  EXPECT_EQ(tokenizer.vocab_size(), 600);
  EXPECT_EQ(tokenizer.pre_tokenizer(), PreTokenizer::gpt2);
  std::ifstream fixture(kGolden / "hf_bpe_tokens.jsonl");
  size_t checked = 0;
  for (std::string line; std::getline(fixture, line);) {
    const Json record = json_parse(line, "hf_bpe_tokens.jsonl");
    const std::string& text = record.find("text")->as_string("text");
    std::vector<int32_t> expected;
    for (const Json& id : record.find("ids")->as_array("ids")) expected.push_back(id.as_int("id"));
    EXPECT_EQ(tokenizer.encode(text), expected) << text;
    EXPECT_EQ(tokenizer.decode(tokenizer.encode(text)), text);
    ++checked;
  }
  EXPECT_EQ(checked, 47u);
}

TEST(Tokenizer, UnsupportedTokenizersAreClearErrors) {
  EXPECT_THROW(
      Tokenizer::from_hf_json(json_parse(R"({"model": {"type": "Unigram"}})", "t"), "t.json"),
      IoError);
  EXPECT_THROW(
      Tokenizer::from_hf_json(
          json_parse(
              R"({"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "Metaspace"}})",
              "t"),
          "t.json"),
      IoError);
  const Tokenizer tokenizer = load_fixture_tokenizer();
  EXPECT_THROW(tokenizer.decode({600}), IoError);
}

// The GPT-2 rule's white-space handling: a run before a word leaves its last space to the word.
TEST(Pretokenize, Gpt2WhiteSpaceRuns) {
  auto words = [](PreTokenizer kind, const std::string& text) {
    const std::vector<uint32_t> cps = utf8_decode(text);
    std::vector<std::string> out;
    for (const auto& [b, e] : pretokenize(kind, cps))
      out.push_back(utf8_encode(std::vector<uint32_t>(cps.begin() + b, cps.begin() + e)));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(words(PreTokenizer::gpt2, "a   b"), (V{"a", "  ", " b"}));
  EXPECT_EQ(words(PreTokenizer::gpt2, "a\n\nb"), (V{"a", "\n", "\n", "b"}));
  EXPECT_EQ(words(PreTokenizer::gpt2, "end  "), (V{"end", "  "}));
  EXPECT_EQ(words(PreTokenizer::gpt2, "it's 12ab!?"), (V{"it", "'s", " 12", "ab", "!?"}));
  EXPECT_EQ(words(PreTokenizer::digits_then_gpt2, "a 12b"), (V{"a", " ", "1", "2", "b"}));
  EXPECT_TRUE(words(PreTokenizer::gpt2, "").empty());
}

}  // namespace
}  // namespace genvec
