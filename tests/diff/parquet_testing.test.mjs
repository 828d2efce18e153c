// parquet_testing.test.mjs -- conformance of `strata parquet cat` over the
// Apache parquet-testing corpus (testdata/parquet). One subtest per file:
//   data/*.parquet, data/geospatial/*.parquet  -> rows must equal the oracle:
//       <name>_expect.csv where it exists, else DuckDB reading the same file,
//       else a hand-written expectation taken from data/README.md / *.md;
//   data/**/*.parquet.encrypted  -> exit 1, "encrypted Parquet is not supported";
//   data/*corrupt-checksum*       -> exit 1 naming file, column, page and CRC;
//   bad_data/*.parquet            -> a clean error (exit 1, "error: "), never a
//       signal, a sanitizer report or a hang (ARROW-GH-43605 may be read).
// `parquet schema` / `parquet meta` must also succeed on every readable file
// and fail cleanly (or succeed) on the others.
// A summary line with the tallies is printed at the end.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as L from './lib.mjs';

const PQ = path.join(L.TESTDATA, 'parquet');
const DATA = path.join(PQ, 'data');
const BAD = path.join(PQ, 'bad_data');

const listDir = (dir, suffix) => (fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(dir, f))
    : []);

const dataFiles = [...listDir(DATA, '.parquet'), ...listDir(path.join(DATA, 'geospatial'), '.parquet')];
const encryptedFiles = [...listDir(DATA, '.parquet.encrypted'), ...listDir(path.join(DATA, 'aes256'), '.parquet.encrypted')];
const badFiles = listDir(BAD, '.parquet');
const rel = (f) => path.relative(PQ, f);

const tally = { read: 0, encrypted: 0, bad: 0, checksum: 0, failed: 0 };
const failedNames = [];

const duck = await L.openDuck();

after(() => {
    console.log(`parquet conformance: ${tally.read} files read right, ${tally.encrypted} rejected as encrypted, ` +
        `${tally.bad} bad files rejected cleanly, ${tally.checksum} corrupt-checksum files rejected, ${tally.failed} failed` +
        (failedNames.length ? ` (${failedNames.slice(0, 12).join(', ')}${failedNames.length > 12 ? ', ...' : ''})` : ''));
    duck.close();
});

// Registers one subtest per file and keeps the tally (fn may return the
// tally key to count under, default kind).
function fileTest(file, kind, fn) {
    test(rel(file), async () => {
        try {
            tally[(await fn()) ?? kind]++;
        } catch (e) {
            tally.failed++;
            failedNames.push(rel(file));
            throw e;
        }
    });
}

function assertNoSanitizer(r) {
    const san = L.sanitizerReport(r);
    assert.equal(san, null, `${r.cmd}: sanitizer report:\n${san}`);
}

// `parquet schema` and `parquet meta` read only the footer: they must work
// on every readable file (and must not crash on the others).
function assertFooterCommands(file, { mustSucceed }) {
    for (const cmd of ['schema', 'meta']) {
        const r = L.runStrata(['parquet', cmd, file], { timeout: 20000 });
        assertNoSanitizer(r);
        assert.ok(!r.timedOut && r.signal === null, `crash or hang: ${L.describeRun(r)}`);
        if (mustSucceed) assert.equal(r.status, 0, L.describeRun(r));
        else assert.ok(r.status === 0 || (r.status === 1 && /^error: /m.test(r.stderr)), L.describeRun(r));
    }
}

// strata's rows vs expected canonical rows.
function assertRows(file, expected, actual) {
    const d = L.diffRows(expected, actual);
    assert.equal(d, null, `${path.basename(file)}: ${d}`);
}

/* ---- hand-written and derived expectations ------------------------------ */

