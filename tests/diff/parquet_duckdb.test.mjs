// parquet_duckdb.test.mjs -- differential tests of strata's Parquet reader
// and writer against DuckDB, on data DuckDB generates.
//
// Read direction: DuckDB writes files (every scalar type, nested types with
// NULLs at every level, many row groups, each codec, dictionary-heavy and
// high-cardinality columns, data page v2 + delta encodings) and
// `strata parquet cat --format ndjson` must equal DuckDB's values converted
// to docs/conventions.md. Projection (--columns) and --limit too.
//
// Write direction: `strata parquet rewrite IN OUT --codec c` and DuckDB must
// see the same bag of rows in IN and OUT (EXCEPT ALL both ways), the same
// row count and the expected column types (strata's type mapping changes a
// few, see OUT_TYPE below); OUT must read back through strata exactly as IN
// did and through DuckDB as strata reads it. With --row-group-rows 1000 the
// row groups and their column statistics are checked against the data.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as L from './lib.mjs';

const tmp = L.makeTempDir('strata-pq-duckdb-');
const duck = await L.openDuck();
const conn = duck.conn;
after(() => { duck.close(); tmp.remove(); });

const q = (sql) => L.duckQuery(conn, sql);
const scalar = async (sql) => (await q(sql)).rows[0][0];

/* ---- generated data ----------------------------------------------------- */

// NULL when (i + k) % 13 = 0, away from the edge-value rows 0..9.
const nul = (k, expr) => `CASE WHEN i > 9 AND (i + ${k}) % 13 = 0 THEN NULL ELSE ${expr} END`;

