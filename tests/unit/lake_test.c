/* lake_test.c -- the lakehouse statements end to end through a session with
** a warehouse: catalog DDL, INSERT / UPDATE / DELETE / MERGE, constraints,
** time travel, history, RESTORE / OPTIMIZE / VACUUM, views, and the medallion
** pipeline (bronze -> silver -> gold) with the gold rows computed
** independently in C. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/session.h"
#include "delta/delta.h"
#include "test_util.h"

static ex_session *S;
static char *Dir;

static void setup(void)
{
    S = tu_warehouse_session("lake", &Dir);
}

static void teardown(void)
{
    tu_warehouse_session_free(S, Dir);
    S = NULL;
    Dir = NULL;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *q(const char *sql)
{
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    st_status rc = ex_session_query(S, sql, &r, &err);
    cr_assert_eq(rc, ST_OK, "%s\n-> %s\n%s", sql, err.msg, err.hint);
    char *t = tu_result_text(r, true);
    ex_result_free(r);
    return t;
}

static void ok(const char *sql)
{
    st_free(q(sql));
}

static void expect(const char *sql, const char *want)
{
    char *got = q(sql);
    cr_assert_str_eq(got, want, "%s", sql);
    st_free(got);
}

/* Runs sql expecting failure with code and a message containing part. */
static void fails(const char *sql, st_status code, const char *part)
{
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    st_status rc = ex_session_query(S, sql, &r, &err);
    ex_result_free(r);
    cr_assert_eq(rc, code, "%s -> %d %s", sql, rc, err.msg);
    cr_assert(strstr(err.msg, part), "%s -> '%s' lacks '%s'", sql, err.msg, part);
}

static int64_t version_of(const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DESCRIBE HISTORY %s LIMIT 1", name);
    char *t = q(sql);
    int64_t v = strtoll(t, NULL, 10);
    st_free(t);
    return v;
}

TestSuite(lake, .init = setup, .fini = teardown);

Test(lake, create_insert_select)
{
    ok("CREATE TABLE t (id INT NOT NULL, name STRING, amount DECIMAL(10,2))");
    expect("SHOW TABLES", "default|t|false\n");
    ok("INSERT INTO t VALUES (1, 'a', 1.50), (2, 'b', NULL)");
    ok("INSERT INTO t (name, id) SELECT 'c', 3");
    expect("SELECT id, name, amount FROM t", "1|a|1.50\n2|b|NULL\n3|c|NULL\n");
    expect("SELECT count(*) FROM main.default.t", "3\n");
    expect("DESCRIBE TABLE t", "amount|decimal(10,2)|NULL\nid|int|NULL\nname|string|NULL\n");
    cr_assert_eq(version_of("t"), 2);
    fails("INSERT INTO t VALUES (NULL, 'x', 1)", ST_ERR_CONSTRAINT, "NOT NULL");
    cr_assert_eq(version_of("t"), 2);
    fails("INSERT INTO t VALUES (1, 2)", ST_ERR_BIND, "3 columns");
    fails("INSERT INTO t SELECT 'x', 'y', 1", ST_ERR_BIND, "cannot safely cast");
    fails("CREATE TABLE t (x INT)", ST_ERR_ARGUMENT, "already exists");
    ok("CREATE TABLE IF NOT EXISTS t (x INT)");
    ok("INSERT OVERWRITE t VALUES (9, 'z', 9.99)");
    expect("SELECT * FROM t", "9|z|9.99\n");
    expect("SELECT count(*) FROM t VERSION AS OF 2", "3\n");
}

Test(lake, update_delete_time_travel)
{
    ok("CREATE TABLE sales (customer_id BIGINT, status STRING, amount DOUBLE)");
    ok("INSERT INTO sales VALUES (12345, 'PAID', 10.0), (12345, 'PAID', 5.5), (7, 'PAID', 1.0)");
    int64_t v = version_of("sales");
    expect("UPDATE sales SET status = 'REFUNDED', amount = amount * -1 WHERE customer_id = 12345",
           "2\n");
    expect("SELECT * FROM sales", "12345|REFUNDED|-10\n12345|REFUNDED|-5.5\n7|PAID|1\n");
    /* A MERGE upsert on customer_id. */
    ok("MERGE INTO sales t USING (SELECT 7 AS customer_id, 'SHIPPED' AS status, 2.0 AS amount "
       "UNION ALL SELECT 8, 'NEW', 3.0) s ON t.customer_id = s.customer_id "
       "WHEN MATCHED THEN UPDATE SET status = s.status, amount = s.amount "
       "WHEN NOT MATCHED THEN INSERT *");
    expect("SELECT * FROM sales WHERE customer_id < 100", "7|SHIPPED|2\n8|NEW|3\n");
    ok("DELETE FROM sales WHERE customer_id = 8");
    ok("UPDATE sales SET status = 'PAID', amount = 1.0 WHERE customer_id = 7");
    char sql[256];
    char *path = q("DESCRIBE DETAIL sales");
    /* location is the 5th column */
    char *p = path;
    for (int i = 0; i < 4; i++) p = strchr(p, '|') + 1;
    *strchr(p, '|') = 0;
    snprintf(sql, sizeof sql, "SELECT * FROM delta.`%s` VERSION AS OF %lld", p, (long long)v);
    expect(sql, "12345|PAID|10\n12345|PAID|5.5\n7|PAID|1\n");
    st_free(path);
    expect("DELETE FROM sales WHERE amount < 0", "2\n");
    expect("SELECT * FROM sales", "7|PAID|1\n");
    expect("DELETE FROM sales WHERE customer_id = 999", "0\n");
    cr_assert_eq(version_of("sales"), v + 5, "a delete of nothing commits nothing");
}

