// genvec's built-in tiny-random-llama: written twice it is the same bytes (and the bytes this test
// pins, so a change to the recipe is seen); it loads as a Llama with the promised shape, its
// byte-level tokenizer round-trips any text, its template is ChatML, and it answers prompts; an
// existing file is never overwritten; an unknown name is a ConfigError listing the known ones.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/errors.h"
#include "common/hash.h"
#include "models/builtin_model.h"
#include "models/chat_template.h"
#include "models/generate.h"
#include "models/llm.h"
#include "models/text_side.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BuiltinModel : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genvec-builtin-" + std::to_string(getpid()));
    model_ = dir_ / "models/tiny.gguf";
    fs::remove_all(dir_);
    builtin_model_ensure("tiny-random-llama", model_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  fs::path model_;
};

TEST_F(BuiltinModel, SameBytesEveryTime) {
  builtin_model_ensure("tiny-random-llama", dir_ / "again.gguf");
  const std::string bytes = read_bytes(model_);
  EXPECT_TRUE(bytes == read_bytes(dir_ / "again.gguf"));
  // Pinned: this hash changes only when the recipe does (then caches made from it are redone).
  EXPECT_EQ(StableHash().add(bytes).hex(), "4585b81e462e0d47") << bytes.size() << " bytes";
}

TEST_F(BuiltinModel, LoadsAsATinyChatLlama) {
  const Llm llm = Llm::load(model_);
  const LlmHparams& h = llm.hparams();
  EXPECT_EQ(h.architecture, "llama");
  EXPECT_EQ(h.hidden_size, 32);
  EXPECT_EQ(h.num_layers, 2);
  EXPECT_EQ(h.num_heads, 4);
  EXPECT_EQ(h.num_kv_heads, 2);
  EXPECT_EQ(h.vocab_size, 259);
  EXPECT_TRUE(h.tied_embeddings);

  const LlmTextSide text = load_llm_text_side(model_);
  const Tokenizer& tokenizer = *text.tokenizer;
  const std::string sample = "What is 2 + 2? — ünïcödé 日本 \n\t<|im_end|>";
  const std::vector<int32_t> ids = tokenizer.encode(sample);
  EXPECT_EQ(tokenizer.decode(ids), sample);
  EXPECT_EQ(ids.back(), 258);  // <|im_end|> is one special token
  EXPECT_EQ(tokenizer.eos_id, 258);
  const ChatTemplate chat = chat_template_detect(text.chat_template, model_.string());
  EXPECT_EQ(chat.family, ChatTemplate::Family::chatml);
  EXPECT_EQ(chat_render_user_turn(chat, "hi"),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");

  SamplingParams params;
  params.max_new_tokens = 8;
  params.stop_ids = {258};
  const std::vector<int32_t> prompt = tokenizer.encode(chat_render_user_turn(chat, "hi"));
  const std::vector<Generation> answers = generate(llm, {{prompt, 1}}, params);
  ASSERT_EQ(answers.size(), 1u);
  if (answers[0].finish_reason == "length") {
    EXPECT_EQ(answers[0].tokens.size(), 8u);
  } else {
    EXPECT_EQ(answers[0].finish_reason, "stop");
    EXPECT_LT(answers[0].tokens.size(), 8u);
  }
  for (const int32_t id : answers[0].tokens) EXPECT_LT(id, 259);
  EXPECT_EQ(generate(llm, {{prompt, 1}}, params)[0].tokens, answers[0].tokens);
}

TEST_F(BuiltinModel, AnExistingFileIsKept) {
  const fs::path mine = dir_ / "mine.gguf";
  std::ofstream(mine) << "not a model";
  builtin_model_ensure("tiny-random-llama", mine);
  EXPECT_TRUE(read_bytes(mine) == "not a model");
}

TEST_F(BuiltinModel, UnknownNameListsTheKnownOnes) {
  try {
    builtin_model_ensure("huge-random-llama", dir_ / "x.gguf");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("huge-random-llama"), std::string::npos);
    EXPECT_NE(e.hint().find("tiny-random-llama"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir_ / "x.gguf"));
}

}  // namespace
}  // namespace genvec
