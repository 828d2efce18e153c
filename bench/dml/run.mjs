// run.mjs -- DML benchmark: MERGE, UPDATE and DELETE on a Delta table through
// `strata sql --warehouse`, against the same statements on a native DuckDB
// table, both on BENCH_THREADS threads (default 2); and OPTIMIZE of a table
// made of 1000 small files (strata only -- DuckDB has no OPTIMIZE).
//
// Data (STRATA_DML_ROWS rows, default 10,000,000; DuckDB writes it as
// Parquet once into $DML_DIR, default bench/dml/data/<rows>, reused while
// present):
//   base.parquet   t(id BIGINT, k INT, v DOUBLE, s STRING, d DATE),
//                  id = 0..N-1, the other columns derived from id;
//   src.parquet    the MERGE source: N/10 rows with existing ids (id % 10 = 3)
//                  and changed v, s, plus N/100 new ids (N, N+1, ...);
//   small/pk=*/    the same N rows as base split into 1000 Parquet files.
// strata builds its tables with CREATE TABLE ... AS SELECT * FROM
// parquet.`file`, DuckDB with
// CREATE TABLE ... AS SELECT * FROM read_parquet(file); the 1000-file table
// is 1000 INSERT INTO ... SELECT * FROM parquet.`one file` statements.
//
// Timed operations (each on a freshly built table, BENCH_RUNS times,
// default 1, median):
//   MERGE     MERGE INTO t USING src AS s ON t.id = s.id
//             WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *
//   UPDATE    UPDATE t SET v = v * 2, s = upper(s) WHERE id % 100 = 7   (1%)
//   DELETE    DELETE FROM t WHERE id % 100 = 13                         (1%)
//   OPTIMIZE  OPTIMIZE small                            (1000 files, strata)
// strata runs each as a child process, `strata sql --warehouse W -f OP.sql`
// with `SET threads=N;` first, so its time includes process start and the
// commit; DuckDB runs the statement in this process (SET threads=N).
// Building the tables is not timed.
//
// After each operation both tables are summarized (count, sum(id), sum(k),
// sum(length(s)), min/max(d) exactly, sum(v) within 1e-8 relative) and a
// difference is reported as WRONG ANSWER.
//
// Usage: node bench/dml/run.mjs /path/to/strata
// Environment: STRATA_DML_ROWS (10000000), DML_DIR, BENCH_RUNS (1),
//              BENCH_THREADS (2), DML_OPS (e.g. "merge,optimize"; default all).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../../tests/diff/lib.mjs';

const strata = process.argv[2] && path.resolve(process.argv[2]);
if (!strata || !fs.existsSync(strata)) {
    console.error('usage: node bench/dml/run.mjs /path/to/strata');
    process.exit(2);
}
const N = Math.max(1000, Math.floor(Number(process.env.STRATA_DML_ROWS ?? 10000000)));
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const THREADS = Math.max(1, Number(process.env.BENCH_THREADS ?? 2));
const FILES = 1000;
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = path.resolve(process.env.DML_DIR ?? path.join(here, 'data', String(N)));
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const OPS = (process.env.DML_OPS ?? 'merge,update,delete,optimize').split(',').map((x) => x.trim().toLowerCase());

const { DuckDBInstance } = await import('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
await conn.run(`SET threads=${THREADS}`);
const lit = (s) => L.sqlStr(s);

// ---- data ---------------------------------------------------------------------
const BASE = path.join(dir, 'base.parquet');
const SRC = path.join(dir, 'src.parquet');
const SMALL = path.join(dir, 'small');
const DONE = path.join(dir, '.complete');
const rowsSql = (lo, hi, extra = '') => `SELECT i::BIGINT AS id, (i % 1000)::INTEGER AS k,
    ((i * 7919) % 1000003) / 100.0 AS v, 's' || (i % 9973)::VARCHAR AS s,
    (DATE '2015-01-01' + (i % 3650)::INTEGER) AS d${extra} FROM range(${lo}, ${hi}) r(i)`;
if (!fs.existsSync(DONE)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    process.stdout.write(`writing ${N} rows of Parquet into ${path.relative(process.cwd(), dir)} ... `);
    const t0 = Date.now();
    await conn.run(`COPY (${rowsSql(0, N)}) TO ${lit(BASE)} (FORMAT parquet)`);
    // Source: existing ids with id % 10 = 3 (changed v and s), then N/100 new ids.
    await conn.run(`COPY (
        SELECT id, k, v + 1.5 AS v, s || 'x' AS s, d FROM (${rowsSql(0, N)}) WHERE id % 10 = 3
        UNION ALL ${rowsSql(N, N + Math.floor(N / 100))}) TO ${lit(SRC)} (FORMAT parquet)`);
    const per = Math.ceil(N / FILES);
    await conn.run(`COPY (${rowsSql(0, N, `, (i // ${per})::INTEGER AS pk`)}) TO ${lit(SMALL)}
        (FORMAT parquet, PARTITION_BY (pk))`);
    fs.writeFileSync(DONE, '');
    console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
const smallFiles = fs.readdirSync(SMALL).filter((p) => p.startsWith('pk='))
    .flatMap((p) => fs.readdirSync(path.join(SMALL, p)).filter((f) => f.endsWith('.parquet')).map((f) => path.join(SMALL, p, f)))
    .sort();
const srcRows = Number((await (await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${lit(SRC)})`)).getRows())[0][0]);
console.log(`data: ${N} rows; MERGE source ${srcRows} rows; ${smallFiles.length} small files; ` +
    `strata and DuckDB on ${THREADS} threads, ${RUNS} run(s) per operation`);

