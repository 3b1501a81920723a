// Stop signals: see stop_signal.h.
#include "common/stop_signal.h"

#include <atomic>

#include "common/log.h"

namespace genvec {
namespace {

std::atomic<int> g_stop_signal{0};

// Async-signal-safe: one lock-free store, and only the first signal is kept (it names the cause).
extern "C" void on_stop_signal(int signal) {
  int none = 0;
  g_stop_signal.compare_exchange_strong(none, signal);
}

}  // namespace

StopSignals::StopSignals() {
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a read or write the signal interrupts continues, so no file operation fails
  // with EINTR because a stop was asked for.
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &old_term_);
  sigaction(SIGUSR1, &action, &old_usr1_);
  sigaction(SIGUSR2, &action, &old_usr2_);
}

StopSignals::~StopSignals() {
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGUSR1, &old_usr1_, nullptr);
  sigaction(SIGUSR2, &old_usr2_, nullptr);
}

int stop_signal_received() { return g_stop_signal.load(); }

std::string stop_signal_name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    default:
      return "signal " + std::to_string(signal);
  }
}

void log_stop_reason(const std::string& stage, int rank) {
  const int signal = stop_signal_received();
  log_warn(signal ? str_cat(stage, ": rank ", rank, " received ", stop_signal_name(signal),
                            ": stopping after the work in flight is saved")
                  : str_cat(stage, ": rank ", rank,
                            " stops with the others: another rank received a stop signal"));
}

}  // namespace genvec
