// dml_diff.test.mjs -- DML on Delta tables through `strata sql --warehouse`
// against DuckDB's native in-memory tables: the same sequence of CREATE
// TABLE / INSERT / UPDATE / DELETE / MERGE statements runs on both engines
// and the final table contents must agree as sorted rows (exact integers,
// decimals, strings, dates and booleans; doubles within 1e-9 relative --
// the comparator of sql_lib.mjs). Each INSERT/UPDATE/DELETE/MERGE's
// num_affected_rows must also equal DuckDB's count of changed rows.
//
// Three parts:
//   - hand-written scenarios (SCENARIOS below): NULLs, decimals, strings,
//     dates, partitioned tables (strata `PARTITIONED BY (col)`, a plain table
//     in DuckDB), multi-row updates, updates of the join key, and MERGE with
//     every clause kind (WHEN MATCHED [AND c] THEN UPDATE/DELETE, WHEN NOT
//     MATCHED [AND c] THEN INSERT, WHEN NOT MATCHED BY SOURCE [AND c] THEN
//     UPDATE/DELETE). Each scenario is one `strata sql -f` run in a fresh
//     temporary warehouse;
//   - seeded random DML sequences (10-30 statements on a table of 3-5 typed
//     columns) for STRATA_DML_RANDOM_SECONDS (default 20). On a difference
//     the sequence is replayed with the table read back after every
//     statement on both engines, and the failure names the seed and the
//     first statement after which the tables differ. STRATA_DML_RANDOM_SEED
//     fixes the base seed (sequence i uses seed + i). Up to 4 sequences run
//     on strata at once;
//   - failing statements (a NOT NULL violation, a MERGE where two source
//     rows match one target row, ...) exit 1 with `error: ...` and leave the
//     table as it was: same `DESCRIBE HISTORY` version, same rows.
//
// Statements are written in Spark SQL; toDuckStmt() turns one into DuckDB's
// dialect (drops PARTITIONED BY / USING DELTA, then sql_lib's toDuck for
// functions such as date_add). A statement may be given as { spark, duck }
// when the dialects need different texts.
//
// Where the engines legitimately differ, DuckDB is told Delta's rule: an
// empty string partition value reads back as NULL (PROTOCOL.md, partition
// value serialization), and UPDATE SET * / INSERT * match columns by name
// (DuckDB's are positional, so scenarios spell the columns out for it).
// Spark string literals escape quotes with a backslash ('it''s' is two
// adjacent literals, i.e. "its").
//
// Reading results back from one strata run: after the statements the
// script selects a marker row (`SELECT '<name>' AS __strata_mark`), the
// table, and an empty marker; the rows between the two markers are the
// table, whatever the DML statements themselves print.
//
// Environment: STRATA_BIN (build/strata), STRATA_DML_RANDOM_SECONDS (20),
// STRATA_DML_RANDOM_SEED (time-based).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import * as L from './lib.mjs';
import * as S from './sql_lib.mjs';

const SECONDS = Number(process.env.STRATA_DML_RANDOM_SECONDS ?? 20);
const BASE_SEED = process.env.STRATA_DML_RANDOM_SEED !== undefined
    ? Number(process.env.STRATA_DML_RANDOM_SEED) : (Date.now() % 1000000007);
const MARK = '__strata_mark';

const tmp = L.makeTempDir('strata-dml-diff-');
let duck;
let whCount = 0;

before(async () => {
    duck = await S.openSqlDuck();
});

after(() => {
    duck?.close();
    tmp.remove();
});

/* ---- dialects ------------------------------------------------------------- */

// A statement: a string (Spark SQL, translated for DuckDB), or
// { spark, duck } with a text per engine, where null means "not run on this
// engine" (a DuckDB-only statement emulates a Delta rule, see below) and duck
// may be an array of statements.
const stmtSpark = (s) => (typeof s === 'string' ? s : s.spark);

// Removes PARTITIONED BY (...) and USING DELTA from a CREATE TABLE.
function stripDdl(sql) {
    return sql.replace(/\s+USING\s+DELTA\b/gi, '')
        .replace(/\s+PARTITIONED\s+BY\s*\([^)]*\)/gi, '');
}

export function toDuckStmt(s) {
    if (typeof s !== 'string') return s.duck;
    return S.toDuck(stripDdl(s));
}

/* ---- strata ----------------------------------------------------------------- */

function newWarehouse() {
    const dir = tmp.path(`wh${whCount++}`);
    fs.mkdirSync(dir);
    return dir;
}

// Runs statements (strings) in one `strata sql -f` process. Returns
// { status, stdout, stderr, lines } where lines are the parsed ndjson lines
// (a line that is not JSON is kept as a string).
function strataScript(warehouse, stmts, { timeout = 60000 } = {}) {
    const file = tmp.path(`script${whCount++}.sql`);
    fs.writeFileSync(file, stmts.map((s) => `${s};\n`).join(''));
    const r = L.runStrata(['sql', '--warehouse', warehouse, '--format', 'ndjson', '-f', file], { timeout });
    const san = L.sanitizerReport(r);
    if (san) throw new Error(`strata sql: sanitizer report:\n${san}\nscript:\n${fs.readFileSync(file, 'utf8')}`);
    if (r.timedOut || r.signal) throw new Error(`${L.describeRun(r)}\nscript:\n${fs.readFileSync(file, 'utf8')}`);
    const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => {
        try { return L.parseJsonLossless(l); } catch { return l; }
    });
    fs.rmSync(file, { force: true });
    return { ...r, lines };
}

const markerOf = (line) => (line instanceof L.JObj && line.entries.length === 1 && line.entries[0][0] === MARK
    ? line.entries[0][1] : null);

// Splits script output at marker rows: Map marker -> rows after it (up to
// the next marker).
function sections(lines) {
    const out = new Map();
    let cur = null;
    for (const line of lines) {
        const m = markerOf(line);
        if (m === '') { cur = null; continue; }
        if (m !== null) { cur = []; out.set(m, cur); continue; }
        if (cur) cur.push(line);
    }
    return out;
}

// Marker, the table's rows, and an empty marker that ends the section (so
// the output of a following DML statement is not taken for table rows).
const readBack = (table, tag = table) => [`SELECT '${tag}' AS ${MARK}`, `SELECT * FROM ${table}`, `SELECT '' AS ${MARK}`];

function strataError(r) {
    const how = r.status !== 0 ? `exit ${r.status}` : 'exit 0';
    return `strata ${how}: ${r.stderr.trim().split('\n').slice(0, 6).join(' | ') || '(no stderr)'}`;
}

/* ---- DuckDB ------------------------------------------------------------------- */

