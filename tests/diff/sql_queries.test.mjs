// sql_queries.test.mjs -- a few hundred Spark SQL queries (sql_queries.mjs)
// through `strata sql` against DuckDB on small Parquet tables DuckDB writes
// (NULLs, duplicates, decimals, dates, timestamps, unicode strings, NaN and
// infinities, an empty table), plus Delta tables strata writes from them.
//
// Each query gives two subtests: "duckdb: NAME" (the translated query runs
// on DuckDB; a failure there is a harness bug) and "NAME" (strata's answer
// equals DuckDB's: a multiset unless the query is marked ordered). The
// first tests check the comparator itself on hand-made answers, so a
// comparator that accepts everything cannot pass.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';
import * as S from './sql_lib.mjs';
import { TABLES, QUERIES } from './sql_queries.mjs';

const tmp = L.makeTempDir('strata-sql-queries-');
let duck;
let deltaError = null;
const expected = new Map();

const pqPath = (t) => tmp.path(`${t}.parquet`);
const deltaPath = (t) => tmp.path(`delta_${t}`);

// {t} -> parquet.`path`, {delta:t} -> delta.`path` (Spark side).
export function bindSpark(sql) {
    return sql.replace(/\{delta:(\w+)\}/g, (_, t) => `delta.\`${deltaPath(t)}\``)
        .replace(/\{(\w+)\}/g, (_, t) => `parquet.\`${pqPath(t)}\``);
}
// Explicit DuckDB texts: {t} -> read_parquet('path').
function bindDuck(sql) {
    return sql.replace(/\{(\w+)\}/g, (_, t) => `read_parquet(${L.sqlStr(pqPath(t))})`);
}

before(async () => {
    duck = await S.openSqlDuck();
    for (const [name, sql] of Object.entries(TABLES))
        await duck.conn.run(`COPY (${sql}) TO ${L.sqlStr(pqPath(name))} (FORMAT parquet, ROW_GROUP_SIZE 16)`);
    try {
        for (const t of ['t1', 't2'])
            L.strataOk(['delta', 'write', deltaPath(t), '--from', pqPath(t)]);
    } catch (e) {
        deltaError = e;
    }
});

after(() => {
    duck?.close();
    tmp.remove();
});

/* ---- the comparator can fail ------------------------------------------------ */

const J = (pairs) => new L.JObj(pairs);
const n = (t) => new L.JNum(t);
const fl = (v) => new L.JFloat(v, 'double');

test('comparator: multiset equality ignores order, not multiplicity', () => {
    const e = [J([['a', n('1')]]), J([['a', n('2')]]), J([['a', n('2')]])];
    assert.equal(S.compareResults(e, [J([['x', n('2')]]), J([['x', n('1')]]), J([['x', n('2')]])]), null);
    assert.match(S.compareResults(e, [J([['a', n('2')]]), J([['a', n('1')]]), J([['a', n('1')]])]), /expected 2, got 1/);
    assert.match(S.compareResults(e, e.slice(0, 2)), /row count: expected 3, got 2/);
    assert.match(S.compareResults(e, [e[1], e[0], e[2]], { ordered: true }), /row 0/);
});

test('comparator: decimals exact, scale-insensitive', () => {
    const e = [J([['d', n('12.30')]])];
    assert.equal(S.compareResults(e, [J([['d', n('12.3')]])]), null);
    assert.equal(S.compareResults(e, [J([['d', n('12.3000')]])]), null);
    assert.match(S.compareResults(e, [J([['d', n('12.31')]])]), /expected 12.3, got 12.31/);
    assert.equal(S.compareResults([J([['d', n('-0.00')]])], [J([['d', n('0')]])]), null);
    assert.match(S.compareResults([J([['i', n('9007199254740993')]])], [J([['i', n('9007199254740992')]])]), /expected/);
});

