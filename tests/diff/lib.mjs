// lib.mjs -- shared helpers for the differential and conformance suites:
// locating the strata binary and the test data, running strata, a lossless
// JSON parser for strata's ndjson (numbers keep their source text so 64-bit
// integers and decimals compare exactly), a converter from DuckDB values to
// the same canonical form (following docs/conventions.md), a deep comparer
// with float tolerance that reports the first difference, and temp dirs.
//
// Canonical values (both sides are brought to this form before comparing):
//   null, true/false, JS strings, arrays,
//   JNum   -- a JSON number kept as text ("123", "-0.50");
//   JFloat -- an expected FLOAT/DOUBLE (numeric, compared with tolerance;
//             strata writes NaN/Infinity as the strings "NaN"/"Infinity");
//   JObj   -- a JSON object as ordered [key, value] entries (struct fields
//             in schema order, map entries in file order; plain JS objects
//             would reorder integer-like keys).

import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STRATA_BIN = process.env.STRATA_BIN
    ? path.resolve(process.env.STRATA_BIN)
    : path.join(REPO_ROOT, 'build', 'strata');
export const TESTDATA = process.env.STRATA_TESTDATA
    ? path.resolve(process.env.STRATA_TESTDATA)
    : path.resolve(REPO_ROOT, '..', 'shared', 'testdata');

/* ---- running strata ---------------------------------------------------- */

const SANITIZER_RE = /(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:)/;

// Runs strata synchronously. Returns { status, signal, stdout, stderr,
// timedOut, error, cmd }. Never throws on a non-zero exit.
export function runStrata(args, { timeout = 60000, maxBuffer = 1 << 30 } = {}) {
    const r = spawnSync(STRATA_BIN, args, {
        encoding: 'utf8',
        maxBuffer,
        timeout,
        killSignal: 'SIGKILL',
        env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1' },
    });
    return {
        status: r.status,
        signal: r.signal,
        stdout: r.stdout ?? '',
        stderr: r.stderr ?? '',
        timedOut: r.error?.code === 'ETIMEDOUT',
        error: r.error,
        cmd: ['strata', ...args].join(' '),
    };
}

// One line describing how a run ended, for assertion messages.
export function describeRun(r) {
    const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    const err = r.stderr.trim().split('\n').slice(0, 6).join(' | ');
    return `${r.cmd}: ${how}${r.error && !r.timedOut ? ` (${r.error.message})` : ''}; stderr: ${err || '(empty)'}`;
}

// Sanitizer reports on stderr (ASan/UBSan builds): always a failure.
export function sanitizerReport(r) {
    const m = SANITIZER_RE.exec(r.stderr);
    return m ? r.stderr.slice(Math.max(0, m.index - 200), m.index + 800) : null;
}

// Runs strata and requires exit 0, no sanitizer output; returns stdout.
export function strataOk(args, opts) {
    if (!fs.existsSync(STRATA_BIN))
        throw new Error(`strata binary not found at ${STRATA_BIN} (set STRATA_BIN)`);
    const r = runStrata(args, opts);
    const san = sanitizerReport(r);
    if (san) throw new Error(`${r.cmd}: sanitizer report:\n${san}`);
    if (r.status !== 0) throw new Error(describeRun(r));
    return r.stdout;
}

// `strata parquet cat FILE --format ndjson [...]` parsed into canonical rows.
export function strataCat(file, extra = [], opts) {
    return parseNdjson(strataOk(['parquet', 'cat', file, '--format', 'ndjson', ...extra], opts));
}

// Spawns strata and hands stdout chunks to onChunk as they arrive (for
// outputs too large to hold in one JS string). Resolves with the exit info.
export function runStrataStreaming(args, onChunk, { timeout = 120000 } = {}) {
    return new Promise((resolve) => {
        const child = spawn(STRATA_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        let timedOut = false;
        const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout);
        child.stdout.on('data', (b) => onChunk(b));
        child.stderr.on('data', (b) => { if (stderr.length < 1 << 20) stderr += b.toString('utf8'); });
        child.on('close', (status, signal) => {
            clearTimeout(timer);
            resolve({ status, signal, stderr, stdout: '', timedOut, cmd: ['strata', ...args].join(' ') });
        });
    });
}

