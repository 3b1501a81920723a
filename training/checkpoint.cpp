// HDF5 training checkpoints: see checkpoint.h.
#include "training/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "data/hdf5_file.h"

namespace genvec {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "genvec-checkpoint-v1";

std::string values_checksum(const std::vector<float>& values) {
  ContentHasher hasher;
  hasher.update(values.data(), values.size() * sizeof(float));
  return hasher.hex();
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text;
  for (int64_t size : shape) text += (text.empty() ? "" : ",") + std::to_string(size);
  return text;
}

std::vector<int64_t> shape_parse(const std::string& text, const std::string& where) {
  std::vector<int64_t> shape;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    try {
      shape.push_back(std::stoll(part));
    } catch (const std::exception&) {
      throw IoError(where + ": bad shape '" + text + "'");
    }
  }
  return shape;
}

// Datasets are stored 2-D: (first dimension, the rest), a vector as (1, n).
std::pair<int64_t, int64_t> matrix_of(const std::vector<int64_t>& shape) {
  int64_t numel = 1;
  for (int64_t size : shape) numel *= size;
  if (shape.size() < 2) return {1, numel};
  return {shape[0], shape[0] ? numel / shape[0] : 0};
}

void write_group(Hdf5Writer& out, const std::string& group,
                 const std::vector<CheckpointTensor>& tensors) {
  std::string names;
  for (const CheckpointTensor& t : tensors) {
    const std::string dataset = group + "." + t.name;
    const auto [rows, columns] = matrix_of(t.shape);
    out.float_matrix(dataset.c_str(), t.values.data(), rows, columns);
    out.attribute(("shape." + dataset).c_str(), shape_text(t.shape));
    out.attribute(("checksum." + dataset).c_str(), values_checksum(t.values));
    names += (names.empty() ? "" : ",") + t.name;
  }
  out.attribute(("tensors." + group).c_str(), names);
}

std::vector<CheckpointTensor> read_group(const Hdf5Reader& in, const std::string& group,
                                         const std::string& file) {
  std::vector<CheckpointTensor> tensors;
  const std::string names = in.string_attribute(("tensors." + group).c_str());
  std::stringstream list(names);
  std::string name;
  while (std::getline(list, name, ',')) {
    CheckpointTensor t;
    t.name = name;
    const std::string dataset = group + "." + name;
    t.shape = shape_parse(in.string_attribute(("shape." + dataset).c_str()), file);
    const auto [rows, columns] = matrix_of(t.shape);
    t.values = in.float_matrix(dataset.c_str(), rows, columns);
    if (values_checksum(t.values) != in.string_attribute(("checksum." + dataset).c_str()))
      throw IoError(file + ": dataset " + dataset + " does not match its checksum (damaged)");
    tensors.push_back(std::move(t));
  }
  return tensors;
}

}  // namespace

void checkpoint_write(const fs::path& file, const Checkpoint& c) {
  Hdf5Writer out(file);
  out.attribute("format", std::string(kFormat));
  out.attribute("step", c.step);
  out.attribute("config", c.config_toml);
  out.attribute("data_fingerprint", c.data_fingerprint);
  out.attribute("model_identity", c.model_identity);
  out.attribute("model_path", c.model_path);
  out.attribute("num_tokens", c.num_tokens);
  out.attribute("num_compression_tokens", c.num_compression_tokens);
  out.attribute("hidden_size", c.hidden_size);
  out.attribute("teacher_size", c.teacher_size);
  out.attribute("global_batch_size", c.global_batch_size);
  out.attribute("seed", c.seed);
  write_group(out, "parameters", c.parameters);
  write_group(out, "adam_m", c.adam_m);
  write_group(out, "adam_v", c.adam_v);
  out.close();
}

Checkpoint checkpoint_read(const fs::path& file) {
  return with_context("reading checkpoint " + file.string(), [&] {
    const Hdf5Reader in(file);
    if (!in.has_attribute("format") || in.string_attribute("format") != kFormat)
      throw IoError("not a " + std::string(kFormat) + " file");
    Checkpoint c;
    c.step = in.int_attribute("step");
    c.config_toml = in.string_attribute("config");
    c.data_fingerprint = in.string_attribute("data_fingerprint");
    c.model_identity = in.string_attribute("model_identity");
    c.model_path = in.string_attribute("model_path");
    c.num_tokens = in.int_attribute("num_tokens");
    c.num_compression_tokens = in.int_attribute("num_compression_tokens");
    c.hidden_size = in.int_attribute("hidden_size");
    c.teacher_size = in.int_attribute("teacher_size");
    c.global_batch_size = in.int_attribute("global_batch_size");
    c.seed = in.int_attribute("seed");
    c.parameters = read_group(in, "parameters", file.string());
    c.adam_m = read_group(in, "adam_m", file.string());
    c.adam_v = read_group(in, "adam_v", file.string());
    return c;
  });
}

std::string checkpoint_step_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

fs::path CheckpointDir::file_for(int64_t step) const {
  return dir_ / (checkpoint_step_name(step) + ".h5");
}

std::optional<int64_t> CheckpointDir::latest_step() const {
  std::optional<int64_t> named;
  if (FILE* f = std::fopen((dir_ / "latest").c_str(), "r")) {
    long long step = 0;
    if (std::fscanf(f, "step-%8lld.h5", &step) == 1) named = step;
    std::fclose(f);
  }
  return named;
}

std::vector<int64_t> CheckpointDir::steps() const {
  std::vector<int64_t> out;
  if (!fs::is_directory(dir_)) return out;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    long long step = 0;
    if (std::sscanf(name.c_str(), "step-%8lld.h5", &step) == 1 &&
        name == file_for(step).filename().string())
      out.push_back(step);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void CheckpointDir::save(const Checkpoint& checkpoint, int64_t keep, int64_t keep_every) const {
  fs::create_directories(dir_);
  // A run killed while writing leaves step-*.h5.tmp.<pid> (common/atomic_file.h): never read, and
  // cleared here so they do not pile up.
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("step-") && name.find(".h5.tmp.") != std::string::npos)
      fs::remove(entry.path());
  }
  checkpoint_write(file_for(checkpoint.step), checkpoint);
  write_file_atomic(dir_ / "latest", file_for(checkpoint.step).filename().string() + "\n");
  const std::vector<int64_t> all = steps();
  for (size_t i = 0; i + keep < all.size(); ++i) {
    if (keep_every > 0 && all[i] % keep_every == 0) continue;
    fs::remove(file_for(all[i]));
  }
}

std::optional<Checkpoint> CheckpointDir::load_newest(
    const std::function<void(const std::string&)>& warn) const {
  std::vector<int64_t> candidates = steps();
  // `latest` first: it names the newest complete checkpoint; anything after it was being written
  // when a run stopped, and is never trusted over it.
  const std::optional<int64_t> named = latest_step();
  if (named) {
    candidates.erase(
        std::remove_if(candidates.begin(), candidates.end(), [&](int64_t s) { return s > *named; }),
        candidates.end());
    if (std::find(candidates.begin(), candidates.end(), *named) == candidates.end())
      warn((dir_ / "latest").string() + " names " + file_for(*named).filename().string() +
           ", which is gone; using the newest checkpoint there is");
  }
  for (auto step = candidates.rbegin(); step != candidates.rend(); ++step) {
    try {
      return checkpoint_read(file_for(*step));
    } catch (const IoError& e) {
      warn(std::string(e.what()) + "; falling back to the checkpoint before it");
    }
  }
  return std::nullopt;
}

}  // namespace genvec