const TYPES_ROWS = 3000;
// narrow: INT32-backed i32/u32 within 2^30 of each other, see V2_WIDE_SQL.
const typesSql = ({ narrow = false } = {}) => `
SELECT
  i::BIGINT AS id,
  ${nul(1, 'i % 3 = 0')} AS b,
  ${nul(2, `CASE i WHEN 2 THEN -128 WHEN 3 THEN 127 ELSE (hash(i) % 256)::INTEGER - 128 END::TINYINT`)} AS i8,
  ${nul(3, `CASE i WHEN 2 THEN -32768 WHEN 3 THEN 32767 ELSE (hash(i) % 65536)::INTEGER - 32768 END::SMALLINT`)} AS i16,
  ${nul(4, narrow ? `((hash(i) % 2147483648)::BIGINT - 1073741824)::INTEGER`
        : `CASE i WHEN 2 THEN -2147483648 WHEN 3 THEN 2147483647 ELSE (hash(i) % 4294967296)::BIGINT - 2147483648 END::INTEGER`)} AS i32,
  ${nul(5, `CASE i WHEN 2 THEN -9223372036854775808 WHEN 3 THEN 9223372036854775807
            WHEN 4 THEN 9007199254740993 ELSE (hash(i) >> 1)::BIGINT * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) END::BIGINT`)} AS i64,
  ${nul(6, `CASE i WHEN 2 THEN 0 WHEN 3 THEN 255 ELSE hash(i * 3) % 256 END::UTINYINT`)} AS u8,
  ${nul(7, `CASE i WHEN 2 THEN 0 WHEN 3 THEN 65535 ELSE hash(i * 3) % 65536 END::USMALLINT`)} AS u16,
  ${nul(8, narrow ? `(hash(i * 3) % 1073741824)::UINTEGER`
        : `CASE i WHEN 2 THEN 0 WHEN 3 THEN 4294967295 ELSE hash(i * 3) % 4294967296 END::UINTEGER`)} AS u32,
  ${nul(9, `CASE i WHEN 2 THEN 0 WHEN 3 THEN 18446744073709551615 WHEN 4 THEN 9223372036854775808
            ELSE hash(i * 3) END::UBIGINT`)} AS u64,
  ${nul(10, `CASE i WHEN 2 THEN 'nan'::FLOAT WHEN 3 THEN 'inf'::FLOAT WHEN 4 THEN '-inf'::FLOAT
             WHEN 5 THEN '-0.0'::FLOAT WHEN 6 THEN 1.4e-45::FLOAT WHEN 7 THEN 3.4028235e38::FLOAT
             WHEN 8 THEN 0.1::FLOAT ELSE (((hash(i) % 2000001)::DOUBLE - 1000000) / 997)::FLOAT END`)} AS f32,
  ${nul(11, `CASE i WHEN 2 THEN 'nan'::DOUBLE WHEN 3 THEN 'inf'::DOUBLE WHEN 4 THEN '-inf'::DOUBLE
             WHEN 5 THEN '-0.0'::DOUBLE WHEN 6 THEN 5e-324 WHEN 7 THEN 1.7976931348623157e308
             WHEN 8 THEN 0.1 WHEN 9 THEN 1.0 / 3 ELSE ((hash(i) % 2000000001)::DOUBLE - 1000000000) / 9973 END`)} AS f64,
  ${nul(12, `CASE i WHEN 2 THEN -99.99 WHEN 3 THEN 99.99 WHEN 4 THEN 0 WHEN 5 THEN -0.01
             ELSE ((hash(i) % 19999)::BIGINT - 9999) * 0.01 END::DECIMAL(4,2)`)} AS d4,
  ${nul(0, `CASE i WHEN 2 THEN -999999.999 WHEN 3 THEN 999999.999 WHEN 4 THEN -0.5
            ELSE ((hash(i) % 1999999999)::BIGINT - 999999999) * 0.001 END::DECIMAL(9,3)`)} AS d9,
  ${nul(1, `CASE i WHEN 2 THEN -999999999999.999999 WHEN 3 THEN 999999999999.999999 WHEN 4 THEN 0.000001
            ELSE ((hash(i) % 1999999999999999999)::HUGEINT - 999999999999999999) * 0.000001 END::DECIMAL(18,6)`)} AS d18,
  ${nul(2, `CASE i WHEN 2 THEN -9999999999999999999999999999.9999999999 WHEN 3 THEN 9999999999999999999999999999.9999999999
            WHEN 4 THEN -0.0000000001 WHEN 5 THEN 12345678901234567890.1234567890
            ELSE ((CASE WHEN i % 2 = 0 THEN '' ELSE '-' END)
                  || ((hash(i) % 10000000000000000000)::HUGEINT * (hash(i + 1) % 10000000000000000000)::HUGEINT // 10000000000)::VARCHAR
                  || '.' || lpad((hash(i + 2) % 10000000000)::VARCHAR, 10, '0'))::DECIMAL(38,10) END::DECIMAL(38,10)`)} AS d38,
  ${nul(3, `CASE
             WHEN i % 10 = 0 THEN ''
             WHEN i % 10 = 1 THEN 'héllo wörld ' || i
             WHEN i % 10 = 2 THEN '日本語テキスト ' || i
             WHEN i % 10 = 3 THEN '🚀✨ emoji ' || i
             WHEN i % 10 = 4 THEN 'quote " backslash \\ tab' || chr(9) || 'nl' || chr(10) || 'cr' || chr(13) || 'ctl' || chr(1) || chr(31) || i
             WHEN i % 97 = 5 THEN repeat('long-', 2000) || i
             ELSE 'str-' || i END`)} AS s,
  ${nul(4, `CASE i % 5 WHEN 0 THEN ''::BLOB WHEN 1 THEN '\\x00\\xFF\\x80\\x7F'::BLOB
            ELSE encode('bytes-' || i) END`)} AS bl,
  ${nul(5, `CASE i WHEN 2 THEN DATE '0001-01-01' WHEN 3 THEN DATE '9999-12-31' WHEN 4 THEN DATE '1969-12-31'
            WHEN 5 THEN DATE '1900-02-28' WHEN 6 THEN DATE '1970-01-01' WHEN 7 THEN DATE '2000-02-29'
            ELSE DATE '1970-01-01' + ((hash(i) % 200000)::INTEGER - 100000) END`)} AS dt,
  ${nul(6, `CASE i WHEN 2 THEN TIME '00:00:00' WHEN 3 THEN TIME '23:59:59.999999' WHEN 4 THEN TIME '12:00:00.5'
            ELSE TIME '00:00:00' + to_microseconds((hash(i) % 86400000000)::BIGINT) END`)} AS t,
  ${nul(7, `CASE i WHEN 2 THEN TIMESTAMP '0001-01-01 00:00:00' WHEN 3 THEN TIMESTAMP '9999-12-31 23:59:59.999999'
            WHEN 4 THEN make_timestamp(-1::BIGINT) WHEN 5 THEN TIMESTAMP '1900-01-01 12:34:56.000001'
            ELSE make_timestamp((hash(i) % 20000000000000000)::BIGINT - 10000000000000000) END`)} AS ts,
  ${nul(8, `CASE i WHEN 2 THEN TIMESTAMPTZ '0001-01-01 00:00:00+00' WHEN 3 THEN TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'
            WHEN 4 THEN make_timestamp(-1::BIGINT)::TIMESTAMPTZ
            ELSE make_timestamp((hash(i + 7) % 20000000000000000)::BIGINT - 10000000000000000)::TIMESTAMPTZ END`)} AS tstz,
  ${nul(9, `CASE i WHEN 2 THEN make_timestamp_ns(-1::BIGINT) WHEN 3 THEN make_timestamp_ns(-1000::BIGINT)
            WHEN 4 THEN make_timestamp_ns(-1001::BIGINT) WHEN 5 THEN make_timestamp_ns(999::BIGINT)
            ELSE make_timestamp_ns((hash(i) % 4000000000000000000)::BIGINT - 2000000000000000000) END`)} AS tsns,
  ${nul(10, `CASE i WHEN 2 THEN make_timestamp(-1000::BIGINT)
             ELSE make_timestamp(((hash(i) % 20000000000000)::BIGINT - 10000000000000) * 1000) END::TIMESTAMP_MS`)} AS tsms,
  ${nul(11, `CASE i WHEN 2 THEN make_timestamp(-1000000::BIGINT)
             ELSE make_timestamp(((hash(i) % 20000000000)::BIGINT - 10000000000) * 1000000) END::TIMESTAMP_S`)} AS tss,
  ${nul(12, `CASE i WHEN 2 THEN '00000000-0000-0000-0000-000000000000'::UUID WHEN 3 THEN 'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID
             WHEN 4 THEN '80000000-0000-0000-0000-000000000000'::UUID WHEN 5 THEN '7fffffff-ffff-ffff-ffff-ffffffffffff'::UUID
             ELSE md5(i::VARCHAR)::UUID END`)} AS uu,
  ${nul(0, `(['sad', 'ok', 'happy'])[i % 3 + 1]::mood`)} AS en,
  (['alpha', 'beta', 'gamma', 'delta', 'epsilon'])[i % 5 + 1] AS lc,
  md5(i::VARCHAR) AS hc,
  NULL::INTEGER AS all_null
FROM range(${TYPES_ROWS}) t(i)`;
const TYPES_SQL = typesSql();

// DuckDB's page-v2 writer computes DELTA_BINARY_PACKED deltas of INT32
// columns in 64 bits, so full-range int32/uint32 data gets 33-bit
// miniblocks. The values still decode exactly with the spec's wrap-around
// arithmetic (mod 2^32), so a reader should accept them.
const V2_WIDE_SQL = `
SELECT i::INTEGER AS id,
  CASE WHEN i % 17 = 5 THEN NULL ELSE ((hash(i) % 4294967296)::BIGINT - 2147483648)::INTEGER END AS i32,
  (hash(i * 3) % 4294967296)::UINTEGER AS u32,
  (CASE WHEN i % 2 = 0 THEN -2147483648 + i ELSE 2147483647 - i END)::INTEGER AS zigzag
FROM range(5000) t(i)`;

const NESTED_ROWS = 2000;
const NESTED_SQL = `
SELECT
  i::BIGINT AS id,
  CASE WHEN i % 17 = 3 THEN NULL ELSE {
      'a': CASE WHEN i % 5 = 1 THEN NULL ELSE i::INTEGER END,
      'b': CASE WHEN i % 7 = 2 THEN NULL ELSE 'v' || i END,
      'c': CASE WHEN i % 11 = 4 THEN NULL ELSE {'x': i / 7.0, 'y': DATE '2000-01-01' + i::INTEGER} END} END AS st,
  CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN []::INTEGER[] WHEN 2 THEN [NULL]::INTEGER[]
       ELSE list_transform(range(i % 5 + 1), x -> CASE WHEN (x + i) % 4 = 3 THEN NULL ELSE (i * 10 + x)::INTEGER END) END AS l,
  CASE WHEN i % 9 = 0 THEN NULL ELSE
       list_transform(range(i % 4), x -> CASE WHEN x = 2 THEN NULL ELSE
           {'k': 'k' || x, 'v': CASE WHEN x = 1 THEN NULL ELSE i * x END} END) END AS ls,
  CASE WHEN i % 10 = 0 THEN NULL ELSE
       list_transform(range(i % 4), x -> CASE WHEN x = 1 AND i % 3 = 0 THEN NULL ELSE
           list_transform(range(x), y -> CASE WHEN y = 1 AND i % 2 = 0 THEN NULL ELSE (x * y + i)::INTEGER END) END) END AS ll,
  CASE WHEN i % 8 = 0 THEN NULL ELSE
       list_transform(range(i % 3), x -> list_transform(range((i + x) % 3), y ->
           CASE WHEN y = 2 THEN []::VARCHAR[] ELSE list_transform(range(y + 1), z -> CASE WHEN z = 1 AND i % 5 = 0 THEN NULL ELSE 's' || i || '.' || x || '.' || y || '.' || z END) END)) END AS lll,
  CASE WHEN i % 9 = 0 THEN NULL ELSE
       map_from_entries(list_transform(range(i % 4), x -> {'key': 'k' || x, 'value': CASE WHEN x = 1 THEN NULL ELSE (i + x)::INTEGER END})) END AS m,
  CASE WHEN i % 7 = 0 THEN NULL ELSE
       map_from_entries(list_transform(range(i % 3), x -> {'key': (i * 10 + x)::INTEGER,
           'value': CASE WHEN x = 1 THEN NULL ELSE ['a' || x, NULL, 'b'] END})) END AS mi,
  map_from_entries(list_transform(range(i % 3), x -> {'key': DATE '1969-12-30' + (x * 1000 + i)::INTEGER, 'value': (i + x) / 3.0})) AS md,
  CASE WHEN i % 13 = 0 THEN NULL ELSE {
      'name': 'n' || i,
      'lm': CASE WHEN i % 6 = 1 THEN NULL ELSE list_transform(range(i % 4), x -> CASE WHEN x = 2 THEN NULL ELSE
               map_from_entries(list_transform(range(x), y -> {'key': 'p' || y, 'value': CASE WHEN y = 1 THEN NULL ELSE (i * y)::INTEGER END})) END) END} END AS slm,
  list_transform(range(i % 3), x -> CASE WHEN x = 1 THEN NULL ELSE make_timestamp((i * 86400000000 * 37 + x) - 500000000000000000) END) AS lts,
  list_transform(range(i % 3), x -> ((i * 1000003 + x) % 2000000000000 - 1000000000000) * 0.000001)::DECIMAL(18,6)[] AS ldec,
  list_transform(range(i % 3), x -> CASE WHEN x = 1 AND i % 2 = 0 THEN 'nan'::FLOAT ELSE (i * 0.25 - x)::FLOAT END) AS lf,
  CASE WHEN i % 11 = 0 THEN NULL ELSE {
      'u': md5(i::VARCHAR)::UUID,
      'tz': make_timestamp(i * 1234567890123)::TIMESTAMPTZ,
      'ns': make_timestamp_ns(i * 1234567890123457),
      'bin': CASE WHEN i % 3 = 0 THEN NULL ELSE encode('b' || i) END} END AS sts
FROM range(${NESTED_ROWS}) t(i)`;

const BIG_ROWS = 100000;
const BIG_SQL = `
SELECT
  i::BIGINT AS id,
  (['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white'])[i % 8 + 1] AS lc,
  md5(i::VARCHAR) AS hc,
  ((hash(i) % 1000000)::DOUBLE - 500000) / 1000 AS x,
  CASE WHEN i % 10 = 3 THEN NULL ELSE (hash(i) % 1000)::INTEGER END AS n,
  (i % 10)::INTEGER AS small,
  DATE '2020-01-01' + (i % 1000)::INTEGER AS d,
  i % 2 = 0 AS flag,
  ((hash(i) % 100000000)::BIGINT - 50000000) * 0.01 AS amount
FROM range(${BIG_ROWS}) t(i)`;

// name -> { sql, codec, rowGroupSize, v2 }
const CODECS = ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli'];
const GEN = {};
for (const c of CODECS) {
    GEN[`types_${c}`] = { sql: TYPES_SQL, codec: c, rowGroupSize: 1000 };
    GEN[`nested_${c}`] = { sql: NESTED_SQL, codec: c, rowGroupSize: 700 };
}
GEN.big_zstd = { sql: BIG_SQL, codec: 'zstd', rowGroupSize: 10000 };
GEN.big_snappy_v2 = { sql: BIG_SQL, codec: 'snappy', rowGroupSize: 10000, v2: true };
GEN.types_v2 = { sql: typesSql({ narrow: true }), codec: 'zstd', rowGroupSize: 1000, v2: true };
GEN.v2_int32_33bit_deltas = { sql: V2_WIDE_SQL, codec: 'snappy', rowGroupSize: 5000, v2: true };
GEN.nested_v2 = { sql: NESTED_SQL, codec: 'snappy', rowGroupSize: 700, v2: true };
// FLBA(12) INTERVAL maps to BINARY; read direction only.
GEN.interval = {
    sql: `SELECT i::INTEGER AS id, CASE WHEN i = 3 THEN NULL ELSE
            to_months(i::INTEGER) + to_days((i * 3)::INTEGER) + to_milliseconds((i * 1000003)::BIGINT) END AS iv
          FROM range(50) t(i)`,
    codec: 'snappy', rowGroupSize: 1000, readOnly: true,
};

const file = (name) => tmp.path(`${name}.parquet`);
let v2Supported = true;

try {
    await conn.run(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
    for (const [name, g] of Object.entries(GEN)) {
        const opts = [`FORMAT parquet`, `COMPRESSION ${g.codec}`, `ROW_GROUP_SIZE ${g.rowGroupSize}`];
        if (g.v2) opts.push('PARQUET_VERSION V2');
        try {
            await conn.run(`COPY (${g.sql}) TO ${L.sqlStr(file(name))} (${opts.join(', ')})`);
        } catch (e) {
            if (!g.v2) throw e;
            v2Supported = false; // older DuckDB without PARQUET_VERSION
            delete GEN[name];
        }
    }
} catch (e) {
    tmp.remove(); // the after hook never runs when module setup fails
    throw e;
}

// DuckDB rows of a file (canonical) and strata rows, cached per file.
const strataCache = new Map();
function strataRows(f) {
    if (!strataCache.has(f)) strataCache.set(f, L.strataCat(f));
    return strataCache.get(f);
}

function assertSameRows(expected, actual, what) {
    const d = L.diffRows(expected, actual);
    assert.equal(d, null, `${what}: ${d}`);
}

/* ---- read direction ----------------------------------------------------- */

describe('read: strata parquet cat vs DuckDB', () => {
    test('generated files are what they claim (codec, row groups, page v2)', async () => {
        for (const [name, g] of Object.entries(GEN)) {
            const want = g.codec === 'lz4' ? 'LZ4_RAW' : g.codec.toUpperCase();
            const codecs = (await q(`SELECT DISTINCT compression FROM parquet_metadata(${L.sqlStr(file(name))})`)).rows.map((r) => r[0]);
            assert.deepEqual(codecs, [want], `${name}: codecs ${codecs}`);
        }
        assert.ok(await scalar(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${L.sqlStr(file('big_zstd'))})`) >= 9n);
        if (!v2Supported) {
            console.log('# DuckDB lacks PARQUET_VERSION V2: page v2 / delta files not generated');
        } else {
            const enc = (await q(`SELECT string_agg(DISTINCT encodings, ',') FROM parquet_metadata(${L.sqlStr(file('types_v2'))})`)).rows[0][0];
            assert.match(enc, /DELTA_/, `types_v2 should use delta encodings, has ${enc}`);
            const wide = (await q(`SELECT encodings FROM parquet_metadata(${L.sqlStr(file('v2_int32_33bit_deltas'))}) WHERE path_in_schema = 'i32'`)).rows[0][0];
            assert.match(wide, /DELTA_BINARY_PACKED/, `v2_int32_33bit_deltas.i32 encodings ${wide}`);
        }
    });

    for (const name of Object.keys(GEN)) {
        test(`cat ${name}`, async () => {
            const expected = await L.duckParquetRows(conn, file(name));
            assertSameRows(expected, strataRows(file(name)), name);
        });
    }
});

describe('projection and limit', () => {
    const cases = [
        ['types_snappy', ['i64', 's']],
        ['types_snappy', ['s', 'i64']],             // order as asked
        ['types_snappy', ['uu', 'tsns', 'd38', 'bl']],
        ['types_zstd', ['all_null']],
        ['nested_zstd', ['slm', 'id']],
        ['nested_snappy', ['m', 'lll', 'sts']],
        ['big_zstd', ['hc', 'n']],
    ];
    for (const [name, cols] of cases) {
        test(`${name} --columns ${cols.join(',')}`, async () => {
            const expected = await L.duckParquetRows(conn, file(name), cols);
            assertSameRows(expected, L.strataCat(file(name), ['--columns', cols.join(',')]), `${name} [${cols}]`);
        });
    }

    test('--limit 25 on a multi-row-group file', async () => {
        const f = file('big_zstd');
        const tsMode = await L.parquetTsModes(conn, f);
        const expected = await L.duckRows(conn, `SELECT * FROM read_parquet(${L.sqlStr(f)}) LIMIT 25`, { tsMode });
        assertSameRows(expected, L.strataCat(f, ['--limit', '25']), 'big_zstd --limit 25');
    });

    test('--columns with --limit', async () => {
        const f = file('nested_snappy');
        const expected = await L.duckRows(conn, `SELECT ll, st FROM read_parquet(${L.sqlStr(f)}) LIMIT 7`);
        assertSameRows(expected, L.strataCat(f, ['--columns', 'll,st', '--limit', '7']), 'nested_snappy ll,st --limit 7');
    });

    test('unknown column is a clean error', () => {
        const r = L.runStrata(['parquet', 'cat', file('types_snappy'), '--columns', 'id,no_such_column']);
        assert.equal(L.sanitizerReport(r), null);
        assert.equal(r.status, 1, L.describeRun(r));
        assert.match(r.stderr, /^error: .*no_such_column/m, L.describeRun(r));
    });
});

/* ---- write direction ---------------------------------------------------- */

// Column types DuckDB sees after a strata round trip: strata reads UUID as
// STRING, every timestamp unit as micros, ENUM as STRING (conventions.md).
const OUT_TYPE = (t) => t
    .replace(/\bUUID\b/g, 'VARCHAR')
    .replace(/\bTIMESTAMP_(NS|MS|S)\b/g, 'TIMESTAMP')
    .replace(/\bENUM\([^)]*\)/g, 'VARCHAR');

const META_CODEC = { none: 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP', zstd: 'ZSTD', lz4_raw: 'LZ4_RAW', brotli: 'BROTLI' };

async function describeFile(f) {
    return (await q(`DESCRIBE SELECT * FROM read_parquet(${L.sqlStr(f)})`)).rows.map((r) => ({ name: r[0], type: r[1] }));
}

// IN's column as it should appear in OUT. Top-level TIMESTAMP_NS is floored
// to micros (conventions: toward -inf; DuckDB's cast truncates toward 0).
function castIn(col, inType, outType) {
    const c = L.sqlIdent(col.name);
    if (inType === outType) return c;
    if (inType === 'TIMESTAMP_NS')
        return `make_timestamp(epoch_ns(${c}) // 1000 - CASE WHEN epoch_ns(${c}) % 1000 < 0 THEN 1 ELSE 0 END) AS ${c}`;
    return `CAST(${c} AS ${outType}) AS ${c}`;
}

function rewrite(inFile, outFile, args) {
    const r = L.runStrata(['parquet', 'rewrite', inFile, outFile, ...args], { timeout: 120000 });
    assert.equal(L.sanitizerReport(r), null, L.sanitizerReport(r) ?? '');
    assert.ok(r.status === 0 && !r.signal, L.describeRun(r));
}

async function checkRoundTrip(inFile, outFile, codec) {
    const inName = path.basename(inFile);
    if (codec) {
        const codecs = (await q(`SELECT DISTINCT compression FROM parquet_metadata(${L.sqlStr(outFile)})`)).rows.map((r) => r[0]);
        assert.deepEqual(codecs, [META_CODEC[codec]], `${inName} --codec ${codec}: OUT column chunks use ${codecs}`);
    }
    const inCols = await describeFile(inFile);
    const outCols = await describeFile(outFile);
    assert.deepEqual(outCols.map((c) => c.name), inCols.map((c) => c.name), `${inName}: column names`);
    for (let i = 0; i < inCols.length; i++) {
        assert.equal(outCols[i].type, OUT_TYPE(inCols[i].type),
            `${inName}: column ${inCols[i].name}: IN ${inCols[i].type}, OUT ${outCols[i].type}`);
    }
    const nIn = await scalar(`SELECT count(*) FROM read_parquet(${L.sqlStr(inFile)})`);
    const nOut = await scalar(`SELECT count(*) FROM read_parquet(${L.sqlStr(outFile)})`);
    assert.equal(nOut, nIn, `${inName}: row count`);

    const inSel = inCols.map((c, i) => castIn(c, c.type, outCols[i].type)).join(', ');
    const inQ = `SELECT ${inSel} FROM read_parquet(${L.sqlStr(inFile)})`;
    const outQ = `SELECT * FROM read_parquet(${L.sqlStr(outFile)})`;
    const missing = await scalar(`SELECT count(*) FROM (${inQ} EXCEPT ALL ${outQ})`);
    const extra = await scalar(`SELECT count(*) FROM (${outQ} EXCEPT ALL ${inQ})`);
    if (missing !== 0n || extra !== 0n) {
        let example = '';
        if (inCols.some((c) => c.name === 'id')) {
            // Pair rows by id and name the first differing columns.
            const cols = inCols.map((c) => L.sqlIdent(c.name));
            const sql = `SELECT i.id, ${cols.map((c) => `i.${c} IS DISTINCT FROM o.${c}, i.${c}::VARCHAR, o.${c}::VARCHAR`).join(', ')}
                FROM (${inQ}) i JOIN (${outQ}) o ON i.id = o.id
                WHERE ${cols.map((c) => `i.${c} IS DISTINCT FROM o.${c}`).join(' OR ')} ORDER BY i.id LIMIT 1`;
            const r = (await q(sql)).rows[0];
            if (r) {
                const diffs = [];
                inCols.forEach((c, k) => { if (r[1 + 3 * k]) diffs.push(`${c.name}: IN ${r[2 + 3 * k]} / OUT ${r[3 + 3 * k]}`); });
                example = `first differing row id=${r[0]}: ${diffs.join('; ').slice(0, 800)}`;
            }
        }
        if (!example) {
            const ex = await q(`SELECT * FROM (${inQ} EXCEPT ALL ${outQ}) LIMIT 1`);
            const fmt = (x) => (x.rows.length ? x.names.map((n, i) => `${n}=${String(x.rows[0][i])}`).join(' ').slice(0, 600) : '-');
            example = `e.g. IN row ${fmt(ex)}`;
        }
        assert.fail(`${inName}: ${missing} IN rows missing from OUT, ${extra} OUT rows not in IN; ${example}`);
    }
    // OUT reads back through strata exactly as IN did (strata's own IN rows
    // are the expectation: number texts compare verbatim) ...
    const outRows = L.strataCat(outFile);
    assertSameRows(strataRows(inFile), outRows, `${inName}: strata(OUT) vs strata(IN)`);
    // ... and DuckDB reads OUT, in order, the way strata does.
    assertSameRows(await L.duckParquetRows(conn, outFile), outRows, `${inName}: strata(OUT) vs DuckDB(OUT)`);
}

// Row groups of OUT and their statistics vs the data: rowsPerGroup rows per
// group (the last one the rest); per row group and checked column,
// min/max (NaN ignored) and null_count equal the data's. A bound may be
// looser only where the file marks it inexact (is_{min,max}_value_exact);
// float min/max may be left out only for a row group holding NaN.
async function checkRowGroupsAndStats(outFile, rowsPerGroup, nRows) {
    const f = L.sqlStr(outFile);
    const base = path.basename(outFile);
    const groups = (await q(`SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${f}) ORDER BY 1`)).rows;
    const problems = [];
    const want = Math.ceil(nRows / rowsPerGroup);
    if (groups.length !== want) problems.push(`${groups.length} row groups, want ${want}`);
    groups.forEach(([id, n], i) => {
        const w = i < want - 1 ? rowsPerGroup : nRows - rowsPerGroup * (want - 1);
        if (Number(n) !== w) problems.push(`row group ${id} has ${n} rows, want ${w}`);
    });
    // Row ranges of the groups as they are, so statistics are checked even
    // when the sizes are off.
    let start = 0;
    const ranges = groups.map(([id, n]) => { const r = `(${id}, ${start}, ${start + Number(n)})`; start += Number(n); return r; });
    const checked = (await describeFile(outFile)).filter((c) =>
        /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|VARCHAR|DATE)$/.test(c.type));
    assert.ok(checked.length > 0, 'no columns to check');
    for (const { name, type } of checked) {
        const c = L.sqlIdent(name);
        const isFloat = type === 'FLOAT' || type === 'DOUBLE';
        const filt = isFloat ? ` FILTER (WHERE NOT isnan(${c}))` : '';
        const sql = `
            WITH g(rg, lo_row, hi_row) AS (VALUES ${ranges.join(', ')}),
            a AS (
                SELECT g.rg, min(${c})${filt} AS lo, max(${c})${filt} AS hi, count(*) - count(${c}) AS nulls,
                       ${isFloat ? `count(*) FILTER (WHERE isnan(${c}))` : '0'} AS nans
                FROM read_parquet(${f}, file_row_number = true) r
                JOIN g ON r.file_row_number >= g.lo_row AND r.file_row_number < g.hi_row
                GROUP BY g.rg),
            s AS (
                SELECT row_group_id AS rg,
                       COALESCE(stats_min_value, stats_min) AS smin_t, COALESCE(stats_max_value, stats_max) AS smax_t,
                       TRY_CAST(COALESCE(stats_min_value, stats_min) AS ${type}) AS smin,
                       TRY_CAST(COALESCE(stats_max_value, stats_max) AS ${type}) AS smax,
                       stats_null_count AS snull, min_is_exact, max_is_exact
                FROM parquet_metadata(${f}) WHERE path_in_schema = ${L.sqlStr(name)})
            SELECT rg, lo::VARCHAR, hi::VARCHAR, nulls, smin_t, smax_t, snull,
                   lo IS NULL OR smin = lo OR (min_is_exact = false AND smin <= lo) OR no_bounds_nan AS min_ok,
                   hi IS NULL OR smax = hi OR (max_is_exact = false AND smax >= hi) OR no_bounds_nan AS max_ok,
                   snull IS NOT DISTINCT FROM nulls AS null_ok
            FROM (SELECT *, nans > 0 AND smin_t IS NULL AND smax_t IS NULL AS no_bounds_nan
                  FROM a FULL JOIN s USING (rg)) ORDER BY rg`;
        for (const [rg, lo, hi, nulls, smin, smax, snull, minOk, maxOk, nullOk] of (await q(sql)).rows) {
            if (minOk !== true || maxOk !== true || nullOk !== true) {
                const cut = (x) => (x === null ? 'absent' : String(x).length > 40 ? String(x).slice(0, 40) + '...' : String(x));
                problems.push(`column ${name} (${type}) row group ${rg}: data min ${cut(lo)} max ${cut(hi)} nulls ${nulls}; ` +
                    `stats min ${cut(smin)} max ${cut(smax)} null_count ${cut(snull)}`);
            }
        }
    }
    assert.deepEqual(problems.slice(0, 10), [], `${base}: ${problems.length} row group / statistics problems`);
}

describe('write: strata parquet rewrite, checked by DuckDB', () => {
    const inputs = ['types_snappy', 'nested_snappy', 'big_zstd', 'types_v2', 'nested_v2'].filter((n) => GEN[n]);
    for (const name of inputs) {
        const codecs = name === 'types_snappy' ? ['none', 'snappy', 'zstd', 'gzip', 'lz4_raw', 'brotli'] : ['none', 'snappy', 'zstd', 'gzip'];
        for (const codec of codecs) {
            test(`rewrite ${name} --codec ${codec}`, async () => {
                const out = tmp.path(`${name}.rw.${codec}.parquet`);
                rewrite(file(name), out, ['--codec', codec]);
                await checkRoundTrip(file(name), out, codec);
            });
        }
    }

    // Every other generated file once (same data as above, other source codecs
    // and page layouts).
    for (const name of Object.keys(GEN).filter((n) => !inputs.includes(n) && !GEN[n].readOnly)) {
        test(`rewrite ${name} --codec zstd`, async () => {
            const out = tmp.path(`${name}.rw.zstd.parquet`);
            rewrite(file(name), out, ['--codec', 'zstd']);
            await checkRoundTrip(file(name), out, 'zstd');
        });
    }

    test('rewrite --no-dictionary writes no dictionary pages and the same rows', async () => {
        const out = tmp.path('types_snappy.nodict.parquet');
        rewrite(file('types_snappy'), out, ['--no-dictionary']);
        const enc = (await q(`SELECT path_in_schema, encodings, dictionary_page_offset FROM parquet_metadata(${L.sqlStr(out)})
                              WHERE encodings LIKE '%DICTIONARY%' OR dictionary_page_offset IS NOT NULL LIMIT 3`)).rows;
        assert.deepEqual(enc.map(String), [], 'column chunks with dictionary encoding');
        await checkRoundTrip(file('types_snappy'), out, null);
    });

    test('rewrite uses a dictionary for a low-cardinality column by default', async () => {
        const out = tmp.path('big_zstd.dict.parquet');
        rewrite(file('big_zstd'), out, ['--codec', 'zstd']);
        const encs = (await q(`SELECT DISTINCT encodings FROM parquet_metadata(${L.sqlStr(out)}) WHERE path_in_schema = 'lc'`)).rows.map((r) => r[0]);
        assert.ok(encs.length > 0 && encs.every((e) => /DICTIONARY/.test(e)), `lc encodings: ${encs}`);
    });

    for (const [name, n] of [['types_snappy', TYPES_ROWS], ['big_zstd', BIG_ROWS], ['nested_snappy', NESTED_ROWS]]) {
        test(`rewrite ${name} --row-group-rows 1000: row groups and statistics`, async () => {
            const out = tmp.path(`${name}.rg1000.parquet`);
            rewrite(file(name), out, ['--row-group-rows', '1000', '--codec', 'snappy']);
            await checkRowGroupsAndStats(out, 1000, n);
            await checkRoundTrip(file(name), out, 'snappy');
        });
    }
});