/* ---- canonical values and the lossless JSON parser --------------------- */

export class JNum {
    constructor(text) { this.text = text; }
}
export class JFloat {
    constructor(value, kind) { this.value = value; this.kind = kind; } // kind: 'float' | 'double'
}
export class JObj {
    constructor(entries) { this.entries = entries; }
    get(key) { const e = this.entries.find(([k]) => k === key); return e ? e[1] : undefined; }
    keys() { return this.entries.map(([k]) => k); }
}

// Parses one JSON text. Numbers become JNum (source text), objects JObj.
export function parseJsonLossless(text) {
    let i = 0;
    const n = text.length;
    const fail = (msg) => { throw new Error(`json: ${msg} at offset ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`); };
    const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
    const value = () => {
        ws();
        if (i >= n) fail('unexpected end');
        const c = text[i];
        if (c === '{') {
            i++;
            const entries = [];
            ws();
            if (text[i] === '}') { i++; return new JObj(entries); }
            for (;;) {
                ws();
                if (text[i] !== '"') fail('expected key string');
                const k = string();
                ws();
                if (text[i] !== ':') fail('expected ":"');
                i++;
                entries.push([k, value()]);
                ws();
                if (text[i] === ',') { i++; continue; }
                if (text[i] === '}') { i++; return new JObj(entries); }
                fail('expected "," or "}"');
            }
        }
        if (c === '[') {
            i++;
            const items = [];
            ws();
            if (text[i] === ']') { i++; return items; }
            for (;;) {
                items.push(value());
                ws();
                if (text[i] === ',') { i++; continue; }
                if (text[i] === ']') { i++; return items; }
                fail('expected "," or "]"');
            }
        }
        if (c === '"') return string();
        if (text.startsWith('true', i)) { i += 4; return true; }
        if (text.startsWith('false', i)) { i += 5; return false; }
        if (text.startsWith('null', i)) { i += 4; return null; }
        const m = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
        m.lastIndex = i;
        const r = m.exec(text);
        if (!r || r[0].length === 0 || r[0] === '-') fail('unexpected character');
        i += r[0].length;
        return new JNum(r[0]);
    };
    const string = () => {
        i++; // opening quote
        let out = '';
        let start = i;
        for (;;) {
            if (i >= n) fail('unterminated string');
            const c = text.charCodeAt(i);
            if (c === 0x22) { out += text.slice(start, i); i++; return out; }
            if (c < 0x20) fail('raw control character in string');
            if (c !== 0x5c) { i++; continue; }
            out += text.slice(start, i);
            const e = text[i + 1];
            i += 2;
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                const h = text.slice(i, i + 4);
                if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
                out += String.fromCharCode(parseInt(h, 16)); // surrogate pairs join naturally
                i += 4;
                break;
            }
            default: fail('bad escape');
            }
            start = i;
        }
    };
    const v = value();
    ws();
    if (i !== n) fail('trailing characters');
    return v;
}

export function parseNdjson(text) {
    const rows = [];
    const lines = text.split('\n');
    for (let ln = 0; ln < lines.length; ln++) {
        const line = lines[ln];
        if (line === '' && ln === lines.length - 1) break;
        try {
            rows.push(parseJsonLossless(line));
        } catch (e) {
            throw new Error(`ndjson line ${ln + 1}: ${e.message}`);
        }
    }
    return rows;
}

// Canonical value -> short JSON-like text for messages.
export function show(v, max = 300) {
    const s = showFull(v);
    return s.length > max ? s.slice(0, max) + `...(${s.length} chars)` : s;
}
function showFull(v) {
    if (v === null) return 'null';
    if (v === undefined) return '(missing)';
    if (v instanceof JNum) return v.text;
    if (v instanceof JFloat) return `${Object.is(v.value, -0) ? '-0' : String(v.value)}(${v.kind})`;
    if (v instanceof JObj) return '{' + v.entries.map(([k, x]) => `${typeof k === 'string' ? JSON.stringify(k) : showFull(k)}:${showFull(x)}`).join(',') + '}';
    if (Array.isArray(v)) return '[' + v.map(showFull).join(',') + ']';
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
}

/* ---- comparing ---------------------------------------------------------- */

