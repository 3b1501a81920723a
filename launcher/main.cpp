// genvec's entry point: parse the command line, answer --help, then run the command in the MPI
// world (launcher/run.cpp). All logic lives in the libraries the tests link against.
#include <chrono>
#include <iostream>
#include <thread>

#include "common/blas_kernels.h"
#include "common/errors.h"
#include "common/version.h"
#include "launcher/cli.h"
#include "launcher/run.h"

namespace {

// Exits that happen before MPI starts, where only the first rank speaks: the others wait a
// moment first, so that under srun --kill-on-bad-exit their exit cannot end the step before the
// first rank has said why.
int exit_before_mpi(int code) {
  if (!genvec::launcher_is_first_rank()) std::this_thread::sleep_for(std::chrono::seconds(1));
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace genvec;
  CommandLine command_line;
  try {
    command_line = cli_parse(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    if (launcher_is_first_rank()) launcher_print_error(e);
    return exit_before_mpi(kExitUsage);
  }
  if (command_line.help) {
    if (launcher_is_first_rank())
      std::cout << (command_line.command ? cli_command_help(*command_line.command)
                                         : cli_tool_help());
    return kExitOk;
  }
  // Only once the command will run: help and usage errors need no BLAS.
  blas_select_kernels(argv);
  return launcher_run(command_line, &argc, &argv);
}
