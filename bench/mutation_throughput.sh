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
runs=$(sqlite3 "$dir/m.db" "SELECT count(*) FROM runs WHERE mutant_id != 0")
wall=$(sed -n 's/^wall time \([0-9.]*\) s$/\1/p' "$dir/out.txt")
echo "mutant runs: $runs of $limit images in $wall s wall (with the original's runs):" \
  "$(echo "$runs * 60 / $wall" | bc -l | cut -c1-5) mutant runs per minute"
rm -rf "$dir"
