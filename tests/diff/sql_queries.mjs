// sql_queries.mjs -- the data and queries of sql_queries.test.mjs.
//
// TABLES: name -> DuckDB query whose result is written to NAME.parquet
// (COPY ... TO). Queries refer to them as {name} (replaced by
// parquet.`DIR/name.parquet`) or {delta:name} (a Delta table written from
// the same file with `strata delta write`).
//
// QUERIES: [{ name, sql, ordered?, approx?, duckdb? }] in Spark SQL.
//   ordered: the ORDER BY fixes the order of every row (compared in order);
//   approx:  compare DuckDB's exact numbers with the float/Spark-decimal rule
//            (sql_lib.mjs) where Spark's decimal scale rules round;
//   duckdb:  an explicit DuckDB text when sql_lib's translation can't do it.
//
// What is avoided on purpose (Spark and DuckDB legitimately differ): integer
// overflow (Spark wraps, DuckDB errors), casts of fractional values to
// integers (Spark truncates, DuckDB rounds), rounding of halfway doubles,
// double -> string casts, division by zero, first/last and ORDER BY/LIMIT
// over ties (nondeterministic), case mapping of characters whose upper case
// has more characters (ß), regex backreferences (Java vs RE2 syntax).

// t1: 40 rows of every type with NULLs, duplicates, unicode strings.
const T1 = `
SELECT id::INTEGER AS id,
  CASE WHEN id % 9 = 0 THEN NULL ELSE id % 7 END::INTEGER AS k,
  CASE WHEN id % 11 = 0 THEN NULL ELSE (['a', 'b', 'c'])[id % 3 + 1] END AS g,
  (id * id - 50 * (id % 4))::BIGINT AS v,
  CASE WHEN id % 8 = 0 THEN NULL ELSE ((id * 37) % 1000 - 300) / 100 END::DECIMAL(10,2) AS d,
  CASE WHEN id % 10 = 0 THEN NULL ELSE id / 3.0 - 5 END::DOUBLE AS x,
  CASE WHEN id % 12 = 5 THEN NULL ELSE (['Zürich', '東京 tokyo', 'naïve café', 'emoji 🚀 rocket', '  padded  ',
      '', 'ABC abc', 'foo_bar%baz', 'hello world', 'apple', 'banana split', 'Ünïcödé ÉCOLE', 'x-y-z'])[id % 13 + 1] END AS s,
  CASE WHEN id % 14 = 3 THEN NULL ELSE DATE '2019-12-20' + (id * 23)::INTEGER END AS dt,
  CASE WHEN id % 15 = 4 THEN NULL
       ELSE TIMESTAMPTZ '2020-02-28 22:30:00+00' + to_minutes((id * 997)::BIGINT) END AS ts,
  CASE WHEN id % 13 = 0 THEN NULL ELSE id % 3 = 0 END AS b
FROM range(1, 41) r(id)`;

// t2: join partner with duplicate and NULL keys, a key (9) not in t1.
const T2 = `
SELECT (i + 100)::INTEGER AS rid,
  CASE WHEN i % 6 = 5 THEN NULL ELSE (i * 3) % 10 END::INTEGER AS k,
  (i * 11 % 17)::INTEGER AS w,
  CASE WHEN i % 7 = 2 THEN NULL ELSE 'n' || (i % 5) END AS name,
  ((i * 1237) % 5000 / 1000 - 2)::DECIMAL(8,3) AS amt
FROM range(25) r(i)`;

// t3: six rows, a NULL key, keys missing from t1 and t2.
const T3 = `
SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (2, 'deux'), (NULL, 'none'), (8, 'eight'), (5, NULL)) v(k, label)`;

// f: doubles with specials.
const F = `
SELECT * FROM (VALUES (1, 1.5::DOUBLE), (2, -0.0::DOUBLE), (3, 'NaN'::DOUBLE), (4, 'Infinity'::DOUBLE),
  (5, '-Infinity'::DOUBLE), (6, NULL::DOUBLE), (7, 1e300::DOUBLE), (8, -2.25::DOUBLE), (9, 'NaN'::DOUBLE)) v(i, f)`;

export const TABLES = {
    t1: T1,
    t2: T2,
    t3: T3,
    f: F,
    e: `SELECT * FROM (${T1}) WHERE false`, // empty, t1's schema
};

const Q = [];
const add = (name, sql, opts = {}) => Q.push({ name, sql: sql.trim(), ...opts });

/* ---- scans, filters, projections --------------------------------------- */
add('scan all', `SELECT * FROM {t1}`);
add('scan t2', `SELECT * FROM {t2}`);
add('scan empty', `SELECT * FROM {e}`);
add('project expr', `SELECT id, k + 1, v * 2, -x, NOT b FROM {t1}`);
add('filter eq', `SELECT id FROM {t1} WHERE k = 3`);
add('filter and or not', `SELECT id FROM {t1} WHERE (k > 2 AND g = 'a') OR NOT (b OR x < 0)`);
add('filter is null', `SELECT id, k FROM {t1} WHERE k IS NULL OR g IS NULL`);
add('filter is not null', `SELECT count(*) FROM {t1} WHERE d IS NOT NULL AND s IS NOT NULL`);
add('filter in list', `SELECT id FROM {t1} WHERE k IN (1, 3, 5)`);
add('filter in list with null', `SELECT id FROM {t1} WHERE k IN (1, NULL)`);
add('filter not in list with null', `SELECT count(*) FROM {t1} WHERE k NOT IN (1, NULL)`);
add('filter not in list', `SELECT id FROM {t1} WHERE k NOT IN (1, 2)`);
add('filter between', `SELECT id FROM {t1} WHERE v BETWEEN 100 AND 900`);
add('filter not between', `SELECT id FROM {t1} WHERE x NOT BETWEEN -2 AND 2`);
add('filter decimal literal', `SELECT id, d FROM {t1} WHERE d > 1.5`);
add('filter date literal', `SELECT id, dt FROM {t1} WHERE dt >= DATE '2020-06-01' AND dt < DATE '2021-01-01'`);
add('filter timestamp literal', `SELECT id FROM {t1} WHERE ts > TIMESTAMP '2020-03-10 00:00:00'`);
add('filter string compare', `SELECT id, s FROM {t1} WHERE s > 'b'`);
add('filter bool column', `SELECT id FROM {t1} WHERE b`);
add('filter bool is false', `SELECT id FROM {t1} WHERE b = false`);
add('filter empty result', `SELECT * FROM {t1} WHERE id > 1000`);
add('filter always false', `SELECT id FROM {t1} WHERE 1 = 0`);
add('distinct', `SELECT DISTINCT k FROM {t1}`);
add('distinct multi', `SELECT DISTINCT g, k % 2 FROM {t1}`);
add('select without from', `SELECT 1 + 2, 'x', NULL, 2.50, DATE '2020-02-29'`);
add('constant expressions', `SELECT 7 / 2, 7 % 3, -7 % 3, 2.5 * 4, 1.0 / 3`, { approx: true });

