// Sentence-encoder teacher throughput of genvec for bench/teacher.sh: SentenceEncoder::encode on
// the sentences of a JSON list (bench/teacher_peers.py writes the same ones its peer embeds),
// median of --repeats timed runs after one warm-up, and the process's peak RSS.
//   teacher_bench --model DIR --sentences FILE [--batch B] [--threads T] [--repeats R]
// Prints one JSON object.
#include <sys/resource.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <string>

#include "common/json.h"
#include "models/sentence_encoder.h"

using namespace genvec;

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.count("--model") || !args.count("--sentences")) {
    std::cerr << "usage: teacher_bench --model DIR --sentences FILE [--batch B] [--threads T] "
                 "[--repeats R]\n";
    return 2;
  }
  const int64_t batch = args.count("--batch") ? std::stoll(args["--batch"]) : 64;
  const int threads =
      args.count("--threads") ? std::stoi(args["--threads"]) : at::get_num_threads();
  const int repeats = args.count("--repeats") ? std::stoi(args["--repeats"]) : 3;
  at::set_num_threads(threads);

  const Json list = json_parse_file(args["--sentences"]);
  std::vector<std::string> sentences;
  for (const Json& s : list.as_array("sentences")) sentences.push_back(s.as_string("sentence"));
  const SentenceEncoder encoder = SentenceEncoder::load(args["--model"]);

  std::vector<double> times;
  EncodeReport report;
  for (int r = 0; r < repeats + 1; ++r) {  // the first round warms up and is not counted
    const auto start = std::chrono::steady_clock::now();
    encoder.encode(sentences, batch, &report);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) times.push_back(seconds);
  }
  std::sort(times.begin(), times.end());
  const double wall = times[times.size() / 2];
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << "{\"engine\": \"genvec\", \"threads\": " << threads << ", \"batch\": " << batch
            << ", \"sentences\": " << sentences.size() << ", \"tokens\": " << report.tokens
            << ", \"truncated\": " << report.truncated
            << ", \"sentences_s\": " << sentences.size() / wall << ", \"wall_s\": " << wall
            << ", \"peak_rss_mb\": " << usage.ru_maxrss / 1024.0 << "}" << std::endl;
  return 0;
}
