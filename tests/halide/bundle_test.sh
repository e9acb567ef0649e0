#!/bin/sh
# Bundles end to end: a CPU bundle of a zoo model builds with g++ alone, runs, and agrees with ref
# through compare-raw; the CUDA bundle of the same model builds and links here, and where no
# NVIDIA driver exists its run_model fails with Halide's one-line message, not a crash.
# Usage: bundle_test.sh NNDELTA_BINARY ZOO_DIR WORK_DIR
set -eu
nndelta=$1 zoo=$2 work=$3
rm -rf "$work" && mkdir -p "$work"

"$nndelta" compile "$zoo/alexnet.onnx" --env halide@cpu:O2 --bundle "$work/cpu" --bundle-inputs 20
sh "$work/cpu/build.sh"
(cd "$work/cpu" && ./run_model)
"$nndelta" compare-raw --bundle "$work/cpu"

"$nndelta" compile "$zoo/alexnet.onnx" --env halide@cuda:O2 --bundle "$work/cuda" --bundle-inputs 20
sh "$work/cuda/build.sh"
test -x "$work/cuda/run_model"
if [ -e /dev/nvidia0 ]; then
  (cd "$work/cuda" && ./run_model)
  "$nndelta" compare-raw --bundle "$work/cuda"
else
  set +e
  (cd "$work/cuda" && ./run_model) 2> "$work/cuda.err"
  rc=$?
  set -e
  cat "$work/cuda.err"
  [ "$rc" -eq 2 ] || { echo "expected exit 2 without a GPU, got $rc"; exit 1; }
  grep -q "failed: " "$work/cuda.err"
fi
echo "bundle test: ok"
