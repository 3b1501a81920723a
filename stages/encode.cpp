// `genvec encode`: embeddings of a user's texts with a checkpoint or a baseline. The input is read
// and checked whole first (a bad row is an error naming its file and line, never dropped). Rows
// are embedded in chunks of kChunkRows (longest texts first), dealt to the ranks in turn; each
// finished chunk is a file in OUTPUT.partial/, so a killed run resumes where it stopped, and rank 0
// writes the output (.h5, .npy or .jsonl) once every chunk is there.
#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>

#include "common/atomic_file.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/fault_injection.h"
#include "common/file_identity.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/stop_signal.h"
#include "data/query_files.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "eval/embedding_model.h"
#include "eval/embedding_output.h"
#include "eval/evaluator.h"
#include "models/placement.h"
#include "stages/command.h"
#include "stages/eval_tasks.h"
#include "stages/fingerprints.h"
#include "stages/work_source.h"

namespace genvec {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kChunkRows = 256;

struct InputRows {
  std::vector<std::string> ids, texts;
};

std::string text_field(const CommandContext& context) {
  return context.value("--text-field") ? *context.value("--text-field") : "text";
}
std::string id_field(const CommandContext& context) {
  return context.value("--id-field") ? *context.value("--id-field") : "";
}

InputRows read_input(const fs::path& file, const CommandContext& context) {
  QueryFileOptions options;
  options.text_field = text_field(context);
  options.id_field = id_field(context);
  options.max_chars = 1'000'000;
  InputRows rows;
  for (QueryRow& row : query_file_read_all(file, options, "embedded")) {
    rows.ids.push_back(options.id_field.empty() ? std::to_string(row.line) : row.id);
    rows.texts.push_back(std::move(row.text));
  }
  return rows;
}

std::string chunk_name(int64_t chunk) {
  char name[32];
  std::snprintf(name, sizeof name, "chunk-%06lld.f32", static_cast<long long>(chunk));
  return name;
}

}  // namespace

