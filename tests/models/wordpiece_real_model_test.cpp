// Token-id parity with Hugging Face tokenizers for all-MiniLM-L6-v2's WordPiece tokenizer, read
// from its tokenizer.json and from its vocab.txt + tokenizer_config.json, on 3,210 real strings
// and 138 edge cases carried in tests/golden/minilm_tokens.jsonl (made by
// tests/golden/make_wordpiece_fixture.py). Skips where scripts/setup.sh has not fetched the model.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/json.h"
#include "models/wordpiece.h"
#include "tests/models/real_models.h"
#include "tests/models/token_fixture.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const fs::path kFixture = fs::path(GENVEC_SOURCE_DIR) / "tests/golden/minilm_tokens.jsonl";

class MiniLMTokenizer : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(minilm_path() / "tokenizer.json"))
      GENVEC_SKIP_OR_FAIL(minilm_path() << " is missing: run scripts/setup.sh");
  }
};

TEST_F(MiniLMTokenizer, FromTokenizerJsonEqualsHuggingFace) {
  const WordPieceTokenizer tokenizer = WordPieceTokenizer::from_directory(minilm_path());
  EXPECT_EQ(tokenizer.vocab_size(), 30522);
  EXPECT_EQ(tokenizer.cls_id(), 101);
  EXPECT_EQ(tokenizer.sep_id(), 102);
  EXPECT_EQ(tokenizer.pad_id(), 0);
  EXPECT_TRUE(tokenizer.options().lowercase);
  EXPECT_TRUE(tokenizer.options().strip_accents);
  expect_fixture_ids([&](const std::string& text) { return tokenizer.encode(text); }, kFixture);
}

// Packages without tokenizer.json: transformers builds the same tokenizer from vocab.txt and
// tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars).
TEST_F(MiniLMTokenizer, FromVocabTxtEqualsHuggingFace) {
  const Json config = json_parse_file(minilm_path() / "tokenizer_config.json");
  const WordPieceTokenizer tokenizer =
      WordPieceTokenizer::from_vocab_txt(minilm_path() / "vocab.txt", &config);
  expect_fixture_ids([&](const std::string& text) { return tokenizer.encode(text); }, kFixture);
}

}  // namespace
}  // namespace genvec
