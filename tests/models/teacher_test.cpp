// The teacher encoders against their references on tiny random models (CI needs no download):
// BertEncoder + pooling + normalize against sentence-transformers (tests/golden/
// make_tiny_bert.py: a safetensors model with mean pooling and Normalize; a pytorch_model.bin-
// only model with five pooling modes concatenated), and the llm teacher's mean pooling against
// transformers with causal and bidirectional attention (make_llm_teacher_fixture.py); then
// teacher selection from [teacher] and the errors a wrong model directory gives.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/config.h"
#include "common/errors.h"
#include "common/json.h"
#include "models/llm.h"
#include "models/sentence_encoder.h"
#include "models/teacher.h"
#include "tests/models/golden_tensors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden";

std::vector<std::string> fixture_texts(const fs::path& dir) {
  std::vector<std::string> texts;
  const Json list = json_parse_file(dir / "texts.json");
  for (const Json& text : list.as_array("texts.json")) texts.push_back(text.as_string("text"));
  return texts;
}

// Ids and embeddings equal sentence-transformers' for every fixture text.
void expect_matches_sentence_transformers(const SentenceEncoder& encoder, const fs::path& dir) {
  const std::vector<std::string> texts = fixture_texts(dir);
  auto expected = read_golden_tensors(dir / "expected.safetensors");
  for (size_t i = 0; i < texts.size(); ++i) {
    const at::Tensor row = expected.at("input_ids")[i];
    const at::Tensor kept = row.index({expected.at("attention_mask")[i].to(at::kBool)});
    const std::vector<int32_t> ids = encoder.tokenize(texts[i]);
    EXPECT_EQ(at::tensor(std::vector<int64_t>(ids.begin(), ids.end())).equal(kept), true)
        << "ids of '" << texts[i] << "'";
  }
  for (const int64_t batch : {1, 3, 64}) {
    const at::Tensor ours = encoder.encode(texts, batch);
    ASSERT_EQ(ours.sizes(), expected.at("embeddings").sizes());
    EXPECT_LT((ours - expected.at("embeddings")).abs().max().item<double>(), 1e-5)
        << "batch " << batch;
  }
}

TEST(SentenceEncoder, MeanPoolingNormalizedSafetensorsEqualsSentenceTransformers) {
  const SentenceEncoder encoder = SentenceEncoder::load(kGolden / "tiny_bert_mean");
  const SentenceEncoderSettings& s = encoder.settings();
  EXPECT_EQ(s.max_seq_length, 16);  // from tokenizer_config.json (sentence-transformers 5)
  EXPECT_EQ(s.pooling, std::vector<Pooling>{Pooling::mean});
  EXPECT_TRUE(s.normalize);
  EXPECT_EQ(s.dimension, 32);
  expect_matches_sentence_transformers(encoder, kGolden / "tiny_bert_mean");
}

// pytorch_model.bin only, GELU tanh, and every other pooling mode in a chosen order.
TEST(SentenceEncoder, FivePoolingModesFromAPyTorchCheckpointEqualSentenceTransformers) {
  const SentenceEncoder encoder = SentenceEncoder::load(kGolden / "tiny_bert_pooled");
  const SentenceEncoderSettings& s = encoder.settings();
  EXPECT_EQ(s.max_seq_length, 12);
  EXPECT_EQ(s.pooling, (std::vector<Pooling>{Pooling::max, Pooling::weighted_mean, Pooling::cls,
                                             Pooling::mean_sqrt_len, Pooling::last_token}));
  EXPECT_FALSE(s.normalize);
  EXPECT_EQ(s.dimension, 160);
  EXPECT_EQ(encoder.bert().hparams().hidden_act, "gelu_pytorch_tanh");
  expect_matches_sentence_transformers(encoder, kGolden / "tiny_bert_pooled");
}