const TOL = { float: 1e-6, double: 1e-12 };

function floatMatches(exp, act) {
    const e = exp.value;
    if (Number.isNaN(e)) return act === 'NaN';
    if (e === Infinity) return act === 'Infinity';
    if (e === -Infinity) return act === '-Infinity';
    if (!(act instanceof JNum)) return false;
    const a = Number(act.text);
    if (a === e) return true;
    // A FLOAT's text is right when it reads back as the same float32 (the
    // only test that works for subnormals, where one ulp is a large
    // relative step); otherwise the relative tolerance applies.
    if (exp.kind === 'float' && Math.fround(a) === Math.fround(e)) return true;
    return Math.abs(a - e) <= TOL[exp.kind] * Math.max(Math.abs(a), Math.abs(e));
}

function keyMatches(ek, ak) {
    if (ek instanceof JFloat) return floatMatches(ek, /^(NaN|-?Infinity)$/.test(ak) ? ak : new JNum(ak));
    return ek === ak;
}

// First difference between canonical values, as { path, expected, actual },
// or null when equal. exp is the oracle side.
export function diffValues(exp, act, p = '') {
    const d = (why) => ({ path: p, expected: exp, actual: act, why });
    if (exp === null || act === null) return exp === act ? null : d('null mismatch');
    if (exp instanceof JFloat) return floatMatches(exp, act) ? null : d('float mismatch');
    if (exp instanceof JNum) return act instanceof JNum && act.text === exp.text ? null : d('number mismatch');
    if (typeof exp === 'string' || typeof exp === 'boolean') return exp === act ? null : d('value mismatch');
    if (Array.isArray(exp)) {
        if (!Array.isArray(act)) return d('expected an array');
        const m = Math.min(exp.length, act.length);
        for (let i = 0; i < m; i++) {
            const r = diffValues(exp[i], act[i], `${p}[${i}]`);
            if (r) return r;
        }
        return exp.length === act.length ? null : d(`array length ${exp.length} vs ${act.length}`);
    }
    if (exp instanceof JObj) {
        if (!(act instanceof JObj)) return d('expected an object');
        const m = Math.min(exp.entries.length, act.entries.length);
        for (let i = 0; i < m; i++) {
            const [ek, ev] = exp.entries[i];
            const [ak, av] = act.entries[i];
            if (!keyMatches(ek, ak))
                return d(`key #${i}: expected ${show(ek)}, got ${JSON.stringify(ak)}`);
            const r = diffValues(ev, av, `${p}.${typeof ak === 'string' ? ak : show(ak)}`);
            if (r) return r;
        }
        return exp.entries.length === act.entries.length
            ? null : d(`object size ${exp.entries.length} vs ${act.entries.length}`);
    }
    throw new Error(`diffValues: unsupported expected value ${String(exp)}`);
}

// Compares row lists (arrays of JObj, one entry per column). Returns null or
// a message naming the first differing row, column and both values.
export function diffRows(expRows, actRows) {
    const m = Math.min(expRows.length, actRows.length);
    for (let r = 0; r < m; r++) {
        const e = expRows[r];
        const a = actRows[r];
        if (!(a instanceof JObj)) return `row ${r}: strata row is not an object: ${show(a)}`;
        const ek = e.keys();
        const ak = a.keys();
        if (ek.length !== ak.length || ek.some((k, i) => k !== ak[i]))
            return `row ${r}: columns differ: expected [${ek.join(', ')}], got [${ak.join(', ')}]`;
        for (let c = 0; c < ek.length; c++) {
            const dv = diffValues(e.entries[c][1], a.entries[c][1]);
            if (dv) {
                return `row ${r}, column "${ek[c]}"${dv.path ? ` at ${dv.path}` : ''}: ` +
                    `expected ${show(dv.expected)}, got ${show(dv.actual)} (${dv.why}); ` +
                    `whole value: expected ${show(e.entries[c][1], 200)}, got ${show(a.entries[c][1], 200)}`;
            }
        }
    }
    if (expRows.length !== actRows.length)
        return `row count: expected ${expRows.length}, got ${actRows.length}`;
    return null;
}

/* ---- formatting per docs/conventions.md --------------------------------- */

const pad = (x, w) => String(x).padStart(w, '0');

