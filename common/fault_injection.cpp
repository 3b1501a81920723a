// Fault injection: see fault_injection.h.
#include "common/fault_injection.h"

#include <cstdlib>

namespace genvec {

FaultKillSwitch::FaultKillSwitch(const char* variable, int signal) : signal_(signal) {
  if (const char* after = std::getenv(variable)) chunks_left_ = std::atoll(after);
}

void FaultKillSwitch::after_commit() {
  if (chunks_left_ > 0 && --chunks_left_ == 0) std::raise(signal_);
}

}  // namespace genvec
