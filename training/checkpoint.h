// Training checkpoints in HDF5 (design.md): RUN/checkpoints/step-<8 digits>.h5, one per saved
// step, each written whole to a temporary name and renamed; RUN/checkpoints/latest names the
// newest complete one. A checkpoint holds everything to continue bit for bit: the trainable
// tensors and AdamW's two moments (one dataset each, with a content checksum attribute per
// dataset), the step (the data cursor is step x global batch: the order is a pure function of the
// seed, so no other data or RNG state exists), the resolved config and the fingerprints of the
// caches trained on. Loading verifies every checksum; a damaged newest checkpoint is skipped with
// a warning for the one before it. Torch-free (tensors are float vectors here).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace genvec {

struct CheckpointTensor {
  std::string name;  // "gen_tokens", "recon.weight", ... (GenEmbedder's slices)
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct Checkpoint {
  int64_t step = 0;
  std::vector<CheckpointTensor> parameters;
  std::vector<CheckpointTensor> adam_m, adam_v;  // empty in an exported embedder
  std::string config_toml;                       // the resolved config of the run that wrote it
  std::string data_fingerprint;                  // of the caches it trained on
  // What the embedder belongs to: the LLM (file identity, path) and its shape.
  std::string model_identity, model_path;
  int64_t num_tokens = 0, num_compression_tokens = 0, hidden_size = 0, teacher_size = 0;
  int64_t global_batch_size = 0, seed = 0;
};

// Writes `checkpoint` atomically to `file` (optimizer moments only when present).
void checkpoint_write(const std::filesystem::path& file, const Checkpoint& checkpoint);
// Reads and verifies one file; IoError naming the file and the damaged dataset.
Checkpoint checkpoint_read(const std::filesystem::path& file);

// The checkpoints/ folder of a run: naming, `latest`, retention and fallback.
// "step-00000100": how files and folders of one training step are named.
std::string checkpoint_step_name(int64_t step);

class CheckpointDir {
 public:
  explicit CheckpointDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path file_for(int64_t step) const;  // step-00000100.h5
  // The step `latest` names (not verified); nullopt without a readable `latest`.
  std::optional<int64_t> latest_step() const;

  // Writes the step's checkpoint, points `latest` at it, then removes what retention drops:
  // all but the newest `keep` and those whose step is a multiple of `keep_every` (0: none).
  // Temporaries of writes killed earlier are removed first.
  void save(const Checkpoint& checkpoint, int64_t keep, int64_t keep_every) const;

  // The newest checkpoint that reads and verifies, starting from the one `latest` names (or the
  // highest step when `latest` is missing or names a file that is gone); each damaged one is
  // reported through `warn` and skipped. nullopt when there is none.
  std::optional<Checkpoint> load_newest(const std::function<void(const std::string&)>& warn) const;

 private:
  std::vector<int64_t> steps() const;  // of step-*.h5 files, ascending
  std::filesystem::path dir_;
};

}  // namespace genvec
