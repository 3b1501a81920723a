// Generation throughput of genvec's model runtime for bench/generate.sh: prefill and decode
// tokens/s of `generate` (greedy, KV cache, no stop tokens) on the prompts in a JSON file (a list
// of token-id lists, the same ids the peers get), and the process's peak RSS. One batch size per
// process so the peak RSS belongs to that configuration. The prompt file is a list of token-id
// lists or bench/generate_peers.py's --prompts-out object.
//   generate_bench --model PATH --prompts FILE --batch B --new-tokens N --threads T --repeats R
// Prints one JSON object.
#include <sys/resource.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>

#include "common/errors.h"
#include "common/json.h"
#include "models/generate.h"
#include "models/llm.h"

using namespace genvec;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required : {"--model", "--prompts", "--batch"})
    if (!args.count(required)) {
      std::cerr << "usage: generate_bench --model PATH --prompts FILE --batch B [--new-tokens N] "
                   "[--threads T] [--repeats R]\n";
      return 2;
    }
  const int64_t batch = std::stoll(args["--batch"]);
  const int64_t new_tokens = args.count("--new-tokens") ? std::stoll(args["--new-tokens"]) : 64;
  const int threads =
      args.count("--threads") ? std::stoi(args["--threads"]) : at::get_num_threads();
  const int repeats = args.count("--repeats") ? std::stoi(args["--repeats"]) : 3;
  at::set_num_threads(threads);

  std::ifstream in(args["--prompts"]);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Json prompts = json_parse(text, args["--prompts"]);
  std::vector<GenerationRequest> requests;
  int64_t prompt_tokens = 0;
  // bench/generate_peers.py --prompts-out writes {"prompts": [[ids...], ...], ...}.
  const Json* list = prompts.is_object() ? prompts.find("prompts") : &prompts;
  if (!list) throw IoError(args["--prompts"] + ": no \"prompts\" list");
  for (const Json& prompt : list->as_array("prompts")) {
    if (static_cast<int64_t>(requests.size()) == batch) break;
    GenerationRequest request;
    for (const Json& id : prompt.as_array("prompt")) request.prompt.push_back(id.as_int("id"));
    prompt_tokens += request.prompt.size();
    requests.push_back(std::move(request));
  }
  if (static_cast<int64_t>(requests.size()) < batch) {
    std::cerr << "the prompt file has fewer than " << batch << " prompts\n";
    return 2;
  }

  const Llm llm = Llm::load(args["--model"]);
  // Prefill alone is timed with a one-token budget; decoding is the rest of a full run.
  SamplingParams prefill_only;
  prefill_only.max_new_tokens = 1;
  SamplingParams full;
  full.max_new_tokens = new_tokens;
  std::vector<double> prefill_s, total_s;
  for (int r = 0; r < repeats + 1; ++r) {  // the first round warms up and is not counted
    auto start = std::chrono::steady_clock::now();
    generate(llm, requests, prefill_only);
    const double prefill = seconds_since(start);
    start = std::chrono::steady_clock::now();
    const std::vector<Generation> out = generate(llm, requests, full);
    const double total = seconds_since(start);
    for (const Generation& g : out)
      if (static_cast<int64_t>(g.tokens.size()) != new_tokens) {
        std::cerr << "a sequence stopped early\n";
        return 1;
      }
    if (r == 0) continue;
    prefill_s.push_back(prefill);
    total_s.push_back(total);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double prefill = median(prefill_s), total = median(total_s);
  // The decode phase generates new_tokens - 1 tokens per sequence after the prefill's first.
  const double decode_tok_s = batch * (new_tokens - 1) / std::max(total - prefill, 1e-9);
  std::cout << "{\"engine\": \"genvec\", \"batch\": " << batch << ", \"threads\": " << threads
            << ", \"prompt_tokens\": " << prompt_tokens << ", \"new_tokens\": " << new_tokens
            << ", \"prefill_tok_s\": " << prompt_tokens / prefill
            << ", \"decode_tok_s\": " << decode_tok_s << ", \"wall_s\": " << total
            << ", \"peak_rss_mb\": " << usage.ru_maxrss / 1024.0 << "}" << std::endl;
  return 0;
}