async function duckReset() {
    const r = await L.duckQuery(duck.conn,
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'");
    for (const [name] of r.rows) await duck.conn.run(`DROP TABLE IF EXISTS ${L.sqlIdent(name)}`);
}

// Runs one statement; returns DuckDB's count of changed rows (null for a
// statement given per engine).
async function duckRun(stmt) {
    const sql = toDuckStmt(stmt);
    if (sql === null) return null;
    if (Array.isArray(sql)) {
        for (const x of sql) await duckRun({ spark: null, duck: x });
        return null;
    }
    try {
        const r = await duck.conn.run(sql);
        return typeof stmt === 'string' ? Number(r.rowsChanged) : null;
    } catch (e) {
        throw new Error(`DuckDB rejects ${JSON.stringify(sql)}: ${e.message.split('\n')[0]}`);
    }
}

/* ---- affected-row counts ------------------------------------------------------ */

// INSERT/UPDATE/DELETE/MERGE print Spark's num_affected_rows (MERGE: updated
// + deleted + inserted), which must equal DuckDB's count of changed rows.
// Each such statement is wrapped in markers so its output line is found.
const countable = (stmt) => typeof stmt === 'string' && /^\s*(INSERT\s+INTO|UPDATE|DELETE|MERGE)\b/i.test(stmt);

// base: index of stmts[0] in its sequence.
function withCountMarkers(stmts, base = 0) {
    return stmts.flatMap((s, i) => {
        const sql = stmtSpark(s);
        if (sql === null) return [];
        return countable(s) ? [`SELECT 'count ${base + i}' AS ${MARK}`, sql, `SELECT '' AS ${MARK}`] : [sql];
    });
}

function strataCount(sec, i) {
    for (const line of sec.get(`count ${i}`) ?? []) {
        const x = line instanceof L.JObj ? line.get('num_affected_rows') : undefined;
        if (x instanceof L.JNum) return Number(x.text);
    }
    return null;
}

// First statement whose affected-row count differs: a message, or null.
function compareCounts(stmts, duckCounts, sec, upto = stmts.length - 1) {
    for (let i = 0; i <= upto; i++) {
        if (!countable(stmts[i]) || duckCounts[i] === null) continue;
        const got = strataCount(sec, i);
        if (got !== duckCounts[i]) {
            return `statement [${i}] ${stmtSpark(stmts[i])}: num_affected_rows expected ${duckCounts[i]}, ` +
                `strata printed ${got === null ? 'none' : got}`;
        }
    }
    return null;
}

const duckTable = (table) => L.duckRows(duck.conn, `SELECT * FROM ${table}`);

// Rows of both engines for one table: null when they agree, else a message.
// Column names are compared too (the table's own names).
function compareTable(table, exp, act) {
    if (exp.length && act.length) {
        const ek = exp[0].keys().join(', ');
        const ak = act[0] instanceof L.JObj ? act[0].keys().join(', ') : String(act[0]);
        if (ek !== ak) return `table ${table}: columns differ: expected [${ek}], got [${ak}]`;
    }
    const bad = act.find((r) => !(r instanceof L.JObj));
    if (bad !== undefined) return `table ${table}: strata printed a non-row line ${JSON.stringify(String(bad))}`;
    const msg = S.compareResults(exp, act);
    return msg ? `table ${table}: ${msg}` : null;
}

const showRows = (rows) => rows.map((r) => `    ${L.show(r, 400)}`).join('\n') || '    (no rows)';

/* ---- hand-written scenarios ------------------------------------------------------ */

// { name, stmts: [statement], check: [tables] (default ['t']), todo?: reason,
//   counts?: { index: expected num_affected_rows } where Delta's count differs
//   from DuckDB's }
const SCENARIOS = [
    {
        name: 'insert rows with NULLs in every type',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, d DECIMAL(10,2), x DOUBLE, dt DATE, b BOOLEAN, big BIGINT)',
            "INSERT INTO t VALUES (1, 'a', 1.50, 2.5E0, DATE '2020-01-01', true, 9223372036854775807)," +
                " (2, NULL, NULL, NULL, NULL, NULL, NULL), (NULL, '', -0.01, -1.25E0, DATE '1999-12-31', false, -9223372036854775808)",
            // Spark escapes a quote with a backslash ('it''s' is two
            // adjacent literals, concatenated: "its").
            {
                spark: "INSERT INTO t VALUES (3, 'it\\'s', 12345678.99, 1.0E-300, DATE '2024-02-29', NULL, 0), (4, 'x' 'y', 0, 0, NULL, NULL, NULL)",
                duck: "INSERT INTO t VALUES (3, 'it''s', 12345678.99, 1.0E-300, DATE '2024-02-29', NULL, 0), (4, 'xy', 0, 0, NULL, NULL, NULL)",
            },
        ],
    },
    {
        name: 'insert with a column list and insert-select from another table and itself',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            'CREATE TABLE s (id INT, v STRING, n INT)',
            "INSERT INTO s VALUES (10, 'x', 1), (11, 'y', NULL), (12, NULL, 3)",
            "INSERT INTO t (v, id) VALUES ('a', 1), ('b', 2)",
            'INSERT INTO t SELECT id, v, n * 10 FROM s WHERE id > 10',
            'INSERT INTO t SELECT id + 100, upper(v), coalesce(n, -1) FROM t',
        ],
        check: ['t', 's'],
    },
    {
        name: 'update of several rows and columns with expressions',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, d DECIMAL(9,2), x DOUBLE)',
            "INSERT INTO t VALUES (1, 'a', 1.10, 1.5E0), (2, 'b', 2.20, NULL), (3, NULL, NULL, 3.5E0), (4, 'd', -4.40, -0.5E0)",
            "INSERT INTO t VALUES (5, 'e', 5.55, 5.0E0), (6, 'f', 6.66, 6.25E0)",
            "UPDATE t SET v = upper(v), d = d * 2, x = x + 0.25E0 WHERE id % 2 = 0",
            "UPDATE t SET v = v || '!' WHERE v IS NOT NULL AND id > 3",
            'UPDATE t SET x = x * 3.0E0',
        ],
    },
    {
        name: 'update to and from NULL; predicates that are NULL do not match',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', NULL), (3, NULL, 3), (4, 'b', 4), (NULL, 'z', 5)",
            "UPDATE t SET v = NULL WHERE v = 'b'",
            'UPDATE t SET n = coalesce(n, 0) + 100 WHERE n IS NULL OR n > 3',
            'UPDATE t SET n = -1 WHERE v = NULL',
            'UPDATE t SET n = -2 WHERE NOT (id > 2)',
            "UPDATE t SET v = 'nullid' WHERE id IS NULL",
        ],
    },
    {
        name: 'update of the key column',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
            'UPDATE t SET id = id + 100 WHERE id < 3',
            'UPDATE t SET id = id * 2, v = v || CAST(id AS STRING)',
            'UPDATE t SET id = NULL WHERE id = 8',
        ],
    },
    {
        name: 'delete some, none, by NULL predicate, then all',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c'), (NULL, 'd')",
            "INSERT INTO t VALUES (5, 'e'), (6, 'f')",
            'DELETE FROM t WHERE id = 3',
            'DELETE FROM t WHERE id > 1000',
            'DELETE FROM t WHERE v = NULL',
            'DELETE FROM t WHERE v IS NULL',
            "INSERT INTO t VALUES (7, 'g')",
            'DELETE FROM t WHERE id IN (1, 6) OR id IS NULL',
        ],
    },
    {
        name: 'delete every row, then insert again',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
            "INSERT INTO t VALUES (3, 'c')",
            'DELETE FROM t',
            "INSERT INTO t VALUES (4, 'd')",
            'DELETE FROM t WHERE true',
            "INSERT INTO t VALUES (5, 'e'), (6, NULL)",
        ],
    },
    {
        name: 'delete with an IN subquery',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            'CREATE TABLE s (id INT)',
            "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, NULL)",
            'INSERT INTO s VALUES (2), (4), (NULL)',
            'DELETE FROM t WHERE id IN (SELECT id FROM s)',
            "UPDATE t SET v = 'kept' WHERE id NOT IN (SELECT id FROM s WHERE id IS NOT NULL)",
        ],
    },
    {
        name: 'decimals: arithmetic, rounding on store, negative values',
        stmts: [
            'CREATE TABLE t (id INT, d DECIMAL(9,2), e DECIMAL(18,4))',
            'INSERT INTO t VALUES (1, 1.25, 0.0001), (2, -1.35, -12345.6789), (3, 0.00, NULL), (4, 9999.99, 1.5)',
            // more fraction digits than the column's scale: rounded half up
            'INSERT INTO t VALUES (5, 1.255, 0.00005), (6, -1.255, -0.00005), (7, 2.2449, 7)',
            'UPDATE t SET d = d * 1.5 WHERE id <= 2',
            'UPDATE t SET e = e + d WHERE e IS NOT NULL',
            'UPDATE t SET d = -d, e = e * 2 WHERE id >= 3',
            'DELETE FROM t WHERE d < -9999',
            'INSERT INTO t SELECT id + 10, d - 0.01, e FROM t WHERE d > 0',
        ],
    },
    {
        name: 'strings: unicode, empty, quotes, functions',
        stmts: [
            'CREATE TABLE t (id INT, s STRING)',
            {
                spark: "INSERT INTO t VALUES (1, 'dög'), (2, '東京'), (3, ''), (4, 'O\\'Brien'), (5, 'tab\\there'), (6, NULL)",
                duck: "INSERT INTO t VALUES (1, 'dög'), (2, '東京'), (3, ''), (4, 'O''Brien'), (5, 'tab' || chr(9) || 'here'), (6, NULL)",
            },
            "UPDATE t SET s = upper(s) WHERE s LIKE '%ö%' OR s = ''",
            "UPDATE t SET s = substring(s, 1, 1) || '-' || lower(s) WHERE id IN (2, 4)",
            "DELETE FROM t WHERE length(s) = 1",
            "UPDATE t SET s = replace(s, 'b', 'B') WHERE s > 'o'",
        ],
    },
    {
        name: 'dates: comparisons and date arithmetic',
        stmts: [
            'CREATE TABLE t (id INT, dt DATE, note STRING)',
            "INSERT INTO t VALUES (1, DATE '2020-02-28', 'a'), (2, DATE '2020-12-31', 'b'), (3, NULL, 'c'), (4, DATE '1970-01-01', 'd')",
            'UPDATE t SET dt = date_add(dt, 1) WHERE dt < DATE \'2020-06-01\'',
            "UPDATE t SET note = 'leap' WHERE dt = DATE '2020-02-29'",
            "UPDATE t SET dt = DATE '2000-01-01' WHERE dt IS NULL",
            "DELETE FROM t WHERE dt BETWEEN DATE '1970-01-01' AND DATE '1970-01-02'",
            "UPDATE t SET dt = date_sub(dt, 365) WHERE year(dt) = 2020",
        ],
    },
    {
        name: 'booleans and bigints',
        stmts: [
            'CREATE TABLE t (id BIGINT, flag BOOLEAN, n BIGINT)',
            'INSERT INTO t VALUES (5000000000, true, 1), (-5000000000, false, NULL), (0, NULL, 9223372036854775806)',
            'UPDATE t SET flag = NOT flag, n = n + 1',
            'UPDATE t SET flag = true WHERE flag IS NULL',
            'DELETE FROM t WHERE NOT flag',
        ],
    },
    {
        name: 'partitioned table: insert, update moving rows between partitions, delete a partition',
        stmts: [
            'CREATE TABLE t (id INT, part STRING, v INT) PARTITIONED BY (part)',
            "INSERT INTO t VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 30), (4, NULL, 40), (5, 'c', 50)",
            "INSERT INTO t VALUES (6, 'b', 60), (7, 'a', 70)",
            "UPDATE t SET part = 'b' WHERE id IN (1, 4)",
            "UPDATE t SET v = v + 1 WHERE part = 'b'",
            "DELETE FROM t WHERE part = 'a'",
            "UPDATE t SET part = NULL, v = -v WHERE id = 5",
        ],
    },
    {
        name: 'partitioned by int and date columns',
        stmts: [
            'CREATE TABLE t (id INT, y INT, dt DATE, v DOUBLE) PARTITIONED BY (y, dt)',
            "INSERT INTO t VALUES (1, 2020, DATE '2020-01-01', 1.5E0), (2, 2020, DATE '2020-01-02', 2.5E0)," +
                " (3, 2021, DATE '2020-01-01', NULL), (4, NULL, NULL, 4.5E0)",
            'UPDATE t SET y = y + 1 WHERE y = 2020',
            "UPDATE t SET dt = DATE '2022-12-31' WHERE dt IS NULL OR id = 2",
            'DELETE FROM t WHERE y = 2021 AND v IS NULL',
        ],
    },
    {
        name: 'merge upsert with UPDATE SET * and INSERT *',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            'CREATE TABLE s (id INT, v STRING, n INT)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', NULL)",
            "INSERT INTO s VALUES (2, 'B', 20), (3, NULL, 30), (4, 'D', 40), (NULL, 'N', 0)",
            'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *',
        ],
    },
    {
        name: 'merge with several conditional MATCHED clauses (first match wins)',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            'CREATE TABLE s (id INT, op STRING, n INT)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4), (5, 'e', NULL)",
            "INSERT INTO s VALUES (1, 'D', 0), (2, 'U', 20), (3, 'D', 30), (4, 'X', 40), (5, 'U', 50)",
            "MERGE INTO t USING s ON t.id = s.id" +
                " WHEN MATCHED AND s.op = 'D' AND t.n > 2 THEN DELETE" +
                " WHEN MATCHED AND s.op = 'U' THEN UPDATE SET n = s.n, v = t.v || 'u'" +
                " WHEN MATCHED AND t.n IS NULL THEN DELETE" +
                " WHEN MATCHED THEN UPDATE SET v = 'other'",
        ],
    },
    {
        name: 'merge with conditional NOT MATCHED inserts',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, d DECIMAL(9,2))',
            'CREATE TABLE s (id INT, v STRING, d DECIMAL(9,2))',
            "INSERT INTO t VALUES (1, 'a', 1.00)",
            "INSERT INTO s VALUES (1, 'x', 9.99), (2, 'y', 2.50), (3, 'z', -3.25), (4, NULL, NULL), (5, 'w', 5.00)",
            'MERGE INTO t USING s ON t.id = s.id' +
                ' WHEN NOT MATCHED AND s.d < 0 THEN INSERT (id, v) VALUES (s.id, \'neg\')' +
                ' WHEN NOT MATCHED AND s.v IS NOT NULL AND s.id <> 5 THEN INSERT (id, v, d) VALUES (s.id * 10, s.v, s.d * 2)' +
                ' WHEN NOT MATCHED AND s.v IS NULL THEN INSERT *',
        ],
    },
    {
        name: 'merge NOT MATCHED BY SOURCE delete and update',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            'CREATE TABLE s (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4), (NULL, 'e', 5)",
            "INSERT INTO s VALUES (1, 'x'), (3, 'y')",
            'MERGE INTO t USING s ON t.id = s.id' +
                ' WHEN NOT MATCHED BY SOURCE AND t.n = 2 THEN DELETE' +
                " WHEN NOT MATCHED BY SOURCE AND t.n > 3 THEN UPDATE SET v = t.v || '?', n = t.n * 10",
            "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET v = 'orphan'",
        ],
    },
    {
        name: 'merge with every clause kind in one statement',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            'CREATE TABLE s (id INT, v STRING, n INT)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4), (5, 'e', 5), (6, 'f', 6)",
            "INSERT INTO s VALUES (1, 'A', 10), (2, 'B', 20), (3, 'C', NULL), (7, 'G', 70), (8, 'H', 80), (9, NULL, 90)",
            'MERGE INTO t USING s ON t.id = s.id' +
                ' WHEN MATCHED AND s.n IS NULL THEN DELETE' +
                ' WHEN MATCHED AND s.n > 15 THEN UPDATE SET v = s.v, n = t.n + s.n' +
                " WHEN MATCHED THEN UPDATE SET v = concat(t.v, s.v)" +
                ' WHEN NOT MATCHED AND s.v IS NULL THEN INSERT (id, n) VALUES (s.id, -1)' +
                ' WHEN NOT MATCHED AND s.n < 75 THEN INSERT *' +
                ' WHEN NOT MATCHED BY SOURCE AND t.n >= 6 THEN DELETE' +
                " WHEN NOT MATCHED BY SOURCE THEN UPDATE SET n = t.n - 100",
        ],
    },
    {
        name: 'merge from a subquery source with aggregation and filter',
        stmts: [
            'CREATE TABLE t (k STRING, total BIGINT, cnt INT)',
            'CREATE TABLE ev (k STRING, amount INT)',
            "INSERT INTO t VALUES ('a', 100, 1), ('b', 200, 2), ('z', 0, 0)",
            "INSERT INTO ev VALUES ('a', 5), ('a', 7), ('c', 1), ('c', NULL), ('d', 4), (NULL, 9), ('b', -1)",
            'MERGE INTO t USING (SELECT k, sum(amount) AS amt, count(*) AS n FROM ev WHERE amount IS NOT NULL GROUP BY k) AS s' +
                ' ON t.k = s.k' +
                ' WHEN MATCHED AND s.amt < 0 THEN DELETE' +
                ' WHEN MATCHED THEN UPDATE SET total = t.total + s.amt, cnt = t.cnt + CAST(s.n AS INT)' +
                ' WHEN NOT MATCHED AND s.k IS NOT NULL THEN INSERT (k, total, cnt) VALUES (s.k, s.amt, CAST(s.n AS INT))',
        ],
        check: ['t', 'ev'],
    },
    {
        name: 'merge with NULL keys on both sides (NULL never matches)',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            'CREATE TABLE s (id INT, v STRING)',
            "INSERT INTO t VALUES (NULL, 't-null'), (1, 'one'), (2, 'two')",
            "INSERT INTO s VALUES (NULL, 's-null'), (1, 'uno')",
            'MERGE INTO t USING s ON t.id = s.id' +
                ' WHEN MATCHED THEN UPDATE SET v = s.v' +
                ' WHEN NOT MATCHED THEN INSERT *' +
                " WHEN NOT MATCHED BY SOURCE AND t.id IS NULL THEN UPDATE SET v = 'unmatched'",
        ],
    },
    {
        name: 'merge with an extra ON condition and duplicate target keys',
        stmts: [
            'CREATE TABLE t (id INT, grp STRING, n INT)',
            'CREATE TABLE s (id INT, grp STRING, n INT)',
            "INSERT INTO t VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', 3), (2, 'x', 4), (3, 'z', 5)",
            "INSERT INTO s VALUES (1, 'x', 10), (2, 'x', 20), (3, 'q', 30)",
            'MERGE INTO t USING s ON t.id = s.id AND t.grp = s.grp' +
                ' WHEN MATCHED THEN UPDATE SET n = t.n + s.n' +
                ' WHEN NOT MATCHED THEN INSERT (id, grp, n) VALUES (s.id, s.grp, s.n)',
            "MERGE INTO t USING s ON t.id = s.id AND t.n > 20 WHEN MATCHED THEN DELETE",
        ],
    },
    {
        name: 'merge that updates the join key',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            'CREATE TABLE s (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            "INSERT INTO s VALUES (2, 'x'), (3, 'y'), (4, 'z')",
            'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET id = s.id + 100, v = s.v',
            'MERGE INTO t USING s ON t.id = s.id + 100 WHEN MATCHED AND t.id = 103 THEN UPDATE SET id = s.id' +
                ' WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id + 100, s.v)',
        ],
    },
    {
        name: 'merge into a partitioned table creating and emptying partitions',
        stmts: [
            'CREATE TABLE t (id INT, region STRING, amount DECIMAL(12,2)) PARTITIONED BY (region)',
            'CREATE TABLE s (id INT, region STRING, amount DECIMAL(12,2))',
            "INSERT INTO t VALUES (1, 'eu', 10.00), (2, 'eu', 20.00), (3, 'us', 30.00), (4, 'apac', 40.00)",
            "INSERT INTO s VALUES (1, 'us', 11.11), (4, 'apac', NULL), (5, 'latam', 55.55), (6, NULL, 66.66)",
            'MERGE INTO t USING s ON t.id = s.id' +
                ' WHEN MATCHED AND s.amount IS NULL THEN DELETE' +
                ' WHEN MATCHED THEN UPDATE SET region = s.region, amount = t.amount + s.amount' +
                ' WHEN NOT MATCHED THEN INSERT *' +
                " WHEN NOT MATCHED BY SOURCE AND t.region = 'eu' THEN UPDATE SET amount = t.amount * 2",
        ],
    },
    {
        // Delta allows several source rows to match one target row when the
        // only MATCHED clause is an unconditional DELETE.
        name: 'merge with duplicate source keys and a single unconditional DELETE',
        // num_affected_rows of the MERGE: Delta counts deleted target rows
        // (2) plus inserted rows (2); DuckDB counts every matching source row.
        counts: { 4: 4 },
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            'CREATE TABLE s (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            "INSERT INTO s VALUES (1, 'x'), (1, 'y'), (3, 'z'), (4, 'w'), (4, 'w2')",
            'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT *',
        ],
    },
    {
        name: 'partitioned by a string column: an empty string partition value reads back as NULL',
        stmts: [
            'CREATE TABLE t (id INT, p STRING, v STRING) PARTITIONED BY (p)',
            "INSERT INTO t VALUES (1, '', ''), (2, NULL, 'n'), (3, 'x', '')",
            "UPDATE t SET p = '' WHERE id = 3",
            // Delta: "" is the serialized form of NULL (PROTOCOL.md).
            { spark: null, duck: "UPDATE t SET p = NULL WHERE p = ''" },
            "UPDATE t SET v = 'null part' WHERE p IS NULL",
        ],
    },
    {
        // Delta resolves UPDATE SET * / INSERT * by column name; DuckDB's are
        // positional, so it is given the explicit lists.
        name: 'merge UPDATE SET * and INSERT * match source columns by name',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            'CREATE TABLE s (n INT, v STRING, id INT)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2)",
            "INSERT INTO s VALUES (10, 'x', 1), (30, 'z', 3)",
            {
                spark: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *',
                duck: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET id = s.id, v = s.v, n = s.n' +
                    ' WHEN NOT MATCHED THEN INSERT (id, v, n) VALUES (s.id, s.v, s.n)',
            },
        ],
    },
    {
        name: 'update that swaps two columns reads the old values',
        stmts: [
            'CREATE TABLE t (id INT, a INT, b INT, s STRING)',
            "INSERT INTO t VALUES (1, 10, 100, 'x'), (2, NULL, 200, 'y'), (3, 30, NULL, NULL)",
            'UPDATE t SET a = b, b = a WHERE id <> 2',
            "UPDATE t SET id = a, a = id, s = s || CAST(a AS STRING)",
        ],
    },
    {
        name: 'delete with a correlated EXISTS subquery',
        stmts: [
            'CREATE TABLE t (id INT, grp STRING, n INT)',
            'CREATE TABLE blocked (grp STRING, lim INT)',
            "INSERT INTO t VALUES (1, 'a', 5), (2, 'a', 50), (3, 'b', 7), (4, NULL, 8), (5, 'c', 70)",
            "INSERT INTO blocked VALUES ('a', 10), ('c', 100), (NULL, 0)",
            'DELETE FROM t WHERE EXISTS (SELECT 1 FROM blocked b WHERE b.grp = t.grp AND t.n < b.lim)',
        ],
    },
    {
        name: 'INSERT OVERWRITE, TRUNCATE and a partitioned CREATE TABLE AS SELECT',
        stmts: [
            'CREATE TABLE t (id INT, v STRING)',
            "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            {
                spark: "INSERT OVERWRITE t SELECT id * 10, upper(v) FROM t WHERE id >= 2",
                duck: ['CREATE TEMP TABLE tmp_o AS SELECT id * 10 AS id, upper(v) AS v FROM t WHERE id >= 2',
                    'DELETE FROM t', 'INSERT INTO t SELECT * FROM tmp_o', 'DROP TABLE tmp_o'],
            },
            'CREATE TABLE c USING DELTA PARTITIONED BY (p) AS SELECT id, v AS p, id % 3 AS m FROM t',
            "INSERT INTO c VALUES (7, 'Q', 1)",
            'UPDATE c SET m = m + 100 WHERE p = \'B\'',
            { spark: 'TRUNCATE TABLE t', duck: 'DELETE FROM t' },
            "INSERT INTO t VALUES (4, 'd')",
        ],
        check: ['t', 'c'],
    },
    {
        // 16384 rows (doubling self-inserts, ids 0..16383, 15 files), so the
        // statements span many vectors and every file is rewritten.
        name: 'larger table: DML across many vectors and files',
        stmts: [
            'CREATE TABLE t (id INT, k INT, v DOUBLE, s STRING, d DECIMAL(12,2)) PARTITIONED BY (k)',
            "INSERT INTO t VALUES (0, 0, 0.5E0, 's0', 0.01)",
            ...Array.from({ length: 14 }, (_, i) =>
                `INSERT INTO t SELECT id + ${2 ** i}, (id + ${2 ** i}) % 3, v * 1.5E0 + ${i}.0E0, s || '${i % 10}', d + ${i}.25 FROM t`),
            'UPDATE t SET v = v + 1.0E0, s = upper(s) WHERE id % 7 = 3',
            'DELETE FROM t WHERE id % 11 = 5 OR (k = 2 AND id % 5 = 0)',
            'CREATE TABLE src (id INT, k INT, v DOUBLE, s STRING, d DECIMAL(12,2))',
            'INSERT INTO src SELECT id * 2, (id * 2) % 3, -v, s, d * 2 FROM t WHERE id % 3 = 0',
            'MERGE INTO t USING src ON t.id = src.id' +
                ' WHEN MATCHED AND src.id % 4 = 0 THEN DELETE' +
                ' WHEN MATCHED THEN UPDATE SET v = src.v, d = t.d + src.d' +
                ' WHEN NOT MATCHED THEN INSERT *' +
                ' WHEN NOT MATCHED BY SOURCE AND t.id % 13 = 0 THEN UPDATE SET k = 99',
        ],
    },
    {
        name: 'syntax variants: aliases, case-insensitive and quoted names, inline VALUES source, <=> in ON',
        stmts: [
            { spark: 'CREATE TABLE t (id INT, `my col` STRING, n INT)', duck: 'CREATE TABLE t (id INT, "my col" VARCHAR, n INT)' },
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (NULL, 'nul', 3)",
            { spark: "UPDATE t AS x SET `my col` = 'A' WHERE x.ID = 1", duck: "UPDATE t AS x SET \"my col\" = 'A' WHERE x.id = 1" },
            'UPDATE t SET N = N * 10 WHERE Id >= 2',
            {
                spark: 'MERGE INTO t AS tgt USING (SELECT * FROM VALUES (2, \'two\'), (NULL, \'null key\'), (5, \'five\') AS v(id, name)) AS src' +
                    ' ON tgt.id <=> src.id WHEN MATCHED THEN UPDATE SET tgt.`my col` = src.name' +
                    ' WHEN NOT MATCHED THEN INSERT (id, `my col`, n) VALUES (src.id, src.name, 0)',
                duck: 'MERGE INTO t AS tgt USING (SELECT * FROM (VALUES (2, \'two\'), (NULL, \'null key\'), (5, \'five\')) AS v(id, name)) AS src' +
                    ' ON tgt.id IS NOT DISTINCT FROM src.id WHEN MATCHED THEN UPDATE SET "my col" = src.name' +
                    ' WHEN NOT MATCHED THEN INSERT (id, "my col", n) VALUES (src.id, src.name, 0)',
            },
        ],
    },
    {
        name: 'merge whose source is the target itself',
        stmts: [
            'CREATE TABLE t (id INT, v STRING, n INT)',
            "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)",
            'MERGE INTO t USING (SELECT id + 1 AS id, v, n FROM t) AS s ON t.id = s.id' +
                " WHEN MATCHED THEN UPDATE SET v = t.v || s.v" +
                ' WHEN NOT MATCHED THEN INSERT (id, v, n) VALUES (s.id, s.v, s.n * 100)',
        ],
    },
    {
        name: 'many small commits touching the same rows (copy-on-write across files)',
        stmts: [
            'CREATE TABLE t (id INT, n INT, s STRING)',
            "INSERT INTO t VALUES (1, 0, 'a'), (2, 0, 'b'), (3, 0, 'c')",
            "INSERT INTO t VALUES (4, 0, 'd'), (5, 0, 'e')",
            "INSERT INTO t VALUES (6, 0, 'f')",
            'UPDATE t SET n = n + 1 WHERE id % 2 = 1',
            'UPDATE t SET n = n + 10 WHERE id > 2',
            'DELETE FROM t WHERE id = 4',
            "INSERT INTO t VALUES (4, 99, 'D')",
            'UPDATE t SET n = n * 2, s = upper(s) WHERE n >= 10',
            'DELETE FROM t WHERE n = 0',
            'UPDATE t SET n = n - 1',
            "UPDATE t SET s = s || s WHERE id IN (1, 5)",
        ],
    },
    {
        name: 'update and delete with CASE, COALESCE and a scalar subquery',
        stmts: [
            'CREATE TABLE t (id INT, n INT, grade STRING)',
            'CREATE TABLE lim (m INT)',
            'INSERT INTO lim VALUES (25)',
            'INSERT INTO t VALUES (1, 10, NULL), (2, 20, NULL), (3, 30, NULL), (4, NULL, NULL)',
            "UPDATE t SET grade = CASE WHEN n >= 30 THEN 'A' WHEN n >= 20 THEN 'B' WHEN n IS NULL THEN 'none' ELSE 'C' END",
            'UPDATE t SET n = coalesce(n, 0) + 1 WHERE grade IN (\'C\', \'none\')',
            'DELETE FROM t WHERE n > (SELECT max(m) FROM lim)',
        ],
    },
    {
        name: 'double columns: exact values after arithmetic',
        stmts: [
            'CREATE TABLE t (id INT, x DOUBLE, y DOUBLE)',
            'INSERT INTO t VALUES (1, 0.1E0, 0.2E0), (2, 1.0E10, -3.5E0), (3, NULL, 1.0E0), (4, -2.75E0, 1.0E-5)',
            'UPDATE t SET x = x + y, y = y * 3.0E0',
            'UPDATE t SET x = x / 3.0E0 WHERE x > 0',
            'DELETE FROM t WHERE y < -10.0E0',
        ],
    },
];

