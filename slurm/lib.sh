# shellcheck shell=bash
# What genvec's Slurm job scripts share (sourced by slurm/train.sh and slurm/stage.sh, from the
# repository root): how a stage is launched, how a stop signal reaches it, when the job requeues
# itself, and the job's logs.
#
# Signals. Slurm sends the batch script the warning signal of `--signal=B:USR1@LEAD` LEAD seconds
# before the time limit, and `scancel --signal=USR1 --batch` sends it on demand (a preemption
# notice). Bash runs a trap only between commands, so each stage runs in the background and the
# trap forwards the signal to it (srun passes it to every task; mpirun forwards USR1 and USR2,
# while it turns a SIGTERM into a kill after a second). genvec saves the batch or step in flight
# and exits with 75; the script then requeues the job (`scontrol requeue`), and the requeued job
# runs the same stages again: finished ones skip, the stopped one resumes.
# SIGTERM (scancel without --signal, a node shutting down, the time limit reached without a
# warning signal, preemption with PreemptMode=CANCEL|REQUEUE) reaches every task from slurmd too;
# the stage saves its state the same way, but the script does not requeue: a user's scancel means
# stop, and Slurm requeues a job it preempts or loses a node under itself (--requeue).
#
# Environment knobs (export them before sbatch; sbatch passes the environment on):
#   GENVEC               the binary (default build/launcher/genvec)
#   GENVEC_LAUNCHER      srun (default where Slurm has PMIx: srun --mpi=pmix) or mpirun
#   GENVEC_MAX_REQUEUES  how often a stopped job requeues itself (default 20)
#   GENVEC_MAX_RETRIES   how often a job whose stage failed is requeued (default 1): a node that
#                        died may be a fluke; a failure that repeats is not retried again
#
# Logs: RUN/logs/slurm/job-<JOBID>-restart-<N>/ (array tasks: job-<ARRAYJOB>_<TASK>-...) holds
# each stage's output (<stage>.log) and summary.txt; the job's own output gets the stages' output
# too and ends with the same one-line summary.

genvec=${GENVEC:-build/launcher/genvec}
job_config=""
job_args=()
job_run_dir=""
job_log_dir=""
job_failures=""  # the file counting this job's failed stages over its restarts
job_stages=()    # "<stage> ok 12s" (or stopped, FAILED) for the summary line
stop_signal=""
step_pid=""

