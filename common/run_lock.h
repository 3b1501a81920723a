// One job at a time per run directory: the stages that write RUN/ hold RUN/genvec.lock, a file
// naming the holder (host, pid, Slurm job id). A second job on the same run directory stops at
// once with an error naming the holder, instead of two jobs writing the same caches. A lock left
// by a process that died (kill -9, a node crash) is taken over, with a warning, when that is
// certain: the holder ran on this host and its pid is gone, or it belongs to this very Slurm job
// (a requeued job keeps its id). A lock from another host is never guessed stale: the error says
// which file to remove once that job is known to be gone. Torch-free.
#pragma once

#include <filesystem>
#include <string>

namespace genvec {

class RunLock {
 public:
  // Takes the lock of `run_dir` (created if missing); throws ConfigError naming the holder.
  // `name`: the lock file; a job that works on one part of the run (a generation job array's
  // task, on its shard) takes a lock of its own for that part.
  explicit RunLock(const std::filesystem::path& run_dir, const std::string& name = "genvec.lock");
  // Removes the lock file if it is still this process's.
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  std::filesystem::path file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::string content_;  // what this process wrote into it
};

}  // namespace genvec