Test(lake, merge_upsert_and_clauses)
{
    ok("CREATE TABLE tgt (id INT, v STRING, n INT)");
    ok("INSERT INTO tgt VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
    ok("CREATE TEMP VIEW src AS SELECT * FROM VALUES (2, 'B', 20), (4, 'D', 40) AS s(id, v, n)");
    expect("MERGE INTO tgt t USING src s ON t.id = s.id "
           "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
           "2|1|0|1\n");
    expect("SELECT * FROM tgt", "1|a|1\n2|B|20\n3|c|3\n4|D|40\n");
    char *hm = q("DESCRIBE HISTORY tgt LIMIT 1");
    cr_assert(strstr(hm, "\"numSourceRows\":\"2\""), "%s", hm);
    cr_assert(strstr(hm, "\"numTargetRowsInserted\":\"1\""), "%s", hm);
    cr_assert(strstr(hm, "\"numTargetRowsUpdated\":\"1\""), "%s", hm);
    st_free(hm);
    /* Every clause kind, first matching clause wins. */
    ok("CREATE OR REPLACE TEMP VIEW s2 AS SELECT * FROM VALUES (1, 'x', -1), (2, 'y', 5), "
       "(9, 'new', 9) AS s(id, v, n)");
    ok("MERGE INTO tgt USING s2 ON tgt.id = s2.id "
       "WHEN MATCHED AND s2.n < 0 THEN DELETE "
       "WHEN MATCHED THEN UPDATE SET v = s2.v, n = tgt.n + s2.n "
       "WHEN NOT MATCHED AND s2.n > 100 THEN INSERT (id) VALUES (s2.id) "
       "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s2.id, upper(s2.v)) "
       "WHEN NOT MATCHED BY SOURCE AND tgt.id = 4 THEN UPDATE SET v = 'gone' "
       "WHEN NOT MATCHED BY SOURCE THEN DELETE");
    expect("SELECT * FROM tgt", "2|y|25\n4|gone|40\n9|NEW|NULL\n");
    /* A target row matched by two source rows. */
    ok("CREATE OR REPLACE TEMP VIEW dup AS SELECT * FROM VALUES (2, 'p'), (2, 'q') AS s(id, v)");
    int64_t v = version_of("tgt");
    fails("MERGE INTO tgt USING dup ON tgt.id = dup.id WHEN MATCHED THEN UPDATE SET v = dup.v",
          ST_ERR_CONSTRAINT, "multiple source rows");
    cr_assert_eq(version_of("tgt"), v);
    /* ... but an unconditional delete may match several. */
    ok("MERGE INTO tgt USING dup ON tgt.id = dup.id WHEN MATCHED THEN DELETE");
    expect("SELECT id FROM tgt", "4\n9\n");
}

Test(lake, partitions_ctas_and_metadata_delete)
{
    ok("CREATE TABLE p (id INT, day STRING) PARTITIONED BY (day)");
    ok("INSERT INTO p VALUES (1, 'd1'), (2, 'd1'), (3, 'd2'), (4, 'd3')");
    expect("DELETE FROM p WHERE day = 'd1'", "2\n");
    char *h = q("DESCRIBE HISTORY p LIMIT 1");
    cr_assert(strstr(h, "\"numCopiedRows\":\"0\""), "%s", h);
    cr_assert(strstr(h, "\"numAddedFiles\":\"0\""), "%s", h);
    st_free(h);
    ok("INSERT OVERWRITE p PARTITION (day = 'd2') SELECT 30");
    expect("SELECT * FROM p", "30|d2\n4|d3\n");
    ok("CREATE TABLE c AS SELECT id * 2 AS x, day FROM p");
    expect("SELECT * FROM c", "60|d2\n8|d3\n");
    ok("INSERT INTO c REPLACE WHERE day = 'd3' SELECT 100, 'd3'");
    expect("SELECT * FROM c", "100|d3\n60|d2\n");
    fails("INSERT INTO c REPLACE WHERE day = 'd3' SELECT 1, 'd9'", ST_ERR_CONSTRAINT,
          "replaceWhere");
    ok("TRUNCATE TABLE c");
    expect("SELECT count(*) FROM c", "0\n");
}

Test(lake, check_constraints_and_alter)
{
    ok("CREATE TABLE k (id INT, amount INT)");
    ok("INSERT INTO k VALUES (1, 10)");
    ok("ALTER TABLE k ADD CONSTRAINT positive CHECK (amount > 0)");
    int64_t v = version_of("k");
    fails("INSERT INTO k VALUES (2, -5)", ST_ERR_CONSTRAINT, "CHECK constraint positive");
    fails("UPDATE k SET amount = -1", ST_ERR_CONSTRAINT, "violated");
    cr_assert_eq(version_of("k"), v);
    expect("SELECT * FROM k", "1|10\n");
    fails("ALTER TABLE k ADD CONSTRAINT big CHECK (amount > 100)", ST_ERR_CONSTRAINT,
          "violate");
    ok("ALTER TABLE k DROP CONSTRAINT positive");
    ok("INSERT INTO k VALUES (2, -5)");
    ok("ALTER TABLE k SET TBLPROPERTIES ('owner.team' = 'data')");
    char *p = q("SHOW TBLPROPERTIES k");
    cr_assert(strstr(p, "owner.team|data"), "%s", p);
    st_free(p);
    ok("ALTER TABLE k ADD COLUMNS (note STRING COMMENT 'free text')");
    ok("INSERT INTO k VALUES (3, 3, 'hi')");
    expect("SELECT * FROM k", "1|10|NULL\n2|-5|NULL\n3|3|hi\n");
    ok("ALTER TABLE k RENAME TO k2");
    expect("SELECT count(*) FROM k2", "3\n");
    fails("SELECT * FROM k", ST_ERR_BIND, "not found");
}

Test(lake, catalogs_schemas_views_drop)
{
    ok("CREATE CATALOG sales_cat");
    ok("CREATE SCHEMA sales_cat.raw");
    ok("USE CATALOG sales_cat");
    ok("USE SCHEMA raw");
    ok("CREATE TABLE orders (id INT)");
    ok("INSERT INTO orders VALUES (1), (2)");
    expect("SELECT count(*) FROM sales_cat.raw.orders", "2\n");
    expect("SHOW CATALOGS", "main\nsales_cat\n");
    expect("SHOW SCHEMAS", "default\nraw\n");
    ok("CREATE VIEW big_orders AS SELECT id FROM orders WHERE id > 1");
    expect("SELECT * FROM big_orders", "2\n");
    expect("SHOW VIEWS", "raw|big_orders|false\n");
    fails("DROP SCHEMA raw", ST_ERR_ARGUMENT, "not empty");
    char *d = q("DESCRIBE DETAIL orders");
    char *loc = strstr(d, "/wh/");
    cr_assert(loc, "%s", d);
    st_free(d);
    ok("DROP TABLE orders");
    fails("SELECT * FROM orders", ST_ERR_BIND, "not found");
    ok("DROP SCHEMA raw CASCADE");
    ok("USE CATALOG main");
    ok("DROP CATALOG sales_cat CASCADE");
    expect("SHOW CATALOGS", "main\n");
    /* External table: DROP keeps the data; CREATE ... LOCATION registers it again. */
    ok("CREATE TABLE ext (a INT) LOCATION 'ext_data'");
    ok("INSERT INTO ext VALUES (5)");
    ok("DROP TABLE ext");
    ok("CREATE TABLE ext2 USING DELTA LOCATION 'ext_data'");
    expect("SELECT * FROM ext2", "5\n");
}

/* ---- the medallion pipeline ------------------------------------------------------ */

typedef struct cust {
    int  id;
    char email[32], phone[16];
    int  updated;            /* day number */
} cust;

typedef struct order {
    int    id, customer;
    double amount;
    int    day;
} order;

Test(lake, medallion_pipeline)
{
    enum { NC = 40, NO = 200 };
    cust c[NC];
    order o[NO];
    /* Source data: customers, some updated later than what silver holds. */
    FILE *f = fopen("source_customers.csv", "w");
    cr_assert(f);
    fprintf(f, "customer_id,email,phone,updated_at\n");
    for (int i = 0; i < NC; i++) {
        c[i].id = i + 1;
        snprintf(c[i].email, sizeof c[i].email, "user%d@example.com", i + 1);
        snprintf(c[i].phone, sizeof c[i].phone, "555-%04d", (i * 37) % 10000);
        c[i].updated = 10 + (i % 5);
        fprintf(f, "%d,%s,%s,2024-01-%02d\n", c[i].id, c[i].email, c[i].phone, c[i].updated);
    }
    fclose(f);
    f = fopen("orders.csv", "w");
    cr_assert(f);
    fprintf(f, "order_id,customer_id,amount,order_date\n");
    for (int i = 0; i < NO; i++) {
        o[i].id = 1000 + i;
        o[i].customer = 1 + (i * 7) % (NC + 5);  /* some customers have no orders; some
                                                 ** orders name unknown customers */
        o[i].amount = (double)((i * 13) % 50) + 0.25;
        o[i].day = 1 + i % 28;
        fprintf(f, "%d,%d,%.2f,2024-02-%02d\n", o[i].id, o[i].customer, o[i].amount, o[i].day);
    }
    /* A duplicated order line: COUNT(DISTINCT) counts it once, SUM twice. */
    fprintf(f, "%d,%d,%.2f,2024-02-%02d\n", o[1].id, o[1].customer, o[1].amount, o[1].day);
    fclose(f);
    ok("CREATE TEMP VIEW source_data AS SELECT customer_id, email, phone, "
       "CAST(updated_at AS DATE) AS updated_at FROM read_files('source_customers.csv', "
       "format => 'csv', header => true)");
    ok("CREATE TABLE silver_orders AS SELECT CAST(order_id AS INT) AS order_id, "
       "CAST(customer_id AS INT) AS customer_id, CAST(amount AS DOUBLE) AS amount, "
       "CAST(order_date AS DATE) AS order_date FROM read_files('orders.csv', format => 'csv', "
       "header => true)");
    /* silver_customers exists with its schema (and a few older current rows). */
    ok("CREATE TABLE silver_customers (customer_id INT, email STRING, phone STRING, "
       "updated_at DATE, effective_date DATE, end_date DATE, is_current BOOLEAN) "
       "USING DELTA LOCATION 'silver/customers'");
    ok("INSERT INTO silver_customers VALUES (1, 'old1@example.com', '555-0000', DATE'2024-01-01', "
       "DATE'2024-01-01', NULL, TRUE), (2, 'user2@example.com', '555-0037', DATE'2024-01-30', "
       "DATE'2024-01-30', NULL, TRUE)");
    const char *pipeline =
        "CREATE TABLE IF NOT EXISTS bronze_customers USING DELTA LOCATION 'bronze/customers'\n"
        "AS SELECT *, current_timestamp() as _elt_timestamp FROM source_data;\n"
        "CREATE TABLE IF NOT EXISTS silver_customers USING DELTA LOCATION 'silver/customers';\n"
        "MERGE INTO silver_customers t\n"
        "USING (SELECT customer_id, email, phone, updated_at FROM bronze_customers) s\n"
        "ON t.customer_id = s.customer_id AND t.is_current = TRUE\n"
        "WHEN MATCHED AND s.updated_at > t.updated_at THEN\n"
        "  UPDATE SET is_current = FALSE, end_date = current_date()\n"
        "WHEN NOT MATCHED THEN\n"
        "  INSERT (customer_id, email, phone, effective_date, is_current)\n"
        "  VALUES (s.customer_id, s.email, s.phone, current_date(), TRUE);\n"
        "CREATE TABLE IF NOT EXISTS gold_customer_summary USING DELTA LOCATION "
        "'gold/customer_summary'\n"
        "AS SELECT c.customer_id, c.email, COUNT(DISTINCT o.order_id) as num_orders,\n"
        "  SUM(o.amount) as lifetime_value, MAX(o.order_date) as last_order_date\n"
        "FROM silver_customers c LEFT JOIN silver_orders o ON c.customer_id = o.customer_id\n"
        "WHERE c.is_current = TRUE GROUP BY c.customer_id, c.email;\n";
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_session_exec(S, pipeline, NULL, NULL, &err), ST_OK, "%s\n%s", err.msg,
                 err.hint);
    /* Expected gold rows, computed here. Customer 1: silver row older -> closed
    ** (is_current false), and not re-inserted (it matched). Customer 2: silver row
    ** newer than the source -> stays current with its old email. Others: inserted. */
    st_buf want;
    st_buf_init(&want);
    char *lines[NC];
    int nl = 0;
    for (int i = 0; i < NC; i++) {
        if (c[i].id == 1) continue;
        const char *email = c[i].id == 2 ? "user2@example.com" : c[i].email;
        int n = 0, last = -1;
        double sum = c[i].id == o[1].customer ? o[1].amount : 0;
        for (int k = 0; k < NO; k++)
            if (o[k].customer == c[i].id) {
                n++;
                sum += o[k].amount;
                if (o[k].day > last) last = o[k].day;
            }
        char *line = malloc(200);
        if (n == 0)
            snprintf(line, 200, "%d|%s|0|NULL|NULL", c[i].id, email);
        else {
            snprintf(line, 200, "%d|%s|%d|%g|2024-02-%02d", c[i].id, email, n, sum, last);
        }
        lines[nl++] = line;
    }
    qsort(lines, (size_t)nl, sizeof *lines, cmp_lines);
    for (int i = 0; i < nl; i++) {
        st_buf_append_str(&want, lines[i], &err);
        st_buf_append_byte(&want, '\n', &err);
        free(lines[i]);
    }
    st_buf_append_byte(&want, 0, &err);
    expect("SELECT customer_id, email, num_orders, lifetime_value, last_order_date "
           "FROM gold_customer_summary", (const char *)want.data);
    st_buf_destroy(&want);
    expect("SELECT customer_id, is_current, end_date IS NOT NULL FROM silver_customers "
           "WHERE customer_id <= 2", "1|false|true\n2|true|false\n");
    expect("SELECT count(*) FROM silver_customers", "40\n");
    char *h = q("DESCRIBE HISTORY silver_customers");
    cr_assert(strstr(h, "MERGE"), "%s", h);
    st_free(h);
}