/* ---- CASE / COALESCE / NULLIF / LIKE ------------------------------------ */
add('case searched', `SELECT id, CASE WHEN k < 2 THEN 'low' WHEN k < 5 THEN 'mid' ELSE 'high' END FROM {t1}`);
add('case simple', `SELECT id, CASE g WHEN 'a' THEN 1 WHEN 'b' THEN 2 END FROM {t1}`);
add('case no else null', `SELECT id, CASE WHEN b THEN v END FROM {t1}`);
add('case mixed numeric', `SELECT id, CASE WHEN k > 3 THEN d ELSE 0 END FROM {t1}`);
add('coalesce', `SELECT id, coalesce(k, -1), coalesce(g, s, 'none') FROM {t1}`);
add('coalesce decimal int', `SELECT id, coalesce(d, 0) FROM {t1}`);
add('nullif', `SELECT id, nullif(k, 3), nullif(g, 'a') FROM {t1}`);
add('nvl nvl2 ifnull', `SELECT id, nvl(k, 0), nvl2(k, 'y', 'n'), ifnull(g, '?') FROM {t1}`);
add('if', `SELECT id, if(k > 2, 'big', 'small') FROM {t1}`);
add('isnull isnotnull', `SELECT id, isnull(k), isnotnull(g) FROM {t1}`);
add('like prefix', `SELECT id, s FROM {t1} WHERE s LIKE 'a%'`);
add('like contains', `SELECT id, s FROM {t1} WHERE s LIKE '%an%'`);
add('like underscore', `SELECT id, s FROM {t1} WHERE s LIKE '_pp%'`);
add('like unicode', `SELECT id FROM {t1} WHERE s LIKE '%ü%' OR s LIKE '東%'`);
add('not like', `SELECT count(*) FROM {t1} WHERE s NOT LIKE '%a%'`);
add('like empty pattern', `SELECT id FROM {t1} WHERE s LIKE ''`);
add('ilike', `SELECT id, s FROM {t1} WHERE s ILIKE '%abc%'`);
add('ilike unicode', `SELECT id, s FROM {t1} WHERE s ILIKE 'zü%'`);
add('rlike', `SELECT id, s FROM {t1} WHERE s RLIKE '^[a-z]+$'`);
add('rlike digits', `SELECT id FROM {t1} WHERE g RLIKE 'a|c'`);
add('not rlike', `SELECT count(*) FROM {t1} WHERE s NOT RLIKE 'o'`);
add('rlike function', `SELECT id, rlike(s, 'l+o') FROM {t1}`);
add('like in select', `SELECT id, s LIKE '%a%' FROM {t1}`);
add('in in select', `SELECT id, k IN (1, 2, NULL) FROM {t1}`);
add('between in select', `SELECT id, d BETWEEN -1 AND 1 FROM {t1}`);
add('null safe equal', `SELECT a.id, b.id FROM {t1} a JOIN {t1} b ON a.k <=> b.k WHERE a.id < 12 AND b.id < 12`);
add('three valued logic', `SELECT id, b AND k > 3, b OR k > 3, NOT b FROM {t1}`);

/* ---- casts --------------------------------------------------------------- */
add('cast int to string', `SELECT id, CAST(k AS STRING), CAST(v AS STRING) FROM {t1}`);
add('cast int to double', `SELECT id, CAST(k AS DOUBLE) FROM {t1}`);
add('cast int to decimal', `SELECT id, CAST(k AS DECIMAL(10,2)) FROM {t1}`);
add('cast decimal to decimal', `SELECT id, CAST(d AS DECIMAL(12,4)), CAST(d AS DECIMAL(5,1)) FROM {t1}`);
add('cast decimal to double', `SELECT id, CAST(d AS DOUBLE) FROM {t1}`);
add('cast decimal to string', `SELECT id, CAST(d AS STRING) FROM {t1}`);
add('cast date to string', `SELECT id, CAST(dt AS STRING) FROM {t1}`);
add('cast string to date', `SELECT CAST('2021-03-04' AS DATE), CAST('2020-02-29' AS DATE)`);
add('cast date to timestamp', `SELECT id, CAST(dt AS TIMESTAMP) FROM {t1}`);
add('cast timestamp to date', `SELECT id, CAST(ts AS DATE) FROM {t1}`);
add('cast bool to int', `SELECT id, CAST(b AS INT) FROM {t1}`);
add('cast string to int', `SELECT CAST('42' AS INT), CAST('-7' AS BIGINT), CAST(' 12 ' AS INT)`);
add('try cast bad string', `SELECT try_cast('abc' AS INT), try_cast('12' AS INT)`);
add('cast int to bigint arithmetic', `SELECT id, CAST(id AS BIGINT) * 100000000000 FROM {t1}`);
add('cast string to decimal', `SELECT CAST('12.345' AS DECIMAL(10,3)), CAST('-0.5' AS DECIMAL(4,2))`);
add('cast double integral to int', `SELECT id, CAST(floor(x) AS INT) FROM {t1}`);

/* ---- arithmetic, decimals, math ------------------------------------------ */
add('int arithmetic', `SELECT id, k + v, v - k, k * 3, v % 7, -v % 7 FROM {t1}`);
add('int division is double', `SELECT id, v / 4, k / 2 FROM {t1}`);
add('decimal add sub', `SELECT id, d + 1, d - 0.25, d + d FROM {t1}`);
add('decimal multiply', `SELECT id, d * 2, d * d, d * 1.5 FROM {t1}`);
add('decimal divide', `SELECT id, d / 3 FROM {t1}`);
add('decimal divide decimal', `SELECT id, d / 0.7 FROM {t1}`);
add('decimal times double', `SELECT id, d * x FROM {t1}`);
add('decimal cross table', `SELECT t1.id, t2.rid, d + amt, d * amt FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k WHERE t1.id < 15`);
add('decimal comparison int', `SELECT id FROM {t1} WHERE d > k`);
add('double arithmetic', `SELECT id, x + 1.5, x * x, x / 3 FROM {t1}`);
add('round decimal', `SELECT id, round(d, 1), round(d), round(d, 0) FROM {t1}`);
add('round double', `SELECT id, round(x, 2), round(x, 4) FROM {t1}`);
add('bround decimal', `SELECT id, bround(d, 1) FROM {t1}`);
add('floor ceil double', `SELECT id, floor(x), ceil(x) FROM {t1}`);
add('floor ceil decimal', `SELECT id, floor(d), ceil(d) FROM {t1}`);
add('abs', `SELECT id, abs(k - 3), abs(d), abs(x) FROM {t1}`);
add('pow sqrt', `SELECT id, pow(k, 2), power(x, 3), sqrt(abs(x)) FROM {t1}`);
add('exp ln log', `SELECT id, exp(k), ln(k + 1), log10(abs(v) + 1), log(2, k + 1), log2(k + 1) FROM {t1}`);
add('mod pmod', `SELECT id, mod(v, 7), pmod(v, 7), mod(-v, 7), pmod(-v, 7) FROM {t1}`);
add('greatest least', `SELECT id, greatest(k, 3), least(k, 3), greatest(x, d, 0), least(s, g) FROM {t1}`);
add('sign', `SELECT id, sign(x), signum(k - 3) FROM {t1}`);
add('cbrt trig', `SELECT id, cbrt(v), sin(x), cos(x), atan2(x, 2) FROM {t1}`);
add('pi degrees radians', `SELECT pi(), degrees(pi()), radians(180)`);
add('unary minus decimal', `SELECT id, -d, -(-d) FROM {t1}`);
add('mixed int decimal double', `SELECT id, k + d + x FROM {t1}`);
add('sum decimal product', `SELECT g, sum(d * k) FROM {t1} GROUP BY g`);
add('sum decimal avg decimal', `SELECT g, sum(d), avg(d) FROM {t1} GROUP BY g`);

