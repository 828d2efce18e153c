// tpch_gen.test.mjs -- `strata gen tpch --sf 0.01` read back by DuckDB: the
// row counts of the spec (clause 4.2.5), key relationships, and TPC-H
// queries Q1, Q3, Q6 and Q13 (spec text, substitution parameters of the
// validation run) returning non-empty, sane answers; Q1's groups must be
// exactly the four flag/status pairs A/F, N/F, N/O, R/F. The Delta output is
// checked to hold the same rows as the Parquet output.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as L from './lib.mjs';

const tmp = L.makeTempDir('strata-tpch-gen-');
const dir = tmp.path('pq');
let duck;

const TABLES = ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'];
const q = (sql) => L.duckQuery(duck.conn, sql);
const num = (v) => Number(typeof v === 'object' && v !== null ? v.toString() : v);

before(async () => {
    L.strataOk(['gen', 'tpch', '--sf', '0.01', '--dir', dir, '--threads', '2']);
    duck = await L.openDuck();
    for (const t of TABLES)
        await duck.conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet(${L.sqlStr(path.join(dir, t + '.parquet'))})`);
});

after(() => {
    duck?.close();
    tmp.remove();
});

test('row counts follow the spec at sf 0.01', async () => {
    const exp = { region: 5, nation: 25, supplier: 100, customer: 1500, part: 2000, partsupp: 8000, orders: 15000 };
    for (const [t, n] of Object.entries(exp)) {
        const { rows } = await q(`SELECT count(*) FROM ${t}`);
        assert.equal(num(rows[0][0]), n, t);
    }
    const { rows } = await q(`SELECT count(*), (SELECT count(*) FROM orders o WHERE NOT EXISTS
        (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey)) FROM lineitem`);
    const nl = num(rows[0][0]);
    assert.ok(nl > 15000 * 3.5 && nl < 15000 * 4.5, `lineitem rows ${nl}`);
    assert.equal(num(rows[0][1]), 0, 'every order has lines');
});

test('schema types are the TPC-H ones', async () => {
    const { rows } = await q(`DESCRIBE lineitem`);
    const types = Object.fromEntries(rows.map((r) => [r[0], r[1]]));
    assert.equal(types.l_orderkey, 'BIGINT');
    assert.equal(types.l_quantity, 'DECIMAL(15,2)');
    assert.equal(types.l_shipdate, 'DATE');
    assert.equal(types.l_comment, 'VARCHAR');
});

test('keys relate as in the spec', async () => {
    const { rows } = await q(`SELECT
        (SELECT count(*) FROM lineitem WHERE l_orderkey NOT IN (SELECT o_orderkey FROM orders)),
        (SELECT count(*) FROM lineitem l WHERE NOT EXISTS (SELECT 1 FROM partsupp
            WHERE ps_partkey = l.l_partkey AND ps_suppkey = l.l_suppkey)),
        (SELECT count(*) FROM orders WHERE o_custkey % 3 = 0 OR o_custkey NOT IN (SELECT c_custkey FROM customer)),
        (SELECT count(*) FROM (SELECT ps_partkey FROM partsupp GROUP BY 1 HAVING count(DISTINCT ps_suppkey) <> 4)),
        (SELECT count(*) FROM orders WHERE o_orderkey % 32 > 8 OR o_orderkey % 32 = 0),
        (SELECT count(*) FROM (SELECT o_orderkey, o_totalprice, sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) s
            FROM orders JOIN lineitem ON l_orderkey = o_orderkey GROUP BY ALL) WHERE abs(o_totalprice - s) > 0.01 * 7)`);
    assert.deepEqual(rows[0].map(num), [0, 0, 0, 0, 0, 0]);
});

test('Q1 pricing summary has exactly the four flag/status groups', async () => {
    const { rows } = await q(`SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty,
        sum(l_extendedprice) AS sum_base_price, sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
        sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty,
        avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
        FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
        GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`);
    assert.deepEqual(rows.map((r) => r[0] + '/' + r[1]), ['A/F', 'N/F', 'N/O', 'R/F']);
    for (const r of rows) {
        assert.ok(num(r[6]) > 24 && num(r[6]) < 27, `avg_qty ${r[6]}`);
        assert.ok(num(r[8]) > 0.04 && num(r[8]) < 0.06, `avg_disc ${r[8]}`);
        assert.ok(num(r[9]) > 0);
    }
    // N/F is the small group (shipped before, received after 1995-06-17).
    assert.ok(num(rows[1][9]) < num(rows[0][9]) / 10);
});

test('Q3 shipping priority returns the top 10 orders', async () => {
    const { rows } = await q(`SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue,
        o_orderdate, o_shippriority FROM customer, orders, lineitem
        WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
          AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
        GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate LIMIT 10`);
    assert.equal(rows.length, 10);
    assert.ok(num(rows[0][1]) > 100000, `top revenue ${rows[0][1]}`);
});

test('Q6 forecasting revenue change is positive', async () => {
    const { rows } = await q(`SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
        WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
          AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`);
    const rev = num(rows[0][0]);
    // about 1.2M at sf 0.01 with dbgen; the same domains give the same order
    assert.ok(rev > 600000 && rev < 2400000, `Q6 revenue ${rev}`);
});

test('Q13 customer distribution excludes special requests', async () => {
    const { rows } = await q(`SELECT c_count, count(*) AS custdist FROM (
        SELECT c_custkey, count(o_orderkey) FROM customer LEFT OUTER JOIN orders
          ON c_custkey = o_custkey AND o_comment NOT LIKE '%special%requests%' GROUP BY c_custkey
        ) AS c_orders (c_custkey, c_count) GROUP BY c_count ORDER BY custdist DESC, c_count DESC`);
    assert.ok(rows.length > 10, `${rows.length} groups`);
    const zero = rows.find((r) => num(r[0]) === 0);
    assert.ok(zero && num(zero[1]) >= 500, 'a third of the customers have no orders');
    const { rows: sp } = await q(`SELECT count(*) FROM orders WHERE o_comment LIKE '%special%requests%'`);
    assert.ok(num(sp[0][0]) > 0 && num(sp[0][0]) < 1500, `special requests ${sp[0][0]}`);
});

test('text pools: Q9 green parts, Q22 phone codes, Q16 complaints', async () => {
    const { rows } = await q(`SELECT
        (SELECT count(*) FROM part WHERE p_name LIKE '%green%'),
        (SELECT count(DISTINCT substring(c_phone, 1, 2)) FROM customer
            WHERE substring(c_phone, 1, 2) IN ('13','31','23','29','30','18','17')),
        (SELECT count(*) FROM supplier WHERE s_comment LIKE '%Customer%Complaints%'),
        (SELECT count(DISTINCT p_type) FROM part), (SELECT count(DISTINCT p_container) FROM part),
        (SELECT count(DISTINCT p_brand) FROM part)`);
    const [green, codes, complaints, types, containers, brands] = rows[0].map(num);
    assert.ok(green > 50, `green parts ${green}`);
    assert.equal(codes, 7);
    assert.ok(complaints >= 1);
    assert.equal(types, 150);
    assert.equal(containers, 40);
    assert.equal(brands, 25);
});

test('delta output holds the same rows as parquet output', async () => {
    const ddir = tmp.path('delta');
    L.strataOk(['gen', 'tpch', '--sf', '0.01', '--dir', ddir, '--format', 'delta', '--threads', '1']);
    assert.ok(fs.existsSync(path.join(ddir, 'orders', '_delta_log', '00000000000000000000.json')));
    const files = fs.readdirSync(path.join(ddir, 'orders')).filter((f) => f.endsWith('.parquet'))
        .map((f) => L.sqlStr(path.join(ddir, 'orders', f)));
    const { rows } = await q(`SELECT count(*) FROM (
        (SELECT * FROM read_parquet([${files.join(',')}]) EXCEPT ALL SELECT * FROM orders)
        UNION ALL (SELECT * FROM orders EXCEPT ALL SELECT * FROM read_parquet([${files.join(',')}])))`);
    assert.equal(num(rows[0][0]), 0);
});