/* ---- concurrency and crashes ----------------------------------------------------- */

/* In a child process: a fresh session on the same warehouse running sql n
** times; exits 0 when every run succeeded. */
static void child_loop(const char *sql, int n)
{
    ex_session *s;
    st_error err;
    st_error_init(&err);
    char wh[300];
    snprintf(wh, sizeof wh, "%s/wh", Dir);
    if (ex_session_new(wh, &s, &err) != ST_OK) _exit(2);
    for (int i = 0; i < n; i++) {
        ex_result *r = NULL;
        if (ex_session_query(s, sql, &r, &err) != ST_OK) {
            fprintf(stderr, "child: %s\n", err.msg);
            _exit(1);
        }
        ex_result_free(r);
    }
    ex_session_free(s);
    _exit(0);
}

Test(lake, concurrent_updates_lose_nothing)
{
    ok("CREATE TABLE c (id INT, n INT)");
    ok("INSERT INTO c VALUES (1, 0), (2, 0)");
    const char *sqls[2] = {
        "UPDATE c SET n = n + 1 WHERE id = 1",
        "MERGE INTO c USING (SELECT 1 AS id) s ON c.id = s.id "
        "WHEN MATCHED THEN UPDATE SET n = c.n + 1"};
    pid_t pid[2];
    for (int k = 0; k < 2; k++) {
        pid[k] = fork();
        cr_assert(pid[k] >= 0);
        if (pid[k] == 0) child_loop(sqls[k], 15);
    }
    for (int k = 0; k < 2; k++) {
        int status;
        cr_assert_eq(waitpid(pid[k], &status, 0), pid[k]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d failed", k);
    }
    /* Every one of the 30 read-modify-write statements counted: none lost. */
    expect("SELECT * FROM c", "1|30\n2|0\n");
}

Test(lake, killed_writer_leaves_last_version)
{
    ok("CREATE TABLE big (id BIGINT, s STRING)");
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0)
            child_loop("INSERT INTO big SELECT id, concat('row', id) FROM range(400000)", 50);
        usleep(150000 + 100000 * round);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        /* The table reads, and holds whole inserts only. */
        char *t = q("SELECT count(*), count(DISTINCT id) FROM big");
        long long n = strtoll(t, NULL, 10);
        cr_assert_eq(n % 400000, 0, "partial write visible: %s", t);
        st_free(t);
    }
    ok("INSERT INTO big VALUES (-1, 'after')");
    expect("SELECT s FROM big WHERE id = -1", "after\n");
}