/* ---- dates and timestamps ------------------------------------------------ */
add('date_add date_sub', `SELECT id, date_add(dt, 10), date_sub(dt, 40) FROM {t1}`);
add('date plus int', `SELECT id, dt + 1 FROM {t1}`);
add('datediff', `SELECT id, datediff(dt, DATE '2020-01-01'), datediff(DATE '2020-03-01', dt) FROM {t1}`);
add('year month day', `SELECT id, year(dt), month(dt), day(dt), dayofmonth(dt) FROM {t1}`);
add('quarter dayofyear', `SELECT id, quarter(dt), dayofyear(dt) FROM {t1}`);
add('dayofweek weekday', `SELECT id, dayofweek(dt), weekday(dt) FROM {t1}`);
add('weekofyear', `SELECT id, weekofyear(dt) FROM {t1}`);
add('extract', `SELECT id, extract(year FROM dt), extract(month FROM dt), extract(day FROM dt) FROM {t1}`);
add('add_months', `SELECT id, add_months(dt, 1), add_months(dt, -13), add_months(dt, 12) FROM {t1}`);
add('add_months end of month', `SELECT add_months(DATE '2020-01-31', 1), add_months(DATE '2019-02-28', 12), add_months(DATE '2020-02-29', -12)`);
add('last_day', `SELECT id, last_day(dt) FROM {t1}`);
add('date_trunc month', `SELECT id, date_trunc('MONTH', dt) FROM {t1}`);
add('date_trunc year ts', `SELECT id, date_trunc('YEAR', ts) FROM {t1}`);
add('date_trunc day hour', `SELECT id, date_trunc('DAY', ts), date_trunc('HOUR', ts) FROM {t1}`);
add('trunc date', `SELECT id, trunc(dt, 'MM'), trunc(dt, 'YEAR'), trunc(dt, 'QUARTER') FROM {t1}`);
add('date_trunc spark unit names', `SELECT id, date_trunc('YYYY', dt), date_trunc('MON', ts), date_trunc('DD', ts), date_trunc('WEEK', dt) FROM {t1}`);
add('hour minute second', `SELECT id, hour(ts), minute(ts), second(ts) FROM {t1}`);
add('to_date', `SELECT to_date('2021-12-31'), to_date('2000-02-29')`);
add('make_date', `SELECT id, make_date(2020, k + 1, 15) FROM {t1}`);
add('date compare across', `SELECT a.id, b.id FROM {t1} a JOIN {t1} b ON a.dt = date_add(b.dt, 23) WHERE a.id < 20`);
add('date group by year', `SELECT year(dt), count(*), min(dt), max(dt) FROM {t1} GROUP BY year(dt)`);
add('timestamp min max', `SELECT min(ts), max(ts), count(ts) FROM {t1}`);
add('timestamp group by day', `SELECT CAST(ts AS DATE), count(*) FROM {t1} GROUP BY CAST(ts AS DATE)`);
add('date interval arithmetic', `SELECT id FROM {t1} WHERE dt < DATE '2020-06-01' + INTERVAL '3' MONTH`);
add('date between literals', `SELECT count(*) FROM {t1} WHERE dt BETWEEN DATE '2020-01-01' AND DATE '2020-12-31'`);
add('leap day', `SELECT date_add(DATE '2020-02-28', 1), date_add(DATE '2021-02-28', 1), datediff(DATE '2021-03-01', DATE '2020-03-01')`);

/* ---- strings -------------------------------------------------------------- */
add('concat', `SELECT id, concat(s, '-', g) FROM {t1}`);
add('concat with null', `SELECT id, concat(g, k) FROM {t1}`);
add('concat operator', `SELECT id, g || '/' || s FROM {t1}`);
add('concat_ws', `SELECT id, concat_ws('-', s, g) FROM {t1}`);
add('substring', `SELECT id, substring(s, 2, 3), substr(s, 1, 1) FROM {t1}`);
add('substring negative', `SELECT id, substring(s, -3), substring(s, -4, 2) FROM {t1}`);
add('substring no length', `SELECT id, substring(s, 3) FROM {t1}`);
add('upper lower', `SELECT id, upper(s), lower(s), ucase(g), lcase(s) FROM {t1}`);
add('trim', `SELECT id, trim(s), ltrim(s), rtrim(s) FROM {t1}`);
add('length', `SELECT id, length(s), char_length(s) FROM {t1}`);
add('octet_length', `SELECT id, octet_length(s) FROM {t1}`);
add('lpad rpad', `SELECT id, lpad(s, 8, '*'), rpad(g, 3, 'xy'), lpad(s, 2, '-') FROM {t1}`);
add('replace', `SELECT id, replace(s, 'a', 'X'), replace(s, ' ', '') FROM {t1}`);
add('split', `SELECT id, split(s, ' ') FROM {t1}`);
add('split regex', `SELECT id, split(s, '[-_ ]') FROM {t1}`);
add('regexp_extract', `SELECT id, regexp_extract(s, '([a-z]+)', 1), regexp_extract(s, '([a-z]+) ([a-z]+)', 2) FROM {t1}`);
add('regexp_extract whole', `SELECT id, regexp_extract(s, '[0-9a-z]+', 0) FROM {t1}`);
add('regexp_replace', `SELECT id, regexp_replace(s, '[aeiou]', '#') FROM {t1}`);
add('regexp_replace unicode', `SELECT id, regexp_replace(s, 'ü|é', '?') FROM {t1}`);
add('instr locate', `SELECT id, instr(s, 'a'), locate('a', s), locate('a', s, 3) FROM {t1}`);
add('initcap', `SELECT id, initcap(s) FROM {t1}`);
add('reverse repeat', `SELECT id, reverse(s), repeat(g, 3) FROM {t1}`);
add('left right', `SELECT id, left(s, 2), right(s, 3) FROM {t1}`);
add('translate', `SELECT id, translate(s, 'abc', 'xyz') FROM {t1}`);
add('startswith endswith contains', `SELECT id, startswith(s, 'a'), endswith(s, 'd'), contains(s, 'an') FROM {t1}`);
add('ascii chr', `SELECT id, ascii(s), chr(65 + k) FROM {t1}`);
add('string group by', `SELECT upper(g), count(*) FROM {t1} GROUP BY upper(g)`);
add('string min max', `SELECT min(s), max(s), count(DISTINCT s) FROM {t1}`);
add('string order by', `SELECT s FROM {t1} WHERE s IS NOT NULL GROUP BY s ORDER BY s`, { ordered: true });
add('md5 sha1', `SELECT id, md5(s), sha1(s) FROM {t1}`);
add('sha2 256', `SELECT id, sha2(s, 256) FROM {t1}`);
add('string compare unicode', `SELECT a.s, b.s, a.s < b.s FROM {t1} a, {t1} b WHERE a.id IN (1, 2, 3, 12) AND b.id IN (4, 6, 11, 13)`);
add('empty string vs null', `SELECT id, s = '', length(s) = 0, s IS NULL FROM {t1}`);

