// The config key table. Defaults come from the member initializers in config.h; this file adds
// name, type, range and one line of documentation per key. Training defaults follow the paper's
// main recipe (see ../shared/docs/method.md, "Training defaults").
#include "common/config_schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "common/errors.h"
#include "common/spelling.h"

namespace genvec {
namespace {

template <class T>
constexpr ValueType value_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ValueType::boolean;
  if constexpr (std::is_same_v<T, int64_t>) return ValueType::integer;
  if constexpr (std::is_same_v<T, double>) return ValueType::real;
  if constexpr (std::is_same_v<T, std::string>) return ValueType::string;
  if constexpr (std::is_same_v<T, std::vector<std::string>>) return ValueType::string_list;
}

// Binds "section.key" to the member `field` of the section struct `section` of Config.
template <class Section, class T>
KeySpec key_of(std::string_view name, Section Config::*section, T Section::*field,
               std::string_view doc) {
  KeySpec spec;
  spec.name = name;
  spec.type = value_type_of<T>();
  spec.doc = doc;
  spec.get = [=](const Config& c) -> ConfigValue { return c.*section.*field; };
  spec.set = [=](Config& c, const ConfigValue& v) { c.*section.*field = std::get<T>(v); };
  return spec;
}

KeySpec range(KeySpec spec, double min, std::optional<double> max = std::nullopt) {
  spec.min = min;
  spec.max = max;
  return spec;
}

KeySpec one_of(KeySpec spec, std::vector<std::string_view> choices) {
  spec.choices = std::move(choices);
  return spec;
}

KeySpec as_path(KeySpec spec) {
  spec.type = spec.type == ValueType::string_list ? ValueType::path_list : ValueType::path;
  return spec;
}

std::vector<KeySpec> make_schema() {
  using C = Config;
  return {
      as_path(key_of("run.dir", &C::run, &RunConfig::dir,
                     "run directory: shards, caches, checkpoints, logs and results go here")),
      key_of("run.seed", &C::run, &RunConfig::seed,
             "seed for every random choice (sampling, init, data order); same seed, same result"),

      as_path(key_of("data.files", &C::data, &DataConfig::files,
                     "query files or globs (JSONL, TSV/CSV, plain text; .gz accepted)")),
      one_of(key_of("data.format", &C::data, &DataConfig::format,
                    "query file format; auto decides from the file extension"),
             {"auto", "jsonl", "tsv", "csv", "text"}),
      key_of("data.text_field", &C::data, &DataConfig::text_field,
             "JSONL field or TSV/CSV column holding the query text"),
      key_of("data.id_field", &C::data, &DataConfig::id_field,
             "field or column holding a stable query id; empty: derived from the text"),
      range(key_of("data.num_shards", &C::data, &DataConfig::num_shards,
                   "number of shards the queries are split into (units of work and of resume)"),
            1, 1'000'000),
      range(key_of("data.max_queries", &C::data, &DataConfig::max_queries,
                   "use only N valid queries (after dedup; which N: data.sample); 0 uses them all"),
            0, 1LL << 40),
      one_of(key_of("data.sample", &C::data, &DataConfig::sample,
                    "which data.max_queries queries: first (in file order) or random (a uniform "
                    "sample fixed by run.seed and the query ids, whatever the file order)"),
             {"first", "random"}),
      range(key_of("data.max_query_chars", &C::data, &DataConfig::max_query_chars,
                   "queries longer than this many characters are rejected (listed in "
                   "RUN/shards/rejects.jsonl)"),
            1, 1LL << 40),
      key_of("data.dedup", &C::data, &DataConfig::dedup,
             "drop exact duplicate queries (after whitespace and case normalization)"),

      as_path(key_of("model.path", &C::model, &ModelConfig::path,
                     "the frozen LLM: a GGUF file or a Hugging Face model directory")),
      key_of("model.builtin", &C::model, &ModelConfig::builtin,
             "a model genvec writes itself at model.path when nothing is there, the same bytes "
             "everywhere: tiny-random-llama (for fast tests); empty: model.path must exist"),
      one_of(key_of("model.device", &C::model, &ModelConfig::device,
                    "where every model runs: auto (the rank's CUDA device when there is one, else "
                    "the CPU), cpu or cuda"),
             {"auto", "cpu", "cuda"}),
      one_of(key_of("model.dtype", &C::model, &ModelConfig::dtype,
                    "weights and activations of the frozen models: auto (bfloat16 on CUDA, float32 "
                    "on the CPU), float32 or bfloat16; trainable parameters stay float32"),
             {"auto", "float32", "bfloat16"}),

      one_of(key_of("teacher.kind", &C::teacher, &TeacherConfig::kind,
                    "sentence-encoder: a BERT-family model directory; llm: the LLM, mean-pooled"),
             {"sentence-encoder", "llm"}),
      as_path(key_of("teacher.path", &C::teacher, &TeacherConfig::path,
                     "sentence-encoder: a sentence-transformers model directory (empty: "
                     "all-MiniLM-L6-v2 in $GENVEC_HOME); llm: a GGUF file or HF directory "
                     "(empty: the [model] LLM)")),
      range(key_of("teacher.batch_size", &C::teacher, &TeacherConfig::batch_size,
                   "responses embedded per teacher forward pass"),
            1, 1 << 16),
      range(key_of("teacher.max_length", &C::teacher, &TeacherConfig::max_length,
                   "tokens of a response the teacher reads, the rest is cut and counted; 0: the "
                   "model's own (sentence-encoder: its max_seq_length; llm: 512)"),
            0, 1 << 20),
      one_of(key_of("teacher.attention", &C::teacher, &TeacherConfig::attention,
                    "llm teacher: causal, or bidirectional (every token sees the whole response, "
                    "LLM2Vec's first step)"),
             {"causal", "bidirectional"}),

      range(key_of("generate.max_new_tokens", &C::generate, &GenerateConfig::max_new_tokens,
                   "longest response generated per query (the paper uses 500)"),
            1, 1 << 20),
      range(key_of("generate.max_prompt_tokens", &C::generate, &GenerateConfig::max_prompt_tokens,
                   "prompts longer than this (after the chat template) are truncated"),
            1, 1 << 20),
      range(key_of("generate.temperature", &C::generate, &GenerateConfig::temperature,
                   "sampling temperature; 0 decodes greedily"),
            0.0, 100.0),
      range(key_of("generate.top_k", &C::generate, &GenerateConfig::top_k,
                   "sample among the k most likely tokens; 0 disables"),
            0, 1 << 24),
      range(key_of("generate.top_p", &C::generate, &GenerateConfig::top_p,
                   "nucleus sampling: smallest token set with this much probability; 1 disables"),
            0.0, 1.0),
      range(key_of("generate.batch_size", &C::generate, &GenerateConfig::batch_size,
                   "queries decoded together per rank"),
            1, 1 << 16),

      range(key_of("train.num_tokens", &C::train, &TrainConfig::num_tokens,
                   "N: trainable special tokens appended to each query (thought + compression)"),
            1, 4096),
      range(key_of("train.num_compression_tokens", &C::train, &TrainConfig::num_compression_tokens,
                   "K: the last K special tokens, whose hidden states form the embedding"),
            1, 4096),
      range(key_of("train.lr", &C::train, &TrainConfig::lr,
                   "peak learning rate of AdamW (paper: 5e-4 for Qwen2.5/Llama, 3e-4 for Qwen3)"),
            0.0, 10.0),
      range(key_of("train.warmup_steps", &C::train, &TrainConfig::warmup_steps,
                   "steps of linear warmup from 0 to train.lr"),
            0, 1 << 30),
      range(key_of("train.schedule_steps", &C::train, &TrainConfig::schedule_steps,
                   "length of the linear decay schedule (the LR reaches 0 here)"),
            1, 1 << 30),
      range(key_of("train.max_steps", &C::train, &TrainConfig::max_steps,
                   "training stops after this many optimizer steps"),
            1, 1 << 30),
      range(key_of("train.global_batch_size", &C::train, &TrainConfig::global_batch_size,
                   "queries per optimizer step summed over all ranks"),
            1, 1 << 24),
      range(key_of("train.max_length", &C::train, &TrainConfig::max_length,
                   "query tokens plus special tokens are truncated to this length"),
            2, 1 << 20),
      range(key_of("train.grad_clip", &C::train, &TrainConfig::grad_clip,
                   "clip the global gradient norm to this; 0 disables"),
            0.0, 1e9),
      range(key_of("train.weight_decay", &C::train, &TrainConfig::weight_decay,
                   "AdamW decoupled weight decay"),
            0.0, 10.0),
      range(key_of("train.recon_weight", &C::train, &TrainConfig::recon_weight,
                   "weight of the reconstruction (next-token) loss"),
            0.0, 1e6),
      range(key_of("train.align_weight", &C::train, &TrainConfig::align_weight,
                   "weight of the alignment (MSE to the teacher) loss"),
            0.0, 1e6),
      one_of(key_of("train.response_eos", &C::train, &TrainConfig::response_eos,
                    "appended to each response: the model's EOS token, or the reference's literal "
                    "<|end_of_text|> string"),
             {"model", "reference"}),
      range(key_of("train.checkpoint_every", &C::train, &TrainConfig::checkpoint_every,
                   "write a checkpoint every this many steps"),
            1, 1 << 30),
      range(key_of("train.keep_checkpoints", &C::train, &TrainConfig::keep_checkpoints,
                   "how many of the newest checkpoints are kept"),
            1, 1 << 20),
      range(key_of("train.keep_every", &C::train, &TrainConfig::keep_every,
                   "also keep every checkpoint whose step is a multiple of this; 0: none"),
            0, 1 << 30),
      range(key_of("train.adam_beta1", &C::train, &TrainConfig::adam_beta1, "AdamW beta1"), 0.0,
            0.999999),
      range(key_of("train.adam_beta2", &C::train, &TrainConfig::adam_beta2, "AdamW beta2"), 0.0,
            0.99999999),
      range(key_of("train.adam_eps", &C::train, &TrainConfig::adam_eps, "AdamW epsilon"), 1e-30,
            1.0),
      range(key_of("train.micro_batch_tokens", &C::train, &TrainConfig::micro_batch_tokens,
                   "a rank's share of a batch runs in micro-batches of at most this many padded "
                   "decoder positions (rows x longest soft prompts + response), gradients "
                   "accumulated: memory stays bounded however long a response is (CPU: 1024 "
                   "keeps SmolLM2-135M near 2 GB; raise it on GPUs)"),
            1, 1 << 30),
      range(key_of("train.micro_batch_rows", &C::train, &TrainConfig::micro_batch_rows,
                   "and of at most this many rows; 0: only the token budget limits them"),
            0, 1 << 24),
      one_of(key_of("train.empty_responses", &C::train, &TrainConfig::empty_responses,
                    "responses with no tokens: keep (the target is the EOS alone) or skip; "
                    "either way they are counted in the log"),
             {"keep", "skip"}),
      one_of(key_of("train.truncated_responses", &C::train, &TrainConfig::truncated_responses,
                    "responses cut by generate.max_new_tokens (finish reason length): keep "
                    "(EOS still appended, as the reference does) or skip; counted in the log"),
             {"keep", "skip"}),
      range(key_of("train.log_every", &C::train, &TrainConfig::log_every,
                   "write a row to RUN/metrics.jsonl every this many steps"),
            1, 1 << 30),
      range(key_of("train.check_every", &C::train, &TrainConfig::check_every,
                   "ranks compare a checksum of the parameters every this many steps"),
            1, 1 << 30),
      key_of("train.prefix_shortcut", &C::train, &TrainConfig::prefix_shortcut,
             "run each query's prefix without autograd and back-propagate only through the N "
             "special positions (same result, less work); false: the whole query, as the "
             "reference does"),

      as_path(key_of("eval.registry", &C::eval, &EvalConfig::registry,
                     "task registry (TOML, see configs/tasks/): the tasks' types, files, "
                     "instructions and main scores")),
      key_of("eval.tasks", &C::eval, &EvalConfig::tasks,
             "tasks `genvec eval` runs, by registry name; empty: all of the registry's"),
      one_of(key_of("eval.models", &C::eval, &EvalConfig::models,
                    "what `genvec eval` (without --model) and the end of `genvec run` evaluate: "
                    "the trained checkpoint and any of the baselines (the teacher, the frozen "
                    "LLM's mean or last-token states)"),
             {"checkpoint", "teacher", "llm-mean", "llm-last"}),
      key_of("eval.train_tasks", &C::eval, &EvalConfig::train_tasks,
             "tasks evaluated during training every eval.every_steps steps (keep them fast); "
             "empty: no evaluation during training"),
      range(key_of("eval.every_steps", &C::eval, &EvalConfig::every_steps,
                   "evaluate eval.train_tasks every this many training steps"),
            1, 1 << 30),
      key_of("eval.best_score", &C::eval, &EvalConfig::best_score,
             "what picks the best checkpoint (RUN/best.h5): \"average\" (the mean main score "
             "of eval.train_tasks, safety left out) or one task's name (its main score)"),
      range(key_of("eval.seed", &C::eval, &EvalConfig::seed,
                   "seed of the classification train samples and the k-means runs"),
            0, int64_t{1} << 62),
      range(key_of("eval.batch_size", &C::eval, &EvalConfig::batch_size,
                   "texts encoded per forward pass during evaluation"),
            1, 1 << 16),
      range(key_of("eval.max_length", &C::eval, &EvalConfig::max_length,
                   "tokens of a text (instruction and special tokens included) that eval, encode "
                   "and decode read with the LLM; longer texts are cut; 0: train.max_length (the "
                   "teacher keeps teacher.max_length)"),
            0, 1 << 20),

      one_of(key_of("dist.backend", &C::dist, &DistConfig::backend,
                    "gradient all-reduce: nccl on GPUs, mpi on CPUs; auto picks by device"),
             {"auto", "mpi", "nccl"}),
      one_of(
          key_of("dist.schedule", &C::dist, &DistConfig::schedule,
                 "how generate and teacher share out batches: dynamic (a free rank takes the "
                 "next batch from rank 0) or static (each rank its own shards, planned up front)"),
          {"dynamic", "static"}),
      range(key_of("dist.timeout_s", &C::dist, &DistConfig::timeout_s,
                   "a collective that waits longer than this aborts the job (a peer likely died)"),
            0.001, 1e7),
      range(key_of("dist.threads_per_rank", &C::dist, &DistConfig::threads_per_rank,
                   "compute threads per rank; 0: the cores bound to the rank, shared fairly"),
            0, 4096),

      one_of(key_of("log.level", &C::log, &LogConfig::level,
                    "least severe log level shown on the console and in the rank logs"),
             {"trace", "debug", "info", "warn", "error"}),
      one_of(key_of("log.progress", &C::log, &LogConfig::progress,
                    "how stages show progress: bar (redrawn on a terminal), lines (a line every "
                    "log.progress_every_s, for log files), auto (bar only on a terminal and "
                    "without mpirun or srun, whose ranks see a terminal even when logging to a "
                    "file)"),
             {"auto", "bar", "lines"}),
      range(key_of("log.progress_every_s", &C::log, &LogConfig::progress_every_s,
                   "seconds between two progress lines (rows, rate, ETA) when not drawing a bar"),
            0.01, 86400),
  };
}

std::string toml_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Shortest text that parses back to the same double, always recognisable as a TOML float.
std::string toml_float(double v) {
  char buf[400];
  // Plain decimals read best ("0.0005", not "5e-04"); exponents only for extreme magnitudes.
  const double magnitude = std::fabs(v);
  const bool plain = magnitude == 0 || (magnitude >= 1e-5 && magnitude < 1e15);
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v,
                                 plain ? std::chars_format::fixed : std::chars_format::scientific);
  std::string s(buf, end);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // "n": inf/nan
  return s;
}