// Runs one scenario on both engines; throws with a report on a difference.
async function runScenario(sc) {
    const stmts = sc.stmts;
    const check = sc.check ?? ['t'];
    await duckReset();
    const counts = [];
    for (const s of stmts) counts.push(await duckRun(s));
    const exp = {};
    for (const t of check) exp[t] = await duckTable(t);

    const wh = newWarehouse();
    const sparkStmts = stmts.map(stmtSpark).filter((s) => s !== null);
    const script = [...withCountMarkers(stmts), ...check.flatMap((t) => readBack(t))];
    const r = strataScript(wh, script);
    const sqlText = sparkStmts.map((s) => `  ${s};`).join('\n');
    if (r.status !== 0) throw new Error(`${strataError(r)}\nscript:\n${sqlText}`);
    const got = sections(r.lines);
    {
        for (const [i, n] of Object.entries(sc.counts ?? {})) counts[Number(i)] = n;
        const msg = compareCounts(stmts, counts, got);
        if (msg) throw new Error(`strata differs from DuckDB: ${msg}\nscript:\n${sqlText}`);
    }
    for (const t of check) {
        const act = got.get(t);
        if (!act) throw new Error(`strata printed no rows section for table ${t}\nstdout:\n${r.stdout.slice(0, 2000)}`);
        const msg = compareTable(t, exp[t], act);
        if (msg) {
            throw new Error(`strata differs from DuckDB: ${msg}\nscript:\n${sqlText}\n` +
                `DuckDB ${t}:\n${showRows(exp[t])}\nstrata ${t}:\n${showRows(act)}`);
        }
    }
    fs.rmSync(wh, { recursive: true, force: true });
}