/* ---- aggregates ------------------------------------------------------------ */
const aggCols = {
    'count star': 'count(*)', 'count col': 'count(k)', 'count distinct': 'count(DISTINCT k)',
    'sum int': 'sum(k)', 'sum bigint': 'sum(v)', 'sum decimal': 'sum(d)', 'sum double': 'sum(x)',
    'avg int': 'avg(k)', 'avg decimal': 'avg(d)', 'avg double': 'avg(x)',
    'min max int': 'min(k), max(k)', 'min max decimal': 'min(d), max(d)', 'min max double': 'min(x), max(x)',
    'min max string': 'min(s), max(s)', 'min max date': 'min(dt), max(dt)', 'min max bool': 'min(b), max(b)',
    'stddev': 'stddev(x), stddev_samp(v)', 'stddev_pop': 'stddev_pop(x)', 'variance': 'variance(x), var_samp(k)',
    'var_pop': 'var_pop(v)', 'count_if': 'count_if(b)', 'bool_and bool_or': 'bool_and(b), bool_or(b)',
    'every some': 'every(k > 0), some(k > 5)', 'mean': 'mean(v)', 'median': 'median(v)',
    'count distinct string': 'count(DISTINCT g)', 'sum distinct': 'sum(DISTINCT k)', 'avg distinct': 'avg(DISTINCT k)',
    'std decimal': 'stddev(d)', 'count distinct date': 'count(DISTINCT dt)',
};
for (const [n, e] of Object.entries(aggCols)) {
    add(`agg global ${n}`, `SELECT ${e} FROM {t1}`);
    add(`agg grouped ${n}`, `SELECT g, ${e} FROM {t1} GROUP BY g`);
}
for (const n of ['count star', 'sum decimal', 'avg double', 'min max string', 'stddev', 'bool_and bool_or', 'count distinct'])
    add(`agg empty ${n}`, `SELECT ${aggCols[n]} FROM {e}`);
add('agg empty grouped', `SELECT g, count(*), sum(v) FROM {e} GROUP BY g`);
add('agg all null input', `SELECT sum(k), avg(k), min(k), count(k) FROM {t1} WHERE k IS NULL`);
add('agg group by two keys', `SELECT g, k, count(*), sum(v) FROM {t1} GROUP BY g, k`);
add('agg group by expression', `SELECT k % 3, count(*), max(s) FROM {t1} GROUP BY k % 3`);
add('agg group by ordinal', `SELECT g, k > 3, count(*) FROM {t1} GROUP BY 1, 2`);
add('agg group by alias expr', `SELECT year(dt) AS y, sum(d) FROM {t1} GROUP BY year(dt)`);
add('agg expression of aggregates', `SELECT g, sum(v) / count(*), max(k) - min(k), sum(d) * 2 FROM {t1} GROUP BY g`);
add('agg having', `SELECT g, count(*) FROM {t1} GROUP BY g HAVING count(*) > 12`);
add('agg having not in select', `SELECT g FROM {t1} GROUP BY g HAVING sum(v) > 5000`);
add('agg having on key', `SELECT k, avg(x) FROM {t1} GROUP BY k HAVING k > 2`);
add('agg filter clause', `SELECT g, count(*) FILTER (WHERE b), sum(v) FILTER (WHERE k > 3) FROM {t1} GROUP BY g`);
add('agg case inside', `SELECT g, sum(CASE WHEN b THEN 1 ELSE 0 END), sum(CASE WHEN k > 3 THEN d ELSE 0 END) FROM {t1} GROUP BY g`);
add('agg group by null keys', `SELECT k, count(*) FROM {t1} GROUP BY k`);
add('agg count distinct multiple', `SELECT count(DISTINCT g), count(DISTINCT k), count(*) FROM {t1}`);
add('agg group by date', `SELECT dt, count(*) FROM {t1} GROUP BY dt`);
add('agg group by decimal', `SELECT d, count(*) FROM {t2} t JOIN {t1} USING (k) GROUP BY d`);
add('agg collect_list sorted', `SELECT g, sort_array(collect_list(k)) FROM {t1} GROUP BY g`);
add('agg collect_set sorted', `SELECT g, sort_array(collect_set(k)) FROM {t1} GROUP BY g`);
add('agg on join', `SELECT t3.label, count(*), sum(t1.v) FROM {t1} t1 JOIN {t3} t3 ON t1.k = t3.k GROUP BY t3.label`);
add('agg having count distinct', `SELECT k FROM {t1} GROUP BY k HAVING count(DISTINCT g) = 3`);
add('agg nested in subquery', `SELECT max(c) FROM (SELECT g, count(*) AS c FROM {t1} GROUP BY g) s`);
add('group by all', `SELECT g, k % 2, count(*) FROM {t1} GROUP BY ALL`);

/* ---- grouping sets, rollup, cube ------------------------------------------- */
add('rollup', `SELECT g, k % 2, count(*), sum(v) FROM {t1} GROUP BY ROLLUP(g, k % 2)`);
add('cube', `SELECT g, b, count(*) FROM {t1} GROUP BY CUBE(g, b)`);
add('grouping sets', `SELECT g, k, sum(v) FROM {t1} GROUP BY GROUPING SETS ((g), (k), ())`);
add('grouping function', `SELECT g, k % 2, grouping(g), grouping(k % 2), count(*) FROM {t1} GROUP BY ROLLUP(g, k % 2)`);
add('rollup having', `SELECT g, count(*) FROM {t1} GROUP BY ROLLUP(g) HAVING count(*) > 10`);
add('cube decimal sums', `SELECT g, k > 3, sum(d) FROM {t1} GROUP BY CUBE(g, k > 3)`);
add('grouping sets with expr', `SELECT year(dt), g, count(*) FROM {t1} GROUP BY GROUPING SETS ((year(dt), g), (year(dt)))`);
// Spark expands the grouping sets per input row, so an empty input gives no
// rows at all, not DuckDB's (standard SQL) grand-total row.
add('rollup on empty', `SELECT g, count(*) FROM {e} GROUP BY ROLLUP(g)`,
    { duckdb: `SELECT g, count(*) FROM {e} GROUP BY g` });

