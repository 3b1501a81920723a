// The resolved run configuration: one typed struct per TOML section. Defaults live here, in the
// member initializers; every key's name, type, range and documentation lives in the schema table
// (config_schema.cpp), which the loader, `--set`, `genvec config` and the help text all use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genvec {

struct RunConfig {
  std::string dir = "runs/default";
  int64_t seed = 0;
};

struct DataConfig {
  std::vector<std::string> files;
  std::string format = "auto";
  std::string text_field = "text";
  std::string id_field;
  int64_t num_shards = 8;
  int64_t max_queries = 0;
  std::string sample = "first";
  int64_t max_query_chars = 100'000;
  bool dedup = true;
};

struct ModelConfig {
  std::string path = "${GENVEC_HOME}/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf";
  std::string builtin;  // a model genvec writes at path when nothing is there (builtin_model.h)
  std::string device = "auto";
  std::string dtype = "auto";
};

struct TeacherConfig {
  std::string kind = "sentence-encoder";
  std::string path;  // empty: all-MiniLM-L6-v2 in $GENVEC_HOME, or [model] path for "llm"
  int64_t batch_size = 64;
  int64_t max_length = 0;  // 0: the model's own limit
  std::string attention = "causal";
};

struct GenerateConfig {
  int64_t max_new_tokens = 500;
  int64_t max_prompt_tokens = 1024;
  double temperature = 0.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  int64_t batch_size = 16;
};

struct TrainConfig {
  int64_t num_tokens = 10;
  int64_t num_compression_tokens = 10;
  double lr = 5e-4;
  int64_t warmup_steps = 100;
  int64_t schedule_steps = 20000;
  int64_t max_steps = 5000;
  int64_t global_batch_size = 32;
  int64_t max_length = 512;
  double grad_clip = 1.0;
  double weight_decay = 0.0;
  double recon_weight = 1.0;
  double align_weight = 1.0;
  std::string response_eos = "model";
  int64_t checkpoint_every = 500;
  int64_t keep_checkpoints = 3;
  int64_t keep_every = 0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_eps = 1e-8;
  int64_t micro_batch_tokens = 1024;
  int64_t micro_batch_rows = 0;
  std::string empty_responses = "keep";
  std::string truncated_responses = "keep";
  int64_t log_every = 10;
  int64_t check_every = 100;
  bool prefix_shortcut = true;
};

struct EvalConfig {
  std::string registry;            // the task registry (configs/tasks/*.toml or the user's own)
  std::vector<std::string> tasks;  // what `genvec eval` runs; empty: every task of the registry
  // What `genvec eval` (without --model) and the end of `genvec run` evaluate.
  std::vector<std::string> models = {"checkpoint"};
  std::vector<std::string> train_tasks;  // evaluated during training; empty: none
  int64_t every_steps = 1000;
  std::string best_score = "average";  // what picks RUN/best.h5: "average" or a task name
  int64_t batch_size = 32;
  int64_t max_length = 0;  // tokens of a text when embedding it; 0: train.max_length
  int64_t seed = 42;
};

struct DistConfig {
  std::string backend = "auto";
  std::string schedule = "dynamic";
  double timeout_s = 600.0;
  int64_t threads_per_rank = 0;
};

struct LogConfig {
  std::string level = "info";
  std::string progress = "auto";  // auto | bar | lines (common/progress.h)
  double progress_every_s = 30;   // seconds between two progress lines in a log file
};

struct Config {
  RunConfig run;
  DataConfig data;
  ModelConfig model;
  TeacherConfig teacher;
  GenerateConfig generate;
  TrainConfig train;
  EvalConfig eval;
  DistConfig dist;
  LogConfig log;
};

// One `--set section.key=value` from the command line.
struct ConfigOverride {
  std::string key;
  std::string value;
};

// Defaults, then the TOML file (if any), then the overrides in order; paths get ${VAR} and ~
// expanded and, when relative, are resolved against the config file's folder (the current folder
// for defaults and overrides). Throws ConfigError naming file:line or the key.
Config config_load(const std::filesystem::path* file, const std::vector<ConfigOverride>& overrides);

// The tokens of a text (instruction and special tokens included) that eval, encode and decode
// read: eval.max_length, or train.max_length when that is 0.
inline int64_t embedding_max_length(const Config& config) {
  return config.eval.max_length > 0 ? config.eval.max_length : config.train.max_length;
}

// Same as config_load but from TOML text; `source_name` names it in errors.
Config config_load_string(const std::string& toml_text, const std::string& source_name,
                          const std::filesystem::path& base_dir,
                          const std::vector<ConfigOverride>& overrides);

// The whole resolved config as TOML that config_load reads back to an equal Config.
std::string config_to_toml(const Config& config);

// Cross-key checks that a single key's range cannot express; throws ConfigError.
void config_validate(const Config& config);

// The teacher's model: teacher.path, or when empty the kind's default (all-MiniLM-L6-v2 in
// $GENVEC_HOME for sentence-encoder, the [model] LLM for llm).
std::filesystem::path teacher_model_path(const Config& config);

}  // namespace genvec
