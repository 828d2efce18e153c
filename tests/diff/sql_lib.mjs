// sql_lib.mjs -- helpers shared by the SQL differential suites
// (sql_tpch, sql_queries, sql_random): run one Spark SQL query through
// `strata sql --format ndjson -e SQL`, run the same query (translated to
// DuckDB's dialect) through DuckDB, bring both answers to one normalized
// form and compare them as multisets, or in order when the query's ORDER BY
// fixes the order completely (the test says `ordered: true`).
//
// Normalized cells (both sides):
//   null, true/false, strings, arrays of cells, and numbers as
//   { num: Number, text, exact } -- `text` is the exact decimal text when the
//   value is an integer or decimal (DuckDB integer/DECIMAL types; strata's
//   JSON number text), `exact` false for DuckDB FLOAT/DOUBLE.
//   NaN/±Infinity become the strings "NaN", "Infinity", "-Infinity" (strata
//   prints them so, docs/conventions.md). Timestamps are strings with the
//   fraction's trailing zeros and a trailing "Z" removed: strata prints
//   Spark's TIMESTAMP (UTC session) with "Z", DuckDB's TIMESTAMP is NTZ.
//
// Comparing numbers (expected = DuckDB, actual = strata):
//   - both exact: the decimal texts must be equal after normalization
//     (trailing fraction zeros dropped, -0 = 0), so DECIMAL(38,2) "12.30"
//     equals Spark's DECIMAL(25,2) "12.30" and "12.3";
//   - DuckDB float/double: strata's value must be within 1e-9 relative, or
//     (float32) read back as the same float32, or -- where strata printed a
//     plain decimal with k >= 4 fraction digits -- within half a unit of its
//     last digit. The last case is Spark's decimal arithmetic: avg(decimal)
//     and decimal / decimal are DECIMAL in Spark (scale >= 4, rounded half
//     up) but DOUBLE in DuckDB, e.g. TPC-H Q1 avg_qty, Q8, Q14, Q17.
//   A test may set `approx: true` to compare exact DuckDB values with the
//   float rule too (where DuckDB keeps a decimal and Spark's scale rules
//   round it).
// Column names are not compared (the engines name unaliased expressions
// differently); the column count is.

import fs from 'node:fs';
import path from 'node:path';
import * as L from './lib.mjs';

export const STRATA_BIN = L.STRATA_BIN;

/* ---- running strata ------------------------------------------------------ */

// Runs `strata sql --format ndjson -e sql`. Returns { rows } (canonical JObj
// rows) or throws an Error whose message names the query and how it failed.
export function strataSql(sql, { timeout = 60000, warehouse = null, extraArgs = [] } = {}) {
    if (!fs.existsSync(STRATA_BIN))
        throw new Error(`strata binary not found at ${STRATA_BIN} (set STRATA_BIN)`);
    const args = ['sql', '--format', 'ndjson'];
    if (warehouse) args.push('--warehouse', warehouse);
    args.push(...extraArgs, '-e', sql);
    const r = L.runStrata(args, { timeout });
    const san = L.sanitizerReport(r);
    if (san) throw new Error(`strata sql: sanitizer report:\n${san}\nquery:\n${sql}`);
    if (r.status !== 0 || r.timedOut || r.signal) {
        const how = r.timedOut ? `timed out after ${timeout} ms` : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
        throw new Error(`strata sql failed (${how}): ${r.stderr.trim().split('\n').slice(0, 8).join(' | ') || '(no stderr)'}\nquery:\n${sql}`);
    }
    let rows;
    try {
        rows = L.parseNdjson(r.stdout);
    } catch (e) {
        throw new Error(`strata sql printed bad ndjson: ${e.message}\nquery:\n${sql}`);
    }
    return { rows };
}

/* ---- DuckDB -------------------------------------------------------------- */