Test(lake, copy_into_loads_each_file_once)
{
    cr_assert_eq(mkdir("in", 0755), 0);
    FILE *f = fopen("in/a.csv", "w");
    fprintf(f, "id,name\n1,a\n2,b\n");
    fclose(f);
    f = fopen("in/b.csv", "w");
    fprintf(f, "name,id\nc,3\n");          /* columns by name, not position */
    fclose(f);
    ok("CREATE TABLE cp (id INT, name STRING)");
    const char *copy = "COPY INTO cp FROM 'in' FILEFORMAT = CSV "
                       "FORMAT_OPTIONS ('header' = 'true')";
    expect(copy, "3|3|0\n");
    expect(copy, "0|0|2\n");
    f = fopen("in/c.csv", "w");
    fprintf(f, "id,name\n4,d\n");
    fclose(f);
    f = fopen("in/skip.txt", "w");
    fprintf(f, "id,name\n99,zz\n");
    fclose(f);
    expect("COPY INTO cp FROM 'in' FILEFORMAT = CSV PATTERN = '*.csv' "
           "FORMAT_OPTIONS ('header' = 'true')", "1|1|2\n");
    expect("SELECT * FROM cp", "1|a\n2|b\n3|c\n4|d\n");
    expect("COPY INTO cp FROM 'in' FILEFORMAT = CSV FILES = ('a.csv') "
           "FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('force' = 'true')", "2|2|0\n");
    expect("SELECT count(*) FROM cp", "6\n");
    /* A file with a new column: refused, unless mergeSchema. */
    cr_assert_eq(mkdir("in2", 0755), 0);
    f = fopen("in2/d.csv", "w");
    fprintf(f, "id,name,extra\n7,g,x7\n");
    fclose(f);
    fails("COPY INTO cp FROM 'in2' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')",
          ST_ERR_BIND, "extra");
    expect("COPY INTO cp FROM 'in2' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true') "
           "COPY_OPTIONS ('mergeSchema' = 'true')", "1|1|0\n");
    expect("SELECT id, extra FROM cp WHERE id >= 4", "4|NULL\n7|x7\n");
}