# genvec_job_start CONFIG [genvec options...]: checks the binary, finds the run folder, makes the
# job's log folder and installs the signal traps.
genvec_job_start() {
  job_config=$1
  shift
  job_args=("$@")
  [ -x "$genvec" ] || {
    echo "genvec: not found at $genvec: run scripts/build.sh in $(pwd), or set GENVEC" >&2
    exit 1
  }
  [ -f "$job_config" ] || { echo "genvec: no config file $job_config (in $(pwd))" >&2; exit 1; }
  local run_dir restart id
  run_dir=$(genvec_config_get run.dir) ||
    { echo "genvec: the config $job_config does not load (see above)" >&2; exit 2; }
  restart=${SLURM_RESTART_COUNT:-0}
  id=${SLURM_JOB_ID:-local}
  [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && id=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
  job_log_dir=$run_dir/logs/slurm/job-$id-restart-$restart
  job_failures=$run_dir/logs/slurm/job-$id.failures
  mkdir -p "$job_log_dir"
  job_run_dir=$run_dir
  trap 'genvec_on_signal USR1' USR1
  trap 'genvec_on_signal USR2' USR2
  trap 'genvec_on_signal TERM' TERM
  echo "genvec: job $id, restart $restart, config $job_config, run $run_dir, logs $job_log_dir"
}

# genvec_config_get KEY: the job config's resolved value of KEY, with the job's --set overrides
# (the other options are the stages').
genvec_config_get() {
  local set_args=() i
  for ((i = 0; i < ${#job_args[@]}; i++)); do
    if [ "${job_args[$i]}" = --set ] && ((i + 1 < ${#job_args[@]})); then
      set_args+=(--set "${job_args[$((i + 1))]}")
    fi
  done
  "$genvec" config --config "$job_config" ${set_args[@]+"${set_args[@]}"} --get "$1"
}

genvec_on_signal() {
  [ -n "$stop_signal" ] || stop_signal=$1
  echo "genvec: received SIG$1 at $(date +%T); the running stage saves its work and stops"
  # TERM goes on as the step's own stop signal: mpirun would kill the ranks on a TERM.
  local forward=$1
  [ "$forward" = TERM ] && forward=USR1
  [ -n "$step_pid" ] && kill -s "$forward" "$step_pid" 2>/dev/null
  return 0
}

genvec_launcher() {
  local launcher=${GENVEC_LAUNCHER:-}
  if [ -z "$launcher" ]; then
    if srun --mpi=list 2>&1 | grep -q pmix; then launcher=srun; else launcher=mpirun; fi
  fi
  case $launcher in
    # --kill-on-bad-exit: a task that dies (out of memory, a node lost) ends the step at once,
    # as mpirun does, instead of leaving the other ranks waiting for it.
    srun) launch=(srun --mpi=pmix --kill-on-bad-exit=1) ;;
    # mpirun reads the allocation from Slurm itself: one rank per task.
    mpirun) launch=(mpirun -np "${SLURM_NTASKS:-1}") ;;
    *) echo "genvec: GENVEC_LAUNCHER=$launcher: use srun or mpirun" >&2; exit 2 ;;
  esac
}

# genvec_summary: the one line that says what this job did, in summary.txt and the job output.
genvec_summary() {
  local outcome=$1 stages="" entry line
  for entry in "${job_stages[@]}"; do stages+=${stages:+, }$entry; done
  line="genvec: job ${SLURM_JOB_ID:-local} restart ${SLURM_RESTART_COUNT:-0}: $outcome; stages: ${stages:-none}; checkpoints in $job_run_dir/checkpoints, results in $job_run_dir/eval, logs in $job_log_dir"
  echo "$line" | tee "$job_log_dir/summary.txt"
}

genvec_requeue() {
  if [ -z "${SLURM_JOB_ID:-}" ]; then
    genvec_summary "$1; not under Slurm: run the same command again to resume"
    exit 75
  fi
  genvec_summary "$1; requeued"
  scontrol requeue "$SLURM_JOB_ID"
  exit 0
}

# genvec_stage STAGE [stage options...]: runs `genvec STAGE --config CONFIG [options] [job
# options]` on every task. Returns when it succeeded; otherwise ends the job: requeued after a
# warning signal (or a retryable failure), stopped after a SIGTERM, failed for good past the
# retries.
genvec_stage() {
  local stage=$1
  shift
  local log=$job_log_dir/$stage.log start=$SECONDS rc=0
  [ -n "$stop_signal" ] && genvec_stopped "$stage" 75 0
  genvec_launcher
  echo "genvec: $stage ($(date +%T)), log $log"
  # The stage's output goes to its log and to the job output; $! is the launcher itself.
  "${launch[@]}" "$genvec" "$stage" --config "$job_config" "$@" ${job_args[@]+"${job_args[@]}"} \
    > >(tee -a "$log") 2>&1 &
  step_pid=$!
  # wait returns early (above 128) when a trapped signal arrives: wait again until the step ends.
  while :; do
    wait "$step_pid" && rc=0 || rc=$?
    kill -0 "$step_pid" 2>/dev/null || break
  done
  step_pid=""
  local seconds=$((SECONDS - start))
  if [ "$rc" = 0 ] && [ -z "$stop_signal" ]; then
    job_stages+=("$stage ok ${seconds}s")
    return 0
  fi
  # A stage that stopped on a signal (75), or one killed by it before it could (shard, doctor).
  if [ "$rc" = 75 ] || [ -n "$stop_signal" ]; then genvec_stopped "$stage" "$rc" "$seconds"; fi
  genvec_failed "$stage" "$rc" "$seconds" "$log"
}

genvec_stopped() {
  local stage=$1 rc=$2 seconds=$3 requeues=${SLURM_RESTART_COUNT:-0}
  job_stages+=("$stage stopped ${seconds}s")
  local signal=${stop_signal:-a signal to its tasks}
  [ -n "$stop_signal" ] && signal=SIG$stop_signal
  if [ "$stop_signal" = TERM ]; then
    genvec_summary "stopped by $signal during $stage, its state saved; not requeued by this \
script (Slurm requeues a job it preempts; after a scancel submit the same command to resume)"
    exit 75
  fi
  if ((requeues >= ${GENVEC_MAX_REQUEUES:-20})); then
    genvec_summary "stopped by $signal during $stage after $requeues requeues \
(GENVEC_MAX_REQUEUES); submit the same command to resume"
    exit 75
  fi
  genvec_requeue "stopped by $signal during $stage (exit $rc), its state saved"
}

genvec_failed() {
  local stage=$1 rc=$2 seconds=$3 log=$4
  job_stages+=("$stage FAILED (exit $rc) ${seconds}s")
  # Failures are counted per job over its restarts: the bound holds however often it requeues.
  local failures=0
  [ -f "$job_failures" ] && failures=$(cat "$job_failures")
  failures=$((failures + 1))
  echo "$failures" > "$job_failures"
  if [ "$rc" = 2 ]; then  # a usage or config error: the same command fails the same way
    genvec_summary "FAILED: $stage stopped on a config or usage error (exit 2); not requeued; \
fix it and resubmit; its log: $log"
    exit 2
  fi
  if ((failures > ${GENVEC_MAX_RETRIES:-1})); then
    genvec_summary "FAILED: $stage exited with $rc ($failures failures, GENVEC_MAX_RETRIES=\
${GENVEC_MAX_RETRIES:-1}); not requeued again; its log: $log"
    exit 1
  fi
  genvec_requeue "$stage failed (exit $rc; retry $failures of ${GENVEC_MAX_RETRIES:-1}; its log: $log)"
}
