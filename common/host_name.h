// This machine's host name, one spelling for everything that names or compares hosts: the MPI
// layout (dist/world) and the run directory lock (common/run_lock), whose holder check compares
// the two.
#pragma once

#include <unistd.h>

#include <string>

namespace genvec {

inline std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

}  // namespace genvec