Test(lake, range_table_function)
{
    expect("SELECT count(*), sum(id), min(id), max(id) FROM range(1000000)",
           "1000000|499999500000|0|999999\n");
    expect("SELECT * FROM range(10, 0, -3)", "1\n10\n4\n7\n");
    expect("SELECT id FROM range(5, 7)", "5\n6\n");
    expect("SELECT count(*) FROM range(3, 3)", "0\n");
    fails("SELECT * FROM range(1, 2, 0)", ST_ERR_BIND, "step");
}

Test(lake, rename_and_drop_columns_with_column_mapping)
{
    ok("CREATE TABLE r (a INT, b STRING, c DOUBLE)");
    ok("INSERT INTO r VALUES (1, 'x', 1.5)");
    ok("ALTER TABLE r RENAME COLUMN b TO bee");
    ok("INSERT INTO r VALUES (2, 'y', 2.5)");
    ok("ALTER TABLE r DROP COLUMN c");
    ok("ALTER TABLE r ADD COLUMNS (d INT)");
    ok("INSERT INTO r VALUES (3, 'z', 7)");
    ok("UPDATE r SET d = 9 WHERE a = 1");
    expect("SELECT a, bee, d FROM r", "1|x|9\n2|y|NULL\n3|z|7\n");
    char *p = q("SHOW TBLPROPERTIES r");
    cr_assert(strstr(p, "delta.columnMapping.mode|name"), "%s", p);
    cr_assert(strstr(p, "delta.minReaderVersion|3"), "%s", p);
    st_free(p);
    fails("SELECT c FROM r", ST_ERR_BIND, "c");
    fails("ALTER TABLE r RENAME COLUMN a TO bee", ST_ERR_ARGUMENT, "already exists");
    /* Time travel still sees the old names. */
    expect("SELECT b, c FROM r VERSION AS OF 1", "x|1.5\n");
}