// Macros giving DuckDB Spark's semantics for functions whose DuckDB
// namesake differs (or is missing). Translation renames a Spark call f(...)
// to spark_f(...) for the names in SPARK_MACROS, and rewrites the calls in
// CALL_REWRITES by hand.
const SPARK_MACROS = {
    date_add: `(d, n) AS CAST(d AS DATE) + CAST(n AS INTEGER)`,
    date_sub: `(d, n) AS CAST(d AS DATE) - CAST(n AS INTEGER)`,
    datediff: `(a, b) AS CAST(a AS DATE) - CAST(b AS DATE)`,
    add_months: `(d, n) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE)`,
    dayofweek: `(d) AS dayofweek(CAST(d AS DATE)) + 1`, // Spark: Sunday = 1
    weekday: `(d) AS isodow(CAST(d AS DATE)) - 1`, // Spark: Monday = 0
    initcap: `(s) AS array_to_string(list_transform(string_split(lower(s), ' '),
                  w -> upper(left(w, 1)) || substr(w, 2)), ' ')`,
    split: `(s, p) AS string_split_regex(s, p)`,
    regexp_replace: `(s, p, r) AS regexp_replace(s, p, r, 'g')`,
    rlike: `(s, p) AS regexp_matches(s, p)`,
    regexp: `(s, p) AS regexp_matches(s, p)`,
    regexp_like: `(s, p) AS regexp_matches(s, p)`,
    nvl: `(a, b) AS coalesce(a, b)`,
    nvl2: `(a, b, c) AS CASE WHEN a IS NOT NULL THEN b ELSE c END`,
    isnull: `(a) AS a IS NULL`,
    isnotnull: `(a) AS a IS NOT NULL`,
    nanvl: `(a, b) AS CASE WHEN isnan(a) THEN b ELSE a END`,
    isnan: `(a) AS coalesce(isnan(a), false)`, // Spark: isnan(NULL) is false
    pmod: `(a, b) AS ((a % b) + b) % b`,
    signum: `(a) AS CAST(sign(a) AS DOUBLE)`,
    bround: `(a, n) AS round_even(a, n)`,
    to_date: `(s) AS CAST(s AS DATE)`,
    to_timestamp: `(s) AS CAST(s AS TIMESTAMP)`,
    char_length: `(s) AS length(s)`,
    character_length: `(s) AS length(s)`,
    octet_length: `(s) AS strlen(s)`,
    startswith: `(s, p) AS starts_with(s, p)`,
    endswith: `(s, p) AS ends_with(s, p)`,
    sort_array: `(a) AS list_sort(a)`,
    // Spark skips NULLs and returns [] for a group without values.
    collect_list: `(a) AS coalesce(list(a) FILTER (WHERE a IS NOT NULL), [])`,
    collect_set: `(a) AS coalesce(list(DISTINCT a) FILTER (WHERE a IS NOT NULL), [])`,
    std: `(a) AS stddev_samp(a)`,
    every: `(a) AS bool_and(a)`,
    some: `(a) AS bool_or(a)`,
    size: `(a) AS coalesce(len(a), -1)`,
    e: `() AS exp(1)`,
    sha2: `(s, n) AS sha256(s)`,
};
// Aggregates among the macros: DuckDB needs them as plain aggregates inside
// the macro body, which works because macros are expanded textually.

const SPARK_UNITS = {
    year: 'year', yyyy: 'year', yy: 'year', quarter: 'quarter', month: 'month', mon: 'month', mm: 'month',
    week: 'week', day: 'day', dd: 'day', hour: 'hour', minute: 'minute', second: 'second',
    millisecond: 'millisecond', microsecond: 'microsecond',
};
function sparkUnit(lit) {
    const m = /^'([A-Za-z]+)'$/.exec(lit);
    const u = m && SPARK_UNITS[m[1].toLowerCase()];
    if (!u) throw new Error(`translate: unsupported date_trunc/trunc unit ${lit}`);
    return `'${u}'`;
}

