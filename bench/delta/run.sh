#!/bin/sh
# bench/delta/run.sh -- runs the Delta write-path benchmarks (bench_delta.c)
# in a scratch folder: snapshot load of a 100k-file table and the commit rate
# of single-row appends. Usage: run.sh BENCH_DELTA_BINARY [N_FILES]
set -e
bin=${1:?usage: run.sh BENCH_DELTA_BINARY [N_FILES]}
dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-delta.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$bin" "$dir" "${2:-100000}"
