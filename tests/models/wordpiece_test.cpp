// WordPiece rules on a small hand-made vocabulary: greedy longest match, "##" continuations, a
// word that cannot be covered becoming one [UNK], the normalizer steps each on and off, special
// tokens in the raw text, truncation, and the loaders' errors. Parity with Hugging Face on the
// real all-MiniLM vocabulary is tests/models/wordpiece_real_model_test.cpp.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/errors.h"
#include "common/json.h"
#include "models/wordpiece.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kVocab = {"[PAD]", "[UNK]",  "[CLS]", "[SEP]",   "[MASK]", "un",
                                         "##aff", "##able", "##ab",  "affable", "hello",  ",",
                                         "!",     "a",      "b",     "中",      "cafe",   "Hello",
                                         "##e",   "x",      "##x",   "mask",    "[",      "]"};

int32_t id(const std::string& token) {
  return static_cast<int32_t>(std::find(kVocab.begin(), kVocab.end(), token) - kVocab.begin());
}

std::string tokenizer_json(const std::string& normalizer, int max_chars = 100) {
  std::string vocab;
  for (size_t i = 0; i < kVocab.size(); ++i)
    vocab += (i ? "," : "") + std::string("\"") + kVocab[i] + "\":" + std::to_string(i);
  std::string added;
  for (int i = 0; i < 5; ++i)
    added += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"content\":\"" +
             kVocab[i] + "\",\"normalized\":false,\"special\":true}";
  return "{\"added_tokens\":[" + added + "],\"normalizer\":" + normalizer +
         ",\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
         "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],"
         "\"cls\":[\"[CLS]\",2]},\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\","
         "\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":" +
         std::to_string(max_chars) + ",\"vocab\":{" + vocab + "}}}";
}

const std::string kBertNormalizer =
    "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"
    "\"strip_accents\":null,\"lowercase\":true}";

WordPieceTokenizer load(const std::string& normalizer = kBertNormalizer, int max_chars = 100) {
  return WordPieceTokenizer::from_hf_json(json_parse(tokenizer_json(normalizer, max_chars), "t"),
                                          "t");
}

using Ids = std::vector<int32_t>;

TEST(WordPiece, GreedyLongestMatchWithContinuations) {
  const WordPieceTokenizer t = load();
  EXPECT_EQ(t.encode("unaffable"), (Ids{id("un"), id("##aff"), id("##able")}));
  EXPECT_EQ(t.encode("affable"), (Ids{id("affable")}));  // the whole word beats pieces
  EXPECT_EQ(t.encode("xxx"), (Ids{id("x"), id("##x"), id("##x")}));
  // "unaffz": the rest "z" has no piece, so the whole word is one [UNK], not "un ##aff [UNK]".
  EXPECT_EQ(t.encode("unaffz hello"), (Ids{id("[UNK]"), id("hello")}));
}

TEST(WordPiece, NormalizerLowercasesStripsAccentsAndSplits) {
  const WordPieceTokenizer t = load();
  EXPECT_EQ(t.encode("HELLO, Héllo!"), (Ids{id("hello"), id(","), id("hello"), id("!")}));
  EXPECT_EQ(t.encode("CAFÉ"), (Ids{id("cafe")}));
  EXPECT_EQ(t.encode("a中b"), (Ids{id("a"), id("中"), id("b")}));    // CJK is its own word
  EXPECT_EQ(t.encode("hel\x01lo\tb"), (Ids{id("hello"), id("b")}));  // controls dropped
  EXPECT_EQ(t.encode(" \n "), Ids{});
}

