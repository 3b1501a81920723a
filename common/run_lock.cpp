// The run directory lock: see run_lock.h.
#include "common/run_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/errors.h"
#include "common/host_name.h"
#include "common/log.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

std::string this_slurm_job() {
  const char* job = std::getenv("SLURM_JOB_ID");
  return job && *job ? job : "-";
}

// "host=H pid=P slurm_job=J"
struct Holder {
  std::string host, slurm_job;
  long pid = 0;
  std::string text;  // as found, for messages
};

Holder read_holder(const fs::path& file) {
  std::ifstream in(file);
  Holder holder;
  std::getline(in, holder.text);
  std::istringstream fields(holder.text);
  for (std::string field; fields >> field;) {
    const size_t equals = field.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = field.substr(0, equals), value = field.substr(equals + 1);
    if (key == "host") holder.host = value;
    if (key == "pid") holder.pid = std::atol(value.c_str());
    if (key == "slurm_job") holder.slurm_job = value;
  }
  return holder;
}

// A zombie (exited, not yet reaped: under a container's init that reaps late, a killed MPI rank
// stays one for a while) answers kill(pid, 0) but is dead.
bool process_alive(long pid) {
  if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: believe kill()
  const size_t name_end = line.rfind(')');    // the state follows the parenthesised name
  return name_end == std::string::npos || name_end + 2 >= line.size() ||
         (line[name_end + 2] != 'Z' && line[name_end + 2] != 'X');
}

// Creates the file only if it does not exist (O_EXCL), so of two jobs exactly one gets it.
bool create_exclusive(const fs::path& file, const std::string& content) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw IoError(
        file.string() + ": cannot create the run directory lock (" + std::strerror(errno) + ")",
        "check that the run directory is writable");
  }
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::fsync(fd);
  ::close(fd);
  if (!written) throw IoError(file.string() + ": cannot write the run directory lock");
  return true;
}

}  // namespace

RunLock::RunLock(const fs::path& run_dir, const std::string& name) : file_(run_dir / name) {
  std::error_code error;
  fs::create_directories(run_dir, error);
  content_ = "host=" + host_name() + " pid=" + std::to_string(::getpid()) +
             " slurm_job=" + this_slurm_job() + "\n";
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (create_exclusive(file_, content_)) return;
    const Holder holder = read_holder(file_);
    const bool same_host = holder.host == host_name();
    const bool dead_here = same_host && !process_alive(holder.pid);
    const bool same_slurm_job = holder.slurm_job != "-" && holder.slurm_job == this_slurm_job();
    if (holder.text.empty() || dead_here || same_slurm_job) {
      log_warn(file_.string() + " was left by a job that is gone (" +
               (holder.text.empty() ? std::string("empty") : holder.text) + "): taking it over");
      fs::remove(file_, error);
      continue;
    }
    throw ConfigError(
        "another genvec job is using the run directory " + run_dir.string() + ": " +
            file_.string() + " says " + holder.text,
        same_host ? "wait for process " + std::to_string(holder.pid) +
                        " to finish, or give this job its own run.dir"
                  : "wait for that job to finish, or give this job its own run.dir; if it is "
                    "gone (its node died), remove " +
                        file_.string());
  }
  throw ConfigError(file_.string() + " keeps reappearing: several jobs are starting on " +
                        run_dir.string() + " at once",
                    "run one job per run directory");
}

RunLock::~RunLock() {
  std::ifstream in(file_);
  std::string found((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (found == content_) {
    std::error_code ignored;
    fs::remove(file_, ignored);
  }
}

}  // namespace genvec
