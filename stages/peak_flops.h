// The matmul peak of this rank's device, measured: `genvec doctor` reports it, and training's
// FLOP utilisation is relative to it (a measured peak, not a datasheet's).
#pragma once

#include "models/placement.h"

namespace genvec {

// Median GFLOP/s of a 1024x1024 matmul in the placement's dtype on its device over a few runs,
// on this rank's threads.
double measure_peak_gflops(const Placement& placement);

}  // namespace genvec