// Calls rewritten with their argument texts (variadic or argument-count
// dependent). args are already translated.
const CALL_REWRITES = {
    // Spark concat: NULL when any argument is NULL (DuckDB's concat skips NULLs).
    concat: (a) => `(${a.map((x) => `CAST(${x} AS VARCHAR)`).join(' || ')})`,
    // Spark's one-argument log is ln; log(base, x) is the same in both.
    log: (a) => (a.length === 1 ? `ln(${a[0]})` : `log(${a.join(', ')})`),
    // Spark's group index defaults to 1.
    regexp_extract: (a) => `regexp_extract(${a[0]}, ${a[1]}, ${a.length > 2 ? a[2] : 1})`,
    // Spark's unit names (YYYY, MM, MON, DD, ...); date_trunc returns a
    // TIMESTAMP, trunc(date, unit) a DATE.
    date_trunc: (a) => `date_trunc(${sparkUnit(a[0])}, CAST(${a[1]} AS TIMESTAMP))`,
    trunc: (a) => `CAST(date_trunc(${sparkUnit(a[1])}, CAST(${a[0]} AS DATE)) AS DATE)`,
    // locate(substr, str[, pos])
    locate: (a) => (a.length === 2 ? `instr(${a[1]}, ${a[0]})`
        : `CASE WHEN ${a[2]} < 1 THEN 0 WHEN instr(substr(${a[1]}, ${a[2]}), ${a[0]}) = 0 THEN 0
           ELSE instr(substr(${a[1]}, ${a[2]}), ${a[0]}) + ${a[2]} - 1 END`),
};

// DuckDB settings giving Spark's defaults: ASC NULLS FIRST / DESC NULLS
// LAST, NULL on division by zero (Spark with ANSI mode off).
const DUCK_SETTINGS = [
    "SET default_null_order='nulls_first_on_asc_last_on_desc'",
    'SET ieee_floating_point_ops=false',
    "SET TimeZone='UTC'",
];

export async function openSqlDuck({ threads = 1 } = {}) {
    const duck = await L.openDuck();
    if (threads !== 1) await duck.conn.run(`SET threads=${threads}`);
    for (const s of DUCK_SETTINGS) await duck.conn.run(s);
    for (const [name, body] of Object.entries(SPARK_MACROS))
        await duck.conn.run(`CREATE OR REPLACE MACRO spark_${name}${body}`);
    return duck;
}

/* ---- Spark SQL -> DuckDB ------------------------------------------------- */

// Splits text into code and quoted parts so rewrites never touch string
// literals, backquoted names or comments. Returns [{ code: bool, text }].
function segments(sql) {
    const out = [];
    let i = 0;
    let start = 0;
    const push = (code, end) => { if (end > start) out.push({ code, text: sql.slice(start, end) }); start = end; };
    while (i < sql.length) {
        const c = sql[i];
        if (c === "'" || c === '"' || c === '`') {
            push(true, i);
            let j = i + 1;
            for (;;) {
                if (j >= sql.length) break;
                if (sql[j] === c) {
                    if (sql[j + 1] === c) { j += 2; continue; }
                    break;
                }
                j++;
            }
            i = j + 1;
            push(false, Math.min(i, sql.length));
            continue;
        }
        if (c === '-' && sql[i + 1] === '-') {
            push(true, i);
            const e = sql.indexOf('\n', i);
            i = e < 0 ? sql.length : e;
            push(false, i);
            continue;
        }
        i++;
    }
    push(true, sql.length);
    return out;
}

// Applies fn to the code parts only.
function mapCode(sql, fn) {
    return segments(sql).map((s) => (s.code ? fn(s.text) : s.text)).join('');
}

// Finds the matching ')' for the '(' at open, skipping quoted text.
function closeParen(sql, open) {
    let depth = 0;
    for (let i = open; i < sql.length; i++) {
        const c = sql[i];
        if (c === "'" || c === '"' || c === '`') {
            let j = i + 1;
            while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
            i = j;
            continue;
        }
        if (c === '(') depth++;
        else if (c === ')' && --depth === 0) return i;
    }
    throw new Error(`translate: unbalanced parentheses in ${sql.slice(open, open + 60)}`);
}

// Splits an argument list at top-level commas.
function splitArgs(text) {
    const args = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "'" || c === '"' || c === '`') {
            let j = i + 1;
            while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
            i = j;
            continue;
        }
        if (c === '(' || c === '[') depth++;
        else if (c === ')' || c === ']') depth--;
        else if (c === ',' && depth === 0) { args.push(text.slice(start, i).trim()); start = i + 1; }
    }
    const last = text.slice(start).trim();
    if (last !== '' || args.length) args.push(last);
    return args;
}

