// `genvec decode`: what an embedding "means". The frozen LLM reads a query's soft prompts
// P = R(H) (the compression tokens' states through the reconstruction projection) and generates
// greedily, as in training it learned to reconstruct its own answer; --logit-lens shows the LM
// head's top tokens at each raw compression state H; --answer also prints the LLM's own greedy
// answer to the query (what training taught the tokens to reconstruct). One query (--query)
// prints text; many (--input) print one JSON line each, decoded in batches with a KV cache. Rank 0
// works.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "data/query_files.h"
#include "dist/world.h"
#include "eval/embedding_model.h"
#include "eval/trained_embedder.h"
#include "models/generate.h"
#include "models/tokenizer.h"
#include "stages/command.h"
#include "stages/fingerprints.h"

namespace genvec {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kLensTop = 5;

struct Decoded {
  std::string text, finish_reason;
  std::vector<std::vector<std::pair<std::string, double>>> lens;  // per position: token, prob
};

// The LLM's own replies to `queries`, asked as generate asks them (the same prompts), greedy.
std::vector<std::string> answer_batch(const TrainedEmbedder& t, const GenerationSetup& setup,
                                      int64_t max_prompt_tokens,
                                      const std::vector<std::string>& queries,
                                      const SamplingParams& params) {
  std::vector<GenerationRequest> requests;
  for (const std::string& q : queries)
    requests.push_back({generation_prompt(setup, q, max_prompt_tokens).second, 0});
  std::vector<std::string> answers;
  for (const Generation& g : generate(*t.llm, requests, params))
    answers.push_back(t.text.tokenizer->decode(g.tokens));
  return answers;
}

std::vector<Decoded> decode_batch(const TrainedEmbedder& t, const std::vector<std::string>& queries,
                                  const SamplingParams& params, bool logit_lens) {
  std::vector<std::vector<int32_t>> ids;
  // As the checkpoint model embeds them: the query cut to leave room for the N special tokens.
  const int64_t budget = t.max_length - t.embedder->shape().num_tokens;
  for (const std::string& q : queries)
    ids.push_back(embedding_tokens(*t.text.tokenizer, q, budget));
  c10::InferenceMode no_autograd;
  const at::Tensor h = t.embedder->compression_states(*t.llm, ids);  // (B, K, D) float32
  const at::Tensor prompts = t.embedder->soft_prompts(h).to(t.llm->placement().dtype);
  const std::vector<Generation> generations = generate_from_embeddings(*t.llm, prompts, params);
  std::vector<Decoded> out(queries.size());
  at::Tensor top_p, top_id;
  if (logit_lens) {
    const at::Tensor probs =
        at::softmax(t.llm->logits(h.to(t.llm->placement().dtype)).to(at::kFloat), -1).to(at::kCPU);
    std::tie(top_p, top_id) = probs.topk(kLensTop, -1);
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    out[i].text = t.text.tokenizer->decode(generations[i].tokens);
    out[i].finish_reason = generations[i].finish_reason;
    if (!logit_lens) continue;
    for (int64_t k = 0; k < top_id.size(1); ++k) {
      out[i].lens.emplace_back();
      for (int64_t j = 0; j < kLensTop; ++j)
        out[i].lens.back().emplace_back(
            t.text.tokenizer->decode({static_cast<int32_t>(top_id[i][k][j].item<int64_t>())}),
            top_p[i][k][j].item<double>());
    }
  }
  return out;
}

std::string lens_json(const Decoded& d) {
  std::string out = "[";
  for (size_t k = 0; k < d.lens.size(); ++k) {
    out += k ? ", [" : "[";
    for (size_t j = 0; j < d.lens[k].size(); ++j)
      out += (j ? ", " : "") + std::string("[") + json_quote(d.lens[k][j].first) + ", " +
             json_number(d.lens[k][j].second) + "]";
    out += "]";
  }
  return out + "]";
}

}  // namespace

int decode_main(const CommandContext& context) {
  if (context.world.rank() != 0) return 0;
  const Config& config = context.config;
  const std::string* query = context.value("--query");
  const std::string* input = context.value("--input");
  if ((query != nullptr) == (input != nullptr))
    throw ConfigError("genvec decode needs --query TEXT or --input FILE (one of them)",
                      "for example --query \"How do vaccines work?\"");
  const Placement placement = stage_placement(config, context.world.info());
  const TrainedEmbedder trained = trained_embedder_load(
      config, placement,
      context.value("--checkpoint") ? fs::path(*context.value("--checkpoint")) : fs::path());
  const GenerationSetup setup = generation_setup(config, placement);
  SamplingParams params = setup.params;  // the stop tokens
  params.temperature = 0.0;  // greedy: the text the embedding points at, not a sample
  params.max_new_tokens = config.generate.max_new_tokens;
  if (const std::string* n = context.value("--max-new-tokens")) {
    params.max_new_tokens = std::atoll(n->c_str());
    if (params.max_new_tokens < 1)
      throw ConfigError("--max-new-tokens " + *n + " is not a positive number", "for example 64");
  }
  const std::string instruction =
      context.value("--instruction") ? *context.value("--instruction") + " " : "";
  const bool logit_lens = context.has_flag("--logit-lens");
  const bool answer = context.has_flag("--answer");
  log_info("decode: " + trained.file.string() + " (step " + std::to_string(trained.step) + ")");

  if (query) {
    const Decoded d = decode_batch(trained, {instruction + *query}, params, logit_lens)[0];
    if (answer)
      std::cout << "answer:  "
                << answer_batch(trained, setup, config.generate.max_prompt_tokens, {*query},
                                params)[0]
                << "\ndecoded: ";
    std::cout << d.text << "\n";
    if (logit_lens)
      for (size_t k = 0; k < d.lens.size(); ++k) {
        std::cout << "compression token " << k + 1 << ":";
        for (const auto& [token, p] : d.lens[k]) std::cout << "  " << json_quote(token) << " " << p;
        std::cout << "\n";
      }
    return 0;
  }
  const std::vector<QueryRow> rows = query_file_read_all(*input, QueryFileOptions{}, "decoded");
  const size_t batch = static_cast<size_t>(config.eval.batch_size);
  for (size_t start = 0; start < rows.size(); start += batch) {
    std::vector<std::string> queries, plain;
    for (size_t i = start; i < std::min(rows.size(), start + batch); ++i) {
      queries.push_back(instruction + rows[i].text);
      plain.push_back(rows[i].text);
    }
    const std::vector<Decoded> decoded = decode_batch(trained, queries, params, logit_lens);
    const std::vector<std::string> answers =
        answer ? answer_batch(trained, setup, config.generate.max_prompt_tokens, plain, params)
               : std::vector<std::string>();
    for (size_t i = 0; i < decoded.size(); ++i) {
      std::cout << "{\"line\": " << rows[start + i].line
                << ", \"query\": " << json_quote(rows[start + i].text);
      if (answer) std::cout << ", \"answer\": " << json_quote(answers[i]);
      std::cout << ", \"decoded\": " << json_quote(decoded[i].text)
                << ", \"finish_reason\": " << json_quote(decoded[i].finish_reason);
      if (logit_lens) std::cout << ", \"logit_lens\": " << lens_json(decoded[i]);
      std::cout << "}\n";
    }
    std::cout << std::flush;
  }
  return 0;
}

}  // namespace genvec
