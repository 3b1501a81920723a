// genvec's entry point: parse the command line, answer --help, then run the command in the MPI
// world (launcher/run.cpp). All logic lives in the libraries the tests link against.
#include <iostream>

#include "common/errors.h"
#include "common/version.h"
#include "common/blas_kernels.h"
#include "launcher/cli.h"
#include "launcher/run.h"

int main(int argc, char** argv) {
  using namespace genvec;
  blas_select_kernels(argv);
  CommandLine command_line;
  try {
    command_line = cli_parse(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    if (launcher_is_first_rank()) launcher_print_error(e);
    return kExitUsage;
  }
  if (command_line.help) {
    if (launcher_is_first_rank())
      std::cout << (command_line.command ? cli_command_help(*command_line.command)
                                         : cli_tool_help());
    return kExitOk;
  }
  if (!command_line.command->main) {
    if (launcher_is_first_rank())
      std::cerr << "genvec " << command_line.command->name << ": not built yet in genvec "
                << genvec_version() << " (" << genvec_git_revision()
                << "); nothing was run.\n---> HINT: `genvec --help` marks the commands this "
                   "version has\n";
    return kExitNotBuilt;
  }
  return launcher_run(command_line, &argc, &argv);
}
