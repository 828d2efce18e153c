// sql_random.test.mjs -- seeded random queries through `strata sql` and
// DuckDB for a bounded time (SQL_RANDOM_SECONDS, default 20), failing with
// the seed and the query text on the first difference.
//
// Queries: SELECT of typed expressions (arithmetic, CASE, COALESCE,
// string and date functions) over 1 to 3 small Parquet tables joined on
// keys (inner/left/right/full), WHERE built from AND/OR/NOT, comparisons,
// IS [NOT] NULL, IN and BETWEEN; or GROUP BY of 1-2 expressions with
// count/sum/min/max/avg and an optional HAVING; ORDER BY every output
// column, and LIMIT when every output column is exact (no double or
// average, whose last bits or Spark decimal rounding could reorder ties).
//
// Avoided by construction (Spark and DuckDB legitimately differ): `/` and
// integer division, overflow (values stay below 10^6 and products use
// literals <= 9), casts of fractional values, division by zero (% only by
// nonzero literals), -0.0 (double multipliers are positive), comparisons
// between doubles and decimals, first/last.
//
// Reproduce one query: SQL_RANDOM_SEED=<seed> (printed on failure; query i
// uses seed + i). SQL_RANDOM_SEED alone also fixes the whole run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';
import * as S from './sql_lib.mjs';

const SECONDS = Number(process.env.SQL_RANDOM_SECONDS ?? 20);
const BASE_SEED = process.env.SQL_RANDOM_SEED !== undefined
    ? Number(process.env.SQL_RANDOM_SEED) : (Date.now() % 1000000007);

const tmp = L.makeTempDir('strata-sql-random-');
let duck;

// Column types: int, big (bigint), dec (decimal(9,2)), dbl, str, date, bool.
const SCHEMAS = {
    r1: {
        rows: 60,
        cols: { a: 'int', b: 'int', c: 'big', d: 'dec', x: 'dbl', s: 'str', dt: 'date', bo: 'bool' },
        sql: `SELECT
            CASE WHEN i % 11 = 7 THEN NULL ELSE i % 10 END::INTEGER AS a,
            CASE WHEN i % 9 = 4 THEN NULL ELSE (i * 37) % 101 - 50 END::INTEGER AS b,
            ((i * 7919) % 100003)::BIGINT AS c,
            CASE WHEN i % 8 = 3 THEN NULL ELSE ((i * 131) % 2001 - 1000) / 100 END::DECIMAL(9,2) AS d,
            CASE WHEN i % 10 = 6 THEN NULL ELSE ((i * 53) % 997) / 7.0 - 60 END::DOUBLE AS x,
            CASE WHEN i % 12 = 1 THEN NULL ELSE (['ant', 'Bee', 'cat', 'dög', '東京', '', 'eel eel', 'Fox'])[i % 8 + 1] END AS s,
            CASE WHEN i % 13 = 2 THEN NULL ELSE DATE '2019-11-30' + ((i * 41) % 900)::INTEGER END AS dt,
            CASE WHEN i % 7 = 5 THEN NULL ELSE i % 3 = 1 END AS bo
          FROM range(60) r(i)`,
    },
    r2: {
        rows: 30,
        cols: { a: 'int', e: 'int', s2: 'str', d2: 'dec' },
        sql: `SELECT
            CASE WHEN i % 10 = 9 THEN NULL ELSE (i * 3) % 12 END::INTEGER AS a,
            CASE WHEN i % 7 = 6 THEN NULL ELSE i % 6 END::INTEGER AS e,
            CASE WHEN i % 5 = 4 THEN NULL ELSE (['p', 'q', 'Rr', 'ü', 'tt'])[i % 5 + 1] END AS s2,
            (((i * 173) % 999 - 400) / 10)::DECIMAL(9,2) AS d2
          FROM range(30) r(i)`,
    },
    r3: {
        rows: 10,
        cols: { e: 'int', f: 'str' },
        sql: `SELECT * FROM (VALUES (0, 'zero'), (1, 'one'), (1, 'uno'), (2, NULL), (3, 'three'),
            (NULL, 'null'), (7, 'seven'), (4, 'four'), (5, 'five'), (NULL, NULL)) v(e, f)`,
    },
};

