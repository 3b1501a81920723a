// The gen-token embedder and the objective against the reference, llm2vec-gen's
// LLM2VecGenTrainer.compute_loss (tests/golden/make_gen_objective.py), on tiny random Llama and
// Qwen3 models: losses within 1e-5 relative, gradients of the special rows, R and A within 1e-4 of
// their largest entry, the same compression states and embedding, the same initial special rows.
// And on the tiny Llama: the prefix shortcut computes what the full forward computes, gradients
// reach only the trainable vector, bfloat16 stays within stated bounds of float32 (with heavy left
// padding, no NaN), and the sums split over micro-batches add up to the whole batch's.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "models/gen_embedder.h"
#include "models/llm.h"
#include "tests/models/golden_tensors.h"
#include "training/objective.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;
const fs::path kGolden = fs::path(GENVEC_SOURCE_DIR) / "tests/golden";
const fs::path kTinyLlama = kGolden / "tiny_llama";

// Rows of a left-padded (B, T) id tensor, without the padding.
std::vector<std::vector<int32_t>> unpadded_rows(const at::Tensor& ids, const at::Tensor& mask) {
  std::vector<std::vector<int32_t>> rows(ids.size(0));
  for (int64_t b = 0; b < ids.size(0); ++b)
    for (int64_t t = 0; t < ids.size(1); ++t)
      if (mask[b][t].item<int64_t>())
        rows[b].push_back(static_cast<int32_t>(ids[b][t].item<int64_t>()));
  return rows;
}

double relative_error(const at::Tensor& actual, const at::Tensor& expected) {
  return ((actual.detach() - expected).abs().max() / expected.abs().max()).item<double>();
}

std::vector<const TrainExample*> pointers(const std::vector<TrainExample>& rows) {
  std::vector<const TrainExample*> out;
  for (const TrainExample& row : rows) out.push_back(&row);
  return out;
}

class ReferenceParity : public testing::TestWithParam<std::string> {};

