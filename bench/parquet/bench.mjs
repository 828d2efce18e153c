// bench.mjs -- Parquet decode and write speed of strata against DuckDB, both on
// one thread, over a TPC-H lineitem-shaped file (6,000,000 rows, 16 columns,
// snappy, row groups of 122,880 rows) generated once with DuckDB and cached in
// bench/parquet/data/.
//
// Tasks (each timed BENCH_RUNS times after one warm-up run; the median is shown):
//   decode  strata: `strata parquet scan FILE` (decodes every column of every row
//           group into column vectors, prints the row count).
//           DuckDB: `SELECT min(c1), min(c2), ... min(c16) FROM read_parquet(FILE)`.
//           This forces every value of every column to be decoded into DuckDB
//           vectors and adds only a cheap vectorized min per column (the cheapest
//           such query we found; min+max or a row hash cost 0-25% more). Not used:
//           `count(c)`, which DuckDB rewrites to count(*) from the footer
//           statistics, skipping the column; `CREATE TEMP TABLE AS SELECT *`,
//           which also re-encodes everything into DuckDB's own storage (3-6x
//           slower and noisy), work strata's scan does not do.
//   write   strata: `strata parquet rewrite FILE OUT --codec snappy` (read + decode
//           + encode + compress + write).
//           DuckDB: `COPY (SELECT * FROM read_parquet(FILE)) TO OUT (FORMAT parquet,
//           COMPRESSION snappy)`, the same read-decode-encode-write pipeline.
// strata runs as a child process (its time includes process start, ~1 ms); DuckDB
// runs in this process with `SET threads=1`. strata's peak RSS is read from
// /usr/bin/time -v when it exists.
//
// Usage: node bench/parquet/bench.mjs /path/to/strata
// Environment: BENCH_ROWS (default 6000000), BENCH_RUNS (default 5).
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const strata = process.argv[2];
if (!strata || !fs.existsSync(strata)) {
    console.error('usage: node bench/parquet/bench.mjs /path/to/strata');
    process.exit(2);
}
const ROWS = Number(process.env.BENCH_ROWS ?? 6000000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const here = path.dirname(new URL(import.meta.url).pathname);
const dataDir = path.join(here, 'data');
const outDir = path.join(here, 'out');
const file = path.join(dataDir, `lineitem-${ROWS}.parquet`);
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();

// ---- data ------------------------------------------------------------------
// Value domains follow the TPC-H specification (section 4.2.3): orders of 1..7
// lines with sparse order keys, 200,000 parts, 10,000 suppliers, quantities
// 1..50, discounts 0..0.10, taxes 0..0.08, dates 1992..1998 with ship, commit
// and receipt dates after the order date, flags derived from the dates, and
// comments of random words. Pseudo-random values come from hash(), so the file
// is the same on every machine.
const GEN = `
COPY (
  WITH l AS (
    SELECT i,
           i // 4                                   AS o,        -- order number
           i % 4 + 1                                AS line,
           h(i // 4, 1, 2255)                       AS odays,    -- 1992-01-01 .. 1998-03-04
           1 + h(i, 2, 50)                          AS qty,
           1 + h(i, 3, 200000)                      AS part
    FROM range(${ROWS}) t(i)
  ), d AS (
    SELECT *,
           DATE '1992-01-01' + odays::INTEGER                   AS odate,
           DATE '1992-01-01' + (odays + 1 + h(i, 4, 121))::INTEGER AS ship
    FROM l
  )
  SELECT
    ((o // 8) * 32 + o % 8 + 1)::BIGINT                          AS l_orderkey,
    part::BIGINT                                                 AS l_partkey,
    ((part + h(i, 5, 4) * 2501) % 10000 + 1)::BIGINT             AS l_suppkey,
    line::INTEGER                                                AS l_linenumber,
    qty::DECIMAL(15,2)                                           AS l_quantity,
    (qty * (90000 + (part // 10) % 20001 + 100 * (part % 1000)) / 100)::DECIMAL(15,2)
                                                                 AS l_extendedprice,
    (h(i, 6, 11) / 100)::DECIMAL(15,2)                           AS l_discount,
    (h(i, 7, 9) / 100)::DECIMAL(15,2)                            AS l_tax,
    CASE WHEN ship + (1 + h(i, 8, 30))::INTEGER <= DATE '1995-06-17'
         THEN ['R', 'A'][1 + h(i, 9, 2)] ELSE 'N' END::VARCHAR(1) AS l_returnflag,
    CASE WHEN ship > DATE '1995-06-17' THEN 'O' ELSE 'F' END::VARCHAR(1)
                                                                 AS l_linestatus,
    ship                                                         AS l_shipdate,
    odate + (30 + h(i, 10, 61))::INTEGER                         AS l_commitdate,
    ship + (1 + h(i, 8, 30))::INTEGER                            AS l_receiptdate,
    ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'][1 + h(i, 11, 4)]::VARCHAR
                                                                 AS l_shipinstruct,
    ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'][1 + h(i, 12, 7)]::VARCHAR
                                                                 AS l_shipmode,
    left(w[1 + h(i, 13, 60)] || ' ' || w[1 + h(i, 14, 60)] || ' ' || w[1 + h(i, 15, 60)]
         || ' ' || w[1 + h(i, 16, 60)] || ' ' || w[1 + h(i, 17, 60)] || ' '
         || w[1 + h(i, 18, 60)], (10 + h(i, 19, 34))::INTEGER)::VARCHAR
                                                                 AS l_comment
  FROM d, (SELECT string_split(
    'furiously quickly carefully blithely slyly fluffily ironic final regular express ' ||
    'special pending bold even silent unusual ruthless busy idle dogged packages requests ' ||
    'accounts deposits foxes ideas theodolites pinto beans instructions dependencies ' ||
    'excuses platelets asymptotes courts dolphins multipliers sauternes warthogs frets ' ||
    'dinos attainments somas Tiresias patterns forges braids hockey players frays warhorses ' ||
    'escapades sentiments decoys realms pains grouches gifts about above across after', ' ') AS w)
  -- range() order is kept (preserve_insertion_order), so l_orderkey is sorted
) TO ${'$OUT'} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`;

if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    process.stdout.write(`generating ${path.relative(process.cwd(), file)} (${ROWS} rows) ... `);
    const t0 = process.hrtime.bigint();
    await con.run('CREATE MACRO h(i, k, m) AS (hash(i, k) % m)::BIGINT');
    await con.run(GEN.replace('$OUT', () => lit(tmp)));
    fs.renameSync(tmp, file);
    console.log(`${Number(process.hrtime.bigint() - t0) / 1e9} s`);
}
const [[nRows, nGroups]] = await rows(
    `SELECT (SELECT count(*) FROM read_parquet(${lit(file)}))::BIGINT,
            (SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${lit(file)}))::BIGINT`);