for (const sc of SCENARIOS)
    test(`scenario: ${sc.name}`, sc.todo ? { todo: sc.todo } : {}, () => runScenario(sc));

/* ---- failing statements leave the table unchanged --------------------------------- */

// Version of the newest commit in DESCRIBE HISTORY rows.
function latestVersion(rows) {
    let v = -1;
    for (const r of rows) {
        const x = r instanceof L.JObj ? r.get('version') : undefined;
        // Spark's version column is a BIGINT; a string holding the number
        // is accepted too.
        if (x instanceof L.JNum || (typeof x === 'string' && /^\d+$/.test(x))) v = Math.max(v, Number(x.text ?? x));
    }
    return v;
}

function tableState(wh, table) {
    const r = strataScript(wh, [`SELECT 'h' AS ${MARK}`, `DESCRIBE HISTORY ${table}`, ...readBack(table, 'rows')]);
    if (r.status !== 0) throw new Error(`reading ${table}: ${strataError(r)}`);
    const sec = sections(r.lines);
    const version = latestVersion(sec.get('h') ?? []);
    const rows = (sec.get('rows') ?? []).map((x) => L.show(x, 1000)).sort();
    return { version, rows };
}

const FAIL_SETUP = [
    'CREATE TABLE t (id INT NOT NULL, v STRING, n INT) PARTITIONED BY (v)',
    'CREATE TABLE s (id INT, v STRING, n INT)',
    "INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20), (3, 'a', 30)",
    'UPDATE t SET n = n + 1 WHERE id = 2',
    "INSERT INTO s VALUES (1, 'x', 100), (1, 'y', 200), (4, 'z', 400)",
    'ALTER TABLE t ADD CONSTRAINT n_positive CHECK (n > 0)',
];

