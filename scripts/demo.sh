#!/usr/bin/env bash
# demo.sh -- the `make demo` walk-through: a Parquet round trip through strata,
# then a Delta table built from the same rows (partitioned write, an append,
# history, files, time travel).
# DuckDB (node) writes a small typed "orders" table to ./warehouse/demo; strata
# shows its schema, footer metadata and first rows, rewrites it with zstd and
# decodes the rewrite; DuckDB reads the rewrite back and checks that it holds
# exactly the original rows. Then SQL over Delta tables, TPC-H, and the
# lakehouse: a catalog in ./warehouse/lake, the medallion pipeline
# (scripts/demo-lake.sql), DML, history, time travel and maintenance; and the
# ML workflow in ./warehouse/ml (scripts/demo-ml.sql): a churn model trained
# from SQL, tracked, registered, promoted to Production and used to predict.
# Exits non-zero if any step fails or the data differ.
# Usage: scripts/demo.sh /path/to/strata
set -euo pipefail

strata=${1:?usage: scripts/demo.sh /path/to/strata}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x $strata ]] || { echo "demo: strata binary $strata not found (run make first)" >&2; exit 1; }

dir=warehouse/demo
in=$dir/orders.parquet
out=$dir/orders.zstd.parquet

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$1" "$plain"; }
run() { printf '$ strata %s\n' "$*"; "$strata" "$@"; }

step "strata"
run version

step "write a sample table with DuckDB"
rm -rf "$dir"
mkdir -p "$dir"
node scripts/demo-gen.mjs "$in" 5000

step "schema"
run parquet schema "$in"

step "footer metadata (first row group)"
meta=$dir/meta.txt
run parquet meta "$in" > "$meta"
# Show the file summary and the first row group; the others look alike.
awk '/^row_group / && ++groups == 2 { exit } { print }' "$meta"
rest=$(awk '/^row_group / && ++groups == 2 { found = 1 } found { n++ } END { print n + 0 }' "$meta")
((rest == 0)) || echo "... ($rest more lines for the other row groups)"
rm -f "$meta"

step "first rows"
run parquet cat "$in" --format table --limit 10

step "selected columns as CSV"
run parquet cat "$in" --columns order_id,status,amount,tags --format csv --limit 5

step "rewrite with zstd"
run parquet rewrite "$in" "$out" --codec zstd
printf '%10d bytes  %s\n' "$(stat -c %s "$in")" "$in" "$(stat -c %s "$out")" "$out"

step "decode the rewrite"
run parquet scan "$out"

step "read the rewrite back with DuckDB"
node scripts/demo-check.mjs "$in" "$out" zstd

table=$dir/orders_delta
step "a Delta table: create it from the file, partitioned by status"
run delta write "$table" --from "$in" --partition-by status

step "append the rewritten file as a second commit"
run delta write "$table" --from "$out"

step "history"
run delta log "$table"

step "live files (first 5)"
"$strata" delta files "$table" | head -5

step "time travel: version 0 against the latest"
printf 'rows at version 0: '
"$strata" delta cat "$table" --version 0 --columns order_id --format csv | tail -n +2 | wc -l
printf 'rows now:          '
"$strata" delta cat "$table" --columns order_id --format csv | tail -n +2 | wc -l

step "latest rows (first 5)"
run delta cat "$table" --columns order_id,status,amount --limit 5

