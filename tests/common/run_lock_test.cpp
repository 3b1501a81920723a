// The run directory lock: a second holder is refused with the holder's host and pid; released on
// destruction; a lock of a dead process on this host, an empty one, or one of this same Slurm job
// (a requeue) is taken over; one from another host is never guessed stale.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/errors.h"
#include "common/run_lock.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

std::string host() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

class RunLockTest : public testing::Test {
 protected:
  void SetUp() override {
    run_ = fs::temp_directory_path() / ("genvec-lock-" + std::to_string(getpid()));
    fs::remove_all(run_);
    unsetenv("SLURM_JOB_ID");
  }
  void TearDown() override {
    fs::remove_all(run_);
    unsetenv("SLURM_JOB_ID");
  }
  void plant(const std::string& text) {
    fs::create_directories(run_);
    std::ofstream(run_ / "genvec.lock") << text;
  }
  fs::path run_;
};

TEST_F(RunLockTest, SecondHolderIsRefusedNamingTheFirst) {
  {
    const RunLock lock(run_);
    ASSERT_TRUE(fs::exists(run_ / "genvec.lock"));
    try {
      const RunLock second(run_);
      FAIL() << "two holders";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("another genvec job is using the run directory"), std::string::npos);
      EXPECT_NE(what.find("host=" + host() + " pid=" + std::to_string(getpid())),
                std::string::npos)
          << what;
      EXPECT_NE(e.hint().find("run.dir"), std::string::npos) << e.hint();
    }
    EXPECT_TRUE(fs::exists(run_ / "genvec.lock"));  // the refused one did not remove it
  }
  EXPECT_FALSE(fs::exists(run_ / "genvec.lock"));
  const RunLock again(run_);  // free again
}

TEST_F(RunLockTest, LockOfADeadProcessOnThisHostIsTakenOver) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // its pid is now free
  plant("host=" + host() + " pid=" + std::to_string(child) + " slurm_job=-\n");
  const RunLock lock(run_);
  std::string text;
  std::getline(std::ifstream(run_ / "genvec.lock"), text);
  EXPECT_NE(text.find("pid=" + std::to_string(getpid())), std::string::npos) << text;
}

// A killed MPI rank can linger as a zombie after mpirun returned: dead all the same.
TEST_F(RunLockTest, LockOfAZombieIsTakenOver) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  usleep(100'000);  // exited, not reaped: a zombie
  plant("host=" + host() + " pid=" + std::to_string(child) + " slurm_job=-\n");
  {
    const RunLock lock(run_);
  }
  waitpid(child, nullptr, 0);
}

TEST_F(RunLockTest, EmptyLockIsTakenOver) {
  plant("");
  const RunLock lock(run_);
}

TEST_F(RunLockTest, LockOfAnotherHostIsRefusedWithWhatToRemove) {
  plant("host=some-other-node pid=1 slurm_job=-\n");
  try {
    const RunLock lock(run_);
    FAIL() << "took another host's lock";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("host=some-other-node"), std::string::npos);
    EXPECT_NE(e.hint().find("remove " + (run_ / "genvec.lock").string()), std::string::npos)
        << e.hint();
  }
}

TEST_F(RunLockTest, ARequeuedSlurmJobTakesItsOwnLockOver) {
  plant("host=some-other-node pid=1 slurm_job=4242\n");
  setenv("SLURM_JOB_ID", "4243", 1);
  EXPECT_THROW(RunLock{run_}, ConfigError);
  setenv("SLURM_JOB_ID", "4242", 1);
  const RunLock lock(run_);
}

}  // namespace
}  // namespace genvec