/* ---- ORDER BY, LIMIT, OFFSET --------------------------------------------- */
add('order by asc default nulls first', `SELECT k, id FROM {t1} ORDER BY k, id`, { ordered: true });
add('order by desc default nulls last', `SELECT k, id FROM {t1} ORDER BY k DESC, id`, { ordered: true });
add('order by nulls last', `SELECT k, id FROM {t1} ORDER BY k NULLS LAST, id DESC`, { ordered: true });
add('order by desc nulls first', `SELECT x, id FROM {t1} ORDER BY x DESC NULLS FIRST, id`, { ordered: true });
add('order by string', `SELECT s, id FROM {t1} ORDER BY s, id`, { ordered: true });
add('order by date desc', `SELECT dt, id FROM {t1} ORDER BY dt DESC, id`, { ordered: true });
add('order by decimal', `SELECT d, id FROM {t1} ORDER BY d, id DESC`, { ordered: true });
add('order by expression', `SELECT id, v FROM {t1} ORDER BY v % 10, id`, { ordered: true });
add('order by alias', `SELECT id, v * -1 AS nv FROM {t1} ORDER BY nv, id`, { ordered: true });
add('order by ordinal', `SELECT g, id FROM {t1} ORDER BY 1 DESC, 2`, { ordered: true });
add('order by not selected', `SELECT id FROM {t1} ORDER BY x DESC, id`, { ordered: true });
add('limit', `SELECT id, v FROM {t1} ORDER BY v DESC, id LIMIT 5`, { ordered: true });
add('limit offset', `SELECT id FROM {t1} ORDER BY id LIMIT 5 OFFSET 3`, { ordered: true });
add('limit 0', `SELECT id FROM {t1} LIMIT 0`);
add('limit larger than input', `SELECT id FROM {t1} ORDER BY id LIMIT 1000`, { ordered: true });
add('offset past end', `SELECT id FROM {t1} ORDER BY id LIMIT 10 OFFSET 100`, { ordered: true });
add('top n with nulls', `SELECT id, k FROM {t1} ORDER BY k NULLS FIRST, id LIMIT 7`, { ordered: true });
add('order by aggregate', `SELECT g, sum(v) AS sv FROM {t1} GROUP BY g ORDER BY sv DESC, g`, { ordered: true });
add('order by aggregate not selected', `SELECT k FROM {t1} GROUP BY k ORDER BY count(*) DESC, k`, { ordered: true });
add('order by bool', `SELECT b, id FROM {t1} ORDER BY b, id`, { ordered: true });
add('order by timestamp', `SELECT ts, id FROM {t1} ORDER BY ts DESC NULLS FIRST, id`, { ordered: true });
add('order by double specials', `SELECT i, f FROM {f} ORDER BY f, i`, { ordered: true });
add('order by double specials desc', `SELECT i, f FROM {f} ORDER BY f DESC, i`, { ordered: true });
add('distinct order limit', `SELECT DISTINCT g FROM {t1} ORDER BY g LIMIT 2`, { ordered: true });

/* ---- doubles with NaN, -0, infinities -------------------------------------- */
add('nan compare', `SELECT i, f = f, f > 0, f < 0 FROM {f}`);
add('nan aggregates', `SELECT count(f), max(f), min(f) FROM {f}`);
add('nan group by', `SELECT f, count(*) FROM {f} GROUP BY f`);
add('nan distinct', `SELECT DISTINCT f FROM {f}`);
add('isnan nanvl', `SELECT i, isnan(f), nanvl(f, 0) FROM {f}`);
add('nan join', `SELECT a.i, b.i FROM {f} a JOIN {f} b ON a.f = b.f`);

