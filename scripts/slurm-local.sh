#!/usr/bin/env bash
# Bring up (or tear down) a single-node Slurm cluster on this host for genvec CI.
#
#   scripts/slurm-local.sh           install deps, start munged/slurmctld/slurmd, wait for node
#   scripts/slurm-local.sh --stop    stop the daemons that this script started
#
# Designed for throwaway CI hosts/containers without systemd: every daemon is
# started directly, nothing relies on cgroups, and the script is idempotent so
# CI can call it before every test run (a second call is a quick no-op).
#
# Environment knobs:
#   SLURM_CONF            slurm.conf path (default /etc/slurm/slurm.conf). Slurm's
#                         own clients honour the same variable, so pointing it
#                         elsewhere lets you avoid a foreign /etc/slurm/slurm.conf.
#   SLURM_LOCAL_TIMEOUT   seconds to wait for the node to become usable (default 60)
set -euo pipefail

MARKER='# written by genvec scripts/slurm-local.sh'
SLURM_CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
TIMEOUT=${SLURM_LOCAL_TIMEOUT:-60}
PARTITION=debug

# All runtime state lives in well-known places so --stop and re-runs find it.
STATE_DIR=/var/lib/slurm-genvec          # StateSaveLocation + SlurmdSpoolDir
LOG_DIR=/var/log/slurm-genvec            # daemon logs (+ their early stderr)
RUN_DIR=/run/slurm-genvec                # pid files + "we started it" markers
MUNGE_KEY=/etc/munge/munge.key
MUNGE_RUN=/run/munge                     # no systemd-tmpfiles here, so create it ourselves

log() { printf '[slurm-local] %s\n' "$*"; }
die() { printf '[slurm-local] ERROR: %s\n' "$*" >&2; exit 1; }

# Package installs and daemons need root; CI runners usually have passwordless sudo.
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "must run as root (sudo not available)"
    log "re-executing as root via sudo"
    exec sudo --preserve-env=SLURM_CONF,SLURM_LOCAL_TIMEOUT bash "$0" "$@"
fi

# proc_running PID: true if PID exists and is not a zombie. A crashed daemon is
# re-parented to PID 1, and a container's PID 1 may reap it only much later;
# until then kill -0 still succeeds, so look at the state in /proc/PID/stat.
proc_running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # the state letter follows "(comm) "
    [[ ${stat:0:1} != Z ]]
}

# pid_alive PIDFILE NAME: true if PIDFILE names a running process whose command is NAME.
# Checking the name guards against pid reuse after a reboot/crash left a stale file.
pid_alive() {
    local pidfile=$1 name=$2 pid
    [[ -r $pidfile ]] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid ]] && proc_running "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]
}

# stop_daemon NAME PIDFILE: SIGTERM one daemon by pid, wait for it, SIGKILL if it hangs.
stop_daemon() {
    local name=$1 pidfile=$2 pid i
    if ! pid_alive "$pidfile" "$name"; then
        log "$name: not running"
        rm -f "$RUN_DIR/$name.started"
        return 0
    fi
    pid=$(tr -dc '0-9' <"$pidfile")
    log "$name: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        proc_running "$pid" || break
        sleep 0.1
    done
    if proc_running "$pid"; then
        log "$name: did not exit after 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN_DIR/$name.started"
}

