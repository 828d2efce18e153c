#!/usr/bin/env bash
# run.sh -- `make bench` entry point for the Parquet benchmark: strata against
# DuckDB on decode and rewrite of a lineitem-shaped file (see bench.mjs for what
# each task measures and why). The input is generated once into data/.
# Usage: bench/parquet/run.sh /path/to/strata   (BENCH_ROWS, BENCH_RUNS optional)
set -euo pipefail

strata=${1:?usage: bench/parquet/run.sh /path/to/strata}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ -x $strata ]] || { echo "bench: strata binary $strata not found (run make first)" >&2; exit 1; }
exec node bench/parquet/bench.mjs "$strata"