// <name>_expect.csv: text cells, typed with DuckDB's reading of the file's
// schema (only the column types are taken from DuckDB). Only the columns a
// CSV holds are compared (the delta_* CSVs happen to hold every column);
// an unquoted empty cell is NULL, a quoted one "".
async function expectFromCsv(file, csvPath) {
    const cells = L.parseCsv(fs.readFileSync(csvPath, 'utf8'));
    const { names, types } = await L.duckQuery(duck.conn, `SELECT * FROM read_parquet(${L.sqlStr(file)}) LIMIT 0`);
    const typeOf = new Map(names.map((n, i) => [n, types[i]]));
    // CSV headers name the file's columns up to spaces and the trailing ':'
    // Spark left in delta_encoding_required_column's names ("c_customer_sk:").
    const norm = (s) => s.trim().replace(/:$/, '');
    const header = cells[0].map((c) => {
        const n = names.find((x) => norm(x) === norm(c.text));
        assert.ok(n !== undefined, `${path.basename(csvPath)}: column "${c.text}" is not in the file (${names.join(', ')})`);
        return n;
    });
    const conv = (cell, type) => {
        if (!cell.quoted && cell.text === '') return null;
        const id = type.typeId;
        if ([L.T.TINYINT, L.T.SMALLINT, L.T.INTEGER, L.T.BIGINT, L.T.UTINYINT, L.T.USMALLINT,
            L.T.UINTEGER, L.T.UBIGINT, L.T.DECIMAL].includes(id)) return new L.JNum(cell.text);
        if (id === L.T.FLOAT || id === L.T.DOUBLE)
            return new L.JFloat(Number(cell.text), id === L.T.FLOAT ? 'float' : 'double');
        if (id === L.T.BOOLEAN) return cell.text === 'true';
        if (id === L.T.VARCHAR) return cell.text;
        throw new Error(`csv expectation: unsupported column type ${type.toString()}`);
    };
    const rows = cells.slice(1).filter((r) => !(r.length === 1 && r[0].text === '' && !r[0].quoted));
    return { header, rows: rows.map((r) => new L.JObj(header.map((h, i) => [h, conv(r[i] ?? { text: '', quoted: false }, typeOf.get(h))]))) };
}

// Keeps only the given columns of canonical rows (for CSVs holding a subset).
const project = (rows, cols) => rows.map((r) => new L.JObj(cols.map((c) => [c, r.get(c)])));

// int96_from_spark.md lists the values as microseconds since the epoch; the
// last one (year 290000) overflows DuckDB's nanosecond INT96 conversion, so
// the documented values are the oracle. INT96 is a UTC timestamp.
function expectInt96FromSpark() {
    const micros = [1704141296123456n, 1704070800000000n, 253402225200000000n, 1735599600000000n,
        null, 9089380393200000000n];
    return micros.map((m) => new L.JObj([['a', m === null ? null : L.formatTimestamp(m, 'utc')]]));
}

// map_no_value.md: DuckDB rejects the key-only MAP ("MAP_KEY_VALUE requires
// two children"). Documented content: my_map rows {1,2,3 -> null} ...;
// my_map_no_v and my_list are equivalent list<int32> rows [1,2,3] ....
function expectMapNoValue() {
    const rows = [];
    for (let r = 0; r < 3; r++) {
        const ks = [1, 2, 3].map((k) => k + 3 * r);
        rows.push(new L.JObj([
            ['my_map', new L.JObj(ks.map((k) => [String(k), null]))],
            ['my_map_no_v', ks.map((k) => new L.JNum(String(k)))],
            ['my_list', ks.map((k) => new L.JNum(String(k)))],
        ]));
    }
    return rows;
}

// byte_stream_split_extended: DuckDB cannot decode BYTE_STREAM_SPLIT for
// non-float types; README says each *_byte_stream_split column holds the same
// values as its *_plain twin, which DuckDB does read.
async function expectBssExtended(file) {
    const q = await L.duckQuery(duck.conn, `SELECT name FROM parquet_schema(${L.sqlStr(file)}) WHERE num_children IS NULL`);
    const names = q.rows.map((r) => r[0]);
    const sel = names.map((n) => `${L.sqlIdent(n.replace(/_byte_stream_split$/, '_plain'))} AS ${L.sqlIdent(n)}`);
    return L.duckRows(duck.conn, `SELECT ${sel.join(', ')} FROM read_parquet(${L.sqlStr(file)})`);
}