TEST(SentenceEncoder, ReportCountsTruncatedAndEmptyTexts) {
  const SentenceEncoder encoder = SentenceEncoder::load(kGolden / "tiny_bert_mean", 6);
  EncodeReport report;
  const at::Tensor out = encoder.encode(
      {"the cat sat on the mat again", "", " \t ", "dog", "the cat sat on"}, 2, &report);
  EXPECT_EQ(out.size(0), 5);
  EXPECT_EQ(report.texts, 5);
  EXPECT_EQ(report.truncated, 1);  // 7 pieces > 6 - 2
  EXPECT_EQ(report.empty, 2);
  EXPECT_EQ(report.tokens, 6 + 2 + 2 + 3 + 6);
  EXPECT_FALSE(at::isnan(out).any().item<bool>());
}

TEST(SentenceEncoder, WrongDirectoriesAreClearErrors) {
  auto message = [](const fs::path& dir) {
    try {
      SentenceEncoder::load(dir);
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(kGolden / "tiny_llama").find("not a BERT encoder"), std::string::npos);
  EXPECT_NE(message(kGolden / "no-such-model").find("no-such-model"), std::string::npos);
  EXPECT_THROW(SentenceEncoder::load(kGolden / "tiny_bert_mean", 65), IoError);  // > positions
}

TEST(LlmTeacher, MeanPoolingEqualsTransformersCausalAndBidirectional) {
  const auto expected = read_golden_tensors(kGolden / "tiny_llama/teacher_expected.safetensors");
  std::vector<std::vector<int32_t>> rows;
  const at::Tensor ids = expected.at("ids"), lengths = expected.at("lengths");
  for (int64_t r = 0, offset = 0; r < lengths.size(0); ++r) {
    const int64_t n = lengths[r].item<int64_t>();
    const at::Tensor row = ids.narrow(0, offset, n).to(at::kInt).contiguous();
    rows.emplace_back(row.data_ptr<int32_t>(), row.data_ptr<int32_t>() + n);
    offset += n;
  }
  for (const char* file : {"tiny_llama", "tiny_llama/model.gguf"}) {
    const Llm llm = Llm::load(kGolden / file);
    for (const int64_t batch : {1, 3, 16}) {
      EXPECT_LT((llm_pool(llm, rows, batch, Attention::causal) - expected.at("causal"))
                    .abs()
                    .max()
                    .item<double>(),
                1e-5)
          << file << " batch " << batch;
      EXPECT_LT(
          (llm_pool(llm, rows, batch, Attention::bidirectional) - expected.at("bidirectional"))
              .abs()
              .max()
              .item<double>(),
          1e-5)
          << file << " batch " << batch;
    }
  }
}

TEST(Teacher, SelectedFromTheTeacherSection) {
  Config config;
  config.teacher.path = (kGolden / "tiny_bert_mean").string();
  config.teacher.batch_size = 2;
  const std::unique_ptr<Teacher> teacher = make_teacher(config);
  EXPECT_EQ(teacher->dimension(), 32);
  EXPECT_NE(teacher->describe().find("kind = sentence-encoder"), std::string::npos);
  EXPECT_NE(teacher->describe().find("pooling = mean"), std::string::npos);
  const at::Tensor embeddings = teacher->embed({"the cat", "dog runs"});
  EXPECT_EQ(embeddings.sizes(), at::IntArrayRef({2, 32}));

  config.teacher.attention = "bidirectional";  // meaningless for a sentence encoder
  EXPECT_THROW(make_teacher(config), ConfigError);

  config.teacher.kind = "llm";  // the tiny Llama has no tokenizer: a clear error naming it
  config.teacher.path = (kGolden / "tiny_llama").string();
  try {
    make_teacher(config);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
}

TEST(Teacher, DefaultPathDependsOnTheKind) {
  Config config;
  config.model.path = "/models/llm.gguf";
  EXPECT_EQ(teacher_model_path(config).filename(), "all-minilm-l6-v2");
  config.teacher.kind = "llm";
  EXPECT_EQ(teacher_model_path(config), "/models/llm.gguf");
  config.teacher.path = "/models/other";
  EXPECT_EQ(teacher_model_path(config), "/models/other");
}

}  // namespace
}  // namespace genvec
