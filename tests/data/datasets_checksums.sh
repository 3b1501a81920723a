#!/usr/bin/env bash
# The bundled data sets are exactly what datasets/make_datasets.py made (their SHA256SUMS), and
# each has its LICENSE and SOURCE.md: the tests and the quickstart rely on these bytes.
#   datasets_checksums.sh SOURCE_DIR
set -euo pipefail
datasets=$1/datasets
sets=0
for sums in "$datasets"/*/SHA256SUMS; do
  dir=$(dirname "$sums")
  (cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) || { echo "FAIL: $dir"; exit 1; }
  [ -f "$dir/LICENSE" ] && [ -f "$dir/SOURCE.md" ] || { echo "FAIL: $dir lacks LICENSE or SOURCE.md"; exit 1; }
  sets=$((sets + 1))
done
[ "$sets" -ge 7 ] || { echo "FAIL: only $sets data sets with SHA256SUMS in $datasets"; exit 1; }
echo "PASS: $sets data sets"
