// all-MiniLM-L6-v2 through genvec's SentenceEncoder against sentence-transformers (the reference)
// on 503 real sentences of mixed length and 9 edge cases, 86 of them truncated at 256 tokens
// (tests/golden/minilm_embeddings/, made by tests/golden/make_minilm_embeddings.py): input ids
// identical, cosine >= 0.99999 for every sentence. Then both teacher kinds chosen through
// [teacher] on the real models, with the bad input a stage hands them. Skips where
// scripts/setup.sh has not fetched the models.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/config.h"
#include "common/errors.h"
#include "common/json.h"
#include "models/float_weights.h"
#include "models/mapped_file.h"
#include "models/safetensors.h"
#include "models/sentence_encoder.h"
#include "models/teacher.h"
#include "tests/models/real_models.h"
#include "tests/models/token_fixture.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden/minilm_embeddings";

struct GoldenSentence {
  std::string text;
  int64_t count = 0;
  std::string hash;
};

// One {"text", "count", "hash"} per sentence (plus "source" for those from a data set), in the
// order of the rows of embeddings.safetensors.
std::vector<GoldenSentence> read_sentences() {
  std::vector<GoldenSentence> out;
  std::ifstream in(kGolden / "sentences.jsonl");
  if (!in) throw IoError((kGolden / "sentences.jsonl").string() + " is missing");
  for (std::string line; std::getline(in, line);) {
    const Json record = json_parse(line, "sentences.jsonl");
    GoldenSentence s;
    s.text = record.find("text")->as_string("text");
    s.count = record.find("count")->as_int("count");
    s.hash = record.find("hash")->as_string("hash");
    out.push_back(std::move(s));
  }
  return out;
}

class MiniLM : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fs::exists(minilm_path() / "model.safetensors"))
      encoder_ = std::make_unique<SentenceEncoder>(SentenceEncoder::load(minilm_path()));
  }
  void SetUp() override {
    if (!encoder_) GENVEC_SKIP_OR_FAIL(minilm_path() << " is missing: run scripts/setup.sh");
  }
  static std::unique_ptr<SentenceEncoder> encoder_;
};
std::unique_ptr<SentenceEncoder> MiniLM::encoder_;

TEST_F(MiniLM, SettingsComeFromTheSentenceTransformersFiles) {
  const SentenceEncoderSettings& s = encoder_->settings();
  EXPECT_EQ(s.max_seq_length, 256);
  EXPECT_EQ(s.pooling, std::vector<Pooling>{Pooling::mean});
  EXPECT_TRUE(s.normalize);
  EXPECT_EQ(s.dimension, 384);
}

TEST_F(MiniLM, IdsAndEmbeddingsEqualSentenceTransformers) {
  const std::vector<GoldenSentence> sentences = read_sentences();
  ASSERT_GE(sentences.size(), 500u);
  std::vector<std::string> texts;
  int64_t id_mismatches = 0, expected_truncated = 0;
  for (const GoldenSentence& s : sentences) {
    const std::vector<int32_t> ids = encoder_->tokenize(s.text);
    if (static_cast<int64_t>(ids.size()) != s.count || fnv1a64(ids) != s.hash)
      if (++id_mismatches <= 5) ADD_FAILURE() << "ids differ for: " << s.text.substr(0, 200);
    expected_truncated += static_cast<int64_t>(encoder_->tokenizer().encode(s.text).size()) >
                          encoder_->settings().max_seq_length - 2;
    texts.push_back(s.text);
  }
  EXPECT_EQ(id_mismatches, 0);

  EncodeReport report;
  const at::Tensor ours = encoder_->encode(texts, 64, &report);
  EXPECT_EQ(report.texts, static_cast<int64_t>(texts.size()));
  EXPECT_EQ(report.truncated, expected_truncated);
  EXPECT_GE(report.truncated, 70);
  EXPECT_GE(report.empty, 3);  // "", " ", "\n\t "

  const MappedFile file(kGolden / "embeddings.safetensors");
  const SafetensorsFile golden = safetensors_parse(file.bytes(), file.path().string());
  at::Tensor reference, exact;
  for (const SafetensorsTensor& t : golden.tensors)
    (t.name == "embeddings" ? reference : exact) = float32_tensor(t);
  ASSERT_EQ(reference.sizes(), ours.sizes());
  const at::Tensor cosine = at::cosine_similarity(ours, reference, 1);
  EXPECT_GE(cosine.min().item<float>(), 0.99999f)
      << "worst sentence: " << texts[cosine.argmin().item<int64_t>()].substr(0, 200);
  const int64_t rows = exact.size(0);
  EXPECT_LT((ours.narrow(0, 0, rows) - exact).abs().max().item<float>(), 1e-5f);
}

TEST_F(MiniLM, EmbeddingsDoNotDependOnTheBatch) {
  std::vector<std::string> texts = {"a short one", "", "a somewhat longer sentence, with words"};
  std::string long_text(3000, 'x');  // one word over 100 characters: [UNK]
  long_text.append(" truncated");
  texts.push_back(long_text);
  const at::Tensor batched = encoder_->encode(texts, 64);
  const at::Tensor alone = encoder_->encode(texts, 1);
  EXPECT_LT((batched - alone).abs().max().item<float>(), 1e-5f);
}

TEST_F(MiniLM, InvalidUtf8NamesTheText) {
  try {
    encoder_->encode({"fine", "broken \xc3\x28 text"}, 8);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("text 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
}

// What the teacher stage meets in real responses: empty and blank texts, one far over the limit,
// and broken UTF-8, for both kinds.
TEST(Teachers, BothKindsHandleBadInputFromTheConfig) {
  if (!fs::exists(minilm_path() / "model.safetensors") || !fs::exists(smollm2_gguf_path()))
    GENVEC_SKIP_OR_FAIL("run scripts/setup.sh for all-MiniLM-L6-v2 and SmolLM2");
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "The answer depends on the context. ";
  const std::vector<std::string> texts = {"Paris is the capital of France.", "", "  \n\t ",
                                          long_text};
  Config config;
  config.model.path = smollm2_gguf_path().string();
  for (const std::string kind : {"sentence-encoder", "llm"}) {
    config.teacher.kind = kind;
    config.teacher.max_length = kind == "llm" ? 64 : 0;
    config.teacher.attention = kind == "llm" ? "bidirectional" : "causal";
    const std::unique_ptr<Teacher> teacher = make_teacher(config);
    EXPECT_EQ(teacher->dimension(), kind == "llm" ? 576 : 384);
    EncodeReport report;
    const at::Tensor embeddings = teacher->embed(texts, &report);
    EXPECT_EQ(embeddings.size(0), 4) << kind;
    EXPECT_FALSE(at::isnan(embeddings).any().item<bool>()) << kind;
    EXPECT_EQ(report.truncated, 1) << kind;
    // MiniLM drops the white space of "  \n\t "; SmolLM2's tokenizer keeps it as tokens.
    EXPECT_EQ(report.empty, kind == "llm" ? 1 : 2) << kind;
    try {
      teacher->embed({"fine", "fine", "broken \xff"});
      ADD_FAILURE() << kind << ": no error for invalid UTF-8";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("text 2"), std::string::npos) << e.what();
    }
  }
  config.teacher.attention = "causal";
  const at::Tensor causal = make_teacher(config)->embed({texts[0]});
  config.teacher.attention = "bidirectional";
  const at::Tensor bidirectional = make_teacher(config)->embed({texts[0]});
  EXPECT_GT((causal - bidirectional).abs().max().item<float>(), 1e-3f);
}

}  // namespace
}  // namespace genvec