// mulberry32
function rng(seed) {
    let t = seed >>> 0;
    const next = () => {
        t = (t + 0x6D2B79F5) >>> 0;
        let r = Math.imul(t ^ (t >>> 15), 1 | t);
        r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
        return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n) => Math.floor(next() * n);
    return { next, int, pick: (a) => a[int(a.length)], chance: (p) => next() < p };
}

const STR_LITS = ["'ant'", "'Bee'", "'cat'", "'東京'", "''", "'p'", "'zzz'"];
const DATE_LITS = ["DATE '2020-01-01'", "DATE '2020-06-15'", "DATE '2021-02-28'", "DATE '2019-12-31'"];

// Generates one query. Returns { sql, ordered, exactOnly }.
export function genQuery(seed, paths) {
    const R = rng(seed);
    // FROM
    const n = R.pick([1, 1, 2, 2, 3]);
    const scope = [{ t: 'r1', alias: 't1' }];
    let from = `parquet.\`${paths.r1}\` t1`;
    if (n >= 2) {
        const jt = R.pick(['JOIN', 'JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN']);
        from += ` ${jt} parquet.\`${paths.r2}\` t2 ON t1.a = t2.a`;
        scope.push({ t: 'r2', alias: 't2' });
    }
    if (n >= 3) {
        const jt = R.pick(['JOIN', 'LEFT JOIN']);
        from += ` ${jt} parquet.\`${paths.r3}\` t3 ON t2.e = t3.e`;
        scope.push({ t: 'r3', alias: 't3' });
    }
    const colsOf = (type) => scope.flatMap(({ t, alias }) =>
        Object.entries(SCHEMAS[t].cols).filter(([, ty]) => ty === type).map(([c]) => `${alias}.${c}`));

    const lit = {
        int: () => String(R.int(21) - 10),
        big: () => String(R.int(2001) - 1000),
        dec: () => `${R.int(201) - 100}.${R.int(10)}${R.int(10)}`,
        dbl: () => `${R.int(100)}.${R.int(10)}E0`,
        str: () => R.pick(STR_LITS),
        date: () => R.pick(DATE_LITS),
        bool: () => R.pick(['true', 'false']),
    };

    const expr = (type, depth) => {
        const cols = colsOf(type);
        if (depth <= 0 || R.chance(0.35)) {
            if (cols.length && R.chance(0.8)) return R.pick(cols);
            if (type === 'bool') return pred(0);
            return lit[type]();
        }
        const sub = (t = type) => expr(t, depth - 1);
        switch (type) {
        case 'int': return R.pick([
            () => `(${sub()} + ${sub()})`, () => `(${sub()} - ${sub()})`, () => `(${sub()} * ${R.int(9) + 1})`,
            () => `abs(${sub()})`, () => `(${sub()} % ${R.int(8) + 2})`, () => `coalesce(${sub()}, ${lit.int()})`,
            () => `CASE WHEN ${pred(depth - 1)} THEN ${sub()} ELSE ${sub()} END`,
            () => `greatest(${sub()}, ${sub()})`, () => `least(${sub()}, ${sub()})`,
            () => `length(${sub('str')})`, () => `year(${sub('date')})`, () => `month(${sub('date')})`,
            () => `datediff(${sub('date')}, ${lit.date()})`, () => `(-(${sub()}))`,
        ])();
        case 'big': return R.pick([
            () => `(${sub()} + ${sub('int')})`, () => `(${sub()} - ${sub()})`, () => `(${sub()} * ${R.int(9) + 1})`,
            () => `coalesce(${sub()}, ${lit.big()})`, () => `(${sub()} % ${R.int(90) + 10})`,
        ])();
        case 'dec': return R.pick([
            () => `(${sub()} + ${sub()})`, () => `(${sub()} - ${sub()})`, () => `(${sub()} * ${R.int(9) + 1})`,
            () => `(${sub()} + ${sub('int')})`, () => `abs(${sub()})`, () => `coalesce(${sub()}, ${lit.dec()})`,
            () => `CASE WHEN ${pred(depth - 1)} THEN ${sub()} ELSE ${sub()} END`, () => `round(${sub()}, 1)`,
            () => `(-(${sub()}))`,
        ])();
        case 'dbl': return R.pick([
            () => `(${sub()} + ${sub()})`, () => `(${sub()} - ${sub()})`, () => `(${sub()} * ${R.int(5) + 1}.5E0)`,
            () => `abs(${sub()})`, () => `coalesce(${sub()}, ${lit.dbl()})`, () => `(${sub()} + ${sub('int')})`,
        ])();
        case 'str': return R.pick([
            () => `upper(${sub()})`, () => `lower(${sub()})`, () => `concat(${sub()}, ${lit.str()})`,
            () => `substring(${sub()}, ${R.int(3) + 1}, ${R.int(4) + 1})`, () => `trim(${sub()})`,
            () => `coalesce(${sub()}, ${lit.str()})`, () => `CASE WHEN ${pred(depth - 1)} THEN ${sub()} ELSE ${sub()} END`,
            () => `lpad(${sub()}, ${R.int(6) + 1}, '*')`, () => `replace(${sub()}, 'a', 'A')`,
        ])();
        case 'date': return R.pick([
            () => `date_add(${sub()}, ${R.int(400) - 200})`, () => `date_sub(${sub()}, ${R.int(100)})`,
            () => `coalesce(${sub()}, ${lit.date()})`, () => `add_months(${sub()}, ${R.int(25) - 12})`,
        ])();
        case 'bool': return pred(depth);
        default: throw new Error(type);
        }
    };
    const CMP_TYPES = ['int', 'int', 'big', 'dec', 'dbl', 'str', 'date'];
    const pred = (depth) => {
        if (depth <= 0 || R.chance(0.4)) {
            const t = R.pick(CMP_TYPES);
            return R.pick([
                () => `${expr(t, 1)} ${R.pick(['=', '<>', '<', '<=', '>', '>='])} ${expr(t, 1)}`,
                () => `${expr(t, 1)} IS ${R.chance(0.5) ? 'NOT ' : ''}NULL`,
                () => `${expr(t, 0)} ${R.chance(0.3) ? 'NOT ' : ''}IN (${[lit[t](), lit[t](), R.chance(0.2) ? 'NULL' : lit[t]()].join(', ')})`,
                () => `${expr(t, 0)} BETWEEN ${lit[t]()} AND ${lit[t]()}`,
                () => (colsOf('bool').length ? R.pick(colsOf('bool')) : `${expr('int', 1)} > 0`),
                () => `${expr('str', 0)} LIKE ${R.pick(["'a%'", "'%e%'", "'_o%'", "'%'"])}`,
            ])();
        }
        return R.pick([
            () => `(${pred(depth - 1)} AND ${pred(depth - 1)})`,
            () => `(${pred(depth - 1)} OR ${pred(depth - 1)})`,
            () => `NOT (${pred(depth - 1)})`,
        ])();
    };

    const where = R.chance(0.7) ? ` WHERE ${pred(2)}` : '';
    const VALUE_TYPES = ['int', 'int', 'big', 'dec', 'dbl', 'str', 'date', 'bool'];
    let select;
    let group = '';
    let having = '';
    let inexact = false;
    const items = [];
    if (R.chance(0.45)) {
        // aggregate query
        const nk = R.int(2) + 1;
        const keys = [];
        // Keys always read a column (a constant integer key would be taken as
        // an ordinal).
        while (keys.length < nk) {
            const k = expr(R.pick(['int', 'str', 'date', 'bool']), 1);
            if (/\bt\d\./.test(k)) keys.push(k);
        }
        keys.forEach((k) => items.push(k));
        const na = R.int(3) + 1;
        for (let i = 0; i < na; i++) {
            const t = R.pick(['int', 'big', 'dec', 'dbl', 'str', 'date']);
            const e = expr(t, 1);
            const aggs = ['count(*)', `count(${e})`, `min(${e})`, `max(${e})`];
            if (['int', 'big', 'dec', 'dbl'].includes(t)) aggs.push(`sum(${e})`, `avg(${e})`);
            const a = R.pick(aggs);
            if (a.startsWith('avg') || t === 'dbl' && a.startsWith('sum')) inexact = true;
            if (t === 'dbl' && !a.startsWith('count')) inexact = true;
            items.push(a);
        }
        group = ` GROUP BY ${keys.join(', ')}`;
        if (R.chance(0.3)) having = ` HAVING count(*) > ${R.int(3)}`;
    } else {
        const ni = R.int(4) + 1;
        for (let i = 0; i < ni; i++) {
            const t = R.pick(VALUE_TYPES);
            if (t === 'dbl') inexact = true;
            items.push(expr(t, 2));
        }
        if (R.chance(0.15)) select = 'DISTINCT ';
    }
    const out = items.map((e, i) => `${e} AS c${i}`);
    const order = ` ORDER BY ${items.map((_, i) => `c${i}`).join(', ')}`;
    const limit = !inexact && R.chance(0.6) ? ` LIMIT ${R.int(20) + 1}` : '';
    const sql = `SELECT ${select ?? ''}${out.join(', ')} FROM ${from}${where}${group}${having}${order}${limit}`;
    return { sql, ordered: !inexact, exactOnly: !inexact };
}