std::string format_bound(const KeySpec& spec, double v) {
  return spec.type == ValueType::integer ? std::to_string(static_cast<int64_t>(v)) : toml_float(v);
}

}  // namespace

std::span<const KeySpec> config_schema() {
  static const std::vector<KeySpec> schema = make_schema();
  return schema;
}

const KeySpec* config_find_key(std::string_view name) {
  for (const KeySpec& spec : config_schema())
    if (spec.name == name) return &spec;
  return nullptr;
}

std::string_view config_closest_key(std::string_view name) {
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (const KeySpec& spec : config_schema()) {
    // A key right but in the wrong section ("[data] lr") should still find "train.lr".
    size_t distance = std::min(edit_distance(name, spec.name),
                               edit_distance(name.substr(name.find('.') + 1), spec.key()) + 1);
    if (distance < best_distance) best_distance = distance, best = spec.name;
  }
  return best;
}

std::string_view config_closest_section(std::string_view name) {
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view section : config_sections())
    if (size_t distance = edit_distance(name, section); distance < best_distance)
      best_distance = distance, best = section;
  return best;
}

std::vector<std::string_view> config_sections() {
  std::vector<std::string_view> sections;
  for (const KeySpec& spec : config_schema())
    if (sections.empty() || sections.back() != spec.section()) sections.push_back(spec.section());
  return sections;
}

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::boolean:
      return "boolean";
    case ValueType::integer:
      return "integer";
    case ValueType::real:
      return "float";
    case ValueType::string:
      return "string";
    case ValueType::path:
      return "path (string)";
    case ValueType::string_list:
      return "array of strings";
    case ValueType::path_list:
      return "array of paths (strings)";
  }
  return "?";
}

