#!/usr/bin/env bash
# Runs the model-vs-human benchmark on a Slurm cluster: an array job that runs every model on
# every dataset's stimuli in shards (one task per model and shard), then a job that starts when
# every task has succeeded, joins the shards and scores all models.
#
#   scripts/slurm/model-vs-human.sh models.txt
#
# models.txt: one model per line, "<name> <model.onnx> [<card.json>]" (paths as the compute nodes
# see them; blank lines and lines starting with # are ignored). Settings, from the environment:
#
#   SHARDS=8                      shards per model: the array has (models x SHARDS) tasks; task i
#                                 runs model i / SHARDS with --shard (i % SHARDS + 1)/SHARDS, which
#                                 takes every SHARDS-th image of every dataset, so tasks are equal
#   OUT=model-vs-human-runs       where the trials go (<OUT>/<dataset>/<dataset>_<name>_session-1.csv)
#   BENCHMARK_OUT=model-vs-human-benchmark   where score writes benchmark.json, leaderboard.csv, index.html
#   SCORE=1                       0: only join the shards, do not score
#   STIMULI=...                   the stimuli (default: what `trialwise data fetch model-vs-human --stimuli` fetched)
#   HUMANS=...                    the human data for score (default: what `trialwise data fetch model-vs-human` fetched)
#   DATASETS=...                  comma-separated datasets (default: all 17)
#   RUN_ARGS="--providers cuda,cpu --batch 64"   more flags for `run`
#   SCORE_ARGS="--bootstrap 2000" more flags for `score`
#   SBATCH_ARGS="--gres=gpu:1 --time=02:00:00"   sbatch options of the array tasks
#   MERGE_SBATCH_ARGS="--time=00:30:00"          sbatch options of the merge-and-score job
#   TRIALWISE=trialwise           the command that runs trialwise on the compute nodes
#
# Prints the two job ids ("<array> <merge>"). Fetch the stimuli and the human data once, before
# submitting, into a cache the nodes share ($TRIALWISE_CACHE), or give STIMULI and HUMANS.
# A task that is requeued or run again resumes: finished datasets are skipped and an interrupted
# one goes on from its checkpoint.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
models="${1:?usage: $0 models.txt}"
[ -f "$models" ] || { echo "$0: no such file: $models" >&2; exit 1; }
models="$(cd "$(dirname "$models")" && pwd)/$(basename "$models")"
count="$(grep -cvE '^[[:space:]]*(#|$)' "$models" || true)"
[ "$count" -gt 0 ] || { echo "$0: $models lists no models; expected lines <name> <model.onnx> [<card.json>]" >&2; exit 1; }
export SHARDS="${SHARDS:-8}"
[[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || { echo "$0: SHARDS must be a whole number >= 1, not '$SHARDS'" >&2; exit 1; }
export OUT="${OUT:-model-vs-human-runs}" BENCHMARK_OUT="${BENCHMARK_OUT:-model-vs-human-benchmark}" SCORE="${SCORE:-1}"
export STIMULI="${STIMULI:-}" HUMANS="${HUMANS:-}" DATASETS="${DATASETS:-}" RUN_ARGS="${RUN_ARGS:-}" SCORE_ARGS="${SCORE_ARGS:-}"
export TRIALWISE="${TRIALWISE:-trialwise}" MODELS_FILE="$models"
# shellcheck disable=SC2086 # SBATCH_ARGS and MERGE_SBATCH_ARGS are lists of options
array="$(sbatch --parsable --export=ALL --array="0-$((count * SHARDS - 1))" ${SBATCH_ARGS:-} "$here/model-vs-human-shard.sbatch")"
array="${array%%;*}"
# shellcheck disable=SC2086
merge="$(sbatch --parsable --export=ALL --dependency="afterok:$array" ${MERGE_SBATCH_ARGS:-} "$here/model-vs-human-merge.sbatch")"
echo "${array} ${merge%%;*}"