// ---- strata ---------------------------------------------------------------------
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-dml-'));
const wh = path.join(work, 'wh');
fs.mkdirSync(wh);

function strataRun(stmts, { time = false } = {}) {
    const file = path.join(work, 'q.sql');
    fs.writeFileSync(file, [`SET threads=${THREADS}`, ...stmts].map((s) => `${s};\n`).join(''));
    const rss = path.join(work, 'rss');
    const args = ['sql', '--warehouse', wh, '--format', 'ndjson', '-f', file];
    const useTime = time && TIME;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(useTime ? TIME : strata, useTime ? ['-v', '-o', rss, strata, ...args] : args,
        { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    let kb = null;
    if (useTime && fs.existsSync(rss)) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(rss, 'utf8'));
        kb = m ? Number(m[1]) : null;
        fs.rmSync(rss, { force: true });
    }
    if (r.status !== 0) {
        const err = (r.stderr ?? '').trim().split('\n').slice(0, 4).join(' | ') || `exit ${r.status}`;
        throw new Error(`strata failed: ${err}\n  statements: ${stmts.join('; ').slice(0, 400)}`);
    }
    return { ms, kb, stdout: r.stdout };
}

const pq = (f) => `parquet.\`${f.replace(/`/g, '``')}\``;
const SUMMARY = (t) => `SELECT count(*) AS n, sum(id) AS sid, sum(k) AS sk, sum(length(s)) AS ls,
    CAST(min(d) AS STRING) AS d0, CAST(max(d) AS STRING) AS d1, sum(v) AS sv FROM ${t}`;

function strataSummary(t) {
    const lines = L.parseNdjson(strataRun([SUMMARY(t)]).stdout);
    const row = lines[lines.length - 1];
    return row.entries.map(([, x]) => (x instanceof L.JNum ? x.text : x));
}

async function duckSummary(t) {
    const r = await conn.runAndReadAll(SUMMARY(t).replace('AS STRING', 'AS VARCHAR').replace('AS STRING', 'AS VARCHAR'));
    return r.getRows()[0].map((x) => (x === null ? null : String(x)));
}

function sameSummary(a, b) {
    for (let i = 0; i < 6; i++) {
        if (String(a[i]) !== String(b[i])) return `column ${i}: strata ${a[i]}, DuckDB ${b[i]}`;
    }
    const x = Number(a[6]);
    const y = Number(b[6]);
    if (Math.abs(x - y) > 1e-8 * Math.max(Math.abs(x), Math.abs(y))) return `sum(v): strata ${a[6]}, DuckDB ${b[6]}`;
    return null;
}

// ---- operations -------------------------------------------------------------------
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const OPDEFS = {
    merge: {
        label: 'MERGE', touched: srcRows,
        sql: 'MERGE INTO t USING src AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *',
    },
    update: { label: 'UPDATE 1%', touched: Math.ceil(N / 100), sql: 'UPDATE t SET v = v * 2, s = upper(s) WHERE id % 100 = 7' },
    delete: { label: 'DELETE 1%', touched: Math.ceil(N / 100), sql: 'DELETE FROM t WHERE id % 100 = 13' },
};

