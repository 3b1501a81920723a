// An LLM's tokenizer, chat template and stop ids: see text_side.h.
#include "models/text_side.h"

#include "common/json.h"
#include "models/gguf.h"

namespace genvec {

namespace fs = std::filesystem;

LlmTextSide load_llm_text_side(const fs::path& model) {
  LlmTextSide side;
  if (fs::is_directory(model)) {
    const fs::path tokenizer_json = model / "tokenizer.json";
    side.tokenizer =
        Tokenizer::from_hf_json(json_parse_file(tokenizer_json), tokenizer_json.string());
    const fs::path config_path = model / "tokenizer_config.json";
    if (fs::exists(config_path)) {
      const Json config = json_parse_file(config_path);
      if (const Json* chat = config.find("chat_template"); chat && chat->is_string())
        side.chat_template = chat->as_string("chat_template");
      if (const Json* eos = config.find("eos_token"); eos && eos->is_string())
        side.tokenizer->eos_id = side.tokenizer->token_id(eos->as_string("eos_token"));
    }
    // generation_config.json names the ids that end generation (one id or a list).
    const fs::path generation_path = model / "generation_config.json";
    if (fs::exists(generation_path)) {
      const Json generation = json_parse_file(generation_path);
      if (const Json* eos = generation.find("eos_token_id")) {
        if (eos->is_integer())
          side.extra_stop_ids.push_back(static_cast<int32_t>(eos->as_int("eos_token_id")));
        if (eos->is_array())
          for (const Json& id : eos->as_array("eos_token_id"))
            side.extra_stop_ids.push_back(static_cast<int32_t>(id.as_int("eos_token_id")));
      }
    }
  } else {
    const GgufModelFile file(model);
    side.tokenizer = Tokenizer::from_gguf(file.file());
    if (const GgufValue* chat = file.file().find("tokenizer.chat_template"))
      side.chat_template = chat->as_string("tokenizer.chat_template");
  }
  return side;
}

}  // namespace genvec
