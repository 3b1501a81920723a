// The matmul peak of this rank's device, measured: `genvec doctor` reports it, and training's
// FLOP utilisation is relative to it (a measured peak, not a datasheet's).
#pragma once

#include "models/placement.h"

namespace genvec {

// The best GFLOP/s of 20 runs of a 1024x1024 matmul in the placement's dtype on its device, on
// this rank's threads (the best, not the median: a run that another process or a frequency
// change slowed is not the device's peak, and utilisation against a low peak reads above 100%).
double measure_peak_gflops(const Placement& placement);

}  // namespace genvec