const results = [];
for (const op of OPS) {
    if (op === 'optimize') continue;
    const def = OPDEFS[op];
    if (!def) { console.error(`unknown operation ${op}`); process.exit(2); }
    process.stdout.write(`${def.label}: `);
    const res = { label: def.label, touched: def.touched, strata: null, duck: null, kb: 0, note: '' };
    const s = [];
    const d = [];
    try {
        for (let k = 0; k < RUNS; k++) {
            // strata: fresh table (untimed), then the timed statement.
            strataRun(['DROP TABLE IF EXISTS t', `CREATE TABLE t AS SELECT * FROM ${pq(BASE)}`,
                ...(op === 'merge' ? ['DROP TABLE IF EXISTS src', `CREATE TABLE src AS SELECT * FROM ${pq(SRC)}`] : [])]);
            const r = strataRun([def.sql], { time: true });
            s.push(r.ms);
            res.kb = Math.max(res.kb, r.kb ?? 0);
            // DuckDB: the same on a native table.
            await conn.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet(${lit(BASE)})`);
            if (op === 'merge') await conn.run(`CREATE OR REPLACE TABLE src AS SELECT * FROM read_parquet(${lit(SRC)})`);
            const t0 = process.hrtime.bigint();
            await conn.run(def.sql);
            d.push(Number(process.hrtime.bigint() - t0) / 1e6);
            process.stdout.write('.');
        }
        const msg = sameSummary(strataSummary('t'), await duckSummary('t'));
        if (msg) res.note = `WRONG ANSWER: ${msg}`;
        res.strata = median(s);
    } catch (e) {
        res.note = e.message.split('\n')[0];
    }
    res.duck = d.length ? median(d) : null;
    console.log(res.note ? ` ${res.note}` : '');
    results.push(res);
}

if (OPS.includes('optimize')) {
    process.stdout.write(`OPTIMIZE (${smallFiles.length} files): `);
    const res = { label: 'OPTIMIZE', touched: N, strata: null, duck: null, kb: 0, note: '' };
    const s = [];
    try {
        for (let k = 0; k < RUNS; k++) {
            strataRun(['DROP TABLE IF EXISTS small', 'CREATE TABLE small (id BIGINT, k INT, v DOUBLE, s STRING, d DATE)',
                ...smallFiles.map((f) => `INSERT INTO small SELECT * FROM ${pq(f)}`)]);
            const r = strataRun(['OPTIMIZE small'], { time: true });
            s.push(r.ms);
            res.kb = Math.max(res.kb, r.kb ?? 0);
            const m = /"numFilesRemoved":"?(\d+)"?/.exec(r.stdout);
            const a = /"numFilesAdded":"?(\d+)"?/.exec(r.stdout);
            if (m && a) res.note = `${m[1]} files -> ${a[1]}`;
            process.stdout.write('.');
        }
        const got = strataSummary('small');
        await conn.run(`CREATE OR REPLACE TABLE small AS SELECT * FROM read_parquet(${lit(BASE)})`);
        const msg = sameSummary(got, await duckSummary('small'));
        if (msg) res.note = `WRONG ANSWER: ${msg}`;
        res.strata = median(s);
    } catch (e) {
        res.note = e.message.split('\n')[0];
    }
    console.log(res.note.startsWith('WRONG') || res.strata === null ? ` ${res.note}` : '');
    results.push(res);
}
fs.rmSync(work, { recursive: true, force: true });
conn.closeSync?.();
inst.closeSync?.();

// ---- report ---------------------------------------------------------------------------
const fmt = (x, w) => String(x).padStart(w);
console.log(`\nDML on ${N} rows (id BIGINT, k INT, v DOUBLE, s STRING, d DATE); median wall time of ${RUNS} run(s);` +
    ` strata and DuckDB on ${THREADS} threads\n`);
console.log(`${'operation'.padEnd(11)}${fmt('rows', 10)}${fmt('strata ms', 11)}${fmt('duckdb ms', 11)}` +
    `${fmt('strata/duckdb', 15)}${TIME ? fmt('peak RSS MiB', 14) : ''}  note`);
for (const r of results) {
    const ratio = r.strata !== null && r.duck !== null ? (r.strata / r.duck).toFixed(2) : 'n/a';
    console.log(`${r.label.padEnd(11)}${fmt(r.touched, 10)}${fmt(r.strata === null ? '-' : r.strata.toFixed(0), 11)}` +
        `${fmt(r.duck === null ? 'n/a' : r.duck.toFixed(0), 11)}${fmt(ratio, 15)}` +
        `${TIME ? fmt(r.kb ? (r.kb / 1024).toFixed(0) : '-', 14) : ''}  ${r.note}`);
}
const bad = results.filter((r) => r.strata === null || r.note.startsWith('WRONG'));
if (bad.length) {
    console.log(`${bad.length} operation(s) failed or answered wrong: ${bad.map((r) => r.label).join(', ')}`);
    process.exitCode = 1;
}