std::string config_value_to_toml(const ConfigValue& value) {
  struct Visitor {
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return toml_float(v); }
    std::string operator()(const std::string& v) const { return toml_quote(v); }
    std::string operator()(const std::vector<std::string>& v) const {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_quote(v[i]);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

void config_check_value(const KeySpec& spec, const ConfigValue& value, const std::string& where) {
  std::optional<double> number;
  if (auto* i = std::get_if<int64_t>(&value)) number = static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&value)) number = *d;
  if (number && (!std::isfinite(*number) || (spec.min && *number < *spec.min) ||
                 (spec.max && *number > *spec.max))) {
    std::string allowed = "at least " + format_bound(spec, spec.min.value_or(0));
    if (spec.max)
      allowed =
          "between " + format_bound(spec, *spec.min) + " and " + format_bound(spec, *spec.max);
    throw ConfigError(where + ": " + std::string(spec.name) + " = " + config_value_to_toml(value) +
                          " is out of range: expected " + allowed,
                      std::string(spec.name) + ": " + std::string(spec.doc));
  }
  // A string key, or each item of a list key, must be one of the choices.
  std::vector<std::string> texts;
  if (auto* text = std::get_if<std::string>(&value)) texts.push_back(*text);
  if (auto* list = std::get_if<std::vector<std::string>>(&value)) texts = *list;
  for (const std::string& text : texts) {
    if (spec.choices.empty() ||
        std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end())
      continue;
    std::string allowed;
    for (auto choice : spec.choices) allowed += (allowed.empty() ? "" : ", ") + std::string(choice);
    const std::string item = texts.size() == 1 && std::holds_alternative<std::string>(value)
                                 ? ""
                                 : ": " + toml_quote(text);
    throw ConfigError(where + ": " + std::string(spec.name) + " = " + config_value_to_toml(value) +
                          item + " is not one of: " + allowed,
                      std::string(spec.name) + ": " + std::string(spec.doc));
  }
}

std::string config_keys_reference() {
  static const Config defaults;
  std::ostringstream out;
  std::string_view section;
  for (const KeySpec& spec : config_schema()) {
    if (spec.section() != section) {
      section = spec.section();
      out << "\n[" << section << "]\n";
    }
    out << "  " << spec.key() << " (" << value_type_name(spec.type)
        << ") = " << config_value_to_toml(spec.get(defaults));
    if (spec.min) {
      out << "  range [" << format_bound(spec, *spec.min) << ", "
          << (spec.max ? format_bound(spec, *spec.max) : std::string("inf")) << "]";
    }
    if (!spec.choices.empty()) {
      out << "  one of {";
      for (size_t i = 0; i < spec.choices.size(); ++i) out << (i ? ", " : "") << spec.choices[i];
      out << "}";
    }
    out << "\n      " << spec.doc << "\n";
  }
  return out.str();
}

}  // namespace genvec