// DuckDB has no Hadoop LZ4 codec. parquet-testing's lz4 files hold the same
// data as their LZ4_RAW siblings (Arrow's reader tests check them against
// one set of values: c0/c1/v11 rows; 10000 UUID strings "c7ce6bef-..."),
// so the sibling read by DuckDB is the oracle; the schema must match too.
const LZ4_SIBLING = {
    'hadoop_lz4_compressed.parquet': 'lz4_raw_compressed.parquet',
    'non_hadoop_lz4_compressed.parquet': 'lz4_raw_compressed.parquet',
    'hadoop_lz4_compressed_larger.parquet': 'lz4_raw_compressed_larger.parquet',
};
async function expectFromSibling(file) {
    const sib = path.join(path.dirname(file), LZ4_SIBLING[path.basename(file)]);
    const schema = async (f) => (await L.duckQuery(duck.conn,
        `SELECT name, type, converted_type FROM parquet_schema(${L.sqlStr(f)}) WHERE num_children IS NULL`)).rows.map(String).join(';');
    assert.equal(await schema(file), await schema(sib), `${path.basename(file)}: schema differs from ${path.basename(sib)}`);
    return L.duckParquetRows(duck.conn, sib);
}

/* ---- the large string map ----------------------------------------------- */

// large_string_map.brotli.parquet: two rows, each a map {"a" * 2^30: 1}
// (README "Large string map"). The 2 GiB of ndjson is checked as it streams.
async function checkLargeStringMap(file) {
    const A = 1 << 30;
    const line = [Buffer.from('{"arr":{"'), A, Buffer.from('":1}}\n')];
    const segs = [...line, ...line]; // Buffer = literal bytes, number = that many 'a'
    const as = Buffer.alloc(1 << 16, 0x61);
    let seg = 0, off = 0, total = 0, mismatch = null;
    const onChunk = (b) => {
        let i = 0;
        while (i < b.length && mismatch === null) {
            if (seg >= segs.length) { mismatch = `extra output at byte ${total + i}`; return; }
            const s = segs[seg];
            const want = (typeof s === 'number' ? s : s.length) - off;
            const n = Math.min(want, b.length - i);
            let ok;
            if (typeof s === 'number') {
                ok = true;
                for (let k = 0; k < n && ok; k += as.length) {
                    const m = Math.min(as.length, n - k);
                    ok = b.compare(as, 0, m, i + k, i + k + m) === 0;
                }
            } else {
                ok = b.compare(s, off, off + n, i, i + n) === 0;
            }
            if (!ok) {
                mismatch = `output differs near byte ${total + i}: got ${JSON.stringify(b.subarray(i, i + 40).toString('latin1'))}`;
                return;
            }
            i += n;
            off += n;
            if (off === (typeof s === 'number' ? s : s.length)) { seg++; off = 0; }
        }
        total += b.length;
    };
    const r = await L.runStrataStreaming(['parquet', 'cat', file, '--format', 'ndjson'], onChunk, { timeout: 120000 });
    assertNoSanitizer(r);
    assert.ok(!r.timedOut && r.signal === null && r.status === 0, L.describeRun(r));
    assert.equal(mismatch, null, mismatch ?? '');
    assert.equal(seg, segs.length, `output ended early after ${total} bytes`);
}

/* ---- the suites --------------------------------------------------------- */

const CORRUPT_CHECKSUM = {
    // README "Checksum Files": column a page 0 and column b page 1 have bad CRCs.
    'datapage_v1-corrupt-checksum.parquet': ['a', 'b'],
    // Both columns' dictionary pages have bad CRCs.
    'rle-dict-uncompressed-corrupt-checksum.parquet': ['long_field', 'binary_field'],
};

const mentionsColumn = (stderr, col) => (col.length > 2
    ? stderr.includes(col)
    : new RegExp(`(column\\W{0,3}${col}\\b|["'\`]${col}["'\`])`).test(stderr));