/* ---- joins --------------------------------------------------------------- */
const J = 't1.id, t1.k, t2.rid, t2.w';
add('inner join', `SELECT ${J} FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k`);
add('inner join explicit', `SELECT ${J} FROM {t1} t1 INNER JOIN {t2} t2 ON t1.k = t2.k`);
add('comma join where', `SELECT ${J} FROM {t1} t1, {t2} t2 WHERE t1.k = t2.k AND t2.w > 5`);
add('left join', `SELECT ${J} FROM {t1} t1 LEFT JOIN {t2} t2 ON t1.k = t2.k`);
add('left outer join', `SELECT ${J} FROM {t1} t1 LEFT OUTER JOIN {t2} t2 ON t1.k = t2.k`);
add('right join', `SELECT ${J} FROM {t1} t1 RIGHT JOIN {t2} t2 ON t1.k = t2.k`);
add('full join', `SELECT ${J} FROM {t1} t1 FULL OUTER JOIN {t2} t2 ON t1.k = t2.k`);
add('full join no match', `SELECT t1.id, t3.label FROM {t1} t1 FULL JOIN {t3} t3 ON t1.id = t3.k + 100`);
add('cross join', `SELECT t1.id, t3.label FROM {t1} t1 CROSS JOIN {t3} t3 WHERE t1.id < 5`);
add('cross join comma', `SELECT t3.label, t1.g FROM {t3} t3, {t1} t1 WHERE t1.id <= 3`);
add('left semi join', `SELECT * FROM {t1} t1 LEFT SEMI JOIN {t3} t3 ON t1.k = t3.k`);
add('left anti join', `SELECT * FROM {t1} t1 LEFT ANTI JOIN {t3} t3 ON t1.k = t3.k`);
add('semi join extra condition', `SELECT t1.id FROM {t1} t1 LEFT SEMI JOIN {t2} t2 ON t1.k = t2.k AND t2.w > t1.id`);
add('anti join extra condition', `SELECT t1.id FROM {t1} t1 LEFT ANTI JOIN {t2} t2 ON t1.k = t2.k AND t2.w > 10`);
add('join using', `SELECT k, t1.id, t3.label FROM {t1} t1 JOIN {t3} t3 USING (k)`);
add('left join using', `SELECT k, t1.id, t3.label FROM {t1} t1 LEFT JOIN {t3} t3 USING (k)`);
add('full join using coalesces key', `SELECT k, t2.rid, t3.label FROM {t2} t2 FULL JOIN {t3} t3 USING (k)`);
add('natural join', `SELECT k, rid, label FROM {t2} a NATURAL JOIN {t3} b`);
add('natural left join', `SELECT k, rid, label FROM {t2} a NATURAL LEFT JOIN {t3} b`);
add('non equi join', `SELECT t1.id, t3.label FROM {t1} t1 JOIN {t3} t3 ON t1.k < t3.k WHERE t1.id < 10`);
add('non equi left join', `SELECT t1.id, t3.label FROM {t1} t1 LEFT JOIN {t3} t3 ON t1.k > t3.k AND t3.k > 1`);
add('band join', `SELECT t1.id, t2.rid FROM {t1} t1 JOIN {t2} t2 ON t2.w BETWEEN t1.k AND t1.k + 1`);
add('join on expression', `SELECT t1.id, t2.rid FROM {t1} t1 JOIN {t2} t2 ON t1.k + 1 = t2.k`);
add('join on two keys', `SELECT t1.id, t2.rid FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k AND t1.id % 17 = t2.w`);
add('join or condition', `SELECT t1.id, t3.label FROM {t1} t1 JOIN {t3} t3 ON t1.k = t3.k OR t1.id = t3.k`);
add('self join', `SELECT a.id, b.id FROM {t1} a JOIN {t1} b ON a.k = b.k AND a.id < b.id`);
add('three way join', `SELECT t1.id, t2.rid, t3.label FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k JOIN {t3} t3 ON t2.k = t3.k`);
add('three way mixed outer', `SELECT t1.id, t2.rid, t3.label FROM {t1} t1 LEFT JOIN {t2} t2 ON t1.k = t2.k RIGHT JOIN {t3} t3 ON t1.k = t3.k`);
add('left join filter on right in where', `SELECT t1.id, t2.rid FROM {t1} t1 LEFT JOIN {t2} t2 ON t1.k = t2.k WHERE t2.rid IS NULL`);
add('left join filter in on', `SELECT t1.id, t2.rid FROM {t1} t1 LEFT JOIN {t2} t2 ON t1.k = t2.k AND t2.w > 8`);
add('right join filter in on', `SELECT t1.id, t2.rid FROM {t1} t1 RIGHT JOIN {t2} t2 ON t1.k = t2.k AND t1.id > 30`);
add('full join filter in on', `SELECT t1.id, t2.rid FROM {t1} t1 FULL JOIN {t2} t2 ON t1.k = t2.k AND t1.b`);
add('join null keys never match', `SELECT count(*) FROM {t1} a JOIN {t2} b ON a.k = b.k WHERE a.k IS NULL`);
add('join with empty', `SELECT t1.id, e.id FROM {t1} t1 JOIN {e} e ON t1.k = e.k`);
add('left join with empty', `SELECT t1.id, e.id FROM {t1} t1 LEFT JOIN {e} e ON t1.k = e.k`);
add('full join with empty', `SELECT t1.id, e.id FROM {e} e FULL JOIN {t1} t1 ON t1.k = e.k`);
add('join string keys', `SELECT a.id, b.id FROM {t1} a JOIN {t1} b ON a.s = b.s WHERE a.id < b.id`);
add('join date keys', `SELECT a.id, b.id FROM {t1} a JOIN {t1} b ON a.dt = b.dt AND a.id <> b.id`);
add('join decimal int keys', `SELECT t1.id, t2.rid FROM {t1} t1 JOIN {t2} t2 ON t1.d = t2.amt`);
add('join then aggregate', `SELECT t2.name, count(*), sum(t1.d) FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k GROUP BY t2.name`);
add('join subquery', `SELECT s.g, t3.label FROM (SELECT g, max(k) AS mk FROM {t1} GROUP BY g) s JOIN {t3} t3 ON s.mk = t3.k`);
add('join star', `SELECT * FROM {t3} a JOIN {t3} b ON a.k = b.k`);
add('join qualified star', `SELECT b.*, a.label FROM {t3} a JOIN {t2} b ON a.k = b.k`);

/* ---- subqueries ------------------------------------------------------------ */
add('scalar subquery', `SELECT id, v - (SELECT max(v) FROM {t1}) FROM {t1}`);
add('scalar subquery in where', `SELECT id FROM {t1} WHERE v > (SELECT avg(v) FROM {t1})`);
add('scalar subquery empty is null', `SELECT id, (SELECT max(v) FROM {e}) FROM {t1} WHERE id < 4`);
add('correlated scalar', `SELECT id, (SELECT count(*) FROM {t2} t2 WHERE t2.k = t1.k) FROM {t1} t1`);
add('correlated scalar agg', `SELECT id, (SELECT max(w) FROM {t2} t2 WHERE t2.k = t1.k) FROM {t1} t1`);
add('correlated scalar in where', `SELECT id FROM {t1} t1 WHERE v > (SELECT avg(v) FROM {t1} x WHERE x.g = t1.g)`);
add('in subquery', `SELECT id FROM {t1} WHERE k IN (SELECT k FROM {t3})`);
add('not in subquery with nulls', `SELECT id FROM {t1} WHERE k NOT IN (SELECT k FROM {t3})`);
add('not in subquery without nulls', `SELECT id FROM {t1} WHERE k NOT IN (SELECT k FROM {t3} WHERE k IS NOT NULL)`);
add('not in empty subquery', `SELECT count(*) FROM {t1} WHERE k NOT IN (SELECT k FROM {e})`);
add('in subquery select list', `SELECT id, k IN (SELECT k FROM {t3}) FROM {t1}`);
add('not in subquery select list', `SELECT id, k NOT IN (SELECT k FROM {t3} WHERE k > 1) FROM {t1}`);
add('exists', `SELECT id FROM {t1} t1 WHERE EXISTS (SELECT 1 FROM {t2} t2 WHERE t2.k = t1.k AND t2.w > 10)`);
add('not exists', `SELECT id FROM {t1} t1 WHERE NOT EXISTS (SELECT 1 FROM {t2} t2 WHERE t2.k = t1.k)`);
add('exists uncorrelated', `SELECT count(*) FROM {t1} WHERE EXISTS (SELECT 1 FROM {t3} WHERE k = 8)`);
add('exists or', `SELECT id FROM {t1} t1 WHERE EXISTS (SELECT 1 FROM {t3} t3 WHERE t3.k = t1.k) OR t1.id < 3`);
add('correlated exists non equi', `SELECT id FROM {t1} t1 WHERE EXISTS (SELECT 1 FROM {t2} t2 WHERE t2.w > t1.v)`);
add('in subquery correlated', `SELECT id FROM {t1} t1 WHERE k IN (SELECT k FROM {t2} t2 WHERE t2.w > t1.id)`);
add('derived table', `SELECT g, c FROM (SELECT g, count(*) AS c FROM {t1} GROUP BY g) s WHERE c > 5`);
add('derived table column aliases', `SELECT a, b FROM (SELECT g, k FROM {t1}) s (a, b) WHERE b > 4`);
add('nested derived tables', `SELECT max(m) FROM (SELECT g, max(v) AS m FROM (SELECT * FROM {t1} WHERE k > 1) x GROUP BY g) y`);
add('subquery in case', `SELECT id, CASE WHEN k > (SELECT avg(k) FROM {t1}) THEN 'above' ELSE 'below' END FROM {t1}`);
add('scalar subquery in having', `SELECT g, sum(v) FROM {t1} GROUP BY g HAVING sum(v) > (SELECT sum(v) / 4 FROM {t1})`);

