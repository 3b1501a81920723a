// Rank 0's view of a whole stage's progress: rows done / total over all ranks, rows per second
// since the start (and, for stages that count one, a second unit per second: generated tokens),
// and an ETA. As a bar it redraws one line (a terminal); as lines it writes a plain line every
// log.progress_every_s seconds (a log file: no carriage returns). Callers pass the global counts
// as often as they like; drawing is throttled.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace genvec {

struct LogConfig;

struct ProgressStyle {
  bool bar = false;     // redraw one line; otherwise a line every every_s seconds
  double every_s = 30;  // between lines (a bar redraws every second)
};
// log.progress: "bar", "lines", or "auto": a bar only when stdout is a terminal and no launcher
// started this process. Open MPI gives every rank a pseudo-terminal even when mpirun's own
// output goes to a file, so under mpirun (and srun) isatty says nothing about where lines end up.
ProgressStyle progress_style(const LogConfig& log);

class Progress {
 public:
  // `unit`: what the second count counts ("generated tokens"); empty for none.
  Progress(std::string what, int64_t total, int64_t already_done, ProgressStyle style,
           std::string unit = {});
  // Whether update() would draw now: lets callers skip counting when it would not.
  bool due() const;
  // `units`: the second count, done by this run.
  void update(int64_t done, int64_t units = 0);
  void finish(int64_t done, int64_t units = 0);  // the last line (and a newline after a bar)

 private:
  void draw(int64_t done, int64_t units);

  std::string what_, unit_;
  int64_t total_, start_done_;
  ProgressStyle style_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace genvec