for (const file of dataFiles) {
    const base = path.basename(file);
    if (CORRUPT_CHECKSUM[base]) {
        fileTest(file, 'checksum', () => {
            const r = L.runStrata(['parquet', 'cat', file, '--format', 'ndjson'], { timeout: 20000 });
            assertNoSanitizer(r);
            assert.equal(r.status, 1, `page CRC mismatch must fail with exit 1: ${L.describeRun(r)}`);
            assert.match(r.stderr, /^error: /m, L.describeRun(r));
            assert.match(r.stderr, /crc|checksum/i, `error must say crc/checksum: ${L.describeRun(r)}`);
            assert.ok(r.stderr.includes(base), `error must name the file: ${L.describeRun(r)}`);
            assert.ok(CORRUPT_CHECKSUM[base].some((c) => mentionsColumn(r.stderr, c)),
                `error must name the column (${CORRUPT_CHECKSUM[base].join(' or ')}): ${L.describeRun(r)}`);
            assert.match(r.stderr, /page/i, `error must name the page: ${L.describeRun(r)}`);
            assertFooterCommands(file, { mustSucceed: true });
        });
        continue;
    }
    fileTest(file, 'read', async () => {
        if (base === 'large_string_map.brotli.parquet') {
            assertFooterCommands(file, { mustSucceed: true });
            return checkLargeStringMap(file);
        }
        const csv = file.replace(/\.parquet$/, '_expect.csv');
        let expected;
        let columns = null;
        if (fs.existsSync(csv)) {
            const e = await expectFromCsv(file, csv);
            expected = e.rows;
            columns = e.header;
        } else if (base === 'int96_from_spark.parquet') {
            expected = expectInt96FromSpark();
        } else if (base === 'map_no_value.parquet') {
            expected = expectMapNoValue();
        } else if (base === 'byte_stream_split_extended.gzip.parquet') {
            expected = await expectBssExtended(file);
        } else if (LZ4_SIBLING[base]) {
            expected = await expectFromSibling(file);
        } else {
            expected = await L.duckParquetRows(duck.conn, file);
        }
        const r = L.runStrata(['parquet', 'cat', file, '--format', 'ndjson'], { timeout: 30000 });
        assertNoSanitizer(r);
        assert.ok(r.status === 0 && !r.signal, L.describeRun(r));
        let actual = L.parseNdjson(r.stdout);
        if (columns) actual = project(actual, columns);
        assertRows(file, expected, actual);
        assertFooterCommands(file, { mustSucceed: true });
    });
}

for (const file of encryptedFiles) {
    fileTest(file, 'encrypted', () => {
        const r = L.runStrata(['parquet', 'cat', file, '--format', 'ndjson'], { timeout: 20000 });
        assertNoSanitizer(r);
        assert.equal(r.status, 1, L.describeRun(r));
        assert.match(r.stderr, /^error: .*encrypted Parquet is not supported/m, L.describeRun(r));
        const m = L.runStrata(['parquet', 'meta', file], { timeout: 20000 });
        assertNoSanitizer(m);
        assert.equal(m.status, 1, L.describeRun(m));
        assert.match(m.stderr, /^error: .*encrypted Parquet is not supported/m, L.describeRun(m));
    });
}

for (const file of badFiles) {
    const base = path.basename(file);
    fileTest(file, 'bad', async () => {
        const r = L.runStrata(['parquet', 'cat', file, '--format', 'ndjson'], { timeout: 20000 });
        assertNoSanitizer(r);
        assert.ok(!r.timedOut, `hang: ${L.describeRun(r)}`);
        assert.equal(r.signal, null, `crash: ${L.describeRun(r)}`);
        assertFooterCommands(file, { mustSucceed: false });
        if (base === 'ARROW-GH-43605.parquet' && r.status === 0) {
            // A zero-bit-width RLE dictionary index page means every index is 0;
            // readers that accept it must agree with DuckDB, which reads it.
            assertRows(file, await L.duckParquetRows(duck.conn, file), L.parseNdjson(r.stdout));
            return 'read';
        }
        assert.equal(r.status, 1, `corrupt input must fail with exit 1: ${L.describeRun(r)}`);
        assert.match(r.stderr, /^error: /m, L.describeRun(r));
    });
}
