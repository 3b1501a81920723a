#include "eval/trained_embedder.h"

#include "common/config.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "training/embedder_state.h"

namespace genvec {
namespace fs = std::filesystem;
namespace {

fs::path default_checkpoint(const Config& config) {
  const fs::path run = config.run.dir;
  const CheckpointDir checkpoints(run / "checkpoints");
  if (const std::optional<int64_t> step = checkpoints.latest_step();
      step && fs::exists(checkpoints.file_for(*step)))
    return checkpoints.file_for(*step);
  if (fs::exists(run / "embedder.h5")) return run / "embedder.h5";
  throw ConfigError("no checkpoint in " + (run / "checkpoints").string() + " and no " +
                        (run / "embedder.h5").string(),
                    "train first (genvec train), or name one with --checkpoint FILE");
}

}  // namespace

TrainedEmbedder trained_embedder_load(const Config& config, const Placement& placement,
                                      const fs::path& file) {
  TrainedEmbedder t;
  t.file = fs::absolute(file.empty() ? default_checkpoint(config) : file);
  const Checkpoint c = checkpoint_read(t.file);
  const fs::path model_path = config.model.path;
  if (c.model_identity != file_identity(model_path))
    throw ConfigError(t.file.string() + " was trained on " + c.model_path +
                          ", not on model.path = " + model_path.string() + " (the files differ)",
                      "use the LLM it was trained on (set model.path)");
  t.step = c.step;
  t.llm = std::make_unique<Llm>(with_context("loading " + model_path.string(),
                                             [&] { return Llm::load(model_path, placement); }));
  t.text = load_llm_text_side(model_path);
  const GenEmbedderShape shape = shape_of(c);
  if (shape.hidden_size != t.llm->hparams().hidden_size)
    throw ConfigError(t.file.string() + ": hidden size " + std::to_string(shape.hidden_size) +
                          " does not fit the LLM's " + std::to_string(t.llm->hparams().hidden_size),
                      "use the LLM it was trained on");
  t.embedder = std::make_unique<GenEmbedder>(GenEmbedder::from_flat(
      shape, flat_of(shape, c.parameters, t.file.string()), placement.device));
  t.max_length = embedding_max_length(config);
  if (t.max_length <= shape.num_tokens)
    throw ConfigError(std::string(config.eval.max_length > 0 ? "eval" : "train") +
                          ".max_length = " + std::to_string(t.max_length) +
                          " leaves no room for a text before the " +
                          std::to_string(shape.num_tokens) + " special tokens",
                      "raise it above train.num_tokens");
  t.identity = "checkpoint " + file_content_hash(t.file) + " step " + std::to_string(c.step) +
               " on " + placement.describe() + " max_length " + std::to_string(t.max_length);
  return t;
}

}  // namespace genvec