const paths = {};
before(async () => {
    duck = await S.openSqlDuck();
    for (const [name, s] of Object.entries(SCHEMAS)) {
        paths[name] = tmp.path(`${name}.parquet`);
        await duck.conn.run(`COPY (${s.sql}) TO ${L.sqlStr(paths[name])} (FORMAT parquet, ROW_GROUP_SIZE 16)`);
    }
});

after(() => {
    duck?.close();
    tmp.remove();
});

test('generator: 300 queries run on DuckDB and are deterministic per seed', async () => {
    for (let i = 0; i < 300; i++) {
        const q = genQuery(BASE_SEED + i, paths);
        assert.equal(genQuery(BASE_SEED + i, paths).sql, q.sql);
        try {
            await S.duckSqlRows(duck.conn, S.toDuck(q.sql));
        } catch (e) {
            assert.fail(`SQL_RANDOM_SEED=${BASE_SEED + i}: DuckDB rejects the generated query: ${e.message}\n${q.sql}`);
        }
    }
});

test(`random queries: strata sql = DuckDB for ${SECONDS} s (SQL_RANDOM_SEED=${BASE_SEED})`, async () => {
    const end = Date.now() + SECONDS * 1000;
    let n = 0;
    let rowsSeen = 0;
    for (let i = 0; Date.now() < end; i++) {
        const seed = BASE_SEED + i;
        const q = genQuery(seed, paths);
        const exp = await S.duckSqlRows(duck.conn, S.toDuck(q.sql));
        let rows;
        try {
            ({ rows } = S.strataSql(q.sql));
        } catch (e) {
            assert.fail(`SQL_RANDOM_SEED=${seed} (query #${i}): ${e.message}`);
        }
        const msg = S.compareResults(exp, rows, { ordered: q.ordered });
        if (msg) assert.fail(`SQL_RANDOM_SEED=${seed} (query #${i}): strata differs from DuckDB: ${msg}\nquery:\n${q.sql}`);
        n++;
        rowsSeen += exp.length;
    }
    console.log(`sql_random: ${n} queries agreed (${rowsSeen} rows), base seed ${BASE_SEED}`);
    assert.ok(n > 0);
});
