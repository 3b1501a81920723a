// Native chat template rendering: see chat_template.h. Family formats: ChatML as SmolLM2 and
// Qwen use it; Llama 3 as Meta's templates write it (Llama 3.1+ add a dated system header with
// the default date "26 Jul 2024" that their templates use when none is passed).
#include "models/chat_template.h"

#include "common/errors.h"

namespace genvec {
namespace {

// The literal default system message of templates that write
// '<|im_start|>system\nTEXT<|im_end|>\n' for conversations without one; "" if there is none.
// Template sources spell the newline either as a real newline or as the two characters \n.
std::string chatml_default_system(const std::string& text) {
  for (const std::string opener : {"<|im_start|>system\n", "<|im_start|>system\\n"}) {
    for (size_t at = text.find(opener); at != std::string::npos; at = text.find(opener, at + 1)) {
      const size_t start = at + opener.size();
      const size_t end = text.find("<|im_end|>", start);
      if (end == std::string::npos) break;
      std::string candidate = text.substr(start, end - start);
      // A literal, not an expression such as "' + messages[0]['content'] + '".
      if (candidate.empty() || candidate.find_first_of("'\"{}") != std::string::npos) continue;
      for (size_t escape; (escape = candidate.find("\\n")) != std::string::npos;)
        candidate.replace(escape, 2, "\n");
      return candidate;
    }
  }
  return "";
}

}  // namespace

ChatTemplate chat_template_detect(const std::string& text, const std::string& source) {
  ChatTemplate chat;
  if (text.find("<|im_start|>") != std::string::npos) {
    chat.family = ChatTemplate::Family::chatml;
    chat.default_system = chatml_default_system(text);
    chat.empty_think_block = text.find("enable_thinking") != std::string::npos;
    chat.end_of_turn = {"<|im_end|>"};
    return chat;
  }
  if (text.find("<|start_header_id|>") != std::string::npos) {
    chat.family = ChatTemplate::Family::llama3;
    chat.llama3_dated_system = text.find("Cutting Knowledge Date") != std::string::npos;
    chat.end_of_turn = {"<|eot_id|>", "<|eom_id|>"};
    return chat;
  }
  throw IoError(source + ": the chat template is not one genvec can render (ChatML or Llama 3)",
                "use a model with a ChatML or Llama-3 chat template, or generate without one");
}

std::string chat_render_user_turn(const ChatTemplate& chat, const std::string& user) {
  std::string out;
  switch (chat.family) {
    case ChatTemplate::Family::chatml:
      if (!chat.default_system.empty())
        out += "<|im_start|>system\n" + chat.default_system + "<|im_end|>\n";
      out += "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
      if (chat.empty_think_block) out += "<think>\n\n</think>\n\n";
      return out;
    case ChatTemplate::Family::llama3:
      out = "<|begin_of_text|>";
      if (chat.llama3_dated_system)
        out +=
            "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December "
            "2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>";
      out += "<|start_header_id|>user<|end_header_id|>\n\n" + user +
             "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
      return out;
  }
  return out;
}

}  // namespace genvec
