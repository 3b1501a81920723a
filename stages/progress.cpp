// Whole-stage progress on rank 0: see progress.h.
#include "stages/progress.h"

#include <unistd.h>

#include <cstdio>

namespace genvec {

namespace {

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

Progress::Progress(std::string what, int64_t total, int64_t already_done, std::string unit)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      start_done_(already_done),
      terminal_(isatty(STDOUT_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

bool Progress::due() const {
  const auto every = terminal_ ? std::chrono::seconds(1) : std::chrono::seconds(30);
  return std::chrono::steady_clock::now() - last_draw_ >= every;
}

void Progress::update(int64_t done, int64_t units) {
  if (!due()) return;
  last_draw_ = std::chrono::steady_clock::now();
  draw(done, units);
}

void Progress::finish(int64_t done, int64_t units) {
  draw(done, units);
  if (terminal_) std::printf("\n");
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
  if (terminal_) {
    constexpr int kWidth = 30;
    std::string bar(kWidth, '.');
    for (int i = 0; i < static_cast<int>(fraction * kWidth) && i < kWidth; ++i) bar[i] = '#';
    std::printf("\r%s [%s] %lld/%lld %.1f%% | %.2f/s%s | ETA %s   ", what_.c_str(), bar.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), 100 * fraction, rate,
                unit_rate, eta.c_str());
  } else {
    std::printf("[progress] %s %lld/%lld (%.1f%%), %.2f/s%s, elapsed %s, ETA %s\n",
                what_.c_str(), static_cast<long long>(done), static_cast<long long>(total_),
                100 * fraction, rate, unit_rate, duration_text(seconds).c_str(), eta.c_str());
  }
  std::fflush(stdout);
}

}  // namespace genvec