/* ---- semi-join placement (opt_semi.c): pushdown into join inputs, and
** aggregates reduced by the keys of the join above them ----------------------- */
add('semi pushed into join input', `SELECT t1.id, t2.rid FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k WHERE t1.id IN (SELECT k FROM {t3})`);
add('anti pushed into join input', `SELECT t1.id, t2.rid FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k WHERE NOT EXISTS (SELECT 1 FROM {t3} t3 WHERE t3.k = t1.id)`);
add('null-aware anti over join', `SELECT count(*) FROM {t1} t1 JOIN {t2} t2 ON t1.k = t2.k WHERE t1.id NOT IN (SELECT k FROM {t3})`);
add('semi through left join', `SELECT t1.id, t2.rid FROM {t1} t1 LEFT JOIN {t2} t2 ON t1.k = t2.k WHERE t1.k IN (SELECT k FROM {t3} WHERE k < 5)`);
add('reduced aggregate inner', `SELECT a.k, a.s, t3.label FROM (SELECT k, sum(v) AS s FROM {t1} GROUP BY k) a JOIN {t3} t3 ON a.k = t3.k`);
add('reduced aggregate left', `SELECT t3.k, t3.label, a.c FROM {t3} t3 LEFT JOIN (SELECT k, count(*) AS c FROM {t1} GROUP BY k) a ON t3.k = a.k`);
add('reduced aggregate two keys', `SELECT a.k, a.g, a.c, b.rid FROM (SELECT k, g, count(*) AS c FROM {t1} GROUP BY k, g) a JOIN (SELECT k, rid, CASE WHEN rid % 2 = 0 THEN 'a' ELSE 'b' END AS g FROM {t2} WHERE w < 9) b ON a.k = b.k AND a.g = b.g`);
add('reduced aggregate key cast', `SELECT a.k, a.s, t2.rid FROM (SELECT CAST(k AS BIGINT) AS k, sum(v) AS s FROM {t1} GROUP BY 1) a JOIN {t2} t2 ON a.k = t2.w AND t2.rid < 106`);
add('reduced correlated avg (q17 shape)', `SELECT sum(t1.v) FROM {t1} t1 JOIN {t3} t3 ON t1.k = t3.k WHERE t1.v > (SELECT avg(v) FROM {t1} b WHERE b.k = t3.k)`);
add('reduced aggregate semi (q20 shape)', `SELECT t3.label FROM {t3} t3 WHERE t3.k IN (SELECT a.k FROM (SELECT k, sum(v) AS s FROM {t1} GROUP BY k) a WHERE a.s > 100)`);
add('reducer that keeps every row', `SELECT count(*), sum(s) FROM (SELECT id % 1000 AS g, sum(id) AS s FROM range(0, 600000) GROUP BY 1) a JOIN (SELECT id AS k FROM range(0, 2000)) b ON a.g = b.k`,
    { duckdb: `SELECT count(*), sum(s) FROM (SELECT range % 1000 AS g, sum(range) AS s FROM range(0, 600000) GROUP BY 1) a JOIN (SELECT range AS k FROM range(0, 2000)) b ON a.g = b.k` });

/* ---- CTEs, VALUES ---------------------------------------------------------- */
add('cte used twice (shared subplan)', `WITH r AS (SELECT k, sum(v) AS s FROM {t1} GROUP BY k) SELECT a.k, a.s FROM r a WHERE a.s = (SELECT max(s) FROM r)`);
add('cte self join (shared subplan)', `WITH r AS (SELECT g, count(*) AS c, sum(d) AS sd FROM {t1} GROUP BY g) SELECT x.g, y.g, x.c + y.c, x.sd FROM r x JOIN r y ON x.c < y.c`);
add('cte used twice with other columns', `WITH r AS (SELECT k, g, max(v) AS m FROM {t1} GROUP BY k, g) SELECT (SELECT count(*) FROM r WHERE m > 100), (SELECT sum(m) FROM r WHERE g = 'a')`);

add('cte', `WITH c AS (SELECT g, sum(v) AS sv FROM {t1} GROUP BY g) SELECT * FROM c WHERE sv > 0`);
add('cte twice', `WITH c AS (SELECT k, count(*) AS n FROM {t1} GROUP BY k) SELECT a.k, b.k FROM c a JOIN c b ON a.n = b.n AND a.k < b.k`);
add('cte chain', `WITH a AS (SELECT id, k FROM {t1} WHERE k > 1), b AS (SELECT k, count(*) AS n FROM a GROUP BY k) SELECT * FROM b`);
add('cte column list', `WITH c (x, y) AS (SELECT g, max(id) FROM {t1} GROUP BY g) SELECT x, y FROM c`);
add('cte in subquery', `SELECT id FROM {t1} WHERE k IN (WITH c AS (SELECT k FROM {t3}) SELECT k FROM c)`);
add('values', `SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) AS v(n, s)`);
add('values join', `SELECT t1.id, v.tag FROM {t1} t1 JOIN (VALUES ('a', 'A!'), ('c', 'C!')) AS v(g, tag) ON t1.g = v.g`);
add('values decimals dates', `SELECT n * 2, d + 1 FROM (VALUES (1.5, DATE '2020-01-01'), (2.25, DATE '2020-12-31')) AS v(n, d)`);
add('values mixed types', `SELECT * FROM (VALUES (1, 2.5), (2, 3)) AS v(a, b)`);
add('values aggregate', `SELECT count(*), sum(a) FROM (VALUES (1), (2), (NULL)) AS v(a)`);

/* ---- set operations --------------------------------------------------------- */
add('union', `SELECT k FROM {t1} UNION SELECT k FROM {t2}`);
add('union all', `SELECT k FROM {t1} UNION ALL SELECT k FROM {t2}`);
add('intersect', `SELECT k FROM {t1} INTERSECT SELECT k FROM {t2}`);
add('intersect all', `SELECT k FROM {t1} INTERSECT ALL SELECT k FROM {t2}`);
add('except', `SELECT k FROM {t1} EXCEPT SELECT k FROM {t3}`);
add('except all', `SELECT k FROM {t2} EXCEPT ALL SELECT k FROM {t3}`);
add('minus', `SELECT g FROM {t1} MINUS SELECT name FROM {t2}`);
add('union multi column', `SELECT g, k FROM {t1} UNION SELECT name, w FROM {t2}`);
add('union type widening', `SELECT k FROM {t1} UNION ALL SELECT d FROM {t1}`);
add('union order limit', `SELECT id AS n FROM {t1} UNION ALL SELECT rid FROM {t2} ORDER BY n DESC LIMIT 8`, { ordered: true });
add('union with empty', `SELECT id FROM {t1} UNION ALL SELECT id FROM {e}`);
add('intersect with empty', `SELECT id FROM {t1} INTERSECT SELECT id FROM {e}`);
add('chained set ops', `SELECT k FROM {t1} UNION SELECT k FROM {t2} EXCEPT SELECT k FROM {t3}`);
add('set op nulls equal', `SELECT k, g FROM {t1} INTERSECT SELECT k, g FROM {t1} WHERE id > 10`);
add('union in subquery', `SELECT count(*), count(DISTINCT k) FROM (SELECT k FROM {t1} UNION ALL SELECT k FROM {t3}) u`);

