// `genvec train`: the gen-token embedder trained against the frozen LLM (../shared/docs/method.md),
// data-parallel: every rank holds the whole embedder, computes the gradient of its share of each
// global batch (micro-batch by micro-batch), and one all-reduce of a flat buffer sums the
// gradients and the loss statistics. The gradient of each micro-batch is already scaled by the
// global batch's target-token and row counts, so the summed gradient is the global batch's
// whatever the number of ranks or micro-batches. Checkpoints (training/checkpoint.h) every
// train.checkpoint_every steps and when a stop signal arrives (common/stop_signal.h: the step in
// flight finishes, is saved, and the run exits with kExitPreempted); a rerun resumes from the
// newest good checkpoint, on any number of ranks.
#include <ATen/ATen.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "common/config.h"
#include "common/errors.h"
#include "common/fault_injection.h"
#include "common/json.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "models/gen_embedder.h"
#include "models/llm.h"
#include "models/text_side.h"
#include "stages/command.h"
#include "stages/fingerprints.h"
#include "stages/peak_flops.h"
#include "stages/train_data.h"
#include "stages/train_eval.h"
#include "stages/work_source.h"
#include "training/batch_plan.h"
#include "training/checkpoint.h"
#include "training/embedder_state.h"
#include "training/objective.h"
#include "training/optimizer.h"

