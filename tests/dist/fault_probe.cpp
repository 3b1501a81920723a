// A two-rank job where one rank fails, run through the launcher's own error guard: the test
// (tests/CMakeLists.txt) checks the whole job exits non-zero within seconds, never hangs.
//   fault_probe throw: rank 1 throws while rank 0 waits in an all-reduce (600 s time-out), so
//                      only the abort of the whole world can end rank 0's wait.
//   fault_probe hang:  rank 1 stops talking; rank 0's all-reduce times out after 2 s.
#include <chrono>
#include <string>
#include <thread>

#include <ATen/ATen.h>

#include "common/errors.h"
#include "common/log.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "launcher/run.h"

int main(int argc, char** argv) {
  using namespace genvec;
  World world(&argc, &argv);
  log_init(world.rank(), "info", nullptr);
  const std::string mode = argc > 1 ? argv[1] : "";
  return launcher_guard(world, "fault-probe " + mode, [&] {
    if (mode != "throw" && mode != "hang") throw ConfigError("usage: fault_probe throw|hang");
    auto comm = world.make_cpu_communicator(mode == "hang" ? 2.0 : 600.0);
    if (world.rank() == 1) {
      if (mode == "throw") throw IoError("injected failure on rank 1", "expected by the test");
      std::this_thread::sleep_for(std::chrono::minutes(5));
    }
    at::Tensor tensor = at::ones({4});
    comm->all_reduce(tensor, ReduceOp::sum);
    return 0;
  });
}