// [statement, what it violates, pattern the error names; todo reason]
const FAILING = [
    ["INSERT INTO t VALUES (5, 'c', 50), (NULL, 'd', 60)", 'NOT NULL violation in INSERT', /NOT NULL/i],
    ['UPDATE t SET id = NULL WHERE n > 20', 'NOT NULL violation in UPDATE', /NOT NULL/i],
    ["INSERT INTO t SELECT CASE WHEN id = 3 THEN NULL ELSE id + 10 END, v, n FROM t", 'NOT NULL violation in INSERT SELECT', /NOT NULL/i],
    ['MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, v) VALUES (NULL, s.v)',
        'NOT NULL violation in MERGE INSERT', /NOT NULL/i],
    ['UPDATE t SET n = n - 25 WHERE id >= 2', 'CHECK constraint violation in UPDATE', /CHECK/i],
    ["MERGE INTO t USING s ON t.id = s.id AND s.n = 400 WHEN NOT MATCHED THEN INSERT (id, v, n) VALUES (s.id + 10, s.v, -s.n)",
        'CHECK constraint violation in MERGE INSERT', /CHECK/i],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = s.n', 'two source rows match one target row (update)', /multiple source rows/i],
    // Only a single unconditional DELETE may match several source rows
    // (Delta's merge; see the scenario with duplicate source keys).
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.n > 0 THEN DELETE WHEN NOT MATCHED THEN INSERT *',
        'two source rows match one target row (conditional delete)', /multiple source rows/i],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.n > 150 THEN DELETE WHEN MATCHED THEN UPDATE SET n = 1',
        'two source rows match one target row (delete or update)', /multiple source rows/i],
];