TEST(WordPiece, EachNormalizerStepCanBeOff) {
  const WordPieceTokenizer cased = load(
      "{\"type\":\"BertNormalizer\",\"clean_text\":false,\"handle_chinese_chars\":false,"
      "\"strip_accents\":false,\"lowercase\":false}");
  EXPECT_EQ(cased.encode("Hello hello"), (Ids{id("Hello"), id("hello")}));
  EXPECT_EQ(cased.encode("café"), (Ids{id("[UNK]")}));
  EXPECT_EQ(cased.encode("a中b"), (Ids{id("[UNK]")}));  // no CJK padding: one unknown word
  const WordPieceTokenizer accents_kept =
      load("{\"type\":\"BertNormalizer\",\"strip_accents\":false,\"lowercase\":true}");
  EXPECT_EQ(accents_kept.encode("CAFE CAFÉ"), (Ids{id("cafe"), id("[UNK]")}));
}

TEST(WordPiece, LongWordsBecomeUnknown) {
  const WordPieceTokenizer t = load(kBertNormalizer, 3);
  EXPECT_EQ(t.encode("xxx xxxx"), (Ids{id("x"), id("##x"), id("##x"), id("[UNK]")}));
}

TEST(WordPiece, SpecialTokensMatchOnlyVerbatim) {
  const WordPieceTokenizer t = load();
  EXPECT_EQ(t.encode("hello[MASK]hello"), (Ids{id("hello"), id("[MASK]"), id("hello")}));
  // Lower-case "[mask]" is ordinary text: punctuation split, then the word "mask".
  EXPECT_EQ(t.encode("[mask]"), (Ids{id("["), id("mask"), id("]")}));
}

TEST(WordPiece, ModelInputIsClsPiecesSepTruncated) {
  const WordPieceTokenizer t = load();
  bool truncated = true;
  EXPECT_EQ(t.encode_for_model("a b", 8, &truncated),
            (Ids{id("[CLS]"), id("a"), id("b"), id("[SEP]")}));
  EXPECT_FALSE(truncated);
  EXPECT_EQ(t.encode_for_model("a b a b", 4, &truncated),
            (Ids{id("[CLS]"), id("a"), id("b"), id("[SEP]")}));
  EXPECT_TRUE(truncated);
  EXPECT_EQ(t.encode_for_model("", 4), (Ids{id("[CLS]"), id("[SEP]")}));
  EXPECT_THROW(t.encode_for_model("a", 1), IoError);
}

TEST(WordPiece, InvalidUtf8IsCountedAndDropped) {
  const WordPieceTokenizer t = load();
  size_t invalid = 0;
  EXPECT_EQ(t.encode("a \xff b", &invalid), (Ids{id("a"), id("b")}));
  EXPECT_EQ(invalid, 1u);
}

TEST(WordPiece, VocabTxtWithTokenizerConfig) {
  const fs::path dir = fs::temp_directory_path() / ("genvec-wp-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    std::ofstream vocab(dir / "vocab.txt");
    for (const std::string& token : kVocab) vocab << token << "\n";
    std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": false})";
  }
  const WordPieceTokenizer t = WordPieceTokenizer::from_directory(dir);
  EXPECT_FALSE(t.options().lowercase);
  EXPECT_FALSE(t.options().strip_accents);
  EXPECT_EQ(t.encode("Hello hello[SEP]"), (Ids{id("Hello"), id("hello"), id("[SEP]")}));
  EXPECT_EQ(t.cls_id(), id("[CLS]"));
  fs::remove_all(dir);
}

TEST(WordPiece, UnsupportedOrBrokenFilesAreClearErrors) {
  auto message = [](const std::string& json) {
    try {
      WordPieceTokenizer::from_hf_json(json_parse(json, "bad.json"), "bad.json");
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"model": {"type": "BPE"}})").find("not WordPiece"), std::string::npos);
  std::string no_unk = tokenizer_json(kBertNormalizer);
  no_unk.replace(no_unk.find("\"unk_token\":\"[UNK]\""), 19, "\"unk_token\":\"<unk>\"");
  EXPECT_NE(message(no_unk).find("'<unk>' is not in the vocabulary"), std::string::npos);
  EXPECT_THROW(WordPieceTokenizer::from_directory("/nonexistent-genvec-dir"), IoError);
}

}  // namespace
}  // namespace genvec