namespace genvec {

namespace fs = std::filesystem;

namespace {

// Where a resumed checkpoint differs from this run in what decides the numbers.
void check_resumable(const Checkpoint& c, const Checkpoint& now, const fs::path& file) {
  auto refuse = [&](const std::string& what) {
    throw ConfigError(file.string() + " was trained with another " + what,
                      "continue with the config it was made with (its `config` attribute), or "
                      "start over with `genvec train --force`");
  };
  if (c.model_identity != now.model_identity) refuse("model (" + c.model_path + ")");
  if (c.num_tokens != now.num_tokens || c.num_compression_tokens != now.num_compression_tokens)
    refuse("number of special tokens (train.num_tokens / num_compression_tokens)");
  if (c.teacher_size != now.teacher_size) refuse("teacher dimension");
  if (c.data_fingerprint != now.data_fingerprint) refuse("training data (caches or data options)");
  if (c.global_batch_size != now.global_batch_size) refuse("train.global_batch_size");
  if (c.seed != now.seed) refuse("run.seed");
}

// The tokenizer's size as transformers counts it (len(tokenizer)), which decides where the
// reference puts the special tokens: llama.cpp's converter pads a GGUF vocabulary up to the
// embedding table with "[PAD<id>]" tokens (Qwen: 151669 tokens, 151936 rows) that the Hugging
// Face tokenizer does not have.
int64_t reference_tokenizer_size(const Tokenizer& tokenizer) {
  int64_t size = tokenizer.vocab_size();
  while (size > 0 && tokenizer.token_text(static_cast<int32_t>(size - 1)) ==
                         "[PAD" + std::to_string(size - 1) + "]")
    --size;
  return size;
}

double peak_rss_mib() {
  struct rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// Keeps the metrics rows up to `step` (a killed run may have logged steps past its last
// checkpoint, which the resumed run trains again) and opens the file for appending.
std::ofstream open_metrics(const fs::path& file, int64_t step) {
  std::vector<std::string> kept;
  if (std::ifstream in(file); in) {
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      try {
        const Json row = json_parse(line, file.string());
        if (row.find("step") && row.find("step")->as_int("step") <= step) kept.push_back(line);
      } catch (const Error&) {
        // a line cut short when the run was killed: dropped with the steps after it
      }
    }
  }
  std::ofstream out(file, std::ios::trunc);
  for (const std::string& line : kept) out << line << "\n";
  out.flush();
  return out;
}

}  // namespace

int train_main(const CommandContext& context) {
  const Config& config = context.config;
  const World& world = context.world;
  const TrainConfig& t = config.train;
  const fs::path run = config.run.dir;
  const fs::path model_path = config.model.path;
  const Placement placement = stage_placement(config, world.info());
  const bool leader = world.rank() == 0;

  const GenerationSetup setup = generation_setup(config, placement);  // the tokenizer, too
  const LlmTextSide& text = setup.text;
  const TrainData data = train_data_load(config, placement, setup);
  TrainingEvaluator evaluator(config, world);  // checks the eval tasks before any training
  const Llm llm = with_context("loading " + model_path.string(),
                               [&] { return Llm::load(model_path, placement); });
  const GenEmbedderShape shape{t.num_tokens, t.num_compression_tokens, llm.hparams().hidden_size,
                               data.teacher_size};
  const bool nccl = config.dist.backend == "nccl" ||
                    (config.dist.backend == "auto" && placement.device.is_cuda());
  const std::unique_ptr<Communicator> communicator =
      nccl ? world.make_cuda_communicator(config.dist.timeout_s)
           : world.make_cpu_communicator(config.dist.timeout_s);
  if (leader)
    log_info(str_cat("train: ", data.examples.size(), " examples (", data.rows_read,
                     " cached rows; responses empty ", data.empty_responses,
                     ", cut by max_new_tokens ", data.truncated_responses, ", skipped ",
                     data.skipped, "; queries truncated ", data.truncated_queries, "), ",
                     world.size(), " rank(s) on ", placement.describe(), ", gradients over ",
                     communicator->backend()));

  Checkpoint identity;  // what every checkpoint of this run records besides the tensors
  identity.config_toml = config_to_toml(config);
  identity.data_fingerprint = data.fingerprint;
  identity.model_identity = setup.model_id;
  identity.model_path = model_path.string();
  identity.num_tokens = shape.num_tokens;
  identity.num_compression_tokens = shape.num_compression_tokens;
  identity.hidden_size = shape.hidden_size;
  identity.teacher_size = shape.teacher_size;
  identity.global_batch_size = t.global_batch_size;
  identity.seed = config.run.seed;

  const CheckpointDir checkpoints(run / "checkpoints");
  std::optional<Checkpoint> resumed;
  if (context.has_flag("--force") && leader) {  // start over: nothing of the old run may mix in
    fs::remove_all(checkpoints.dir());
    fs::remove(run / "metrics.jsonl");
    fs::remove(run / "embedder.h5");
    TrainingEvaluator::forget(run);
  }
  evaluator.restore_best();
  if (!context.has_flag("--force"))
    resumed = checkpoints.load_newest([&](const std::string& why) {
      if (leader) log_warn(why);
    });
  GenEmbedder embedder =
      GenEmbedder::initialise(llm, shape, reference_tokenizer_size(*text.tokenizer),
                              static_cast<uint64_t>(config.run.seed));
  AdamW optimizer(embedder.flat(), {t.adam_beta1, t.adam_beta2, t.adam_eps, t.weight_decay});
  int64_t step = 0;
  if (resumed) {
    check_resumable(*resumed, identity, checkpoints.file_for(resumed->step));
    embedder = GenEmbedder::from_flat(shape, flat_of(shape, resumed->parameters, "checkpoint"),
                                      placement.device);
    optimizer = AdamW(embedder.flat(), {t.adam_beta1, t.adam_beta2, t.adam_eps, t.weight_decay});
    optimizer.restore(flat_of(shape, resumed->adam_m, "checkpoint").to(placement.device),
                      flat_of(shape, resumed->adam_v, "checkpoint").to(placement.device),
                      resumed->step);
    step = resumed->step;
    if (leader)
      log_info(str_cat("train: resuming from ", checkpoints.file_for(step).string(), " (step ",
                       step, ")"));
  }
  auto save = [&](const char* why) {
    if (!leader) return;
    Checkpoint c = identity;
    c.step = step;
    c.parameters = tensors_of(shape, embedder.flat());
    c.adam_m = tensors_of(shape, optimizer.m());
    c.adam_v = tensors_of(shape, optimizer.v());
    checkpoints.save(c, t.keep_checkpoints, t.keep_every);
    log_info(str_cat("train: checkpoint ", checkpoints.file_for(step).string(), " (", why, ")"));
  };
  auto exported = [&] {
    Checkpoint c = identity;
    c.step = step;
    c.parameters = tensors_of(shape, embedder.flat());
    return c;
  };
  auto export_embedder = [&] {
    if (!leader) return;
    checkpoint_write(run / "embedder.h5", exported());
    log_info(str_cat("train: the trained embedder is in ", (run / "embedder.h5").string()));
  };
  if (step >= t.max_steps) {
    if (leader)
      log_info(str_cat("train: already trained to step ", step, " (--force starts over)"));
    if (!fs::exists(run / "embedder.h5")) export_embedder();
    return 0;
  }

  const double peak_gflops = measure_peak_gflops(placement);
  if (leader)
    log_info(str_cat("train: measured matmul peak ", static_cast<int64_t>(peak_gflops),
                     " GFLOP/s per rank (flop_utilisation in metrics.jsonl is relative to it)"));
  std::ofstream metrics;
  if (leader) metrics = open_metrics(run / "metrics.jsonl", step);
  // FLOPs per token of the frozen LLM's matmuls (the LM head apart: it runs on targets only).
  const LlmHparams& h = llm.hparams();
  const double layer_flops =
      2.0 * h.num_layers *
      (h.hidden_size * (h.num_heads + 2 * h.num_kv_heads) * h.head_dim +
       h.num_heads * h.head_dim * h.hidden_size + 3.0 * h.hidden_size * h.intermediate_size);
  const double head_flops = 2.0 * h.vocab_size * h.hidden_size;

  BatchOrder order(static_cast<int64_t>(data.examples.size()), t.global_batch_size,
                   static_cast<uint64_t>(config.run.seed));
  const int64_t numel = embedder.flat().numel();
  StopSignals signals;
  FaultKillSwitch kill_switch("GENVEC_FAULT_KILL_AFTER_STEPS");
  FaultKillSwitch term_switch("GENVEC_FAULT_TERM_AFTER_STEPS", SIGTERM);
  // Fault injection for the tests: rank 0's reconstruction loss turns NaN at one step; the last
  // rank's parameters drift from the others' after one step.
  auto fault_step = [](const char* variable, bool here) -> int64_t {
    const char* value = std::getenv(variable);
    return value && here ? std::atoll(value) : -1;
  };
  const int64_t nan_step = fault_step("GENVEC_FAULT_NAN_AT_STEP", leader);
  const int64_t drift_step =
      fault_step("GENVEC_FAULT_DRIFT_AT_STEP", world.rank() == world.size() - 1 && !leader);
  // Every rank has agreed that a stop signal arrived: the state is saved and the run ends.
  auto stop = [&] {
    log_stop_reason("train", world.rank());
    save("stop signal");
    if (leader)
      log_warn(str_cat("train: stopped by a signal at step ", step,
                       "; rerun the same command to resume (exit code ", kExitPreempted, ")"));
    return kExitPreempted;
  };
  // A run killed between a checkpoint and its evaluation evaluates that step on resuming.
  if (resumed && evaluator.due(step, t.max_steps) && !evaluator.evaluated(step) &&
      !evaluator.evaluate_step(step, llm, *text.tokenizer, embedder, metrics, exported))
    return stop();
  const auto run_start = std::chrono::steady_clock::now();
  const int64_t first_step = step;
  while (step < t.max_steps) {
    const auto step_start = std::chrono::steady_clock::now();
    const std::vector<int64_t> batch = order.global_batch(step);
    int64_t global_targets = 0, query_tokens = 0;
    for (int64_t example : batch) {
      global_targets += static_cast<int64_t>(data.examples[example].response.size());
      query_tokens += static_cast<int64_t>(data.examples[example].query.size());
    }
    const std::vector<int64_t> share = sorted_by_length(
        rank_share(batch, data.work, world.rank(), world.size()), data.decoder_length);
    const double recon_scale = t.recon_weight / static_cast<double>(global_targets);
    const double align_scale =
        t.align_weight / static_cast<double>(t.global_batch_size * shape.teacher_size);
    double recon_sum = 0, align_sum = 0;
    std::string nonfinite;  // which of this rank's losses was not finite
    if (embedder.flat().grad().defined()) embedder.flat().mutable_grad().zero_();
    for (const std::vector<int64_t>& micro :
         micro_batches(share, data.decoder_length, t.micro_batch_tokens, t.micro_batch_rows)) {
      std::vector<const TrainExample*> rows;
      for (int64_t example : micro) rows.push_back(&data.examples[example]);
      ObjectiveSums sums = objective_sums(llm, embedder, rows, t.prefix_shortcut);
      if (step + 1 == nan_step) sums.recon = sums.recon * std::nan("");
      const double recon = sums.recon.item<double>(), align = sums.align.item<double>();
      if (!std::isfinite(recon)) nonfinite = "L_recon";
      if (!std::isfinite(align)) nonfinite = "L_align";
      recon_sum += recon;
      align_sum += align;
      (sums.recon * recon_scale + sums.align * align_scale).backward();
    }
    // One all-reduce: the gradient, then the loss sums and the flags every rank must agree on.
    at::Tensor gradient = embedder.flat().grad().defined()
                              ? embedder.flat().grad().detach()
                              : at::zeros_like(embedder.flat().detach());
    if (nonfinite.empty() && !at::isfinite(gradient).all().item<bool>()) nonfinite = "gradient";
    at::Tensor buffer =
        at::cat({gradient,
                 at::tensor({static_cast<float>(recon_sum), static_cast<float>(align_sum),
                             nonfinite.empty() ? 0.0f : 1.0f, stop_signal_received() ? 1.0f : 0.0f},
                            at::TensorOptions(placement.device).dtype(at::kFloat))});
    communicator->all_reduce(buffer, ReduceOp::sum);
    const at::Tensor totals = buffer.narrow(0, numel, 4).to(at::kCPU, at::kDouble);
    const double* total = totals.data_ptr<double>();
    if (total[2] > 0)
      throw Error(nonfinite.empty() ? str_cat("step ", step + 1,
                                              ": a loss or the gradient is not finite on "
                                              "another rank (its log names it)")
                                    : str_cat("step ", step + 1, ": ", nonfinite,
                                              " is not finite on rank ", world.rank()),
                  "the last good checkpoint is kept; lower train.lr or check the caches, then "
                  "rerun to resume from it");
    at::Tensor summed = buffer.narrow(0, 0, numel);
    const double grad_norm = clip_gradient_norm(summed, t.grad_clip);
    const double lr = linear_schedule_lr(t.lr, step, t.warmup_steps, t.schedule_steps);
    at::Tensor parameters = embedder.flat().detach();
    optimizer.step(parameters, summed, lr);
    ++step;
    if (step == drift_step) parameters.add_(1e-3);

    const double recon_loss = total[0] / global_targets;
    const double align_loss = total[1] / (t.global_batch_size * shape.teacher_size);
    const double loss = t.recon_weight * recon_loss + t.align_weight * align_loss;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    if (step % t.check_every == 0 && world.size() > 1) {
      at::Tensor sums = embedder.flat().detach().to(at::kDouble).sum().reshape({1});
      at::Tensor high = sums.clone(), low = sums.clone();
      communicator->all_reduce(high, ReduceOp::max);
      communicator->all_reduce(low, ReduceOp::min);
      if (!high.equal(low))
        throw DistError(str_cat("step ", step, ": the ranks' parameters diverged (checksums ",
                                low.item<double>(), " .. ", high.item<double>(), ")"),
                        "a rank computed differently (hardware or library mismatch); resume "
                        "from the last checkpoint");
    }
    if (leader && (step % t.log_every == 0 || step == first_step + 1 || step == t.max_steps)) {
      const int64_t tokens =
          query_tokens + global_targets +
          (shape.num_tokens + shape.num_compression_tokens) * t.global_batch_size;
      // The prefix runs forward only; the N special positions and the decoder (K prompts +
      // targets) forward and backward to their inputs (the frozen weights get no gradient), so
      // twice; the LM head on the targets forward and backward.
      const int64_t backward_tokens =
          (shape.num_tokens + shape.num_compression_tokens) * t.global_batch_size + global_targets;
      const double flops =
          layer_flops * (query_tokens + 2.0 * backward_tokens) + 2.0 * head_flops * global_targets;
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
      const double eta = elapsed / (step - first_step) * (t.max_steps - step);
      metrics << "{\"step\": " << step;
      for (const auto& [name, value] : std::initializer_list<std::pair<const char*, double>>{
               {"loss", loss},
               {"loss_recon", recon_loss},
               {"loss_align", align_loss},
               {"grad_norm", grad_norm},
               {"lr", lr},
               {"ms_per_step", seconds * 1000},
               {"tokens_per_s", tokens / seconds},
               {"samples_per_s", t.global_batch_size / seconds},
               {"flop_utilisation", flops / seconds / (peak_gflops * 1e9 * world.size())},
               {"peak_rss_mib", peak_rss_mib()}})
        metrics << ", " << json_quote(name) << ": " << json_number(value);
      metrics << "}\n";
      metrics.flush();
      log_info(str_cat("train: step ", step, "/", t.max_steps, "  loss ", loss, " (recon ",
                       recon_loss, ", align ", align_loss, ")  lr ", lr, "  ",
                       static_cast<int64_t>(tokens / seconds), " tokens/s  ETA ",
                       static_cast<int64_t>(eta), " s"));
    }
    if (total[3] > 0) return stop();
    if (step % t.checkpoint_every == 0 || step == t.max_steps) save("scheduled");
    if (evaluator.due(step, t.max_steps) &&
        !evaluator.evaluate_step(step, llm, *text.tokenizer, embedder, metrics, exported))
      return stop();
    kill_switch.after_commit();
    term_switch.after_commit();
  }
  export_embedder();
  return 0;
}

}  // namespace genvec