Test(lake, generated_columns_defaults_comments)
{
    ok("CREATE TABLE g (id INT, price DOUBLE, qty INT DEFAULT 1, "
       "total DOUBLE GENERATED ALWAYS AS (price * qty) COMMENT 'computed', "
       "ts DATE DEFAULT DATE'2024-01-01', CONSTRAINT pos CHECK (price >= 0)) "
       "COMMENT 'goods'");
    ok("INSERT INTO g (id, price) VALUES (1, 2.5)");
    ok("INSERT INTO g VALUES (2, 3.0, 4, 12.0, DATE'2024-05-05')");
    ok("UPDATE g SET qty = 10 WHERE id = 1");
    ok("MERGE INTO g USING (SELECT 5 AS id, 2.0 AS price) s ON g.id = s.id "
       "WHEN NOT MATCHED THEN INSERT (id, price) VALUES (s.id, s.price)");
    expect("SELECT * FROM g", "1|2.5|10|25|2024-01-01\n2|3|4|12|2024-05-05\n5|2|1|2|2024-01-01\n");
    fails("INSERT INTO g VALUES (3, 1.0, 1, 5.0, NULL)", ST_ERR_CONSTRAINT, "generated column");
    fails("INSERT INTO g (id, price) VALUES (4, -1)", ST_ERR_CONSTRAINT, "pos");
    expect("DESCRIBE TABLE g total", "total|double|computed\n");
    char *e = q("DESCRIBE TABLE EXTENDED g");
    cr_assert(strstr(e, "Comment|goods"), "%s", e);
    st_free(e);
    char *p = q("SHOW TBLPROPERTIES g");
    cr_assert(strstr(p, "delta.constraints.pos|price >= 0"), "%s", p);
    st_free(p);
}

