#!/usr/bin/env bash
# A campaign split over a Slurm job array: task i of N runs a deterministic 1/N of the runs into
# its own store; a last step merges the shards.
#
#   sbatch --array=0-7 examples/slurm/campaign-array.sh examples/frameworks.toml
#   # when every task is done:
#   build/nndelta merge frameworks.db shards/frameworks.shard-*.db
#SBATCH --job-name=nndelta
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
set -euo pipefail
campaign=${1:?usage: campaign-array.sh CAMPAIGN.toml}
count=${SLURM_ARRAY_TASK_COUNT:?run under sbatch --array}
index=${SLURM_ARRAY_TASK_ID:?run under sbatch --array}
mkdir -p shards
name=$(basename "$campaign" .toml)
exec build/nndelta run "$campaign" --shard "$index/$count" --jobs "${SLURM_CPUS_PER_TASK:-1}" \
  --store "shards/$name.shard-$index.db" --quiet