test('comparator: doubles within 1e-9, Spark decimals within half a unit', () => {
    assert.equal(S.compareResults([J([['x', fl(1 / 3)]])], [J([['x', n('0.33333333333333331')]])]), null);
    assert.match(S.compareResults([J([['x', fl(1 / 3)]])], [J([['x', n('0.3333334')]])]) ?? '', /expected/);
    // avg(decimal) in Spark: DECIMAL(.., 6), DuckDB: DOUBLE
    assert.equal(S.compareResults([J([['x', fl(25.5123456789)]])], [J([['x', n('25.512346')]])]), null);
    assert.match(S.compareResults([J([['x', fl(25.5123456789)]])], [J([['x', n('25.512347')]])]) ?? '', /expected/);
    // a short decimal is not allowed the loose rule
    assert.match(S.compareResults([J([['x', fl(0.14)]])], [J([['x', n('0.1')]])]) ?? '', /expected/);
    assert.equal(S.compareResults([J([['x', fl(NaN)]])], [J([['x', 'NaN']])]), null);
    assert.match(S.compareResults([J([['x', fl(NaN)]])], [J([['x', null]])]) ?? '', /expected/);
});

test('comparator: NULLs, timestamps, strings, columns', () => {
    assert.match(S.compareResults([J([['a', null]])], [J([['a', n('0')]])]) ?? '', /expected NULL/);
    assert.equal(S.compareResults([J([['t', '2020-01-02T03:04:05']])], [J([['t', '2020-01-02T03:04:05Z']])]), null);
    assert.equal(S.compareResults([J([['t', '2020-01-02T03:04:05.500000']])], [J([['t', '2020-01-02T03:04:05.5Z']])]), null);
    assert.match(S.compareResults([J([['s', 'é']])], [J([['s', 'e']])]) ?? '', /expected "é"/);
    assert.match(S.compareResults([J([['a', n('1')], ['b', n('2')]])], [J([['a', n('1')]])]) ?? '', /column count/);
});

test('translation: paths, macros, infix operators', () => {
    const d = S.toDuck("SELECT concat(a, 'x'), s RLIKE '^a', date_add(d, 1) FROM parquet.`/p/t.parquet` t LEFT SEMI JOIN x");
    assert.match(d, /CAST\(a AS VARCHAR\) \|\| CAST\('x' AS VARCHAR\)/);
    assert.match(d, /regexp_matches\(s, '\^a'\)/);
    assert.match(d, /spark_date_add\(d, 1\)/);
    assert.match(d, /read_parquet\('\/p\/t\.parquet'\)/);
    assert.match(d, /SEMI JOIN x/);
    assert.equal(S.toDuck("SELECT 'concat(a)' AS date_add"), "SELECT 'concat(a)' AS date_add");
});

test(`suite size: ${QUERIES.length} queries, unique names`, () => {
    assert.ok(QUERIES.length >= 300, `${QUERIES.length} queries`);
    assert.equal(new Set(QUERIES.map((q) => q.name)).size, QUERIES.length);
});

/* ---- the queries -------------------------------------------------------------- */

// DuckDB reads a Delta table's source Parquet file (the same rows).
const duckText = (q) => (q.duckdb ? bindDuck(q.duckdb)
    : S.toDuck(bindSpark(q.sql.replace(/\{delta:(\w+)\}/g, '{$1}'))));

describe('DuckDB side (translated queries run)', () => {
    for (const q of QUERIES) {
        test(`duckdb: ${q.name}`, async () => {
            expected.set(q.name, await S.duckSqlRows(duck.conn, duckText(q)));
        });
    }
});

describe('strata sql = DuckDB', () => {
    for (const q of QUERIES) {
        test(q.name, async () => {
            if (q.sql.includes('{delta:') && deltaError) throw deltaError;
            const exp = expected.get(q.name) ?? await S.duckSqlRows(duck.conn, duckText(q));
            await S.checkQuery(duck.conn, { ...q, sql: bindSpark(q.sql) }, { expected: exp });
        });
    }
});