for (const [sql, what, pattern, todo] of FAILING) {
    test(`failing statement leaves the table unchanged: ${what}`, todo ? { todo } : {}, () => {
        const wh = newWarehouse();
        const setup = strataScript(wh, FAIL_SETUP);
        assert.equal(setup.status, 0, strataError(setup));
        const before0 = tableState(wh, 't');
        assert.ok(before0.version >= 2, `DESCRIBE HISTORY t: expected version >= 2, got ${before0.version}`);
        assert.equal(before0.rows.length, 3);
        const r = strataScript(wh, [sql]);
        assert.equal(r.status, 1, `${what}: expected exit 1 for ${sql}; ${strataError(r)}; stdout: ${r.stdout.trim()}`);
        assert.match(r.stderr, /^error: \S/m, `${what}: stderr should say "error: ...": ${r.stderr}`);
        assert.match(r.stderr, pattern, `${what}: the error should name the cause: ${r.stderr}`);
        const now = tableState(wh, 't');
        assert.equal(now.version, before0.version, `${what}: DESCRIBE HISTORY version changed after ${sql}`);
        assert.deepEqual(now.rows, before0.rows, `${what}: table rows changed after ${sql}`);
        fs.rmSync(wh, { recursive: true, force: true });
    });
}

test('a script stops at its failing statement: earlier statements stay committed', () => {
    const wh = newWarehouse();
    const setup = strataScript(wh, FAIL_SETUP);
    assert.equal(setup.status, 0, strataError(setup));
    const before0 = tableState(wh, 't');
    const r = strataScript(wh, [
        "INSERT INTO t VALUES (7, 'e', 70)",
        "INSERT INTO t VALUES (8, 'e', 80), (NULL, 'e', 90)",
        "INSERT INTO t VALUES (9, 'e', 90)",
    ]);
    assert.equal(r.status, 1, `script with a failing second statement: ${strataError(r)}`);
    assert.match(r.stderr, /^error: \S/m);
    const after1 = tableState(wh, 't');
    assert.equal(after1.version, before0.version + 1, 'only the first INSERT of the script commits');
    assert.equal(after1.rows.length, 4);
    assert.ok(after1.rows.some((x) => x.includes('"id":7')), 'row 7 was inserted');
    assert.ok(!after1.rows.some((x) => /"id":(8|9)\b/.test(x)), 'rows 8 and 9 were not inserted');
    fs.rmSync(wh, { recursive: true, force: true });
});

/* ---- random DML sequences -------------------------------------------------------- */

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

const SQL_TYPE = {
    int: 'INT', big: 'BIGINT', dbl: 'DOUBLE', dec: 'DECIMAL(9,2)', str: 'STRING', date: 'DATE', bool: 'BOOLEAN',
};
const STRS = ["'a'", "'b'", "'ab'", "'B'", "''", "'dög'", "'東京'", "'zz'"];
const DATES = ["DATE '2020-01-01'", "DATE '2020-02-29'", "DATE '2021-06-15'", "DATE '1999-12-31'", "DATE '2020-03-01'"];