// Rewrites calls of CALL_REWRITES names (innermost arguments first).
function rewriteCalls(sql) {
    const re = new RegExp(`\\b(${Object.keys(CALL_REWRITES).join('|')})\\s*\\(`, 'gi');
    let out = '';
    let pos = 0;
    for (;;) {
        // Search only in code: find the next match whose start is outside quotes.
        re.lastIndex = pos;
        let m;
        for (;;) {
            m = re.exec(sql);
            if (!m) break;
            if (!insideQuote(sql, m.index) && !/[.\w]/.test(sql[m.index - 1] ?? ' ')) break;
        }
        if (!m) { out += sql.slice(pos); return out; }
        const open = m.index + m[0].length - 1;
        const close = closeParen(sql, open);
        const args = splitArgs(sql.slice(open + 1, close)).map(rewriteCalls);
        out += sql.slice(pos, m.index) + CALL_REWRITES[m[1].toLowerCase()](args);
        pos = close + 1;
    }
}

function insideQuote(sql, at) {
    let q = null;
    for (let i = 0; i < at; i++) {
        const c = sql[i];
        if (q) { if (c === q) q = null; } // doubled quotes toggle twice: fine
        else if (c === "'" || c === '"' || c === '`') q = c;
    }
    return q !== null;
}

// Parquet files of a Delta table folder (the tables under test are written
// once, without removes, so the folder's files are exactly the table).
function deltaFiles(dir) {
    const files = [];
    const walk = (d) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            if (e.name === '_delta_log' || e.name.startsWith('.') || e.name.startsWith('_')) continue;
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith('.parquet')) files.push(p);
        }
    };
    walk(dir);
    if (files.length === 0) throw new Error(`translate: no parquet files in delta table ${dir}`);
    return files.sort();
}

