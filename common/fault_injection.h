// Fault injection for the resume and stop tests, torch-free so every stage and library can use
// it.
#pragma once

#include <csignal>
#include <cstdint>

namespace genvec {

// With the environment variable `variable` set to N (GENVEC_FAULT_KILL_AFTER_CHUNKS for the data
// stages and encode, GENVEC_FAULT_KILL_AFTER_STEPS for training) the process kills itself with
// SIGKILL, as a preempted job would be killed, after committing its N-th chunk or step; `signal`
// instead of SIGKILL delivers another signal there (GENVEC_FAULT_TERM_AFTER_STEPS: a SIGTERM, as
// Slurm sends at preemption; GENVEC_FAULT_STOP_AFTER_CHUNKS: a SIGUSR1, Slurm's warning signal,
// after a chunk that encode wrote or that eval embedded).
class FaultKillSwitch {
 public:
  explicit FaultKillSwitch(const char* variable = "GENVEC_FAULT_KILL_AFTER_CHUNKS",
                           int signal = SIGKILL);
  void after_commit();

 private:
  int64_t chunks_left_ = -1;
  int signal_;
};

}  // namespace genvec
