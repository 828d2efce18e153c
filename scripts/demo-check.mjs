// demo-check.mjs -- reads the demo's original Parquet file and strata's rewrite
// back with DuckDB and checks the round trip: same column names and types, same
// row count, same order-independent checksum, and an empty EXCEPT ALL both ways
// (multiset equality, NULLs included); with CODEC, that every column chunk of
// the rewrite uses that codec. Exits 1 on any difference.
// Usage: node scripts/demo-check.mjs ORIGINAL.parquet REWRITTEN.parquet [CODEC]
import { DuckDBInstance } from '@duckdb/node-api';

const [a, b, codec] = process.argv.slice(2);
if (!a || !b) {
    console.error('usage: node scripts/demo-check.mjs ORIGINAL.parquet REWRITTEN.parquet [CODEC]');
    process.exit(2);
}
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
const ident = (s) => `"${s.replace(/"/g, '""')}"`;

const con = await (await DuckDBInstance.create(':memory:')).connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();
const one = async (sql) => (await rows(sql))[0][0];

let ok = true;
const fail = (msg) => { console.log(`  MISMATCH: ${msg}`); ok = false; };

const schema = async (f) => rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${lit(f)}))`);
const sa = await schema(a);
const sb = await schema(b);
if (sa.length !== sb.length)
    fail(`original has ${sa.length} columns, rewrite has ${sb.length}`);
for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i][0] !== sb[i][0])
        fail(`column ${i + 1} is "${sa[i][0]}" in the original but "${sb[i][0]}" in the rewrite`);
    else if (sa[i][1] !== sb[i][1])
        fail(`column "${sa[i][0]}" is ${sa[i][1]} in the original but ${sb[i][1]} in the rewrite`);
}
const codecs = async (f) => (await rows(
    `SELECT DISTINCT compression FROM parquet_metadata(${lit(f)}) ORDER BY 1`)).map((r) => r[0]).join(',');
console.log(`  columns: ${sa.length} in the original, ${sb.length} in the rewrite`);
const cb = await codecs(b);
console.log(`  codecs:  ${await codecs(a)} in the original, ${cb} in the rewrite`);
if (codec && cb !== codec.toUpperCase()) fail(`the rewrite should use ${codec.toUpperCase()} only`);

// Order-independent checksum: xor of the hash of each whole row.
const stats = async (f) => (await rows(
    `SELECT count(*)::BIGINT, bit_xor(hash(t))::UBIGINT FROM read_parquet(${lit(f)}) t`))[0];
const [na, ha] = await stats(a);
const [nb, hb] = await stats(b);
console.log(`  rows:    ${na} in the original, ${nb} in the rewrite`);
console.log(`  checksum ${ha.toString(16).padStart(16, '0')} original, ${hb.toString(16).padStart(16, '0')} rewrite`);
if (na !== nb) fail('row counts differ');
if (ha !== hb) fail('checksums differ');

if (sa.length === sb.length && sa.every((c, i) => c[0] === sb[i][0])) {
    // Compare as the original's types so a type change does not hide equal data.
    const proj = sa.map(([n, t]) => `${ident(n)}::${t}`).join(', ');
    const sel = (f) => `SELECT ${proj} FROM read_parquet(${lit(f)})`;
    const onlyA = await one(`SELECT count(*)::BIGINT FROM (${sel(a)} EXCEPT ALL ${sel(b)})`);
    const onlyB = await one(`SELECT count(*)::BIGINT FROM (${sel(b)} EXCEPT ALL ${sel(a)})`);
    console.log(`  rows only in the original: ${onlyA}, only in the rewrite: ${onlyB}`);
    if (onlyA !== 0n || onlyB !== 0n) fail('the files hold different rows');
}

console.log(ok ? 'round trip: identical' : 'round trip: FAILED');
process.exit(ok ? 0 : 1);