// Spark SQL text -> DuckDB SQL text. The mapping, in full:
//   parquet.`p`            -> read_parquet('p')
//   delta.`p`              -> read_parquet([the table's data files])
//   LEFT SEMI/ANTI JOIN    -> SEMI/ANTI JOIN;  MINUS -> EXCEPT
//   x [NOT] RLIKE 'p'      -> [NOT] regexp_matches(x, 'p')   (x a column name)
//   a <=> b                -> a IS NOT DISTINCT FROM b
//   f(...) for f in SPARK_MACROS -> spark_f(...) (macros above)
//   CALL_REWRITES (concat, log, regexp_extract, locate, date_trunc, trunc)
export function toDuck(sql) {
    // Table paths first (they are backquoted, so handle them on the raw text).
    let s = sql.replace(/\bparquet\s*\.\s*`((?:[^`]|``)*)`/gi,
        (_, p) => `read_parquet(${L.sqlStr(p.replace(/``/g, '`'))})`);
    s = s.replace(/\bdelta\s*\.\s*`((?:[^`]|``)*)`/gi,
        (_, p) => `read_parquet([${deltaFiles(p.replace(/``/g, '`')).map(L.sqlStr).join(', ')}])`);
    s = rewriteCalls(s);
    s = mapCode(s, (code) => code
        .replace(/\bminus\b/gi, 'EXCEPT')
        .replace(/\bleft\s+semi\s+join\b/gi, 'SEMI JOIN')
        .replace(/\bleft\s+anti\s+join\b/gi, 'ANTI JOIN')
        .replace(/\bsemi\s+join\b/gi, 'SEMI JOIN')
        .replace(/<=>/g, ' IS NOT DISTINCT FROM ')
        .replace(new RegExp(`(?<![.\\w])(${Object.keys(SPARK_MACROS).join('|')})\\s*\\(`, 'gi'),
            (_, f) => `spark_${f.toLowerCase()}(`));
    // Infix RLIKE with a column-name left side (the pattern is a literal, so
    // this runs on the whole text).
    s = s.replace(/([A-Za-z_][\w.]*)\s+(not\s+)?rlike\s+('(?:[^']|'')*')/gi,
        (_, x, not, p) => `${not ? 'NOT ' : ''}regexp_matches(${x}, ${p})`);
    return s;
}

/* ---- normalization -------------------------------------------------------- */

const TS_RE = /^(-?\d{4,}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/;

function normString(s) {
    const m = TS_RE.exec(s);
    if (!m) return s;
    const frac = (m[3] ?? '').replace(/0+$/, '');
    return `${m[1]}T${m[2]}${frac ? '.' + frac : ''}`;
}

// Exact decimal text -> normalized text (no trailing fraction zeros, no "-0").
export function normDecimal(t) {
    let neg = t.startsWith('-');
    let x = neg || t.startsWith('+') ? t.slice(1) : t;
    let [ip, fp = ''] = x.split('.');
    ip = ip.replace(/^0+(?=\d)/, '');
    fp = fp.replace(/0+$/, '');
    if (/^0*$/.test(ip) && fp === '') neg = false;
    return (neg ? '-' : '') + (ip === '' ? '0' : ip) + (fp ? '.' + fp : '');
}

const isPlainDecimal = (t) => /^-?\d+(\.\d+)?$/.test(t);

class Num {
    constructor(num, text, exact, kind) { this.num = num; this.text = text; this.exact = exact; this.kind = kind; }
}

// Canonical value (lib.mjs forms) -> normalized cell.
export function norm(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') return normString(v);
    if (v instanceof L.JNum) {
        return isPlainDecimal(v.text)
            ? new Num(Number(v.text), normDecimal(v.text), true, 'exact')
            : new Num(Number(v.text), v.text, false, 'text');
    }
    if (v instanceof L.JFloat) {
        if (Number.isNaN(v.value)) return 'NaN';
        if (v.value === Infinity) return 'Infinity';
        if (v.value === -Infinity) return '-Infinity';
        return new Num(v.value, null, false, v.kind);
    }
    if (Array.isArray(v)) return v.map(norm);
    if (v instanceof L.JObj) return { obj: v.entries.map(([k, x]) => [k, norm(x)]) };
    throw new Error(`norm: unexpected value ${String(v)}`);
}

export function normRow(row) {
    return row.entries.map(([, v]) => norm(v));
}

/* ---- comparing ------------------------------------------------------------ */

const REL = 1e-9;

// Exact decimal comparison of normalized texts (for sorting big integers).
function cmpDecimalText(a, b) {
    const na = a.startsWith('-');
    const nb = b.startsWith('-');
    if (na !== nb) return na ? -1 : 1;
    const sgn = na ? -1 : 1;
    const [ai, af = ''] = (na ? a.slice(1) : a).split('.');
    const [bi, bf = ''] = (nb ? b.slice(1) : b).split('.');
    if (ai.length !== bi.length) return sgn * (ai.length < bi.length ? -1 : 1);
    if (ai !== bi) return sgn * (ai < bi ? -1 : 1);
    const w = Math.max(af.length, bf.length);
    const x = af.padEnd(w, '0');
    const y = bf.padEnd(w, '0');
    return x === y ? 0 : sgn * (x < y ? -1 : 1);
}

const rank = (c) => (c === null ? 0 : typeof c === 'boolean' ? 1 : c instanceof Num ? 2
    : typeof c === 'string' ? 3 : Array.isArray(c) ? 4 : 5);

// Total order on cells for sorting rows of an unordered result.
export function cmpCell(a, b) {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    switch (ra) {
    case 0: return 0;
    case 1: return a === b ? 0 : a ? 1 : -1;
    case 2:
        if (a.kind === 'exact' && b.kind === 'exact') return cmpDecimalText(a.text, b.text);
        return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
    case 3: return a < b ? -1 : a > b ? 1 : 0;
    case 4: {
        for (let i = 0; i < Math.min(a.length, b.length); i++) {
            const c = cmpCell(a[i], b[i]);
            if (c) return c;
        }
        return a.length - b.length;
    }
    default: {
        const sa = JSON.stringify(a, (_k, x) => (x instanceof Num ? x.text ?? x.num : x));
        const sb = JSON.stringify(b, (_k, x) => (x instanceof Num ? x.text ?? x.num : x));
        return sa < sb ? -1 : sa > sb ? 1 : 0;
    }
    }
}

export function cmpRow(a, b) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const c = cmpCell(a[i], b[i]);
        if (c) return c;
    }
    return a.length - b.length;
}

