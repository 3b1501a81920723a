// How a stage's progress is written: a log file under a launcher gets plain lines (rows, rate,
// ETA), never the carriage-return redraws of a bar; and a stop signal only sets the flag while a
// StopSignals lives.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <csignal>
#include <string>

#include "common/config.h"
#include "common/progress.h"
#include "common/stop_signal.h"

namespace genvec {
namespace {

LogConfig log_with(const std::string& progress) {
  LogConfig log;
  log.progress = progress;
  log.progress_every_s = 5;
  return log;
}

TEST(Progress, ExplicitStylesWin) {
  EXPECT_TRUE(progress_style(log_with("bar")).bar);
  EXPECT_FALSE(progress_style(log_with("lines")).bar);
  EXPECT_EQ(progress_style(log_with("lines")).every_s, 5);
}

// Open MPI gives every rank a pseudo-terminal even when mpirun's output goes to a file, so auto
// draws no bar under a launcher, terminal or not; nor where stdout is not a terminal (ctest).
TEST(Progress, AutoWritesLinesUnderALauncher) {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_STEP_ID"}) {
    setenv(variable, "2", 1);
    EXPECT_FALSE(progress_style(log_with("auto")).bar) << variable;
    unsetenv(variable);
  }
  EXPECT_FALSE(progress_style(log_with("auto")).bar) << "ctest's stdout is not a terminal";
}

TEST(Progress, LinesHoldRowsRateAndEtaWithoutCarriageReturns) {
  testing::internal::CaptureStdout();
  Progress progress("generate", 200, 50, ProgressStyle{false, 0.0}, "generated tokens");
  progress.update(100, 400);
  progress.finish(200, 800);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_NE(out.find("[progress] generate 100/200 (50.0%), "), std::string::npos) << out;
  EXPECT_NE(out.find("generated tokens/s, elapsed "), std::string::npos) << out;
  EXPECT_NE(out.find(", ETA "), std::string::npos) << out;
  EXPECT_NE(out.find("[progress] generate 200/200 (100.0%)"), std::string::npos) << out;
}

TEST(Progress, ABarRedrawsOneLine) {
  testing::internal::CaptureStdout();
  Progress progress("teacher", 10, 0, ProgressStyle{true, 30});
  progress.update(5);
  progress.finish(10);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out.rfind("\rteacher [", 0), 0u) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(StopSignals, SetTheFlagOnlyWhileInstalled) {
  ASSERT_EQ(stop_signal_received(), 0);
  {
    const StopSignals signals;
    std::raise(SIGUSR2);  // with the default action this would end the test binary
    EXPECT_EQ(stop_signal_received(), SIGUSR2);
    std::raise(SIGTERM);  // the first signal names the cause
    EXPECT_EQ(stop_signal_received(), SIGUSR2);
    EXPECT_EQ(stop_signal_name(SIGUSR2), "SIGUSR2");
  }
  struct sigaction now = {};
  sigaction(SIGUSR2, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL) << "the previous handler comes back";
}

}  // namespace
}  // namespace genvec
