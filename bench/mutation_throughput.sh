#!/bin/sh
# Mutation-campaign throughput: examples/mutation.toml (resnet, 24 mutants + the original on
# ref, ort and opencv at O2 on cpu) on LIMIT Fashion-MNIST images (default 200) into a fresh store,
# then the mutant runs per minute of wall time. Usage: bench/mutation_throughput.sh [LIMIT]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
limit=${1:-200}
dir=$(mktemp -d)
sed -e "s#^store = .*#store = \"$dir/m.db\"#" -e "s#\"\.\./zoo/#\"$here/zoo/#g" \
    -e "s#^limit = .*#limit = $limit#" "$here/examples/mutation.toml" > "$dir/m.toml"
"$here/build/nndelta" run "$dir/m.toml" --quiet | tee "$dir/out.txt"
# Runs in all, less one original run per model and environment (the campaign line says how many).
awk '/^campaign /{models = $3; envs = $6} /^store /{runs = $3} /^wall time /{wall = $3}
     END {mutant = runs - models * envs
          printf "mutant runs: %d in %.1f s wall (with the original runs): %.1f mutant runs per minute\n",
                 mutant, wall, mutant * 60 / wall}' "$dir/out.txt"
rm -rf "$dir"
