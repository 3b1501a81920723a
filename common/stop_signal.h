// The signals that ask a running stage to stop cleanly: SIGTERM (scancel, Slurm's preemption and
// time limit, a node shutting down), SIGUSR1 and SIGUSR2 (sbatch --signal=B:USR1@lead, forwarded
// by slurm/train.sh; mpirun forwards both, while it turns SIGTERM into a kill after a second).
// While a StopSignals lives they only set a flag: the stage finishes the batch or step in flight,
// commits it, and exits with kExitPreempted ("rerun to resume"). Torch-free.
#pragma once

#include <csignal>
#include <string>

namespace genvec {

class StopSignals {
 public:
  StopSignals();  // installs the handlers (the previous ones come back at destruction)
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_term_ = {}, old_usr1_ = {}, old_usr2_ = {};
};

// The stop signal this process received (the first one), or 0.
int stop_signal_received();
// "SIGTERM", "SIGUSR1", "SIGUSR2", or "signal N".
std::string stop_signal_name(int signal);
// Logs on this rank why `stage` stops: the signal it received, or that another rank received
// one (the stages agree to stop together). Every rank's log says it, so a job log shows whether
// the signal reached every rank.
void log_stop_reason(const std::string& stage, int rank);

}  // namespace genvec