Test(lake, history_restore_optimize_vacuum)
{
    ok("CREATE TABLE h (id INT, part STRING) PARTITIONED BY (part)");
    for (int i = 0; i < 6; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO h VALUES (%d, 'a'), (%d, 'b')", i, i + 100);
        ok(sql);
    }
    expect("SELECT count(*) FROM h", "12\n");
    ok("DELETE FROM h WHERE id < 2");
    int64_t v = version_of("h");
    /* OPTIMIZE on one partition: only its files are compacted. */
    char *o = q("OPTIMIZE h WHERE part = 'a'");
    cr_assert(strstr(o, "|1|4|"), "one file added, four removed: %s", o);
    st_free(o);
    fails("OPTIMIZE h WHERE id = 1", ST_ERR_ARGUMENT, "partition columns");
    expect("SELECT count(*) FROM h", "10\n");
    char *d = q("DESCRIBE DETAIL h");
    cr_assert(strstr(d, "|[\"part\"]|"), "%s", d);
    st_free(d);
    ok("OPTIMIZE h ZORDER BY (id)");
    expect("SELECT count(*), sum(id) FROM h", "10|629\n");
    char *h = q("DESCRIBE HISTORY h");
    cr_assert(strstr(h, "OPTIMIZE"), "%s", h);
    st_free(h);
    /* RESTORE to before the delete brings the rows back, as a new version. */
    char sql[128];
    snprintf(sql, sizeof sql, "RESTORE TABLE h TO VERSION AS OF %lld", (long long)(v - 1));
    ok(sql);
    expect("SELECT count(*) FROM h", "12\n");
    cr_assert_eq(version_of("h"), v + 3);
    /* VACUUM refuses a short retention unless the check is off. */
    fails("VACUUM h RETAIN 0 HOURS", ST_ERR_ARGUMENT, "retention");
    ok("SET spark.databricks.delta.retentionDurationCheck.enabled = false");
    char *dry = q("VACUUM h RETAIN 0 HOURS DRY RUN");
    cr_assert(strstr(dry, ".parquet"), "files to delete: %s", dry);
    st_free(dry);
    ok("VACUUM h RETAIN 0 HOURS");
    expect("SELECT count(*) FROM h", "12\n");
    char *after = q("VACUUM h RETAIN 0 HOURS DRY RUN");
    cr_assert_str_eq(after, "", "nothing left to delete: %s", after);
    st_free(after);
    /* The optimized version's files were removed by RESTORE and vacuumed. */
    snprintf(sql, sizeof sql, "SELECT sum(id) FROM h VERSION AS OF %lld", (long long)(v + 1));
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    cr_assert_neq(ex_session_query(S, sql, &r, &err), ST_OK, "old files were vacuumed");
    ex_result_free(r);
}

Test(lake, views_alter_and_drop)
{
    ok("CREATE TABLE base (a INT)");
    ok("INSERT INTO base VALUES (1), (2), (3)");
    ok("CREATE VIEW v (x) AS SELECT a * 10 FROM base");
    expect("SELECT x FROM v", "10\n20\n30\n");
    ok("ALTER VIEW v AS SELECT a AS x FROM base WHERE a > 1");
    expect("SELECT x FROM v", "2\n3\n");
    fails("DROP TABLE v", ST_ERR_ARGUMENT, "view");
    ok("DROP VIEW v");
    ok("DROP VIEW IF EXISTS v");
    ok("CREATE TEMP VIEW tv AS SELECT 1 AS one");
    expect("SHOW VIEWS", "|tv|true\n");
    ok("DROP VIEW tv");
    fails("SELECT * FROM tv", ST_ERR_BIND, "not found");
}

Test(lake, schema_evolution)
{
    ok("CREATE TABLE e (id INT, v STRING)");
    ok("INSERT INTO e VALUES (1, 'a'), (2, 'b')");
    fails("INSERT INTO e SELECT 3 AS id, 'c' AS v, 3.5 AS score", ST_ERR_BIND, "3");
    ok("SET spark.databricks.delta.schema.autoMerge.enabled = true");
    ok("INSERT INTO e SELECT 3 AS id, 'c' AS v, 3.5 AS score");
    ok("RESET spark.databricks.delta.schema.autoMerge.enabled");
    /* Without evolution, INSERT * takes the target's columns; extra ones are ignored. */
    ok("MERGE INTO e USING (SELECT 9 AS id, 'z' AS v, 1.0 AS score, 'q' AS tag) s "
       "ON e.id = s.id WHEN NOT MATCHED THEN INSERT *");
    fails("SELECT tag FROM e", ST_ERR_BIND, "tag");
    ok("MERGE WITH SCHEMA EVOLUTION INTO e USING (SELECT 2 AS id, 'B' AS v, 2.5 AS score, "
       "'x' AS tag UNION ALL SELECT 4, 'd', 4.5, 'y') s ON e.id = s.id "
       "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
    expect("SELECT * FROM e", "1|a|NULL|NULL\n2|B|2.5|x\n3|c|3.5|NULL\n4|d|4.5|y\n"
                              "9|z|1.0|NULL\n");
    expect("SELECT * FROM e VERSION AS OF 1", "1|a\n2|b\n");
}

Test(lake, cluster_by_and_type_widening)
{
    ok("CREATE TABLE cl (a INT, b STRING) CLUSTER BY (a)");
    for (int i = 0; i < 4; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO cl SELECT CAST((id * 7 + %d) %% 1000 AS INT), "
                 "'x' FROM range(500)", i);
        ok(sql);
    }
    char *d = q("DESCRIBE DETAIL cl");
    cr_assert(strstr(d, "|[\"a\"]|"), "clusteringColumns: %s", d);
    st_free(d);
    char *o = q("OPTIMIZE cl");
    cr_assert(strstr(o, "|1|4|"), "clustered into one file: %s", o);
    st_free(o);
    fails("OPTIMIZE cl ZORDER BY (b)", ST_ERR_ARGUMENT, "clustered");
    expect("SELECT count(*), count(DISTINCT a) FROM cl", "2000|929\n");
    ok("ALTER TABLE cl CLUSTER BY (b)");
    char *sc = q("SHOW CREATE TABLE cl");
    cr_assert(strstr(sc, "CLUSTER BY (b)"), "%s", sc);
    st_free(sc);
    fails("CREATE TABLE pc (a INT) PARTITIONED BY (a) CLUSTER BY (a)", ST_ERR_ARGUMENT,
          "both");
    /* ALTER COLUMN TYPE widens; old files are read widened. */
    ok("ALTER TABLE cl ALTER COLUMN a TYPE BIGINT");
    ok("INSERT INTO cl VALUES (5000000000, 'big')");
    expect("SELECT max(a), count(*) FROM cl", "5000000000|2001\n");
    expect("DESCRIBE TABLE cl a", "a|bigint|NULL\n");
    fails("ALTER TABLE cl ALTER COLUMN a TYPE INT", ST_ERR_ARGUMENT, "a");
}

