// text_formats.test.mjs -- differential tests of strata's CSV and NDJSON
// readers against DuckDB's read_csv / read_json on generated files:
// `strata csv cat F --format ndjson` and `strata json cat F --format ndjson`
// must give the values DuckDB reads (converted to docs/conventions.md), and
// `strata csv|json schema F` types that match DuckDB's inferred ones.
//
// Known, intended differences (the files below avoid them):
//   * integers: strata infers int (32-bit) when every sample value fits,
//     DuckDB always BIGINT; the values are equal. TYPE_MATCH accepts both.
//   * CSV timestamps: strata reads a zone-less timestamp as UTC (timestamp),
//     DuckDB as TIMESTAMP without zone; the instants are equal in a UTC
//     session, so DuckDB's are compared as UTC.
//   * CSV `""` (a quoted empty field): strata reads the empty string, DuckDB
//     NULL (allow_quoted_nulls). Unquoted empty fields are NULL in both.
//   * JSON strings that look like dates/timestamps: DuckDB's read_json
//     detects DATE/TIMESTAMP, strata keeps them as strings (Spark's default).
//   * JSON type conflicts: strata widens bigint+string to string holding the
//     JSON text; DuckDB reads JSON-typed values. Not compared here.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as L from './lib.mjs';

const tmp = L.makeTempDir('strata-text-');
const duck = await L.openDuck();
const conn = duck.conn;
after(() => { duck.close(); tmp.remove(); });

// strata type name -> DuckDB type names it may correspond to
const TYPE_MATCH = {
    int: ['BIGINT', 'INTEGER'], bigint: ['BIGINT'], double: ['DOUBLE'], boolean: ['BOOLEAN'],
    date: ['DATE'], timestamp: ['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE'], string: ['VARCHAR'],
};

function strataSchema(kind, file, extra = []) {
    return L.strataOk([kind, 'schema', file, ...extra]).trim().split('\n').filter(Boolean)
        .map((l) => { const i = l.indexOf(': '); return [l.slice(0, i), l.slice(i + 2)]; });
}

async function duckSchema(sql) {
    const r = await L.duckQuery(conn, `DESCRIBE SELECT * FROM ${sql}`);
    return r.rows.map((row) => [row[0], row[1]]);
}

// Compares schema (names in order, types per TYPE_MATCH or exactly for nested
// types given in `nested`) and rows.
async function compare(kind, file, duckSql, { extra = [], rename = null } = {}) {
    const ss = strataSchema(kind, file, extra);
    const ds = await duckSchema(duckSql);
    assert.equal(ss.length, ds.length, `column count: strata ${JSON.stringify(ss)}, duckdb ${JSON.stringify(ds)}`);
    for (let i = 0; i < ss.length; i++) {
        const [sn, st] = ss[i];
        const [dn, dt] = ds[i];
        assert.equal(sn, rename ? rename(dn, i) : dn, `column ${i} name`);
        const ok = TYPE_MATCH[st] ? TYPE_MATCH[st].includes(dt) : nestedMatches(st, dt);
        assert.ok(ok, `column "${sn}": strata ${st}, duckdb ${dt}`);
    }
    const act = L.parseNdjson(L.strataOk([kind, 'cat', file, '--format', 'ndjson', ...extra]));
    let exp = await L.duckRows(conn, `SELECT * FROM ${duckSql}`, { tsMode: () => 'utc' });
    if (rename)
        exp = exp.map((o) => new L.JObj(o.entries.map(([k, v], i) => [rename(k, i), v])));
    const d = L.diffRows(exp, act);
    assert.equal(d, null, d ?? '');
}

