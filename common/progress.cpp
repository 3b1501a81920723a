// Whole-stage progress on rank 0: see progress.h.
#include "common/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/config.h"

namespace genvec {

namespace {

// Set by mpirun (Open MPI), PMIx and PMI launchers, and srun in every task it starts.
bool under_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_STEP_ID"})
    if (std::getenv(name)) return true;
  return false;
}

std::string duration_text(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  return text;
}

}  // namespace

ProgressStyle progress_style(const LogConfig& log) {
  const bool bar = log.progress == "bar" ||
                   (log.progress == "auto" && isatty(STDOUT_FILENO) && !under_launcher());
  return {bar, log.progress_every_s};
}

Progress::Progress(std::string what, int64_t total, int64_t already_done, ProgressStyle style,
                   std::string unit)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      start_done_(already_done),
      style_(style),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

bool Progress::due() const {
  const double every = style_.bar ? 1.0 : style_.every_s;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_draw_).count() >=
         every;
}

void Progress::update(int64_t done, int64_t units) {
  if (!due()) return;
  last_draw_ = std::chrono::steady_clock::now();
  draw(done, units);
}

void Progress::finish(int64_t done, int64_t units) {
  draw(done, units);
  if (style_.bar) std::printf("\n");
  std::fflush(stdout);
}

void Progress::draw(int64_t done, int64_t units) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = (done - start_done_) / std::max(seconds, 1e-9);
  char unit_rate[96] = "";
  if (!unit_.empty())
    std::snprintf(unit_rate, sizeof unit_rate, ", %.1f %s/s", units / std::max(seconds, 1e-9),
                  unit_.c_str());
  const double fraction = total_ > 0 ? static_cast<double>(done) / total_ : 1.0;
  const std::string eta =
      rate > 0 && done < total_ ? duration_text((total_ - done) / rate) : std::string("-");
  if (style_.bar) {
    constexpr int kWidth = 30;
    std::string bar(kWidth, '.');
    for (int i = 0; i < static_cast<int>(fraction * kWidth) && i < kWidth; ++i) bar[i] = '#';
    std::printf("\r%s [%s] %lld/%lld %.1f%% | %.2f/s%s | ETA %s   ", what_.c_str(), bar.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), 100 * fraction, rate,
                unit_rate, eta.c_str());
  } else {
    std::printf("[progress] %s %lld/%lld (%.1f%%), %.2f/s%s, elapsed %s, ETA %s\n", what_.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), 100 * fraction, rate,
                unit_rate, duration_text(seconds).c_str(), eta.c_str());
  }
  std::fflush(stdout);
}

}  // namespace genvec
