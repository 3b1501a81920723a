// Chat templates rendered natively (no Jinja engine): the model's template text, from GGUF
// metadata (tokenizer.chat_template) or tokenizer_config.json, is recognized as one of the
// families genvec supports, and a single user turn plus the generation prompt is written the
// way that family's template writes it. Torch-free.
#pragma once

#include <string>
#include <vector>

namespace genvec {

struct ChatTemplate {
  enum class Family { chatml, llama3 };
  Family family = Family::chatml;
  // The system message a template inserts when the conversation has none (SmolLM2, Qwen2.5).
  std::string default_system;
  // Qwen3: the template takes enable_thinking; genvec disables thinking, which writes an empty
  // think block after the generation prompt.
  bool empty_think_block = false;
  // Llama 3.1+: a system header with the knowledge cut-off and a date is always written.
  bool llama3_dated_system = false;
  // The tokens that end an assistant turn ("<|im_end|>", "<|eot_id|>").
  std::vector<std::string> end_of_turn;
};

// Recognizes a chat template's family from its text; throws IoError naming `source` for one
// genvec cannot render.
ChatTemplate chat_template_detect(const std::string& template_text, const std::string& source);

// One user turn and the generation prompt, as the template renders
// [{"role": "user", "content": user}] with add_generation_prompt=True.
std::string chat_render_user_turn(const ChatTemplate& chat, const std::string& user);

}  // namespace genvec