// Generates one sequence: { stmts: [Spark SQL], tables: [names] }. Table t
// has id INT plus 2-4 columns c1..c4 of random types; MERGE sources sN are
// created with the same columns and unique ids.
export function genSequence(seed) {
    const R = rng(seed);
    const types = ['int'];
    const nc = 2 + R.int(3);
    for (let i = 0; i < nc; i++) types.push(R.pick(['int', 'big', 'dbl', 'dec', 'str', 'str', 'date', 'bool']));
    const cols = types.map((ty, i) => ({ name: i === 0 ? 'id' : `c${i}`, ty }));
    const partCands = cols.filter((c) => c.name !== 'id' && ['int', 'str', 'date', 'bool'].includes(c.ty));
    const part = partCands.length && R.chance(0.3) ? R.pick(partCands).name : null;
    const stmts = [];
    stmts.push(`CREATE TABLE t (${cols.map((c) => `${c.name} ${SQL_TYPE[c.ty]}`).join(', ')})` +
        (part ? ` PARTITIONED BY (${part})` : ''));

    const lit = {
        int: () => String(R.int(41) - 20),
        big: () => String(R.int(4001) - 2000),
        dbl: () => `${R.int(200) - 100}.${R.pick(['0', '5', '25', '125'])}E0`,
        dec: () => `${R.int(201) - 100}.${R.int(10)}${R.int(10)}`,
        str: () => R.pick(STRS),
        date: () => R.pick(DATES),
        bool: () => R.pick(['true', 'false']),
    };
    const litOrNull = (ty) => (R.chance(0.15) ? 'NULL' : lit[ty]());
    // In expressions a NULL literal is typed, so operators resolve alike.
    const exprLit = (ty) => (R.chance(0.15) ? `CAST(NULL AS ${SQL_TYPE[ty]})` : lit[ty]());
    const idLit = () => (R.chance(0.05) ? 'NULL' : String(R.int(25)));

    // Value expression of type ty over the columns visible through q(col)
    // (qualifier function; null = unqualified).
    const valueExpr = (ty, scopes, depth = 1) => {
        const colOf = () => {
            const opts = [];
            for (const sc of scopes) for (const c of cols) if (c.ty === ty) opts.push(sc ? `${sc}.${c.name}` : c.name);
            return opts.length ? R.pick(opts) : null;
        };
        const base = () => (R.chance(0.7) && colOf()) || exprLit(ty);
        if (depth <= 0 || R.chance(0.3)) return base();
        const sub = () => valueExpr(ty, scopes, depth - 1);
        switch (ty) {
        case 'int': case 'big': return R.pick([
            () => `${sub()} + ${R.int(9) + 1}`, () => `${sub()} - ${R.int(9) + 1}`, () => `abs(${sub()})`,
            () => `coalesce(${sub()}, ${lit[ty]()})`, () => `-(${sub()})`,
            () => `CASE WHEN ${pred(scopes, 0)} THEN ${sub()} ELSE ${sub()} END`,
        ])();
        case 'dbl': return R.pick([
            () => `${sub()} + ${lit.dbl()}`, () => `${sub()} * 0.5E0`, () => `-(${sub()})`,
            () => `coalesce(${sub()}, ${lit.dbl()})`,
        ])();
        case 'dec': return R.pick([
            () => `${sub()} + ${lit.dec()}`, () => `${sub()} - ${sub()}`, () => `abs(${sub()})`,
            () => `${sub()} * 0.5`, // rounds half up on store
            () => `coalesce(${sub()}, ${lit.dec()})`,
            () => `CASE WHEN ${pred(scopes, 0)} THEN ${sub()} ELSE ${sub()} END`,
        ])();
        case 'str': return R.pick([
            () => `upper(${sub()})`, () => `lower(${sub()})`, () => `substring(${sub()}, 1, 2)`,
            () => `${sub()} || ${lit.str()}`, () => `coalesce(${sub()}, ${lit.str()})`,
        ])();
        case 'date': return R.pick([
            () => `date_add(${sub()}, ${R.int(61) - 30})`, () => `coalesce(${sub()}, ${lit.date()})`,
        ])();
        case 'bool': return R.pick([() => `NOT (${sub()})`, () => `(${pred(scopes, 0)})`, () => `coalesce(${sub()}, false)`])();
        default: throw new Error(ty);
        }
    };
    const colRef = (sc, c) => (sc ? `${sc}.${c.name}` : c.name);
    const pred = (scopes, depth = 1) => {
        if (depth <= 0 || R.chance(0.5)) {
            const sc = R.pick(scopes);
            const c = R.pick(cols);
            const x = colRef(sc, c);
            return R.pick([
                () => `${x} ${R.pick(['=', '<>', '<', '<=', '>', '>='])} ${c.name === 'id' ? String(R.int(25)) : lit[c.ty]()}`,
                () => `${x} IS ${R.chance(0.5) ? 'NOT ' : ''}NULL`,
                () => `${x} ${R.chance(0.3) ? 'NOT ' : ''}IN (${lit[c.ty]()}, ${lit[c.ty]()}${R.chance(0.2) ? ', NULL' : ''})`,
                () => (c.ty === 'bool' ? x : `${x} BETWEEN ${lit[c.ty]()} AND ${lit[c.ty]()}`),
                () => `id % ${R.int(4) + 2} = ${R.int(2)}`.replace('id', colRef(sc, cols[0])),
            ])();
        }
        return R.pick([
            () => `(${pred(scopes, depth - 1)} AND ${pred(scopes, depth - 1)})`,
            () => `(${pred(scopes, depth - 1)} OR ${pred(scopes, depth - 1)})`,
            () => `NOT (${pred(scopes, depth - 1)})`,
        ])();
    };
    const rowLits = (id) => `(${[id, ...cols.slice(1).map((c) => litOrNull(c.ty))].join(', ')})`;
    const setList = (scopes) => {
        const n = 1 + R.int(Math.min(2, cols.length));
        const chosen = [];
        while (chosen.length < n) {
            const c = R.pick(cols);
            if (!chosen.includes(c)) chosen.push(c);
        }
        return chosen.map((c) => `${c.name} = ${c.name === 'id' ? valueExpr('int', scopes, 1) : valueExpr(c.ty, scopes, 2)}`).join(', ');
    };

    const n = 10 + R.int(21);
    let selfInserts = 0;
    let sources = 0;
    // Start with some rows.
    stmts.push(`INSERT INTO t VALUES ${Array.from({ length: 3 + R.int(6) }, () => rowLits(idLit())).join(', ')}`);
    while (stmts.length < n) {
        const kind = R.pick(['insert', 'insert', 'update', 'update', 'update', 'delete', 'delete', 'merge', 'merge', 'merge', 'insel']);
        if (kind === 'insert' && R.chance(0.25)) {
            // a column list: the other columns get NULL
            const ic = cols.filter((c, k) => k === 0 || R.chance(0.5)).reverse();
            stmts.push(`INSERT INTO t (${ic.map((c) => c.name).join(', ')}) VALUES ` +
                Array.from({ length: 1 + R.int(4) }, () => `(${ic.map((c) => (c.name === 'id' ? idLit() : litOrNull(c.ty))).join(', ')})`).join(', '));
        } else if (kind === 'insert') {
            stmts.push(`INSERT INTO t VALUES ${Array.from({ length: 1 + R.int(5) }, () => rowLits(idLit())).join(', ')}`);
        } else if (kind === 'insel' && selfInserts < 2) {
            selfInserts++;
            stmts.push(`INSERT INTO t SELECT ${cols.map((c) => (c.name === 'id' ? `id + ${R.int(30)}` : valueExpr(c.ty, [null], 1))).join(', ')}` +
                ` FROM t WHERE ${pred([null], 1)}`);
        } else if (kind === 'update') {
            const where = sources && R.chance(0.2) ? `id ${R.chance(0.5) ? 'NOT ' : ''}IN (SELECT id FROM s${1 + R.int(sources)} WHERE id IS NOT NULL)`
                : pred([null], 2);
            stmts.push(`UPDATE t SET ${setList([null])}${R.chance(0.85) ? ` WHERE ${where}` : ''}`);
        } else if (kind === 'delete') {
            const where = sources && R.chance(0.2) ? `id IN (SELECT id FROM s${1 + R.int(sources)})` : pred([null], 2);
            stmts.push(`DELETE FROM t WHERE ${where}`);
        } else if (kind === 'merge') {
            const src = `s${++sources}`;
            stmts.push(`CREATE TABLE ${src} (${cols.map((c) => `${c.name} ${SQL_TYPE[c.ty]}`).join(', ')})`);
            const ids = new Set();
            const m = 1 + R.int(8);
            while (ids.size < m) ids.add(R.int(30));
            const rows = [...ids].map((id) => rowLits(String(id)));
            if (R.chance(0.2)) rows.push(rowLits('NULL'));
            stmts.push(`INSERT INTO ${src} VALUES ${rows.join(', ')}`);
            const on = `t.id = s.id${R.chance(0.2) ? ` AND ${pred(['t'], 0)}` : ''}`;
            const clauses = [];
            const count = (max) => R.int(max + 1);
            const cond = (scopes, last) => (last && R.chance(0.5) ? '' : ` AND ${pred(scopes, 1)}`);
            let nm = count(2);
            let nn = count(2);
            let nb = count(2);
            if (nm + nn + nb === 0) nm = 1;
            for (let i = 0; i < nm; i++) {
                const c = cond(['t', 's'], i === nm - 1);
                clauses.push(R.chance(0.3) ? `WHEN MATCHED${c} THEN DELETE`
                    : R.chance(0.1) ? `WHEN MATCHED${c} THEN UPDATE SET *`
                        : `WHEN MATCHED${c} THEN UPDATE SET ${setList(['t', 's'])}`);
            }
            for (let i = 0; i < nn; i++) {
                const c = cond(['s'], i === nn - 1);
                if (R.chance(0.3)) clauses.push(`WHEN NOT MATCHED${c} THEN INSERT *`);
                else {
                    const ic = cols.filter((x, k) => k === 0 || R.chance(0.7));
                    clauses.push(`WHEN NOT MATCHED${c} THEN INSERT (${ic.map((x) => x.name).join(', ')}) VALUES (` +
                        `${ic.map((x) => (x.name === 'id' ? 's.id' : valueExpr(x.ty, ['s'], 1))).join(', ')})`);
                }
            }
            for (let i = 0; i < nb; i++) {
                const c = cond(['t'], i === nb - 1);
                clauses.push(R.chance(0.4) ? `WHEN NOT MATCHED BY SOURCE${c} THEN DELETE`
                    : `WHEN NOT MATCHED BY SOURCE${c} THEN UPDATE SET ${setList(['t'])}`);
            }
            const using = R.chance(0.2) ? `(SELECT * FROM ${src} WHERE ${pred([null], 0)})` : src;
            stmts.push(`MERGE INTO t USING ${using} AS s ON ${on} ${clauses.join(' ')}`);
        }
    }
    // Delta stores partition values as strings and reads "" back as NULL
    // (PROTOCOL.md, partition value serialization; Spark writes an empty
    // string partition value as NULL): DuckDB is given the same rule.
    const partCol = cols.find((c) => c.name === part);
    const duckFixup = partCol && partCol.ty === 'str' ? `UPDATE t SET ${part} = NULL WHERE ${part} = ''` : null;
    return { stmts, duckFixup };
}