TEST_P(ReferenceParity, LossesGradientsAndEmbeddingMatchLlm2VecGen) {
  const fs::path dir = kGolden / ("tiny_" + GetParam());
  std::map<std::string, at::Tensor> f = read_golden_tensors(dir / "gen_objective.safetensors");
  const Llm llm = Llm::load(dir);
  const int64_t n = f.at("gen_rows").size(0), k = f.at("hidden_compression").size(1);
  const int64_t teacher_size = f.at("teacher").size(1);
  const GenEmbedderShape shape{n, k, llm.hparams().hidden_size, teacher_size};
  const at::Tensor flat =
      at::cat({f.at("gen_rows").flatten(), f.at("recon_weight").flatten(), f.at("recon_bias"),
               f.at("align_weight").flatten(), f.at("align_bias")});
  const GenEmbedder embedder = GenEmbedder::from_flat(shape, flat, c10::Device(c10::kCPU));

  const std::vector<std::vector<int32_t>> queries =
      unpadded_rows(f.at("query_ids"), f.at("query_mask"));
  const std::vector<std::vector<int32_t>> responses =
      unpadded_rows(f.at("response_ids"), f.at("response_mask"));
  std::vector<TrainExample> rows(queries.size());
  for (size_t b = 0; b < rows.size(); ++b) {
    rows[b].query = queries[b];
    rows[b].response = responses[b];
    const at::Tensor target = f.at("teacher")[b].contiguous();
    rows[b].teacher.assign(target.data_ptr<float>(), target.data_ptr<float>() + teacher_size);
  }
  const ObjectiveSums sums = objective_sums(llm, embedder, pointers(rows));
  const at::Tensor loss_recon = sums.recon / static_cast<double>(sums.target_tokens);
  const at::Tensor loss_align =
      sums.align / static_cast<double>(static_cast<int64_t>(rows.size()) * teacher_size);
  EXPECT_EQ(sums.target_tokens, f.at("decoder_labels").ne(-100).sum().item<int64_t>());
  EXPECT_LT(relative_error(loss_recon, f.at("loss_recon").reshape({})), 1e-5);
  EXPECT_LT(relative_error(loss_align, f.at("loss_align").reshape({})), 1e-5);
  EXPECT_LT(relative_error(loss_recon + loss_align, f.at("loss").reshape({})), 1e-5);

  (loss_recon + loss_align).backward();
  for (const auto& [slice, expected] : {std::pair{"gen_tokens", "grad_gen_rows"},
                                        {"recon.weight", "grad_recon_weight"},
                                        {"recon.bias", "grad_recon_bias"},
                                        {"align.weight", "grad_align_weight"},
                                        {"align.bias", "grad_align_bias"}}) {
    const GenTensorSlice* place = nullptr;
    const std::vector<GenTensorSlice> layout = GenEmbedder::slices(shape);
    for (const GenTensorSlice& s : layout)
      if (s.name == slice) place = &s;
    ASSERT_NE(place, nullptr);
    const at::Tensor gradient =
        embedder.flat().grad().narrow(0, place->offset, place->numel).view(place->shape);
    EXPECT_LT(relative_error(gradient, f.at(expected)), 1e-4) << slice;
  }

  at::NoGradGuard no_grad;
  const at::Tensor compression = embedder.compression_states(llm, queries);
  EXPECT_LT(relative_error(compression, f.at("hidden_compression")), 1e-5);
  EXPECT_LT(
      relative_error(embedder.embedding(embedder.soft_prompts(compression)), f.at("embedding")),
      1e-5);

  // The reference's initial special rows: its tokenizer had special_token_ids[0] tokens.
  const int64_t tokenizer_size = f.at("special_token_ids")[0].item<int64_t>();
  const GenEmbedder initial = GenEmbedder::initialise(llm, shape, tokenizer_size, 0);
  // Mean-resized rows carry the reference's noise, ~3e-5 of each dimension's spread.
  EXPECT_LT((initial.tensor("gen_tokens") - f.at("gen_rows")).abs().max().item<double>(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, ReferenceParity, testing::Values("llama", "qwen3"));

// Three rows: a long query with a short response, a one-token query (heavily left-padded) with a
// long response, and one in between.
std::vector<TrainExample> examples(int64_t teacher_size) {
  std::vector<TrainExample> out(3);
  for (int i = 0; i < 40; ++i) out[0].query.push_back(3 + (i * 7) % 90);
  out[0].response = {5, 6, 2};
  out[1].query = {17};
  for (int i = 0; i < 30; ++i) out[1].response.push_back(3 + (i * 11) % 90);
  out[1].response.push_back(2);
  out[2].query = {40, 41, 42, 43, 44};
  out[2].response = {9, 8, 7, 6, 2};
  for (size_t r = 0; r < out.size(); ++r)
    for (int64_t d = 0; d < teacher_size; ++d)
      out[r].teacher.push_back(0.1f * static_cast<float>((d + 3 * r) % 7) - 0.3f);
  return out;
}

const GenEmbedderShape kShape{4, 2, 32, 12};

TEST(GenEmbedder, PrefixShortcutComputesTheFullForward) {
  const Llm llm = Llm::load(kTinyLlama);
  const GenEmbedder embedder = GenEmbedder::initialise(llm, kShape, 96, 1);
  const std::vector<std::vector<int32_t>> queries = {{5, 6, 7, 8, 9, 10}, {11}, {12, 13, 14}};
  const at::Tensor fast = embedder.compression_states(llm, queries, true);
  fast.sum().backward();
  const at::Tensor gradient_fast = embedder.flat().grad().clone();
  embedder.flat().mutable_grad().zero_();
  const at::Tensor full = embedder.compression_states(llm, queries, false);
  full.sum().backward();
  const at::Tensor gradient_full = embedder.flat().grad();
  EXPECT_EQ(fast.sizes(), at::IntArrayRef({3, 2, 32}));
  EXPECT_LT((fast - full).abs().max().item<double>(), 1e-5);
  // The special rows' gradient reaches ~10 through the first RMSNorm: compared relative to it.
  EXPECT_LT(relative_error(gradient_fast, gradient_full), 1e-5);
  EXPECT_GT(gradient_fast.abs().sum().item<double>(), 0);
}

TEST(GenEmbedder, InitialisesAsTheReferenceAndOnlyTheFlatVectorTrains) {
  const Llm llm = Llm::load(kTinyLlama);
  const GenEmbedder a = GenEmbedder::initialise(llm, kShape, 96, 1);
  const GenEmbedder b = GenEmbedder::initialise(llm, kShape, 96, 1);
  const GenEmbedder c = GenEmbedder::initialise(llm, kShape, 96, 2);
  EXPECT_TRUE(a.flat().equal(b.flat())) << "same seed, same bits";
  EXPECT_FALSE(a.flat().equal(c.flat()));
  const at::Tensor mean = llm.weight("model.embed_tokens.weight").to(at::kDouble).mean(0);
  for (int64_t row = 0; row < 4; ++row)
    EXPECT_LT((a.tensor("gen_tokens")[row].to(at::kDouble) - mean).abs().max().item<double>(),
              1e-7);
  const double bound = 1.0 / std::sqrt(32.0);  // nn.Linear: U(+-1/sqrt(fan_in))
  for (const char* name : {"recon.weight", "recon.bias", "align.weight", "align.bias"}) {
    EXPECT_LE(a.tensor(name).abs().max().item<double>(), bound) << name;
    EXPECT_GT(a.tensor(name).abs().max().item<double>(), 0.8 * bound) << name;
  }
  const std::vector<TrainExample> rows = examples(12);
  const ObjectiveSums sums = objective_sums(llm, a, pointers(rows));
  (sums.recon + sums.align).backward();
  EXPECT_TRUE(a.flat().grad().defined());
  EXPECT_FALSE(llm.weight("model.embed_tokens.weight").grad().defined());
  EXPECT_FALSE(llm.weight("model.layers.0.mlp.up_proj.weight").grad().defined());
}

TEST(Objective, MicroBatchSumsAddUpToTheBatch) {
  const Llm llm = Llm::load(kTinyLlama);
  const GenEmbedder embedder = GenEmbedder::initialise(llm, kShape, 96, 3);
  const std::vector<TrainExample> rows = examples(12);
  const ObjectiveSums whole = objective_sums(llm, embedder, pointers(rows));
  const ObjectiveSums first = objective_sums(llm, embedder, {&rows[0]});
  const ObjectiveSums rest = objective_sums(llm, embedder, {&rows[1], &rows[2]});
  EXPECT_EQ(whole.target_tokens, 3 + 31 + 5);
  EXPECT_EQ(first.target_tokens + rest.target_tokens, whole.target_tokens);
  EXPECT_NEAR((first.recon + rest.recon).item<double>(), whole.recon.item<double>(),
              1e-5 * whole.recon.item<double>());
  EXPECT_NEAR((first.align + rest.align).item<double>(), whole.align.item<double>(),
              1e-5 * whole.align.item<double>());
}

// bfloat16 keeps 8 bits of mantissa: hidden states of a 2-layer model stay within a few percent
// of float32, and so do the losses; the gradient points the same way (cosine > 0.99).
TEST(Objective, Bfloat16StaysCloseToFloat32WithoutNaN) {
  const Llm fp32 = Llm::load(kTinyLlama);
  const Llm bf16 = Llm::load(kTinyLlama, Placement{c10::Device(c10::kCPU), c10::kBFloat16});
  EXPECT_EQ(bf16.weight("model.layers.1.self_attn.q_proj.weight").scalar_type(), c10::kBFloat16);
  const GenEmbedder a = GenEmbedder::initialise(fp32, kShape, 96, 5);
  const GenEmbedder b = GenEmbedder::from_flat(kShape, a.flat().detach(), c10::Device(c10::kCPU));
  ASSERT_EQ(b.flat().scalar_type(), c10::kFloat) << "trainable parameters stay float32";

  // Heavy left padding: one row of 1 token beside one of 40, so most of row 2 is padding.
  const std::vector<TrainExample> rows = examples(12);
  const at::Tensor h32 = a.compression_states(fp32, {rows[0].query, rows[1].query});
  const at::Tensor h16 = b.compression_states(bf16, {rows[0].query, rows[1].query});
  EXPECT_TRUE(at::isfinite(h16).all().item<bool>());
  EXPECT_LT(((h16 - h32).norm() / h32.norm()).item<double>(), 0.03);

  const ObjectiveSums s32 = objective_sums(fp32, a, pointers(rows));
  const ObjectiveSums s16 = objective_sums(bf16, b, pointers(rows));
  (s32.recon / s32.target_tokens + s32.align / 36.0).backward();
  (s16.recon / s16.target_tokens + s16.align / 36.0).backward();
  EXPECT_NEAR(s16.recon.item<double>(), s32.recon.item<double>(), 0.02 * s32.recon.item<double>());
  EXPECT_NEAR(s16.align.item<double>(), s32.align.item<double>(), 0.02 * s32.align.item<double>());
  const at::Tensor g32 = a.flat().grad(), g16 = b.flat().grad();
  ASSERT_TRUE(at::isfinite(g16).all().item<bool>());
  EXPECT_GT((g32 * g16).sum().item<double>() / (g32.norm() * g16.norm()).item<double>(), 0.99);
}

}  // namespace
}  // namespace genvec
