// run.mjs -- TPC-H benchmark: strata's SQL engine against DuckDB on the same
// Parquet files, both on BENCH_THREADS threads (default 2).
//
// Data: `strata gen tpch --sf SF --format parquet` (SF from TPCH_SF, default
// 1), generated once into $TPCH_DIR (default bench/tpch/data/sf<SF>) and
// reused while all eight <table>.parquet files are there.
//
// Queries: the 22 Spark SQL texts of tests/unit/sql_tpch_queries.h with the
// table names replaced by parquet.`DIR/<table>.parquet` (the same texts the
// sql_tpch differential test runs). strata runs each as a child process,
// `strata sql -f Q.sql --format ndjson` where Q.sql is `SET threads=N;`
// followed by the query (its time includes process start and printing the
// answer); DuckDB runs the translated text (tests/diff/sql_lib.mjs) in this
// process with `SET threads=N` and reads the whole answer
// (runAndReadAll), so both materialize every result row.
//
// Each query runs once as a warm-up -- strata's answer is then checked
// against DuckDB's with the differential suite's comparator, and a wrong
// answer is reported (its time is still shown, marked) -- then BENCH_RUNS
// times (default 3); the median wall time is shown. A query strata fails
// on is reported and left out of the ratios. strata's peak RSS comes from
// /usr/bin/time -v (left out when that program is missing).
//
// Prints per-query times, the ratio strata/duckdb, the geometric mean of
// the ratios, the worst ratio and strata's largest peak RSS.
//
// Usage: node bench/tpch/run.mjs /path/to/strata
// Environment: TPCH_SF (1), TPCH_DIR, BENCH_RUNS (3), BENCH_THREADS (2),
//              TPCH_QUERIES (e.g. "1,6,18"; default all 22).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../../tests/diff/lib.mjs';
import * as S from '../../tests/diff/sql_lib.mjs';

const strata = process.argv[2] && path.resolve(process.argv[2]);
if (!strata || !fs.existsSync(strata)) {
    console.error('usage: node bench/tpch/run.mjs /path/to/strata');
    process.exit(2);
}
const SF = process.env.TPCH_SF ?? '1';
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const THREADS = Math.max(1, Number(process.env.BENCH_THREADS ?? 2));
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = path.resolve(process.env.TPCH_DIR ?? path.join(here, 'data', `sf${SF}`));
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const which = process.env.TPCH_QUERIES
    ? process.env.TPCH_QUERIES.split(',').map((x) => Number(x.trim()))
    : Array.from({ length: 22 }, (_, i) => i + 1);