// Howard Hinnant's civil_from_days (proleptic Gregorian), on BigInt.
function civilFromDays(z) {
    z = BigInt(z) + 719468n;
    const era = (z >= 0n ? z : z - 146096n) / 146097n;
    const doe = z - era * 146097n;
    const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
    const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
    const mp = (5n * doy + 2n) / 153n;
    const d = doy - (153n * mp + 2n) / 5n + 1n;
    const m = mp < 10n ? mp + 3n : mp - 9n;
    const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
    return [y, Number(m), Number(d)];
}

const floorDiv = (a, b) => { const q = a / b; return (a % b !== 0n && ((a < 0n) !== (b < 0n))) ? q - 1n : q; };

// Astronomical year, at least 4 digits, '-' before negative years.
export function formatDate(days) {
    const [y, m, d] = civilFromDays(days);
    const ys = y < 0n ? '-' + pad(-y, 4) : pad(y, 4);
    return `${ys}-${pad(m, 2)}-${pad(d, 2)}`;
}

export function formatTime(micros) {
    micros = BigInt(micros);
    const secs = floorDiv(micros, 1000000n);
    const frac = micros - secs * 1000000n;
    const s = `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}`;
    return frac ? `${s}.${pad(frac, 6)}` : s;
}

// mode: 'utc' -> 2024-01-02T03:04:05Z, 'ntz' -> 2024-01-02T03:04:05,
// 'text' -> 2024-01-02 03:04:05 (map keys, table/csv).
export function formatTimestamp(micros, mode) {
    micros = BigInt(micros);
    const days = floorDiv(micros, 86400000000n);
    const rest = micros - days * 86400000000n;
    const sep = mode === 'text' ? ' ' : 'T';
    return `${formatDate(days)}${sep}${formatTime(rest)}${mode === 'utc' ? 'Z' : ''}`;
}

export function decimalText(unscaled, scale) {
    unscaled = BigInt(unscaled);
    const neg = unscaled < 0n;
    let digits = (neg ? -unscaled : unscaled).toString();
    if (scale > 0) {
        digits = digits.padStart(scale + 1, '0');
        digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
    }
    return (neg ? '-' : '') + digits;
}

