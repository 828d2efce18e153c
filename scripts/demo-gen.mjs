// demo-gen.mjs -- writes the demo's input Parquet file with DuckDB: an "orders"
// table of typed columns (integers, decimals, strings, dates, timestamps, a
// boolean, a double, a list and a struct) with some NULLs, in several row groups.
// Values are derived from the row number by hashing (macro h), so every run
// writes the same data.
// Usage: node scripts/demo-gen.mjs OUT.parquet [ROWS]
import { DuckDBInstance } from '@duckdb/node-api';

const out = process.argv[2];
const rows = Number(process.argv[3] ?? 5000);
if (!out || !Number.isInteger(rows) || rows <= 0) {
    console.error('usage: node scripts/demo-gen.mjs OUT.parquet [ROWS]');
    process.exit(2);
}
const lit = (s) => `'${s.replace(/'/g, "''")}'`;

const sql = `
COPY (
  SELECT
    i::BIGINT                                                 AS order_id,
    (1000 + h(i, 1, 400))::INTEGER                            AS customer_id,
    CASE WHEN i % 97 = 0 THEN NULL
         ELSE (1 + h(i, 2, 20))::SMALLINT END                 AS quantity,
    (h(i, 3, 5000000) / 100)::DECIMAL(12,2)                   AS amount,
    (h(i, 4, 300) / 1000)::DECIMAL(4,3)                       AS discount,
    CASE WHEN i % 53 = 0 THEN NULL
         ELSE ['open','shipped','delivered','returned'][1 + h(i, 5, 4)] END
                                                              AS status,
    ['Ada','Grace','Linus','Barbara','Ken','Margaret','Dennis','Frances'][1 + h(i, 6, 8)]
      || ' ' ||
    ['Lovelace','Hopper','Torvalds','Liskov','Thompson','Hamilton','Ritchie','Allen'][1 + h(i, 7, 8)]
                                                              AS customer_name,
    DATE '2024-01-01' + h(i, 8, 366)::INTEGER                 AS order_date,
    TIMESTAMP '2024-01-01 00:00:00'
      + to_microseconds(h(i, 9, 31622400000000))              AS created_at,
    CASE WHEN i % 41 = 0 THEN NULL ELSE h(i, 10, 5) = 0 END    AS is_gift,
    CASE WHEN i % 89 = 0 THEN NULL
         ELSE round(h(i, 11, 100000) / 997.0, 6) END          AS weight_kg,
    CASE WHEN i % 61 = 0 THEN NULL
         WHEN i % 7 = 0 THEN []::VARCHAR[]
         ELSE list_slice(['fragile','express','gift-wrap','bulk','insured'],
                         1 + h(i, 12, 3), 2 + h(i, 13, 4)) END AS tags,
    CASE WHEN i % 73 = 0 THEN NULL
         ELSE {'city': ['Berlin','Lagos','Lima','Osaka','Oslo','Pune'][1 + h(i, 14, 6)],
               'zip': (10000 + h(i, 15, 90000))::INTEGER} END AS ship_to
  FROM range(1, ${rows} + 1) t(i)
) TO ${lit(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2048)`;

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('CREATE MACRO h(i, k, m) AS (hash(i, k) % m)::BIGINT');
await con.run(sql);
const r = await con.runAndReadAll(`
  SELECT (SELECT count(*) FROM read_parquet(${lit(out)}))::BIGINT,
         (SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${lit(out)}))::BIGINT,
         version()`);
const [n, groups, version] = r.getRows()[0];
console.log(`wrote ${out}: ${n} rows in ${groups} row groups, snappy (DuckDB ${version})`);
