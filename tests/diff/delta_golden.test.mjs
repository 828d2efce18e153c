// delta_golden.test.mjs -- conformance of `strata delta cat` over the golden
// Delta tables (testdata/delta/golden, see its README.md). One subtest per
// table folder (every folder holding a _delta_log):
//   expected/ present       -> `delta cat --format ndjson` rows equal the
//       expected parquet files read by DuckDB, compared as multisets (both
//       sides sorted by a canonical key, floats with tolerance);
//   NEGATIVE / "log replay fails" in the manifest -> exit 1 with a message;
//   "log only (no data files)" -> `delta files` must list the snapshot;
//   anything else           -> reads without error, or fails with exit 1
//       and a message saying the feature is not supported.
// time-travel-* tables also read every version with --version N.
// Known, accepted difference: data-reader-partition-values' as_timestamp is a
// zone-less partition string that strata reads as UTC (like delta-kernel-rs)
// while Spark wrote the expected rows in a UTC-7 session: that column is
// compared shifted by 7 hours. A summary line with the tallies ends the run.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as L from './lib.mjs';

const GOLDEN = path.join(L.TESTDATA, 'delta', 'golden');
const README = path.join(L.TESTDATA, 'README.md');

// Manifest notes per table path (relative to golden/), from the README table.
function readManifest() {
    const notes = new Map();
    if (!fs.existsSync(README)) return notes;
    for (const line of fs.readFileSync(README, 'utf8').split('\n')) {
        const m = /^\| `([^`]+)` \|(.*)\|\s*$/.exec(line);
        if (!m) continue;
        const cells = m[2].split('|').map((c) => c.trim());
        notes.set(m[1], { readerFeatures: cells[3] ?? '-', notes: cells[cells.length - 1] ?? '-' });
    }
    return notes;
}

// Table folders: every directory holding a _delta_log (not descending into tables).
function findTables(dir, out = []) {
    if (!fs.existsSync(dir)) return out;
    if (fs.existsSync(path.join(dir, '_delta_log'))) { out.push(dir); return out; }
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)))
        if (e.isDirectory() && e.name !== 'expected') findTables(path.join(dir, e.name), out);
    return out;
}

const manifest = readManifest();
const tables = findTables(GOLDEN);
const tally = { right: 0, rejected: 0, unsupported: 0, readOnly: 0, failed: 0 };
const failedNames = [];
const duck = await L.openDuck();

after(() => {
    console.log(`delta conformance: ${tally.right} tables read right, ${tally.rejected} rejected as required, ` +
        `${tally.readOnly} read without expected data, ${tally.unsupported} rejected as not supported, ` +
        `${tally.failed} failed` +
        (failedNames.length ? ` (${failedNames.slice(0, 20).join(', ')}${failedNames.length > 20 ? ', ...' : ''})` : ''));
    duck.close();
});

/* ---- canonical multiset comparison ---------------------------------------- */

// Sort key of a canonical value: numbers rounded so float text differences
// do not reorder rows.
function sortKey(v) {
    if (v === null || v === undefined) return 'null';
    if (v instanceof L.JNum || v instanceof L.JFloat) {
        const x = v instanceof L.JNum ? Number(v.text) : Number(v.value);
        return Number.isFinite(x) ? `n:${x.toPrecision(6)}` : `n:${String(x)}`;
    }
    if (typeof v === 'string') {
        if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return `n:${v}`;
        return JSON.stringify(v);
    }
    if (Array.isArray(v)) return `[${v.map(sortKey).join(',')}]`;
    if (v instanceof L.JObj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(String(k))}:${sortKey(x)}`).join(',')}}`;
    return String(v);
}

// Rows with their top-level columns in `order` (names matched case-insensitively).
function reorder(row, order) {
    return new L.JObj(order.map((name) => {
        const e = row.entries.find(([k]) => k === name) ?? row.entries.find(([k]) => k.toLowerCase() === name.toLowerCase());
        return [name, e ? e[1] : undefined];
    }));
}

function sortRows(rows) {
    return rows.map((r) => [sortKey(r), r]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

async function expectedRows(dir) {
    const files = [];
    const walk = (d) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith('.parquet')) files.push(p);
        }
    };
    walk(dir);
    const rows = [];
    for (const f of files) rows.push(...await L.duckParquetRows(duck.conn, f));
    return rows;
}

// The documented 7-hour difference (see the header comment).
function shiftPartitionTimestamp(rows) {
    for (const r of rows) {
        const e = r.entries.find(([k]) => k === 'as_timestamp');
        if (e && typeof e[1] === 'string') {
            const ms = Date.parse(e[1]) - 7 * 3600 * 1000;
            e[1] = new Date(ms).toISOString().replace('.000Z', 'Z');
        }
    }
}

function compareRows(name, exp, act) {
    const order = exp.length ? exp[0].keys() : (act.length ? act[0].keys() : []);
    const a = sortRows(act.map((r) => reorder(r, order)));
    const e = sortRows(exp.map((r) => reorder(r, order)));
    const d = L.diffRows(e, a);
    assert.equal(d, null, `${name}: ${d}`);
}

/* ---- running strata ------------------------------------------------------- */

function run(args) {
    const r = L.runStrata(args, { timeout: 30000 });
    const san = L.sanitizerReport(r);
    assert.equal(san, null, `${r.cmd}: sanitizer report:\n${san}`);
    assert.ok(!r.timedOut && r.signal === null, `crash or hang: ${L.describeRun(r)}`);
    return r;
}

function catRows(table, extra = []) {
    const r = run(['delta', 'cat', table, '--format', 'ndjson', ...extra]);
    assert.equal(r.status, 0, L.describeRun(r));
    return L.parseNdjson(r.stdout);
}

const isUnsupported = (r) => r.status === 1 && /not supported|unsupported|does not support/i.test(r.stderr);

/* ---- one subtest per table ------------------------------------------------ */

for (const dir of tables) {
    const rel = path.relative(GOLDEN, dir);
    const info = manifest.get(rel) ?? manifest.get(rel.split(path.sep).join('/')) ?? { notes: '-', readerFeatures: '-' };
    const base = path.basename(dir) === 'delta' ? path.dirname(dir) : null;
    const expDir = base && fs.existsSync(path.join(base, 'expected')) ? path.join(base, 'expected') : null;
    const negative = /NEGATIVE|log replay fails/.test(info.notes);
    const logOnly = /log only/.test(info.notes);
    // metaData without schemaString: a clean refusal is as good as a read.
    const noSchema = /without schemaString/.test(info.notes);

    test(rel, async () => {
        try {
            if (negative) {
                const r = run(['delta', 'cat', dir, '--format', 'ndjson']);
                assert.equal(r.status, 1, `must be rejected: ${L.describeRun(r)}`);
                assert.match(r.stderr, /^error: .+/m);
                tally.rejected++;
                return;
            }
            if (logOnly) {
                const r = run(['delta', 'files', dir]);
                if (isUnsupported(r)) { tally.unsupported++; return; }
                if (noSchema && r.status === 1 && /schemaString/.test(r.stderr)) { tally.rejected++; return; }
                assert.equal(r.status, 0, L.describeRun(r));
                tally.readOnly++;
                return;
            }
            if (!expDir) {
                const r = run(['delta', 'cat', dir, '--format', 'ndjson']);
                if (isUnsupported(r)) { tally.unsupported++; return; }
                assert.equal(r.status, 0, L.describeRun(r));
                L.parseNdjson(r.stdout);
                tally.readOnly++;
                return;
            }
            const act = catRows(dir);
            const exp = await expectedRows(expDir);
            if (rel.startsWith('data-reader-partition-values')) shiftPartitionTimestamp(exp);
            compareRows(rel, exp, act);
            if (rel.startsWith('time-travel-')) timeTravel(dir, act.length);
            tally.right++;
        } catch (e) {
            tally.failed++;
            failedNames.push(rel);
            throw e;
        }
    });
}

// Every version of a time-travel table reads; the latest equals the default
// read, and a version past the end is refused.
function timeTravel(dir, latestRows) {
    const log = fs.readdirSync(path.join(dir, '_delta_log')).filter((f) => /^\d{20}\.json$/.test(f));
    const versions = log.map((f) => Number(f.slice(0, 20))).sort((a, b) => a - b);
    for (const v of versions) {
        const rows = catRows(dir, ['--version', String(v)]);
        if (v === versions[versions.length - 1]) assert.equal(rows.length, latestRows, `version ${v} row count`);
    }
    const r = run(['delta', 'cat', dir, '--version', String(versions[versions.length - 1] + 1)]);
    assert.equal(r.status, 1, `a version past the end must fail: ${L.describeRun(r)}`);
}