export const base64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function uuidText(u) {
    const h = u.toUint128().toString(16).padStart(32, '0');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/* ---- DuckDB values -> canonical ---------------------------------------- */

// DuckDBTypeId numbers (node-api DuckDBTypeId enum).
export const T = {
    BOOLEAN: 1, TINYINT: 2, SMALLINT: 3, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7,
    UINTEGER: 8, UBIGINT: 9, FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, DATE: 13, TIME: 14,
    INTERVAL: 15, HUGEINT: 16, UHUGEINT: 32, VARCHAR: 17, BLOB: 18, DECIMAL: 19,
    TIMESTAMP_S: 20, TIMESTAMP_MS: 21, TIMESTAMP_NS: 22, ENUM: 23, LIST: 24, STRUCT: 25,
    MAP: 26, ARRAY: 33, UUID: 27, TIME_TZ: 30, TIMESTAMP_TZ: 31, TIME_NS: 39, GEOMETRY: 40,
};

function timestampMicros(v, typeId) {
    switch (typeId) {
    case T.TIMESTAMP: case T.TIMESTAMP_TZ: return v.micros;
    case T.TIMESTAMP_MS: return v.millis * 1000n;
    case T.TIMESTAMP_S: return v.seconds * 1000000n;
    case T.TIMESTAMP_NS: return floorDiv(v.nanos, 1000n); // conventions: truncated toward -inf
    default: throw new Error(`not a timestamp type ${typeId}`);
    }
}

const isTimestampType = (id) => id === T.TIMESTAMP || id === T.TIMESTAMP_TZ || id === T.TIMESTAMP_MS ||
    id === T.TIMESTAMP_S || id === T.TIMESTAMP_NS;

// ctx.tsMode(fieldPath, typeId) -> 'utc' | 'ntz'; fieldPath is the list of
// struct field / column names from the top-level column down.
function defaultTsMode(_p, typeId) { return typeId === T.TIMESTAMP_TZ ? 'utc' : 'ntz'; }

// Map keys: their text form (VEC_FMT_TEXT). Float keys stay numeric (JFloat)
// so they compare with tolerance.
function mapKeyText(v, type, ctx, fp) {
    if (v === null) return 'null';
    const id = type.typeId;
    if (id === T.FLOAT || id === T.DOUBLE) return new JFloat(v, id === T.FLOAT ? 'float' : 'double');
    if (isTimestampType(id)) return formatTimestamp(timestampMicros(v, id), 'text');
    const c = duckToCanon(v, type, ctx, fp);
    if (c instanceof JNum) return c.text;
    if (typeof c === 'string') return c;
    if (typeof c === 'boolean') return String(c);
    return showFull(c);
}

export function duckToCanon(v, type, ctx = {}, fp = []) {
    if (v === null || v === undefined) return null;
    const id = type.typeId;
    switch (id) {
    case T.BOOLEAN: return v;
    case T.TINYINT: case T.SMALLINT: case T.INTEGER: case T.BIGINT:
    case T.UTINYINT: case T.USMALLINT: case T.UINTEGER: case T.UBIGINT:
    case T.HUGEINT: case T.UHUGEINT:
        return new JNum(String(v));
    case T.FLOAT: return new JFloat(v, 'float');
    case T.DOUBLE: return new JFloat(v, 'double');
    case T.DECIMAL: return new JNum(decimalText(v.value, v.scale));
    case T.VARCHAR: case T.ENUM: return v;
    case T.BLOB: case T.GEOMETRY: return base64(v.bytes);
    case T.UUID: return uuidText(v);
    case T.DATE: return formatDate(v.days);
    case T.TIME: return formatTime(v.micros);
    case T.TIME_NS: return formatTime(floorDiv(v.nanos, 1000n));
    case T.TIME_TZ: return formatTime(v.micros);
    case T.TIMESTAMP: case T.TIMESTAMP_TZ: case T.TIMESTAMP_MS: case T.TIMESTAMP_S: case T.TIMESTAMP_NS:
        return formatTimestamp(timestampMicros(v, id), (ctx.tsMode ?? defaultTsMode)(fp, id));
    case T.INTERVAL: {
        // FLBA(12) INTERVAL is BINARY in strata: months, days, millis (LE u32).
        const b = Buffer.alloc(12);
        b.writeUInt32LE(v.months >>> 0, 0);
        b.writeUInt32LE(v.days >>> 0, 4);
        b.writeUInt32LE(Number(BigInt.asUintN(32, v.micros / 1000n)), 8);
        return b.toString('base64');
    }
    case T.LIST: case T.ARRAY:
        return v.items.map((x) => duckToCanon(x, type.valueType, ctx, fp));
    case T.STRUCT:
        return new JObj(type.entryNames.map((name, i) =>
            [name, duckToCanon(v.entries[name], type.entryTypes[i], ctx, [...fp, name])]));
    case T.MAP:
        return new JObj(v.entries.map(({ key, value }) =>
            [mapKeyText(key, type.keyType, ctx, [...fp, 'key']),
                duckToCanon(value, type.valueType, ctx, [...fp, 'value'])]));
    default:
        throw new Error(`no canonical form for DuckDB type ${type.toString()}`);
    }
}

/* ---- DuckDB helpers ----------------------------------------------------- */

let duckModule = null;
async function duckdb() {
    if (!duckModule) duckModule = await import('@duckdb/node-api');
    return duckModule;
}

// In-memory DuckDB, one thread and insertion order preserved, so a plain
// SELECT * returns rows in file order.
export async function openDuck() {
    const { DuckDBInstance } = await duckdb();
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    for (const s of ['SET threads=1', 'SET preserve_insertion_order=true'])
        await conn.run(s);
    try { await conn.run("SET TimeZone='UTC'"); } catch { /* ICU not loaded: TIMESTAMPTZ is UTC anyway */ }
    return { inst, conn, close: () => { conn.closeSync?.(); inst.closeSync?.(); } };
}

export async function duckQuery(conn, sql) {
    const r = await conn.runAndReadAll(sql);
    return { names: r.columnNames(), types: r.columnTypes(), rows: await r.getRows() };
}

export const sqlStr = (s) => `'${String(s).replace(/'/g, "''")}'`;
export const sqlIdent = (s) => `"${String(s).replace(/"/g, '""')}"`;

// Timestamp leaves of a Parquet file: whether each is UTC-adjusted
// (INT96, isAdjustedToUTC=true, or a legacy TIMESTAMP_* converted type with
// no logical type). Returns a ctx.tsMode function for duckToCanon.
export async function parquetTsModes(conn, file) {
    let rows;
    try {
        rows = (await duckQuery(conn, `SELECT name, type, num_children, converted_type, logical_type FROM parquet_schema(${sqlStr(file)})`)).rows;
    } catch {
        return defaultTsMode;
    }
    // Rebuild the tree from the flattened depth-first list.
    let pos = 0;
    const node = () => {
        const [name, type, nc, conv, logical] = rows[pos++];
        const kids = [];
        for (let k = 0; k < Number(nc ?? 0); k++) kids.push(node());
        return { name, type, conv, logical, kids };
    };
    const root = node();
    const perTop = new Map(); // top name -> [{ name, utc }]
    const leafMode = (n) => {
        if (n.type === 'INT96') return 'utc';
        if (n.logical && n.logical.startsWith('TimestampType'))
            return /isAdjustedToUTC=(1|true)/.test(n.logical) ? 'utc' : 'ntz';
        if (!n.logical && (n.conv === 'TIMESTAMP_MILLIS' || n.conv === 'TIMESTAMP_MICROS')) return 'utc';
        return null;
    };
    for (const top of root.kids) {
        const leaves = [];
        const walk = (n) => {
            if (n.kids.length === 0) { const m = leafMode(n); if (m) leaves.push({ name: n.name, mode: m }); }
            n.kids.forEach(walk);
        };
        walk(top);
        perTop.set(top.name, leaves);
    }
    return (fp, typeId) => {
        const leaves = perTop.get(fp[0]) ?? [];
        const last = fp[fp.length - 1];
        const named = leaves.filter((l) => l.name === last);
        if (named.length > 0 && named.every((l) => l.mode === named[0].mode)) return named[0].mode;
        if (leaves.length > 0 && leaves.every((l) => l.mode === leaves[0].mode)) return leaves[0].mode;
        return defaultTsMode(fp, typeId);
    };
}

// Rows of a DuckDB query as canonical JObj rows.
export async function duckRows(conn, sql, ctx = {}) {
    const { names, types, rows } = await duckQuery(conn, sql);
    return rows.map((row) => new JObj(names.map((n, c) => [n, duckToCanon(row[c], types[c], ctx, [n])])));
}

// SELECT * (or the given columns) of a Parquet file through DuckDB, with
// timestamp modes taken from the file's Parquet schema.
export async function duckParquetRows(conn, file, columns = null) {
    const tsMode = await parquetTsModes(conn, file);
    const sel = columns ? columns.map(sqlIdent).join(', ') : '*';
    return duckRows(conn, `SELECT ${sel} FROM read_parquet(${sqlStr(file)})`, { tsMode });
}

/* ---- CSV ------------------------------------------------------------------ */

// RFC 4180 CSV: returns rows of { text, quoted } cells.
export function parseCsv(text) {
    const rows = [];
    let row = [];
    let i = 0;
    const n = text.length;
    while (i < n) {
        let cell;
        if (text[i] === '"') {
            let s = '';
            i++;
            for (;;) {
                const q = text.indexOf('"', i);
                if (q < 0) throw new Error('csv: unterminated quote');
                s += text.slice(i, q);
                if (text[q + 1] === '"') { s += '"'; i = q + 2; continue; }
                i = q + 1;
                break;
            }
            cell = { text: s, quoted: true };
        } else {
            let j = i;
            while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
            cell = { text: text.slice(i, j), quoted: false };
            i = j;
        }
        row.push(cell);
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '\r') i++;
        if (text[i] === '\n' || i >= n) { i++; rows.push(row); row = []; }
    }
    if (row.length) rows.push(row);
    return rows;
}

/* ---- temp dirs ------------------------------------------------------------ */

// mkdtemp under os.tmpdir(); remove() deletes it (call from an after hook).
export function makeTempDir(prefix = 'strata-diff-') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    return { dir, path: (...p) => path.join(dir, ...p), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