// ---- data --------------------------------------------------------------------
const have = () => S.TPCH_TABLES.every((t) => fs.existsSync(path.join(dir, `${t}.parquet`)));
if (!have()) {
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    process.stdout.write(`generating TPC-H sf ${SF} into ${path.relative(process.cwd(), dir)} ... `);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(strata, ['gen', 'tpch', '--sf', SF, '--dir', tmp, '--format', 'parquet',
        '--threads', String(Math.max(THREADS, os.availableParallelism?.() ?? 2))], { encoding: 'utf8' });
    if (r.status !== 0) {
        console.error(`\nstrata gen tpch failed (exit ${r.status}):\n${r.stderr}`);
        fs.rmSync(tmp, { recursive: true, force: true });
        process.exit(1);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    console.log(`${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
}
const mib = S.TPCH_TABLES.reduce((a, t) => a + fs.statSync(path.join(dir, `${t}.parquet`)).size, 0) / 1048576;
console.log(`data: ${path.relative(process.cwd(), dir) || dir} (sf ${SF}, ${mib.toFixed(0)} MiB of Parquet)`);

// ---- engines -------------------------------------------------------------------
const duck = await S.openSqlDuck({ threads: THREADS });
const queries = S.loadTpchQueries();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-tpch-'));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function runStrata(file) {
    const rss = path.join(work, 'rss');
    const args = ['sql', '--format', 'ndjson', '-f', file];
    const argv = TIME ? ['-v', '-o', rss, strata, ...args] : args;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(TIME ?? strata, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    let kb = null;
    if (TIME && fs.existsSync(rss)) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(rss, 'utf8'));
        kb = m ? Number(m[1]) : null;
        fs.rmSync(rss, { force: true });
    }
    return { ms, kb, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

async function runDuck(sql) {
    const t0 = process.hrtime.bigint();
    const r = await duck.conn.runAndReadAll(sql);
    r.getRows();
    return Number(process.hrtime.bigint() - t0) / 1e6;
}

// ---- runs ------------------------------------------------------------------------
const results = [];
for (const qn of which) {
    const sql = S.withPaths(queries[qn - 1], dir);
    const file = path.join(work, `q${qn}.sql`);
    fs.writeFileSync(file, `SET threads=${THREADS};\n${sql};\n`);
    const duckSql = S.toDuck(sql);
    process.stdout.write(`Q${qn}: `);
    const res = { q: qn, strata: null, duck: null, kb: 0, note: '' };
    // warm-up + check
    const w = runStrata(file);
    const exp = await S.duckSqlRows(duck.conn, duckSql);
    if (w.status !== 0) {
        res.note = `strata failed: ${w.stderr.trim().split('\n')[0] || `exit ${w.status}`}`;
    } else {
        try {
            // strata printed SET's output (if any) before the query's rows:
            // compare only the last exp.length lines.
            const rows = L.parseNdjson(w.stdout).slice(-exp.length || undefined);
            const msg = S.compareResults(exp, exp.length ? rows : [], { ordered: true });
            if (msg) res.note = `WRONG ANSWER: ${msg.split('\n')[0]}`;
        } catch (e) {
            res.note = `WRONG ANSWER: ${e.message.split('\n')[0]}`;
        }
    }
    const s = [];
    const d = [];
    for (let k = 0; k < RUNS; k++) {
        if (w.status === 0) {
            const r = runStrata(file);
            if (r.status !== 0) { res.note ||= `strata failed on run ${k + 1}`; break; }
            s.push(r.ms);
            res.kb = Math.max(res.kb, r.kb ?? 0);
        }
        d.push(await runDuck(duckSql));
        process.stdout.write('.');
    }
    console.log(res.note ? ` ${res.note}` : '');
    res.strata = s.length === RUNS ? median(s) : null;
    res.duck = median(d);
    res.rows = exp.length;
    results.push(res);
}
fs.rmSync(work, { recursive: true, force: true });
duck.close();

// ---- report ------------------------------------------------------------------------
const fmt = (x, w) => String(x).padStart(w);
console.log(`\nTPC-H sf ${SF}: ${RUNS} runs per query after a warm-up, median wall time; ` +
    `strata and DuckDB on ${THREADS} threads\n`);
console.log(`${'query'.padEnd(6)}${fmt('rows', 7)}${fmt('strata ms', 11)}${fmt('duckdb ms', 11)}` +
    `${fmt('strata/duckdb', 15)}${TIME ? fmt('peak RSS MiB', 14) : ''}  note`);
const ratios = [];
for (const r of results) {
    const ratio = r.strata !== null ? r.strata / r.duck : null;
    if (ratio !== null && !r.note) ratios.push({ q: r.q, ratio });
    console.log(`${`Q${r.q}`.padEnd(6)}${fmt(r.rows, 7)}${fmt(r.strata === null ? '-' : r.strata.toFixed(0), 11)}` +
        `${fmt(r.duck.toFixed(0), 11)}${fmt(ratio === null ? '-' : ratio.toFixed(2), 15)}` +
        `${TIME ? fmt(r.kb ? (r.kb / 1024).toFixed(0) : '-', 14) : ''}  ${r.note}`);
}
if (ratios.length) {
    const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r.ratio), 0) / ratios.length);
    const worst = ratios.reduce((a, r) => (r.ratio > a.ratio ? r : a));
    console.log(`\ngeometric mean strata/duckdb over ${ratios.length} correct queries: ${geo.toFixed(2)}`);
    console.log(`worst ratio: Q${worst.q} ${worst.ratio.toFixed(2)}`);
}
if (TIME) console.log(`strata peak RSS (largest over all queries): ${(Math.max(0, ...results.map((r) => r.kb)) / 1024).toFixed(0)} MiB`);
const bad = results.filter((r) => r.note);
if (bad.length) {
    console.log(`${bad.length} of ${results.length} queries failed or answered wrong: ${bad.map((r) => `Q${r.q}`).join(', ')}`);
    process.exitCode = 1;
}
