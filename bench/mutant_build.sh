#!/bin/sh
# Loop-mutant build time: MODEL (default zoo/resnet.onnx) compiled for ENV (default
# halide@cpu:O2) into a fresh compile cache, then each of the 16 loop operators at its first site,
# one nndelta-halide run per mutant (the mutated stage compiles; the other stages, the runtime and
# the original's objects come from the cache), and the median wall time of those runs.
# Usage: bench/mutant_build.sh [MODEL] [ENV]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$here/zoo/resnet.onnx}
env=${2:-halide@cpu:O2}
dir=$(mktemp -d)
export NNDELTA_CACHE_DIR="$dir/cache"
compiler="$here/build/nndelta-halide"
seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
start=$(date +%s%N)
"$compiler" --model "$model" --env "$env" --manifest "$dir/m.json"
echo "original, cold cache: $(seconds_since "$start") s"
for op in $("$here/build/nndelta" mutants operators | awk '$3 == "loop" {print $1}'); do
  start=$(date +%s%N)
  # A mutant Halide refuses (float16 on an OpenCL target without half) is left out of the median.
  if "$compiler" --model "$model" --env "$env,mutate=$op@1" --manifest "$dir/m.json" 2>"$dir/err"; then
    echo "$op@1 $(seconds_since "$start")"
  else
    echo "$op@1 refused: $(tail -1 "$dir/err")" >&2
  fi
done | tee "$dir/times.txt"
sort -k2 -n "$dir/times.txt" | awk '{t[NR] = $2} END {
  m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
  printf "loop mutant builds: %d, median %.2f s, min %.2f s, max %.2f s\n", NR, m, t[1], t[NR]}'
rm -rf "$dir"