# Log tails to make a failed bring-up debuggable from the CI log alone.
dump_logs() {
    local f
    for f in "$LOG_DIR"/slurmctld.log "$LOG_DIR"/slurmd.log "$LOG_DIR"/*.stderr /var/log/munge/munged.log; do
        [[ -s $f ]] || continue
        printf '\n----- tail %s -----\n' "$f" >&2
        tail -n 25 "$f" >&2
    done
}

# ---------------------------------------------------------------- --stop
if [[ ${1:-} == --stop ]]; then
    # Only daemons carrying our "started" marker are stopped, so a Slurm/munge
    # that was already running before we were called is left alone.
    # slurmd first: it should not see slurmctld vanish under a running step.
    stopped=0
    for d in slurmd slurmctld munged; do
        [[ -e $RUN_DIR/$d.started ]] || continue
        case $d in
            munged) stop_daemon munged "$MUNGE_RUN/munged.pid" ;;
            *) stop_daemon "$d" "$RUN_DIR/$d.pid" ;;
        esac
        stopped=$((stopped + 1))
    done
    log "stopped $stopped daemon(s) started by this script"
    exit 0
elif [[ $# -gt 0 ]]; then
    die "usage: $0 [--stop]"
fi

t_start=$(date +%s)

# ---------------------------------------------------------------- packages
# Query dpkg first so the common case (everything present) never touches the network.
# libpmix-dev matters: Debian's Slurm mpi_pmix plugin dlopen()s the unversioned
# .../pmix2/lib/libpmix.so, which only the -dev package ships; without it
# "srun --mpi=pmix" fails even though "srun --mpi=list" still lists pmix.
PKGS=(munge slurm-wlm slurm-client openmpi-bin libopenmpi-dev libpmix-dev)
missing=()
for p in "${PKGS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # --no-install-recommends keeps the install small; none of the recommends are needed.
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # The packages' postinst may have started daemons through an init script with
    # the distro config; they are handled by the "already running?" checks below.
else
    log "packages present: ${PKGS[*]}"
fi

mkdir -p "$STATE_DIR/ctld" "$STATE_DIR/d" "$LOG_DIR" "$RUN_DIR"

# ---------------------------------------------------------------- munge
# Slurm authenticates every RPC with munge, even on a single host.
if [[ ! -s $MUNGE_KEY ]]; then
    log "creating munge key $MUNGE_KEY"
    install -d -o munge -g munge -m 0700 "$(dirname "$MUNGE_KEY")"
    # mungekey ships with munge >= 0.5.14; dd is the fallback for older releases.
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile="$MUNGE_KEY" --force
    else
        dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
fi
# munged refuses keys/dirs that are readable by others or not owned by its user.
chown munge:munge "$MUNGE_KEY"
chmod 0600 "$MUNGE_KEY"
install -d -o munge -g munge -m 0755 "$MUNGE_RUN"
install -d -o munge -g munge -m 0700 /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge

if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged: already running"
else
    log "munged: starting as user munge"
    # Run as the munge user, as the packaged service does: no --force needed
    # (as root munged wants --force, which also waives its permission checks).
    # A socket left by a SIGKILLed munged is cleaned up by munged itself.
    runuser -u munge -- /usr/sbin/munged \
        </dev/null >>"$LOG_DIR/munged.stderr" 2>&1 ||
        { dump_logs; die "munged failed to start"; }
    for ((i = 0; i < 50; i++)); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.1
    done
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || { dump_logs; die "munged not answering"; }
    touch "$RUN_DIR/munged.started"
fi

# ---------------------------------------------------------------- slurm.conf
NODE=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(free -m | awk '/^Mem:/ {print $2}')
# "srun --mpi=list" needs the slurm.conf we are about to write, so look for the
# plugin file instead; the probe job below proves it actually loads.
pmix_plugin=$(dpkg -L slurm-wlm-basic-plugins 2>/dev/null | grep '/mpi_pmix\.so$' || true)
if [[ -n $pmix_plugin && -e $pmix_plugin ]]; then MPI_DEFAULT=pmix; else MPI_DEFAULT=none; fi

new_conf=$(mktemp)
trap 'rm -f "$new_conf"' EXIT
cat >"$new_conf" <<EOF
$MARKER
# Single-node cluster for genvec CI. Regenerated on every run, so edits are lost;
# without the marker line above the script leaves this file (and the cluster) alone.
ClusterName=genvec
# Explicit address: CI containers often have a hostname that does not resolve.
SlurmctldHost=$NODE(127.0.0.1)
# Daemons run as root: no slurm-user ownership juggling on throwaway hosts.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=$MPI_DEFAULT
# No systemd/cgroup delegation in containers: track steps via /proc, do not
# confine or bind tasks (binding on oddly-described vCPUs causes launch errors).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# cons_tres with CPUs as the only consumable: several jobs/steps share the node,
# and no memory accounting means no --mem surprises in tests.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A restarted slurmd puts the node straight back into service; trust the node
# line below even if the hardware probe disagrees slightly (no DRAIN).
ReturnToService=2
SlurmdParameters=config_overrides
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Fail fast in CI rather than waiting out production-sized timeouts.
SlurmdTimeout=60
# Default batch_sched_delay=3 holds back-to-back test jobs ~3 s in PENDING.
SchedulerParameters=batch_sched_delay=0
# No mail on CI hosts; the default /usr/bin/mail is usually absent (startup error).
MailProg=/bin/true
InactiveLimit=0
KillWait=5
MinJobAge=60
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

conf_changed=0
if [[ -e $SLURM_CONF ]] && ! grep -qxF "$MARKER" "$SLURM_CONF"; then
    die "$SLURM_CONF exists and was not written by this script; refusing to overwrite it.
    Remove it, or run with SLURM_CONF=/some/other/slurm.conf (and export the same
    SLURM_CONF for srun/sbatch)."
elif [[ -e $SLURM_CONF ]] && cmp -s "$new_conf" "$SLURM_CONF"; then
    log "slurm.conf: up to date ($SLURM_CONF)"
else
    log "slurm.conf: writing $SLURM_CONF (node $NODE, CPUs=$CPUS, RealMemory=${MEM_MB}M, MpiDefault=$MPI_DEFAULT)"
    mkdir -p "$(dirname "$SLURM_CONF")"
    install -m 0644 "$new_conf" "$SLURM_CONF"
    conf_changed=1
fi
export SLURM_CONF # the daemons started below read it too

# ---------------------------------------------------------------- daemons
# Node definitions cannot be changed by "scontrol reconfigure", so a changed
# config means restarting whichever of our daemons are already up.
if ((conf_changed)); then
    for d in slurmd slurmctld; do
        pid_alive "$RUN_DIR/$d.pid" "$d" && stop_daemon "$d" "$RUN_DIR/$d.pid"
    done
fi

# start_daemon NAME: launch a Slurm daemon (it daemonizes itself) unless running.
ctld_started_now=0
start_daemon() {
    local name=$1
    if pid_alive "$RUN_DIR/$name.pid" "$name"; then
        log "$name: already running (pid $(cat "$RUN_DIR/$name.pid"))"
        return 0
    fi
    log "$name: starting"
    # stdio goes to a file, not the caller's pipe: a daemon holding the CI
    # step's stdout open would keep the step from finishing. Config errors
    # printed before the log file opens land in $LOG_DIR/$name.stderr.
    "/usr/sbin/$name" -f "$SLURM_CONF" </dev/null >>"$LOG_DIR/$name.stderr" 2>&1 ||
        { dump_logs; die "$name failed to start"; }
    touch "$RUN_DIR/$name.started"
    [[ $name != slurmctld ]] || ctld_started_now=1
}
start_daemon slurmctld
start_daemon slurmd

# ---------------------------------------------------------------- wait for node
# "idle" on a fresh cluster; mixed/allocated just mean a re-run found jobs running.
# The loop is bounded by wall-clock time, not iterations: against a dead
# slurmctld a single sinfo call blocks ~9 s in connection retries.
state=""
resumed=0
deadline=$((SECONDS + TIMEOUT))
while ((SECONDS < deadline)); do
    state=$(timeout 5 sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n1 || true)
    case $state in
        idle | mixed | allocated | completing) break ;;
        # slurmd answers but the node was drained/downed earlier (e.g. "Kill task
        # failed" in a previous CI run). DRAIN survives restarts, so without this
        # every later run would fail. Resume once; "*" states just mean slurmd
        # has not registered yet.
        drained | draining | down)
            if ((!resumed)); then
                log "node $NODE is $state ($(timeout 5 sinfo -h -N -n "$NODE" -o '%E' 2>/dev/null || true)); resuming it"
                timeout 10 scontrol update NodeName="$NODE" State=RESUME || true
                resumed=1
            fi
            ;;
    esac
    sleep 0.5
done
case $state in
    idle | mixed | allocated | completing) ;;
    *)
        reason=$(timeout 5 sinfo -h -N -n "$NODE" -o '%E' 2>/dev/null || true)
        dump_logs
        die "node $NODE not usable after ${TIMEOUT}s (state '${state:-no answer from slurmctld}'${reason:+, reason: $reason})"
        ;;
esac

# After a fresh slurmctld start the first batch job sits PENDING for ~3 s until
# the scheduler's first pass (and "sbatch --wait" then polls for ~10 s). Run a
# trivial probe job now: it proves batch launch and a step launch with the
# default MPI plugin work end to end ("srun --mpi=list" alone proves little: it
# lists pmix even when libpmix cannot be loaded), and it absorbs that delay
# here instead of in the first test. Only on a fresh start: on a re-run the node
# may be busy and the probe would queue behind real jobs.
if ((ctld_started_now)); then
    probe_out=$LOG_DIR/probe.out
    rm -f "$probe_out"
    jid=$(timeout 30 sbatch --parsable -J genvec-probe -o "$probe_out" -t 1 --wrap 'srun -n1 true') ||
        { dump_logs; die "sbatch of the probe job failed"; }
    jstate=""
    deadline=$((SECONDS + TIMEOUT))
    while ((SECONDS < deadline)); do
        jstate=$(timeout 5 scontrol -o show job "$jid" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
        case ${jstate#JobState=} in PENDING | CONFIGURING | RUNNING | COMPLETING | "") ;; *) break ;; esac
        sleep 0.2
    done
    if [[ $jstate != JobState=COMPLETED ]]; then
        dump_logs
        [[ -s $probe_out ]] && { echo "----- $probe_out -----"; cat "$probe_out"; } >&2
        die "probe job $jid did not succeed within ${TIMEOUT}s (last state: ${jstate#JobState=})"
    fi
    log "probe batch job $jid completed"
fi

log "OK: node $NODE $state, partition $PARTITION, CPUs=$CPUS, MpiDefault=$MPI_DEFAULT, conf $SLURM_CONF, $(($(date +%s) - t_start))s"
