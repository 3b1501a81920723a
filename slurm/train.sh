#!/usr/bin/env bash
# The main job on a Slurm cluster: every pipeline stage of genvec on one config (doctor, shard,
# generate, teacher, train, eval), one MPI rank per task. Submit from the repository root:
#   sbatch slurm/train.sh [CONFIG=configs/quickstart.toml] [genvec options, e.g. --set train.lr=3e-4]
# then walk away: a preemption notice or the time limit's warning signal makes the running stage
# save its work (the batch or training step in flight) and the job requeue itself; the requeued
# job skips the finished stages and resumes the stopped one (slurm/lib.sh says how, and which
# environment knobs there are). Resubmitting the same command after anything else resumes too.
# To run the stages as separate jobs (generation as a job array), use slurm/submit.sh.
#
# The #SBATCH defaults, to adjust for your cluster here or on the sbatch command line:
#   --nodes=1 --ntasks-per-node=2   ranks: on GPU nodes one per GPU, e.g. --ntasks-per-node=4
#                                   --gpus-per-task=1 (each rank sees its GPU as device 0; with
#                                   --gpus-per-node instead, rank r uses GPU (local rank % GPUs))
#   --cpus-per-task=1               cores per rank: genvec uses the cores a rank is bound to
#                                   (dist.threads_per_rank = 0), so give CPU-only ranks several
#   --time=02:00:00                 the time limit; the job requeues itself when it nears it
#   --requeue                       lets Slurm requeue the job (preemption, a node lost) and the
#                                   job requeue itself
#   --signal=B:USR1@180             the warning signal to the batch script 180 s before the time
#                                   limit (B: to the script, which forwards it to the stage); leave
#                                   more than a training step plus a checkpoint. USR2 works the
#                                   same (submitit's choice, in case a library claims USR1)
#   --output=genvec-%j.out          the job output (stage logs: RUN/logs/slurm/)
#SBATCH --job-name=genvec
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=2
#SBATCH --cpus-per-task=1
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --signal=B:USR1@180
#SBATCH --output=genvec-%j.out
set -uo pipefail
cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
source slurm/lib.sh

# Environment for the ranks, left to the cluster's defaults unless set here:
# export NCCL_DEBUG=WARN              # NCCL's own diagnosis when the gradient all-reduce fails
# export NCCL_SOCKET_IFNAME=ib0       # the interface NCCL bootstraps on across nodes
# export NCCL_IB_DISABLE=1            # no InfiniBand: NCCL over TCP sockets
# export OMPI_MCA_btl=^openib         # Open MPI: skip the old openib transport (UCX handles IB)
# export UCX_TLS=rc,sm,self           # Open MPI over UCX: the transports to use

genvec_job_start "${1:-configs/quickstart.toml}" "${@:2}"
genvec_stage doctor
for stage in shard generate teacher train; do
  genvec_stage "$stage"
done
if [ -n "$(genvec_config_get eval.registry)" ]; then
  genvec_stage eval
else
  job_stages+=("eval skipped (no eval.registry)")
fi
genvec_summary "done: the trained embedder is $job_run_dir/embedder.h5"
