#!/bin/bash
# Alternates worker_bench builds and worker trees round after round, so that "before" and "after"
# share the host's drift, and prints per variant the medians of ORT's latency, the overhead and
# the wall time per inference, with every round's overhead.
#
#   bench/worker_ab.sh ROUNDS FILTER LABEL=WORKER_BENCH:NNDELTA_HOME...
#   e.g. bench/worker_ab.sh 10 streamed before=/tmp/old/worker_bench:/tmp/old after=build/bench/worker_bench:.
set -euo pipefail
rounds=$1 filter=$2
shift 2
rows=$(mktemp)
for _ in $(seq "$rounds"); do
  for variant in "$@"; do
    label=${variant%%=*} spec=${variant#*=}
    binary=${spec%%:*} home=${spec#*:}
    NNDELTA_HOME=$home "$binary" --benchmark_filter="$filter" --benchmark_min_time=3 2>/dev/null |
      sed -nE "s/^([a-z_]+)\/([A-Za-z_0-9]+)\/.*framework_ms=([0-9.]+) overhead_ms=([0-9.]+) overhead_pct=([0-9.]+) per_inference_ms=([0-9.]+).*/$label \1\/\2 \3 \4 \5 \6/p" >>"$rows"
  done
done
python3 - "$rows" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, bench, *values = line.split()
    runs[(bench, label)].append([float(v) for v in values])
print("benchmark variant rounds | ORT ms | overhead ms | overhead % (each round) | wall ms")
for (bench, label), rows in sorted(runs.items()):
    ort, overhead, pct, wall = (statistics.median(c) for c in zip(*rows))
    each = " ".join(f"{r[2]:.1f}" for r in rows)
    print(f"{bench} {label} {len(rows)} | {ort:.3f} | {overhead:.3f} | {pct:.2f} ({each}) | {wall:.3f}")
PY
rm -f "$rows"