step "SQL over the Delta table"
run sql "SELECT status, count(*) AS orders, round(sum(amount), 2) AS total
         FROM delta.\`$table\` GROUP BY status ORDER BY total DESC"

step "time travel in SQL"
run sql "SELECT count(*) AS rows_v0 FROM delta.\`$table\` VERSION AS OF 0"

tpch=$dir/tpch
step "TPC-H sample data (scale factor 0.01) as Delta tables"
run gen tpch --sf 0.01 --dir "$tpch" --format delta

step "TPC-H query 3 (shipping priority)"
run sql --table "customer=delta:$tpch/customer" --table "orders=delta:$tpch/orders" \
    --table "lineitem=delta:$tpch/lineitem" \
    "SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate,
            o_shippriority
     FROM customer, orders, lineitem
     WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
       AND o_orderdate < date '1995-03-15' AND l_shipdate > date '1995-03-15'
     GROUP BY l_orderkey, o_orderdate, o_shippriority
     ORDER BY revenue DESC, o_orderdate LIMIT 5"

step "EXPLAIN: the plan, with files kept and pruned"
run sql "EXPLAIN ANALYZE SELECT status, sum(amount) FROM delta.\`$table\` WHERE order_id < 100 GROUP BY status"

lake=warehouse/lake
step "the lakehouse: a medallion pipeline (scripts/demo-lake.sql) in $lake"
rm -rf "$lake"
mkdir -p "$lake"
cp scripts/demo-lake.sql "$lake/"
lsql() { printf '$ strata sql %s\n' "$1"; (cd "$lake" && "$strata" sql --warehouse . -e "$1"); }
(cd "$lake" && "$strata" sql --warehouse . -f demo-lake.sql)
lsql "SHOW TABLES"

step "gold: the top customers"
lsql "SELECT * FROM gold_customer_summary ORDER BY lifetime_value DESC, customer_id LIMIT 5"

step "silver: closed and current records"
lsql "SELECT is_current, count(*) AS customers FROM silver_customers GROUP BY is_current"

step "UPDATE, MERGE upsert and time travel"
lsql "UPDATE silver_orders SET amount = amount * -1 WHERE customer_id = 42"
lsql "MERGE INTO silver_orders t USING (SELECT 20000 AS order_id, 42 AS customer_id,
        9.99 AS amount, DATE'2024-03-01' AS order_date) s ON t.order_id = s.order_id
      WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
lsql "SELECT count(*) AS orders_now, sum(amount) AS total_now FROM silver_orders
      WHERE customer_id = 42"
lsql "SELECT count(*) AS orders_v0, sum(amount) AS total_v0 FROM silver_orders VERSION AS OF 0
      WHERE customer_id = 42"

step "history"
lsql "SELECT 1" > /dev/null
(cd "$lake" && "$strata" sql --warehouse . --format csv \
    -e "DESCRIBE HISTORY silver_orders" | cut -d, -f1,2,5 )

step "maintenance: OPTIMIZE and VACUUM (dry run)"
lsql "OPTIMIZE silver_orders ZORDER BY (customer_id)"
lsql "VACUUM silver_orders RETAIN 168 HOURS DRY RUN"

ml=warehouse/ml
step "ML: train, track, register, stage and predict (scripts/demo-ml.sql) in $ml"
rm -rf "$ml"
mkdir -p "$ml"
cp scripts/demo-ml.sql "$ml/"
msql() { printf '$ strata sql %s\n' "$1"; (cd "$ml" && "$strata" sql --warehouse . -e "$1"); }
(cd "$ml" && "$strata" sql --warehouse . -f demo-ml.sql)

step "the registry: customer-churn in Production"
msql "SELECT name, latest_version, production_version, aliases FROM models()"
prod=$(cd "$ml" && "$strata" sql --warehouse . --format csv \
    -e "SELECT production_version FROM models() WHERE name = 'customer-churn'" | tail -1)
[[ $prod == 1 ]] || { echo "demo: customer-churn has no version in Production" >&2; exit 1; }
rows=$(cd "$ml" && "$strata" sql --warehouse . --format csv \
    -e "SELECT count(*) FROM churn_predictions" | tail -1)
[[ $rows == 10000 ]] || { echo "demo: churn_predictions has $rows rows, not 10000" >&2; exit 1; }
echo "the same tracking data serves MLflow clients: strata serve --warehouse $ml (port 8080)"