// Whether strata's number act matches DuckDB's number exp.
function numMatches(exp, act, approx) {
    if (exp.kind === 'exact' && !approx)
        return act.kind === 'exact' && act.text === exp.text;
    const e = exp.num;
    const a = act.num;
    if (a === e) return true;
    if (exp.kind === 'float' && Math.fround(a) === Math.fround(e)) return true;
    const tol = Math.abs(a - e);
    if (tol <= REL * Math.max(Math.abs(a), Math.abs(e))) return true;
    if (act.kind === 'exact') {
        // Spark decimal result (>= 4 fraction digits) rounded from the exact
        // value that DuckDB computed as a double.
        const k = ((act.rawText ?? act.text).split('.')[1] ?? '').length;
        if (k >= 4 || approx) return tol <= 0.5 * 10 ** -k * (1 + 1e-9) + REL * Math.abs(e);
    }
    return false;
}

export function cellMatches(exp, act, approx = false) {
    if (exp === null || act === null) return exp === act;
    if (exp instanceof Num) return act instanceof Num && numMatches(exp, act, approx);
    if (typeof exp === 'string' || typeof exp === 'boolean') return exp === act;
    if (Array.isArray(exp)) {
        return Array.isArray(act) && act.length === exp.length &&
            exp.every((x, i) => cellMatches(x, act[i], approx));
    }
    if (exp.obj) {
        return act && act.obj && act.obj.length === exp.obj.length &&
            exp.obj.every(([, x], i) => cellMatches(x, act.obj[i][1], approx));
    }
    return false;
}

export function showCell(c) {
    if (c === null) return 'NULL';
    if (c instanceof Num) return c.kind === 'exact' || c.kind === 'text' ? c.text : `${c.num}(${c.kind})`;
    if (typeof c === 'string') return JSON.stringify(c);
    if (Array.isArray(c)) return '[' + c.map(showCell).join(', ') + ']';
    if (c && c.obj) return '{' + c.obj.map(([k, x]) => `${k}: ${showCell(x)}`).join(', ') + '}';
    return String(c);
}
const showRow = (r) => '(' + r.map(showCell).join(', ') + ')';

// Normalized row from a strata JObj, keeping the raw decimal scale of each
// number (normDecimal drops it) for the Spark-decimal rule.
function strataRow(row) {
    return row.entries.map(([, v]) => {
        const c = norm(v);
        if (c instanceof Num && c.kind === 'exact') c.rawText = v.text;
        return c;
    });
}

// Compares DuckDB rows (expected) with strata rows (actual), both arrays of
// canonical JObj rows. Returns null when equal, else a message showing the
// first differing rows in context.
export function compareResults(expRows, actRows, { ordered = false, approx = false } = {}) {
    let e = expRows.map(normRow);
    let a = actRows.map((r) => {
        if (!(r instanceof L.JObj)) throw new Error(`strata printed a non-object row: ${L.show(r)}`);
        return strataRow(r);
    });
    if (e.length && a.length && e[0].length !== a[0].length) {
        return `column count: expected ${e[0].length} (${expRows[0].keys().join(', ')}), ` +
            `got ${a[0].length} (${actRows[0].keys().join(', ')})`;
    }
    if (!ordered) {
        e = [...e].sort(cmpRow);
        a = [...a].sort(cmpRow);
    }
    const n = Math.min(e.length, a.length);
    for (let i = 0; i < n; i++) {
        const er = e[i];
        const ar = a[i];
        if (er.length !== ar.length) return `row ${i}: expected ${er.length} columns, got ${ar.length}`;
        for (let c = 0; c < er.length; c++) {
            if (!cellMatches(er[c], ar[c], approx)) {
                const ctx = (rows, lo, hi) => rows.slice(lo, hi).map((r, k) => `    ${lo + k}: ${showRow(r)}`).join('\n');
                const lo = Math.max(0, i - 2);
                return `${ordered ? '' : 'sorted '}row ${i}, column ${c + 1}` +
                    ` (${expRows[0]?.keys()[c] ?? '?'}): expected ${showCell(er[c])}, got ${showCell(ar[c])}\n` +
                    `  expected (DuckDB) rows ${lo}..:\n${ctx(e, lo, i + 3)}\n` +
                    `  actual (strata) rows ${lo}..:\n${ctx(a, lo, i + 3)}\n` +
                    `  (${e.length} expected rows, ${a.length} actual)`;
            }
        }
    }
    if (e.length !== a.length) {
        const extra = e.length > a.length ? e.slice(n, n + 3) : a.slice(n, n + 3);
        return `row count: expected ${e.length}, got ${a.length}; first ${e.length > a.length ? 'missing' : 'extra'} ` +
            `${ordered ? '' : 'sorted '}rows from ${n}: ${extra.map(showRow).join(' ')}`;
    }
    return null;
}

