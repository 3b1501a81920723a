# Sourced by the shell tests: skip_test REASON skips (exit 77, which CTest counts as skipped) and
# says why, unless GENVEC_STRICT_TESTS=1 (CI, `scripts/test.sh --strict`): then a missing model,
# data set or service is a failure, so it cannot shrink a test run into a green one. Only a test
# that needs hardware the machine lacks (a GPU) may skip there: skip_test_hardware.
skip_test() {
  if [ "${GENVEC_STRICT_TESTS:-0}" = 1 ]; then
    echo "FAILED: $* (GENVEC_STRICT_TESTS=1: only a missing GPU may skip a test)"
    exit 1
  fi
  echo "SKIPPED: $*"
  exit 77
}
skip_test_hardware() {
  echo "SKIPPED: $*"
  exit 77
}
