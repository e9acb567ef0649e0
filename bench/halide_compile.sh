#!/bin/bash
# Compile time of the halide framework (issue 12 "Speed"), through `nndelta compile` as a user
# runs it (the compiler is the child process nndelta-halide):
#   1. per zoo model and level (cpu): cold (an empty $NNDELTA_CACHE_DIR: every stage object and
#      the target's runtime object compiled) and warm (the same command again: all from the cache);
#   2. recompiling a model with one stage changed: copies of MODEL whose first Gemm has another
#      alpha (so exactly one stage's loop IR changes), each compiled against a cache warm with the
#      original; median over N copies (target: at most 1 s). Twice per copy, with two alphas: by
#      `nndelta compile` (which starts nndelta first) and by the compiler alone, as workers and
#      campaigns run it.
# Usage: bench/halide_compile.sh [N=7] [MODEL=resnet] [LEVEL=O2]   (from the repository root,
# after building nndelta and nndelta-halide in build/). Prints markdown tables.
set -euo pipefail
runs=${1:-7}
model=${2:-resnet}
level=${3:-O2}
nndelta=${NNDELTA:-build/nndelta}
compiler=${NNDELTA_HALIDE_COMPILER:-build/nndelta-halide}
work=$(mktemp -d /tmp/halide-compile.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Seconds (wall) of one `nndelta compile`, with its summary line (stages compiled / from cache).
compile() {  # cache_dir model env
  local start end summary
  start=$(date +%s.%N)
  summary=$(NNDELTA_CACHE_DIR=$1 "$nndelta" compile "$2" --env "$3" 2>&1 | head -1)
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l) ${summary#*: }"
}

echo "| model | level | cold (s) | warm (s) | stages (cold run) |"
echo "|---|---|---|---|---|"
for onnx in ${MODELS:-zoo/*.onnx}; do
  name=$(basename "$onnx" .onnx)
  for opt in O0 O1 O2 O3; do
    cache="$work/cache-$name-$opt"
    read -r cold cold_summary <<<"$(compile "$cache" "$onnx" "halide@cpu:$opt")"
    read -r warm _ <<<"$(compile "$cache" "$onnx" "halide@cpu:$opt")"
    printf '| %s | %s | %.2f | %.2f | %s |\n' "$name" "$opt" "$cold" "$warm" "${cold_summary%%, target*}"
  done
done

echo
echo "Recompiling zoo/$model.onnx at halide@cpu:$level with one Gemm's alpha changed ($runs copies):"
echo
cache="$work/cache-recompile"
compile "$cache" "zoo/$model.onnx" "halide@cpu:$level" >/dev/null
times=()
alone=()
# A copy of the model whose first Gemm has this alpha.
copy_with_alpha() {  # alpha out
  /usr/bin/python3 - "zoo/$model.onnx" "$2" "$1" <<'EOF'
import sys, onnx
model = onnx.load(sys.argv[1])
gemm = next(n for n in model.graph.node if n.op_type == "Gemm")
attrs = [a for a in gemm.attribute if a.name != "alpha"]
del gemm.attribute[:]
gemm.attribute.extend(attrs + [onnx.helper.make_attribute("alpha", float(sys.argv[3]))])
onnx.save(model, sys.argv[2])
EOF
}
echo "| copy | alpha | nndelta compile (s) | stages | alpha | compiler alone (s) |"
echo "|---|---|---|---|---|---|"
for k in $(seq 1 "$runs"); do
  alpha=$(echo "1 + $k / 1024" | bc -l)
  copy="$work/$model-$k.onnx"
  copy_with_alpha "$alpha" "$copy"
  read -r t summary <<<"$(compile "$cache" "$copy" "halide@cpu:$level")"
  times+=("$t")
  alpha2=$(echo "1 + ($k + 0.5) / 1024" | bc -l)
  copy_with_alpha "$alpha2" "$copy"
  start=$(date +%s.%N)
  "$compiler" --model "$copy" --env "halide@cpu:$level" --cache "$cache" --manifest "$work/m.json"
  end=$(date +%s.%N)
  a=$(echo "$end - $start" | bc -l)
  alone+=("$a")
  printf '| %d | %.4f | %.2f | %s | %.5f | %.2f |\n' "$k" "$alpha" "$t" "${summary%%, target*}" \
    "$alpha2" "$a"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\nmedian over %d copies: nndelta compile %.2f s, the compiler alone %.2f s\n' "$runs" \
  "$(median "${times[@]}")" "$(median "${alone[@]}")"