console.log(`input: ${path.relative(process.cwd(), file)}, ${nRows} rows, ${nGroups} row groups, ` +
    `${(fs.statSync(file).size / 1048576).toFixed(1)} MiB`);
await con.run('SET threads = 1');
await con.run('SET preserve_insertion_order = true');

// ---- timing helpers --------------------------------------------------------
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function runStrata(args) {
    const rss = path.join(os.tmpdir(), `strata-bench-rss-${process.pid}`);
    const argv = TIME ? ['-v', '-o', rss, strata, ...args] : args;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(TIME ?? strata, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
        console.error(`strata ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
        process.exit(1);
    }
    let kb = null;
    if (TIME) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(rss, 'utf8'));
        kb = m ? Number(m[1]) : null;
        fs.rmSync(rss, { force: true });
    }
    return { ms, kb, stdout: r.stdout };
}

async function timeDuck(sql) {
    const t0 = process.hrtime.bigint();
    await con.run(sql);
    return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function bench(name, strataArgs, duckSql, check) {
    const s = [], d = [];
    let kb = 0;
    process.stdout.write(`${name}: `);
    for (let k = 0; k <= RUNS; k++) {           // run 0 is the warm-up
        const r = runStrata(strataArgs);
        if (k === 0) await check(r);
        else s.push(r.ms);
        kb = Math.max(kb, r.kb ?? 0);
        const ms = await duckSql();
        if (k > 0) d.push(ms);
        process.stdout.write('.');
    }
    console.log('');
    return { name, strata: median(s), duck: median(d), kb: TIME ? kb : null };
}

// ---- tasks -----------------------------------------------------------------
const cols = (await rows(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${lit(file)}))`))
    .map((r) => `"${r[0]}"`);
const decodeSql = `SELECT ${cols.map((c) => `min(${c})`).join(', ')} FROM read_parquet(${lit(file)})`;

fs.mkdirSync(outDir, { recursive: true });
const outStrata = path.join(outDir, 'strata.parquet');
const outDuck = path.join(outDir, 'duckdb.parquet');

const results = [];
results.push(await bench('decode all columns', ['parquet', 'scan', file],
    () => timeDuck(decodeSql),
    (r) => {
        const nums = r.stdout.replace(/(\d),(?=\d{3})/g, '$1').match(/\d+/g) ?? [];
        if (!nums.some((x) => BigInt(x) === nRows)) {
            console.error(`\nstrata parquet scan printed "${r.stdout.trim()}", expected ${nRows} rows`);
            process.exit(1);
        }
    }));
results.push(await bench('rewrite with snappy', ['parquet', 'rewrite', file, outStrata, '--codec', 'snappy'],
    () => timeDuck(`COPY (SELECT * FROM read_parquet(${lit(file)})) TO ${lit(outDuck)}
                    (FORMAT parquet, COMPRESSION snappy)`),
    async () => {
        const [[n, codecs]] = await rows(`SELECT (SELECT count(*) FROM read_parquet(${lit(outStrata)}))::BIGINT,
            (SELECT string_agg(DISTINCT compression, ',') FROM parquet_metadata(${lit(outStrata)}))`);
        if (n !== nRows || codecs !== 'SNAPPY') {
            console.error(`\nstrata's rewrite has ${n} rows and codecs ${codecs}, expected ${nRows} and SNAPPY`);
            process.exit(1);
        }
    }));

// ---- report ----------------------------------------------------------------
const fmt = (x, w) => String(x).padStart(w);
console.log(`\n${RUNS} runs each, median wall time; strata and DuckDB on 1 thread; ` +
    `${nRows} rows, ${cols.length} columns\n`);
const head = ['task', 'strata ms', 'duckdb ms', 'strata/duckdb', 'strata peak RSS MiB'];
console.log(`${head[0].padEnd(22)}${fmt(head[1], 11)}${fmt(head[2], 11)}${fmt(head[3], 15)}` +
    (TIME ? fmt(head[4], 21) : ''));
for (const r of results) {
    console.log(`${r.name.padEnd(22)}${fmt(r.strata.toFixed(0), 11)}${fmt(r.duck.toFixed(0), 11)}` +
        `${fmt((r.strata / r.duck).toFixed(2), 15)}` + (TIME ? fmt((r.kb / 1024).toFixed(0), 21) : ''));
}
fs.rmSync(outDir, { recursive: true, force: true });
