#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR for SECONDS each, starting from the
# seeds in tests/fuzz/seeds and the corpus earlier runs left in BUILD_DIR/corpus.
# Fails on the first crash (libFuzzer leaves the input as BUILD_DIR/crash-*).
# usage: fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 seconds=$2
status=0
for target in "$build"/*_fuzz; do
  name=$(basename "$target" _fuzz)
  corpus="$build/corpus/$name"
  mkdir -p "$corpus"
  echo "fuzz: $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/" \
       "$corpus" "tests/fuzz/seeds/$name" >"$build/$name.log" 2>&1; then
    echo "fuzz: $name FAILED, see $build/$name.log" >&2
    tail -40 "$build/$name.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$build/$name.log" | tail -2
  fi
done
exit $status