Test(lake, deletion_vectors_merge_on_read)
{
    ok("CREATE TABLE dv (id BIGINT, v STRING) TBLPROPERTIES ('delta.enableDeletionVectors' = "
       "'true')");
    ok("INSERT INTO dv SELECT id, concat('v', id) FROM range(1000)");
    ok("INSERT INTO dv SELECT id, concat('w', id) FROM range(1000, 1100)");
    expect("DELETE FROM dv WHERE id % 100 = 13", "11\n");
    char *h = q("DESCRIBE HISTORY dv LIMIT 1");
    cr_assert(strstr(h, "\"numCopiedRows\":\"0\""), "no row copied: %s", h);
    cr_assert(strstr(h, "\"numDeletionVectorsAdded\":\"2\""), "%s", h);
    st_free(h);
    expect("UPDATE dv SET v = 'upd' WHERE id IN (1, 1050)", "2\n");
    ok("MERGE INTO dv USING (SELECT 2 AS id, 'm' AS v UNION ALL SELECT 5000, 'n') s "
       "ON dv.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
    expect("SELECT count(*), sum(id) FROM dv", "1090|603807\n");
    expect("SELECT v FROM dv WHERE id IN (1, 2, 13, 1050, 5000)", "m\nn\nupd\nupd\n");
    /* Deleting the rest of the second file removes it. */
    ok("DELETE FROM dv WHERE id >= 1000 AND id < 1100");
    expect("SELECT count(*) FROM dv WHERE id >= 1000 AND id < 2000", "0\n");
    char *d = q("DESCRIBE DETAIL dv");
    cr_assert(strstr(d, "deletionVectors") || strstr(d, "|3|7"), "%s", d);
    st_free(d);
}

Test(lake, copy_on_write_when_deletion_vectors_are_off)
{
    ok("SET spark.databricks.delta.properties.defaults.enableDeletionVectors = false");
    ok("CREATE TABLE cow (id BIGINT, v STRING)");
    ok("INSERT INTO cow SELECT id, 'v' FROM range(100)");
    expect("UPDATE cow SET v = 'u' WHERE id < 10", "10\n");
    expect("DELETE FROM cow WHERE id >= 90", "10\n");
    char *h = q("DESCRIBE HISTORY cow LIMIT 1");
    cr_assert(strstr(h, "\"numCopiedRows\":\"90\""), "rewritten: %s", h);
    cr_assert(strstr(h, "\"numDeletionVectorsAdded\":\"0\""), "%s", h);
    st_free(h);
    char *p = q("SHOW TBLPROPERTIES cow");
    cr_assert(strstr(p, "delta.enableDeletionVectors|false"), "%s", p);
    st_free(p);
    expect("SELECT v, count(*) FROM cow GROUP BY v", "u|10\nv|80\n");
}

Test(lake, external_file_tables)
{
    FILE *f = fopen("people.csv", "w");
    cr_assert(f);
    fprintf(f, "name;age\nann;31\nbob;42\n");
    fclose(f);
    ok("CREATE TABLE people USING CSV OPTIONS (header 'true', sep ';') LOCATION 'people.csv'");
    expect("SELECT name, age + 1 FROM people", "ann|32\nbob|43\n");
    expect("SHOW TABLES", "default|people|false\n");
    fails("UPDATE people SET age = 1", ST_ERR_UNSUPPORTED, "Delta");
    fails("CREATE TABLE p2 USING PARQUET", ST_ERR_ARGUMENT, "LOCATION");
    ok("DROP TABLE people");
    cr_assert_eq(access("people.csv", F_OK), 0, "external data kept");
}
