// Runs one command inside the MPI world: bootstrap, config, logging, threads, then the command
// itself under the error guard that turns an exception on any rank into a whole-job abort.
#pragma once

#include <functional>
#include <string_view>

#include "launcher/cli.h"

namespace genvec {

class World;

// Exit codes: 0 success, 1 error, 2 bad command line or config (75, preempted: stages/command.h).
enum ExitCode : int { kExitOk = 0, kExitError = 1, kExitUsage = 2 };

// True unless the launcher's environment (Open MPI, PMIx, Slurm) says this is not rank 0; used to
// print help and usage errors once before MPI starts.
bool launcher_is_first_rank();

// Prints "genvec: error: ..." and the hint to stderr (for errors before MPI starts).
void launcher_print_error(const std::exception& error);

// Runs body. An exception escaping it is logged with rank, host and hint; then with more than
// one rank the whole world is aborted (no peer is left waiting), alone its exit code returned.
int launcher_guard(const World& world, std::string_view command, const std::function<int()>& body);

// MPI bootstrap, config, logging and threads, then the command under launcher_guard.
int launcher_run(const CommandLine& command_line, int* argc, char*** argv);

}  // namespace genvec