/* ---- TPC-H query texts (tests/unit/sql_tpch_queries.h) ------------------ */

export const TPCH_TABLES = ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'];

// Parses the C array of string literals in tests/unit/sql_tpch_queries.h.
export function loadTpchQueries(file = path.join(L.REPO_ROOT, 'tests', 'unit', 'sql_tpch_queries.h')) {
    const src = fs.readFileSync(file, 'utf8');
    const start = src.indexOf('TPCH_QUERIES[22] = {');
    const end = src.indexOf('\n};', start);
    if (start < 0 || end < 0) throw new Error(`${file}: TPCH_QUERIES array not found`);
    const body = src.slice(src.indexOf('{', start) + 1, end);
    const queries = [];
    let cur = null;
    let i = 0;
    while (i < body.length) {
        const c = body[i];
        if (body.startsWith('/*', i)) { i = body.indexOf('*/', i) + 2; continue; }
        if (c === '"') {
            let s = '';
            i++;
            while (body[i] !== '"') {
                if (body[i] === '\\') {
                    const e = body[i + 1];
                    s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
                    i += 2;
                } else s += body[i++];
            }
            i++;
            cur = (cur ?? '') + s;
            continue;
        }
        if (c === ',') { if (cur !== null) queries.push(cur); cur = null; }
        i++;
    }
    if (cur !== null) queries.push(cur);
    if (queries.length !== 22) throw new Error(`${file}: expected 22 queries, parsed ${queries.length}`);
    return queries;
}

// Replaces the TPC-H table names in FROM lists (a whole word right after
// FROM, JOIN or a comma, outside string literals) with path references.
// Q8/Q9 use "nation" as a column alias too; those follow AS, SELECT or BY.
export function withPaths(sql, dir, fmt = 'parquet') {
    const re = new RegExp(`(?<=\\b(?:from|join)\\s+|,\\s*)(${TPCH_TABLES.join('|')})(?![\\w'])`, 'gi');
    return sql.split(/('(?:[^']|'')*')/).map((part, k) => (k % 2 ? part
        : part.replace(re, (_, t) => (fmt === 'parquet'
            ? `parquet.\`${path.join(dir, t + '.parquet')}\``
            : `delta.\`${path.join(dir, t)}\``)))).join('');
}

/* ---- one differential check ----------------------------------------------- */

export async function duckSqlRows(conn, duckSql) {
    return L.duckRows(conn, duckSql);
}

// Runs q = { sql, duckdb?, ordered?, approx? } on both engines (expected:
// DuckDB rows computed earlier, or null to run DuckDB now); throws with a
// full report on a difference.
export async function checkQuery(conn, q, { expected = null, strataOpts = {} } = {}) {
    const exp = expected ?? await duckSqlRows(conn, q.duckdb ?? toDuck(q.sql));
    const { rows } = strataSql(q.sql, strataOpts);
    const msg = compareResults(exp, rows, q);
    if (msg) throw new Error(`strata differs from DuckDB${q.name ? ` in ${q.name}` : ''}: ${msg}\nquery:\n${q.sql}`);
}