/* ---- windows ------------------------------------------------------------------ */
add('row_number', `SELECT id, row_number() OVER (PARTITION BY g ORDER BY id) FROM {t1}`);
add('row_number no partition', `SELECT id, row_number() OVER (ORDER BY v DESC, id) FROM {t1}`);
add('rank dense_rank', `SELECT id, k, rank() OVER (ORDER BY k), dense_rank() OVER (ORDER BY k) FROM {t1}`);
add('rank partitioned desc', `SELECT id, rank() OVER (PARTITION BY g ORDER BY k DESC) FROM {t1}`);
add('percent_rank cume_dist', `SELECT id, percent_rank() OVER (ORDER BY k), cume_dist() OVER (ORDER BY k) FROM {t1}`);
add('ntile', `SELECT id, ntile(4) OVER (ORDER BY id), ntile(3) OVER (PARTITION BY g ORDER BY id) FROM {t1}`);
add('lag lead', `SELECT id, lag(v) OVER (ORDER BY id), lead(v) OVER (ORDER BY id) FROM {t1}`);
add('lag lead offset default', `SELECT id, lag(v, 2, 0) OVER (ORDER BY id), lead(s, 3, 'end') OVER (PARTITION BY g ORDER BY id) FROM {t1}`);
add('lag decimal date', `SELECT id, lag(d) OVER (PARTITION BY g ORDER BY id), lead(dt) OVER (ORDER BY id) FROM {t1}`);
add('first_value last_value', `SELECT id, first_value(v) OVER (PARTITION BY g ORDER BY id),
  last_value(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM {t1}`);
add('last_value default frame', `SELECT id, last_value(v) OVER (PARTITION BY g ORDER BY id) FROM {t1}`);
add('sum over partition', `SELECT id, sum(v) OVER (PARTITION BY g) FROM {t1}`);
add('count over partition', `SELECT id, count(*) OVER (PARTITION BY k), count(k) OVER () FROM {t1}`);
add('running sum', `SELECT id, sum(v) OVER (ORDER BY id) FROM {t1}`);
add('running sum with ties range', `SELECT id, k, sum(v) OVER (ORDER BY k) FROM {t1}`);
add('running sum rows ties', `SELECT id, sum(v) OVER (ORDER BY k, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM {t1}`);
add('sliding rows frame', `SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM {t1}`);
add('centered rows frame avg', `SELECT id, avg(x) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM {t1}`);
add('following frame', `SELECT id, max(v) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 3 FOLLOWING) FROM {t1}`);
add('unbounded following frame', `SELECT id, min(s) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM {t1}`);
add('range offset frame', `SELECT id, k, count(*) OVER (ORDER BY k RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM {t1} WHERE k IS NOT NULL`);
add('window decimal sum avg', `SELECT id, sum(d) OVER (PARTITION BY g ORDER BY id), avg(d) OVER (PARTITION BY g) FROM {t1}`);
add('window min max', `SELECT id, min(x) OVER (PARTITION BY g), max(dt) OVER (PARTITION BY g ORDER BY id) FROM {t1}`);
add('window empty over', `SELECT id, sum(k) OVER (), avg(v) OVER () FROM {t1}`);
add('window multiple specs', `SELECT id, row_number() OVER (ORDER BY id DESC), rank() OVER (PARTITION BY b ORDER BY v) FROM {t1}`);
add('window over aggregate', `SELECT g, sum(v), rank() OVER (ORDER BY sum(v) DESC) FROM {t1} GROUP BY g`);
add('window in subquery filter', `SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY g ORDER BY v DESC, id) AS rn FROM {t1}) s WHERE rn <= 2`);
add('window nulls in partition', `SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) FROM {t1}`);
add('window order nulls last', `SELECT id, rank() OVER (ORDER BY x DESC NULLS LAST) FROM {t1}`);
add('window on empty', `SELECT id, row_number() OVER (ORDER BY id) FROM {e}`);
add('window stddev', `SELECT id, stddev(x) OVER (PARTITION BY g) FROM {t1}`);
add('qualify row_number', `SELECT id, g FROM {t1} QUALIFY row_number() OVER (PARTITION BY g ORDER BY id) = 1`);
add('qualify rank', `SELECT id, k FROM {t1} QUALIFY rank() OVER (ORDER BY v DESC) <= 5`);
add('qualify alias', `SELECT id, sum(v) OVER (PARTITION BY g) AS sv FROM {t1} QUALIFY sv > 5000`);
add('named window', `SELECT id, sum(v) OVER w, count(*) OVER w FROM {t1} WINDOW w AS (PARTITION BY g ORDER BY id)`);

/* ---- misc composite ------------------------------------------------------ */
add('union then window', `SELECT n, rank() OVER (ORDER BY n) FROM (SELECT k AS n FROM {t1} UNION ALL SELECT k FROM {t2}) u`);
add('group by having order limit', `SELECT k, count(*) AS c FROM {t1} GROUP BY k HAVING count(*) > 1 ORDER BY c DESC, k LIMIT 3`, { ordered: true });
add('distinct on expressions', `SELECT DISTINCT year(dt), b FROM {t1}`);
add('count distinct in join', `SELECT t3.k, count(DISTINCT t1.g) FROM {t3} t3 LEFT JOIN {t1} t1 ON t1.k = t3.k GROUP BY t3.k`);
add('case in group by', `SELECT CASE WHEN v > 500 THEN 'hi' ELSE 'lo' END AS band, count(*) FROM {t1} GROUP BY 1`);
add('expression on nulls', `SELECT id, k + NULL, concat(g, NULL), NULL = NULL FROM {t1} WHERE id < 5`);
add('having without group by', `SELECT sum(v) FROM {t1} HAVING count(*) > 10`);
add('deep expression', `SELECT id, ((k * 2 + 1) * (v % 5) - id) % 11, abs(d * 3 - k) FROM {t1}`);
add('many aggregates one pass', `SELECT g, count(*), count(k), sum(k), min(s), max(s), avg(x), min(dt), max(d), sum(DISTINCT k) FROM {t1} GROUP BY g`);

/* ---- Delta tables (written by strata from t1/t2) ---------------------------- */
add('delta scan', `SELECT * FROM {delta:t1}`);
add('delta filter', `SELECT id, d FROM {delta:t1} WHERE k = 2`);
add('delta aggregate', `SELECT g, count(*), sum(d) FROM {delta:t1} GROUP BY g`);
add('delta join parquet', `SELECT a.id, b.rid FROM {delta:t1} a JOIN {t2} b ON a.k = b.k`);
add('delta count star', `SELECT count(*), min(w), max(amt) FROM {delta:t2}`);

export const QUERIES = Q;
