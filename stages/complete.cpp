// `genvec complete`: the first thing a user tries with a model. Loads the frozen LLM and its
// tokenizer (GGUF file or Hugging Face directory), renders the prompt as one user turn through
// the model's chat template (unless --raw), generates with the [generate] settings and the
// run seed, and prints the completion. Rank 0 works; other ranks have nothing to do.
#include <ATen/Parallel.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "dist/world.h"
#include "models/chat_template.h"
#include "models/generate.h"
#include "models/llm.h"
#include "models/text_side.h"
#include "stages/command.h"
#include "stages/fingerprints.h"

namespace genvec {

namespace fs = std::filesystem;

int complete_main(const CommandContext& context) {
  if (context.world.rank() != 0) return 0;
  const std::string* prompt = context.value("--prompt");
  if (!prompt)
    throw ConfigError("genvec complete needs --prompt TEXT",
                      "for example --prompt \"What is RoPE?\"");
  const fs::path model = context.value("--model") ? fs::path(*context.value("--model"))
                                                  : fs::path(context.config.model.path);
  LlmTextSide side = with_context("loading the tokenizer of " + model.string(),
                                  [&] { return load_llm_text_side(model); });
  const Llm llm = with_context("loading " + model.string(), [&] {
    return Llm::load(model, stage_placement(context.config, context.world.info()));
  });

  std::string text = *prompt;
  SamplingParams params;
  params.stop_ids = side.extra_stop_ids;
  if (side.tokenizer->eos_id) params.stop_ids.push_back(*side.tokenizer->eos_id);
  if (!context.has_flag("--raw")) {
    if (side.chat_template.empty())
      throw ConfigError(model.string() + " has no chat template",
                        "pass --raw to send the prompt as is");
    const ChatTemplate chat = chat_template_detect(side.chat_template, model.string());
    text = chat_render_user_turn(chat, *prompt);
    for (const std::string& end : chat.end_of_turn)
      if (auto id = side.tokenizer->token_id(end)) params.stop_ids.push_back(*id);
  }
  const GenerateConfig& g = context.config.generate;
  params.max_new_tokens = g.max_new_tokens;
  params.temperature = g.temperature;
  params.top_k = g.top_k;
  params.top_p = g.top_p;

  const std::vector<int32_t> ids = side.tokenizer->encode(text);
  const auto start = std::chrono::steady_clock::now();
  const Generation result =
      generate(llm, {{ids, static_cast<uint64_t>(context.config.run.seed)}}, params)[0];
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << side.tokenizer->decode(result.tokens) << std::endl;
  log_info(str_cat(ids.size(), " prompt tokens, ", result.tokens.size(), " generated in ", seconds,
                   " s (", result.tokens.size() / std::max(seconds, 1e-9), " tokens/s, ",
                   at::get_num_threads(), " threads), finish reason: ", result.finish_reason));
  return 0;
}

}  // namespace genvec