// strata "struct<a:bigint,b:array<string>>" vs DuckDB "STRUCT(a BIGINT, b VARCHAR[])".
function nestedMatches(st, dt) {
    const norm = (s) => s.replace(/[\s"]+/g, '');
    const toDuck = (t) => {
        let m;
        if ((m = /^array<(.*)>$/.exec(t))) return `${toDuck(m[1])}[]`;
        if ((m = /^struct<(.*)>$/.exec(t))) {
            const parts = [];
            let depth = 0, cur = '';
            for (const ch of m[1]) {
                if (ch === '<') depth++;
                if (ch === '>') depth--;
                if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
            }
            parts.push(cur);
            return `STRUCT(${parts.map((p) => { const i = p.indexOf(':'); return `${p.slice(0, i)} ${toDuck(p.slice(i + 1))}`; }).join(', ')})`;
        }
        return TYPE_MATCH[t] ? TYPE_MATCH[t][0] : t.toUpperCase();
    };
    return norm(toDuck(st)) === norm(dt);
}

// Deterministic pseudo-random numbers.
function rng(seed) {
    let s = seed >>> 0;
    return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

function simpleCsv(n, { sep = ',', eol = '\n' } = {}) {
    const r = rng(42);
    const lines = [['id', 'big', 'name', 'score', 'flag', 'day', 'ts', 'maybe'].join(sep)];
    for (let i = 0; i < n; i++) {
        const nul = (k) => (i + k) % 11 === 0;
        const name = i % 5 === 0 ? `"x${sep} ""q"" ${i}"` : i % 7 === 0 ? `"two\nlines ${i}"` : `n${i}`;
        const score = (Math.floor(r() * 2e6) - 1e6) / 64;
        const day = `${2000 + (i % 30)}-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`;
        const ts = `${day} ${pad(i % 24)}:${pad(i % 60)}:${pad((i * 7) % 60)}${i % 3 ? '' : '.25'}`;
        lines.push([
            i, nul(1) ? '' : 3000000000 + i * 97, name, nul(2) ? '' : score,
            nul(3) ? '' : (i % 2 ? 'true' : 'false'), nul(4) ? '' : day, nul(5) ? '' : ts,
            '',
        ].join(sep));
    }
    return lines.join(eol) + eol;
}

test('csv: ints, bigints, doubles, strings with quotes, booleans, dates, timestamps, nulls', async () => {
    const f = tmp.path('simple.csv');
    fs.writeFileSync(f, simpleCsv(500));
    await compare('csv', f, `read_csv(${L.sqlStr(f)}, header = true)`);
});

test('csv: CRLF line ends and no final newline', async () => {
    const f = tmp.path('crlf.csv');
    fs.writeFileSync(f, simpleCsv(100, { eol: '\r\n' }).replace(/\r\n$/, ''));
    await compare('csv', f, `read_csv(${L.sqlStr(f)}, header = true)`);
});

test('csv: tab delimiter', async () => {
    const f = tmp.path('tabs.tsv');
    fs.writeFileSync(f, simpleCsv(100, { sep: '\t' }));
    await compare('csv', f, `read_csv(${L.sqlStr(f)}, header = true, delim = '\t')`,
        { extra: ['--delimiter', 'tab'] });
});

test('csv: no header (strata _c<i>, DuckDB column<i>)', async () => {
    const f = tmp.path('nohdr.csv');
    fs.writeFileSync(f, simpleCsv(60).split('\n').slice(1).join('\n'));
    await compare('csv', f, `read_csv(${L.sqlStr(f)}, header = false)`,
        { extra: ['--no-header'], rename: (_n, i) => `_c${i}` });
});

test('csv: 20000 rows across batches', async () => {
    const f = tmp.path('many.csv');
    fs.writeFileSync(f, simpleCsv(20000));
    await compare('csv', f, `read_csv(${L.sqlStr(f)}, header = true)`);
});

test('ndjson: scalars, missing keys, nulls', async () => {
    const r = rng(7);
    const lines = [];
    for (let i = 0; i < 300; i++) {
        const o = { id: i, x: i % 4 === 0 ? i : (Math.floor(r() * 1e6) - 5e5) / 8, s: `s${i} "q" é\t` };
        if (i % 3) o.flag = i % 2 === 0;
        if (i % 5 === 0) o.s = null;
        if (i % 9 === 0) o.late = `v${i}`;
        lines.push(JSON.stringify(o));
    }
    const f = tmp.path('scalars.json');
    fs.writeFileSync(f, lines.join('\n') + '\n');
    await compare('json', f, `read_json(${L.sqlStr(f)}, format = 'newline_delimited')`);
});

test('ndjson: nested structs and arrays', async () => {
    const lines = [];
    for (let i = 0; i < 200; i++) {
        const o = {
            id: i,
            tags: i % 6 === 0 ? null : Array.from({ length: i % 4 }, (_, k) => `t${k}`),
            pt: i % 7 === 0 ? null : { x: i, y: i / 4, name: i % 2 ? `p${i}` : null },
            nums: [[i, i + 1], [], i % 5 === 0 ? null : [i * 2]],
            rows: [{ k: i, v: i % 2 === 0 }],
        };
        lines.push(JSON.stringify(o));
    }
    const f = tmp.path('nested.json');
    fs.writeFileSync(f, lines.join('\n') + '\n');
    await compare('json', f, `read_json(${L.sqlStr(f)}, format = 'newline_delimited')`);
});