// Runs a sequence on DuckDB; returns the final rows of t, or the rows after
// every statement (perStmt) as an array (null before CREATE TABLE t ran).
async function duckSequence(stmts, { perStmt = false, duckFixup = null } = {}) {
    await duckReset();
    const snaps = [];
    const counts = [];
    for (const s of stmts) {
        counts.push(await duckRun(s));
        if (duckFixup) await duckRun({ spark: null, duck: duckFixup });
        if (perStmt) snaps.push(await duckTable('t'));
    }
    return { rows: perStmt ? snaps : await duckTable('t'), counts };
}

// Replays a sequence with t read back after every statement on both
// engines; returns a message naming the first statement after which they
// differ (or at which strata fails).
async function bisect(stmts, duckFixup) {
    const { rows: exp, counts } = await duckSequence(stmts, { perStmt: true, duckFixup });
    const wh = newWarehouse();
    const script = stmts.flatMap((s, i) => [...withCountMarkers([s], i), ...readBack('t', `after ${i}`)]);
    const r = strataScript(wh, script);
    const got = sections(r.lines);
    const listing = (upto) => stmts.slice(0, upto + 1).map((s, k) => `  [${k}] ${s};`).join('\n');
    for (let i = 0; i < stmts.length; i++) {
        const act = got.get(`after ${i}`);
        if (!act) {
            return `strata failed at statement [${i}] (${strataError(r)})\nstatements up to it:\n${listing(i)}`;
        }
        const msg = compareCounts(stmts, counts, got, i) ?? compareTable('t', exp[i], act);
        if (msg) {
            return `first differing statement: [${i}] ${stmts[i]}\n${msg}\nstatements up to it:\n${listing(i)}\n` +
                `DuckDB t after [${i}]:\n${showRows(exp[i])}\nstrata t after [${i}]:\n${showRows(act)}\n` +
                (i > 0 ? `both before [${i}]:\n${showRows(exp[i - 1])}` : '');
        }
    }
    return r.status !== 0 ? `strata failed after the last statement: ${strataError(r)}` : 'no difference on replay (flaky?)';
}

test('generator: 50 sequences run on DuckDB and are deterministic per seed', async () => {
    for (let i = 0; i < 50; i++) {
        const q = genSequence(BASE_SEED + i);
        assert.deepEqual(genSequence(BASE_SEED + i).stmts, q.stmts);
        assert.ok(q.stmts.length >= 10 && q.stmts.length <= 33, `sequence length ${q.stmts.length}`);
        try {
            await duckSequence(q.stmts, q);
        } catch (e) {
            assert.fail(`STRATA_DML_RANDOM_SEED=${BASE_SEED + i}: ${e.message}`);
        }
    }
});

// Runs a script like strataScript but without blocking, so several
// sequences run on strata at once while DuckDB computes the next answers.
function strataScriptAsync(warehouse, stmts, { timeout = 60000 } = {}) {
    const file = tmp.path(`script${whCount++}.sql`);
    fs.writeFileSync(file, stmts.map((s) => `${s};\n`).join(''));
    return new Promise((resolve) => {
        execFile(L.STRATA_BIN, ['sql', '--warehouse', warehouse, '--format', 'ndjson', '-f', file],
            { encoding: 'utf8', maxBuffer: 1 << 28, timeout, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
                fs.rmSync(file, { force: true });
                const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
                const lines = stdout.split('\n').filter((l) => l !== '').map((l) => {
                    try { return L.parseJsonLossless(l); } catch { return l; }
                });
                resolve({ status, signal: error?.signal ?? null, stdout, stderr, lines });
            });
    });
}

const PARALLEL = Math.max(1, Math.min(4, (os.availableParallelism?.() ?? 2)));

test(`random DML sequences: strata = DuckDB for ${SECONDS} s (STRATA_DML_RANDOM_SEED=${BASE_SEED})`, async () => {
    const end = Date.now() + SECONDS * 1000;
    let n = 0;
    let nStmts = 0;
    const failures = [];
    const inFlight = new Set();
    const check = async (i, seed, stmts, duckFixup, exp) => {
        const wh = newWarehouse();
        const r = await strataScriptAsync(wh, [...withCountMarkers(stmts), ...readBack('t')]);
        fs.rmSync(wh, { recursive: true, force: true });
        const san = L.sanitizerReport({ stderr: r.stderr });
        const sec = sections(r.lines);
        const act = sec.get('t');
        const msg = san ? `sanitizer report:\n${san}`
            : r.status !== 0 || !act ? strataError(r)
                : compareTable('t', exp.rows, act) ?? compareCounts(stmts, exp.counts, sec);
        if (msg) failures.push({ i, seed, stmts, duckFixup, msg });
        else { n++; nStmts += stmts.length; }
    };
    for (let i = 0; Date.now() < end && failures.length === 0; i++) {
        const seed = BASE_SEED + i;
        const { stmts, duckFixup } = genSequence(seed);
        const exp = await duckSequence(stmts, { duckFixup });
        const p = check(i, seed, stmts, duckFixup, exp).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= PARALLEL) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failures.length) {
        const f = failures.reduce((a, b) => (b.i < a.i ? b : a));
        let detail;
        try {
            detail = await bisect(f.stmts, f.duckFixup);
        } catch (e) {
            detail = `replaying statement by statement: ${e.message}`;
        }
        const head = f.msg.startsWith('sanitizer') ? f.msg.slice(0, 1500) : f.msg.split('\n')[0];
        assert.fail(`STRATA_DML_RANDOM_SEED=${f.seed} (sequence #${f.i}): ${head}\n${detail}`);
    }
    console.log(`dml_random: ${n} sequences (${nStmts} statements) agreed, base seed ${BASE_SEED}`);
    assert.ok(n > 0);
});