int encode_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const bool leader = world.rank() == 0;
  const std::string* input = context.value("--input");
  const std::string* output = context.value("--output");
  if (!input || !output)
    throw ConfigError("genvec encode needs --input FILE and --output FILE",
                      "for example --input texts.jsonl --output embeddings.npy");
  const fs::path out_file = *output;
  embeddings_check_output(out_file);
  if (context.value("--instruction") && context.value("--task"))
    throw ConfigError("--instruction and --task both give the instruction", "pass one of them");
  std::string instruction;
  if (const std::string* text = context.value("--instruction")) instruction = *text;
  if (const std::string* task = context.value("--task")) {
    const TaskRegistry registry = eval_registry(config, context.value("--tasks"));
    const TaskSpec& spec = *registry.select({*task})[0];
    instruction = context.has_flag("--passage") ? spec.passage_instruction : spec.instruction;
  } else if (context.has_flag("--passage")) {
    throw ConfigError("--passage picks a task's passage instruction", "pass --task NAME with it");
  }
  const std::string kind = context.value("--model") ? *context.value("--model") : "checkpoint";
  if (kind == "all") throw ConfigError("--model all is for eval", "pick one model to encode with");

  const InputRows rows = read_input(*input, context);
  const Placement placement = stage_placement(config, world.info());
  const std::unique_ptr<EmbeddingModel> model = embedding_model_load(
      config, placement, kind,
      context.value("--checkpoint") ? fs::path(*context.value("--checkpoint")) : fs::path());
  const std::unique_ptr<Communicator> communicator =
      world.make_cpu_communicator(config.dist.timeout_s);

  // The partial folder belongs to one set of inputs: another model, input or instruction starts
  // over only when asked to.
  const fs::path partial = out_file.string() + ".partial";
  const std::string identity =
      "model " + model->identity() + "\ninput " + file_identity(*input) + " text field " +
      text_field(context) + " id field " + id_field(context) + "\ninstruction " + instruction +
      "\nrows " + std::to_string(rows.texts.size()) + " chunk " + std::to_string(kChunkRows) + "\n";
  if (leader) {
    if (context.has_flag("--force")) fs::remove_all(partial);
    if (fs::exists(partial / "identity.txt")) {
      std::ifstream in(partial / "identity.txt");
      const std::string before((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
      if (before != identity)
        throw ConfigError(
            partial.string() + " holds a run with another model, input or instruction",
            "rerun with --force to start over, or choose another --output");
    }
    fs::create_directories(partial);
    write_file_atomic(partial / "identity.txt", identity);
  }
  communicator->barrier();

  const int64_t n = static_cast<int64_t>(rows.texts.size());
  const int64_t chunks = (n + kChunkRows - 1) / kChunkRows;
  // Chunks take the rows longest first, so each batch holds texts of similar length (little
  // padding); the output puts them back in input order.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return rows.texts[a].size() > rows.texts[b].size();
  });
  FaultKillSwitch kill_switch;
  FaultKillSwitch stop_switch("GENVEC_FAULT_STOP_AFTER_CHUNKS", SIGUSR1);
  const StopSignals stop_signals;  // the chunk in flight is written, then every rank stops
  int64_t done_here = 0, resumed = 0;
  const auto start = std::chrono::steady_clock::now();
  // Rank 0 counts the chunk files every rank has written so far: the progress of all of them.
  auto chunks_on_disk = [&] {
    int64_t count = 0;
    for (const auto& entry : fs::directory_iterator(partial))
      count += entry.path().extension() == ".f32";
    return count;
  };
  std::optional<Progress> progress;
  if (leader)
    progress.emplace("encode: chunks", chunks, chunks_on_disk(), progress_style(config.log));
  bool stopped = false;
  for (int64_t chunk = world.rank(); chunk < chunks; chunk += world.size()) {
    const fs::path file = partial / chunk_name(chunk);
    if (fs::exists(file)) {
      ++resumed;
      continue;
    }
    if (stop_signal_received()) {  // the chunks written so far stay for the rerun
      stopped = true;
      break;
    }
    std::vector<std::string> texts;
    for (int64_t i = chunk * kChunkRows; i < std::min(n, (chunk + 1) * kChunkRows); ++i)
      texts.push_back(instructed_text(*model, instruction, rows.texts[order[i]]));
    const Matrix e = model->embed(texts);
    write_file_atomic(file, std::string(reinterpret_cast<const char*>(e.values.data()),
                                        e.values.size() * sizeof(float)));
    ++done_here;
    if (progress && progress->due()) progress->update(chunks_on_disk());
    kill_switch.after_commit();
    stop_switch.after_commit();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  at::Tensor any_stopped = at::tensor({stopped ? 1 : 0}, at::kInt);
  communicator->all_reduce(any_stopped, ReduceOp::max);
  if (any_stopped.item<int>() != 0) {
    log_stop_reason("encode", world.rank());
    if (leader)
      log_warn(str_cat("encode: stopped by a signal; the chunks written so far are in ",
                       partial.string(), ", rerun the same command to continue (exit code ",
                       kExitPreempted, ")"));
    return kExitPreempted;
  }
  if (progress) progress->finish(chunks);
  if (!leader) return 0;

  // Every chunk is there: assemble the matrix in input order.
  Matrix all;
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const fs::path file = partial / chunk_name(chunk);
    const int64_t chunk_rows = std::min(n, (chunk + 1) * kChunkRows) - chunk * kChunkRows;
    const uintmax_t bytes = fs::file_size(file);
    if (bytes == 0 || bytes % (sizeof(float) * chunk_rows) != 0)
      throw IoError(file.string() + " is damaged (" + std::to_string(bytes) + " bytes)",
                    "delete it and rerun to embed that chunk again");
    const int64_t d = static_cast<int64_t>(bytes / (sizeof(float) * chunk_rows));
    if (chunk == 0) all = Matrix(n, d);
    if (d != all.cols)
      throw IoError(file.string() + ": dimension differs from chunk 0", "rerun with --force");
    std::vector<float> values(bytes / sizeof(float));
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(bytes));
    for (int64_t r = 0; r < chunk_rows; ++r)
      std::copy_n(values.data() + r * d, d, all.row(order[chunk * kChunkRows + r]).data());
  }
  embeddings_write(out_file, rows.ids, all, model->identity());
  fs::remove_all(partial);
  log_info("encode: " + std::to_string(n) + " texts -> " + out_file.string() + " (" +
           std::to_string(all.cols) + " dimensions, " + model->label() + "); rank 0 embedded " +
           std::to_string(done_here) + " chunks in " + std::to_string(seconds) + " s" +
           (resumed ? ", " + std::to_string(resumed) + " chunks were already done" : ""));
  return 0;
}

}  // namespace genvec
