// Rank 0's view of a whole stage's progress: rows done / total over all ranks, rows per second
// since the start (and, for stages that count one, a second unit per second: generated tokens),
// and an ETA. On a terminal it redraws one bar line; otherwise (a Slurm log) it writes a line
// every 30 seconds. Callers pass the global counts as often as they like; drawing is throttled.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace genvec {

class Progress {
 public:
  // `unit`: what the second count counts ("generated tokens"); empty for none.
  Progress(std::string what, int64_t total, int64_t already_done, std::string unit = {});
  // Whether update() would draw now: lets callers skip counting when it would not.
  bool due() const;
  // `units`: the second count, done by this run.
  void update(int64_t done, int64_t units = 0);
  void finish(int64_t done, int64_t units = 0);  // the last line (and a newline after a bar)

 private:
  void draw(int64_t done, int64_t units);

  std::string what_, unit_;
  int64_t total_, start_done_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace genvec
