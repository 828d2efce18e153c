/* catalog_test.c -- the metastore (src/catalog): opening a warehouse (folder,
** database in WAL mode, default catalog and schema), catalogs, schemas,
** tables and views with their create/drop/replace/if-exists semantics and
** error messages, SHOW ... LIKE matching, managed locations and the deletion
** of managed (never external) data, rename, update, lookup by location, name
** rules, persistence across reopen, and two processes racing to create the
** same tables in a new warehouse. Every test works in its own mkdtemp folder. */
#include <criterion/criterion.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "test_util.h"

static bool exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "cannot create %s", path);
    fputs("x", f);
    fclose(f);
}

static void mkdirs(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    cr_assert_eq(system(cmd), 0);
}

/* A warehouse in a fresh temporary folder; *root receives the folder to remove. */
static cat_db *open_wh(char **root)
{
    *root = tu_tmp_dir("cat");
    char wh[300];
    snprintf(wh, sizeof wh, "%s/wh", *root);
    cat_db *db = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(cat_open(wh, &db, &err), ST_OK, "%s", err.msg);
    return db;
}

static void close_wh(cat_db *db, char *root)
{
    cat_close(db);
    tu_rm_rf(root);
    free(root);
}

/* Creates c.s.n as a managed Delta table at its managed location, with a
** data file inside so that deletion is visible. Returns the location (arena). */
static const char *make_managed(cat_db *db, st_arena *a, const char *c, const char *s,
                                const char *n)
{
    st_error err;
    const char *loc;
    cr_assert_eq(cat_managed_location(db, c, s, n, a, &loc, &err), ST_OK, "%s", err.msg);
    mkdirs(loc);
    char f[600];
    snprintf(f, sizeof f, "%s/part-0.parquet", loc);
    touch(f);
    cat_table t = { .catalog = c, .schema = s, .name = n, .type = CAT_MANAGED,
                    .format = "delta", .location = loc };
    bool created = false;
    cr_assert_eq(cat_table_create(db, &t, false, false, &created, &err), ST_OK, "%s", err.msg);
    cr_assert(created);
    return loc;
}

static void make_view(cat_db *db, const char *c, const char *s, const char *n, const char *sql)
{
    st_error err;
    cat_table t = { .catalog = c, .schema = s, .name = n, .type = CAT_VIEW, .view_sql = sql,
                    .options_json = "{\"columns\":[\"a\"]}" };
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_OK, "%s", err.msg);
}

Test(catalog, open_creates_defaults)
{
    char *root = tu_tmp_dir("cat");
    char wh[300], dbf[320];
    snprintf(wh, sizeof wh, "%s/a/b/wh/", root);            /* nested, trailing slash */
    snprintf(dbf, sizeof dbf, "%s/a/b/wh/metastore.db", root);
    cat_db *db;
    st_error err;
    cr_assert_eq(cat_open(wh, &db, &err), ST_OK, "%s", err.msg);
    char want[300];
    snprintf(want, sizeof want, "%s/a/b/wh", root);
    cr_assert_str_eq(cat_warehouse(db), want);
    cr_assert(exists(dbf));

    st_arena *a = st_arena_new(0);
    cat_object o;
    cr_assert_eq(cat_catalog_get(db, "main", a, &o, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(o.name, "main");
    cr_assert_str_eq(o.props_json, "{}");
    cr_assert_null(o.location);
    cr_assert_eq(cat_schema_get(db, "MAIN", "Default", a, &o, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(o.catalog, "main");
    cr_assert_str_eq(o.name, "default");
    cr_assert(o.created_ms > 1600000000000LL);
    const char *user = getenv("USER");
    if (user && *user)
        cr_assert_str_eq(o.owner, user);
    cat_close(db);

    /* The database is in WAL mode and records its schema version. */
    sqlite3 *raw;
    cr_assert_eq(sqlite3_open_v2(dbf, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    cr_assert_eq(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(raw);

    /* cat_open against a relative path resolves it against the current folder. */
    char cwd[1024];
    cr_assert(getcwd(cwd, sizeof cwd) != NULL);
    cr_assert_eq(chdir(root), 0);
    cr_assert_eq(cat_open("./rel//wh2", &db, &err), ST_OK, "%s", err.msg);
    snprintf(want, sizeof want, "%s/rel/wh2", root);
    cr_assert_str_eq(cat_warehouse(db), want);
    cat_close(db);
    cr_assert_eq(chdir(cwd), 0);
    st_arena_free(a);
    tu_rm_rf(root);
    free(root);
}

Test(catalog, open_refuses_newer_schema)
{
    char *root;
    cat_db *db = open_wh(&root);
    char dbf[400];
    snprintf(dbf, sizeof dbf, "%s/metastore.db", cat_warehouse(db));
    char wh[300];
    snprintf(wh, sizeof wh, "%s", cat_warehouse(db));
    cat_close(db);
    sqlite3 *raw;
    cr_assert_eq(sqlite3_open(dbf, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    st_error err;
    cr_assert_eq(cat_open(wh, &db, &err), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "schema version 99") != NULL, "%s", err.msg);
    cr_assert_null(db);
    tu_rm_rf(root);
    free(root);
}

Test(catalog, catalogs)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    cr_assert_eq(cat_catalog_create(db, "Sales", "money", NULL, false, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(cat_catalog_create(db, "sales", NULL, NULL, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "catalog sales already exists");
    cr_assert_eq(cat_catalog_create(db, "SALES", NULL, NULL, true, &err), ST_OK);
    cr_assert_eq(cat_catalog_create(db, "hr", NULL, "/tmp/somewhere/", false, &err), ST_OK);

    cat_object o;
    cr_assert_eq(cat_catalog_get(db, "sales", a, &o, &err), ST_OK);
    cr_assert_str_eq(o.comment, "money");
    cr_assert_eq(cat_catalog_get(db, "hr", a, &o, &err), ST_OK);
    cr_assert_str_eq(o.location, "/tmp/somewhere");
    /* A new catalog gets its schema `default`. */
    cr_assert_eq(cat_schema_get(db, "sales", "default", a, &o, &err), ST_OK, "%s", err.msg);

    cat_object *list;
    int n;
    cr_assert_eq(cat_catalog_list(db, NULL, a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(list[0].name, "hr");
    cr_assert_str_eq(list[1].name, "main");
    cr_assert_str_eq(list[2].name, "sales");
    cr_assert_eq(cat_catalog_list(db, "s*|H_", a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(list[0].name, "hr");
    cr_assert_str_eq(list[1].name, "sales");

    cr_assert_eq(cat_catalog_set_comment(db, "sales", "", &err), ST_OK);
    cr_assert_eq(cat_catalog_get(db, "sales", a, &o, &err), ST_OK);
    cr_assert_null(o.comment);
    cr_assert_eq(cat_catalog_set_comment(db, "x", "c", &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "catalog x not found");

    cr_assert_eq(cat_catalog_get(db, "x", a, &o, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "catalog x not found");
    cr_assert_eq(cat_catalog_drop(db, "x", false, false, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "catalog x not found");
    cr_assert_eq(cat_catalog_drop(db, "x", true, false, &err), ST_OK);

    /* Not empty: another schema, or a table in default. */
    cr_assert_eq(cat_schema_create(db, "sales", "eu", NULL, NULL, NULL, false, &err), ST_OK);
    cr_assert_eq(cat_catalog_drop(db, "sales", false, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "catalog sales is not empty (1 schema); use CASCADE");
    cr_assert_eq(cat_schema_drop(db, "sales", "eu", false, false, &err), ST_OK, "%s", err.msg);
    make_view(db, "sales", "default", "v", "SELECT 1");
    cr_assert_eq(cat_catalog_drop(db, "sales", false, false, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "catalog sales is not empty") != NULL, "%s", err.msg);
    cr_assert_eq(cat_table_drop(db, "sales", "default", "v", true, false, &err), ST_OK);
    /* Empty apart from `default`: no CASCADE needed. */
    cr_assert_eq(cat_catalog_drop(db, "sales", false, false, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cat_catalog_get(db, "sales", a, &o, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(cat_schema_get(db, "sales", "default", a, &o, &err), ST_ERR_NOTFOUND);
    /* main may be dropped like any other. */
    cr_assert_eq(cat_catalog_drop(db, "main", false, false, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cat_catalog_list(db, NULL, a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 1);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, schemas)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    cr_assert_eq(cat_schema_create(db, "main", "Sales", "the sales", NULL, "{\"k\":\"v\"}",
                                   false, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cat_schema_create(db, "main", "sales", NULL, NULL, NULL, false, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "schema main.sales already exists");
    cr_assert_eq(cat_schema_create(db, "main", "sales", NULL, NULL, NULL, true, &err), ST_OK);
    cr_assert_eq(cat_schema_create(db, "nope", "s", NULL, NULL, NULL, false, &err),
                 ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "catalog nope not found");
    cr_assert_eq(cat_schema_create(db, "main", "bad", NULL, NULL, "[1]", false, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(cat_schema_create(db, "main", "bad", NULL, NULL, "{oops", false, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(cat_schema_create(db, "main", "hr", NULL, NULL, NULL, false, &err), ST_OK);

    cat_object o;
    cr_assert_eq(cat_schema_get(db, "main", "SALES", a, &o, &err), ST_OK);
    cr_assert_str_eq(o.comment, "the sales");
    cr_assert_str_eq(o.props_json, "{\"k\":\"v\"}");
    cr_assert_eq(cat_schema_get(db, "main", "nope", a, &o, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "schema main.nope not found");
    cr_assert_eq(cat_schema_set_comment(db, "main", "sales", "new", &err), ST_OK);
    cr_assert_eq(cat_schema_get(db, "main", "sales", a, &o, &err), ST_OK);
    cr_assert_str_eq(o.comment, "new");

    cat_object *list;
    int n;
    cr_assert_eq(cat_schema_list(db, "main", NULL, a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(list[0].name, "default");
    cr_assert_str_eq(list[1].name, "hr");
    cr_assert_str_eq(list[2].name, "sales");
    cr_assert_eq(cat_schema_list(db, "main", "SAL%", a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(list[0].name, "sales");
    cr_assert_eq(cat_schema_list(db, "zz", NULL, a, &list, &n, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "catalog zz not found");

    make_view(db, "main", "sales", "v1", "SELECT 1");
    make_view(db, "main", "sales", "v2", "SELECT 2");
    cr_assert_eq(cat_schema_drop(db, "main", "sales", false, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "schema main.sales is not empty (2 tables); use CASCADE");
    cr_assert_eq(cat_schema_drop(db, "main", "hr", false, false, &err), ST_OK);
    cr_assert_eq(cat_schema_drop(db, "main", "hr", false, false, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "schema main.hr not found");
    cr_assert_eq(cat_schema_drop(db, "main", "hr", true, false, &err), ST_OK);
    cr_assert_eq(cat_schema_drop(db, "main", "sales", false, true, &err), ST_OK, "%s", err.msg);
    cat_table t;
    cr_assert_eq(cat_table_get(db, "main", "sales", "v1", a, &t, &err), ST_ERR_NOTFOUND);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, tables_and_views)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    const char *loc = make_managed(db, a, "main", "default", "Orders");
    char want[400];
    snprintf(want, sizeof want, "%s/main/default/orders", cat_warehouse(db));
    cr_assert_str_eq(loc, want);

    cat_table t;
    cr_assert_eq(cat_table_get(db, "MAIN", "DEFAULT", "orders", a, &t, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_str_eq(t.catalog, "main");
    cr_assert_str_eq(t.schema, "default");
    cr_assert_str_eq(t.name, "orders");
    cr_assert_eq(t.type, CAT_MANAGED);
    cr_assert_str_eq(t.format, "delta");
    cr_assert_str_eq(t.location, want);
    cr_assert_null(t.view_sql);
    cr_assert_null(t.comment);
    cr_assert_str_eq(t.options_json, "{}");
    cr_assert_null(t.schema_json);
    cr_assert(t.id > 0);
    int64_t id = t.id;

    /* Already exists / if not exists / replace. */
    cat_table ext = { .catalog = "main", .schema = "default", .name = "orders",
                      .type = CAT_EXTERNAL, .format = "CSV", .location = "/data/orders.csv/",
                      .comment = "ext", .options_json = "{\"header\":\"true\"}",
                      .schema_json = "{\"type\":\"struct\",\"fields\":[]}" };
    bool created = true;
    cr_assert_eq(cat_table_create(db, &ext, false, false, &created, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "table main.default.orders already exists");
    cr_assert_not(created);
    cr_assert_eq(cat_table_create(db, &ext, false, true, &created, &err), ST_OK);
    cr_assert_not(created);
    cr_assert_eq(cat_table_get(db, "main", "default", "orders", a, &t, &err), ST_OK);
    cr_assert_eq(t.type, CAT_MANAGED);
    cr_assert_eq(cat_table_create(db, &ext, true, false, &created, &err), ST_OK, "%s", err.msg);
    cr_assert(created);
    cr_assert_eq(cat_table_get(db, "main", "default", "orders", a, &t, &err), ST_OK);
    cr_assert_eq(t.id, id);
    cr_assert_eq(t.type, CAT_EXTERNAL);
    cr_assert_str_eq(t.format, "csv");
    cr_assert_str_eq(t.location, "/data/orders.csv");
    cr_assert_str_eq(t.comment, "ext");
    cr_assert_str_eq(t.options_json, "{\"header\":\"true\"}");
    cr_assert_str_eq(t.schema_json, "{\"type\":\"struct\",\"fields\":[]}");
    /* replace left the managed data alone */
    cr_assert(exists(loc));

    make_view(db, "main", "default", "v_orders", "SELECT * FROM orders");
    cr_assert_eq(cat_table_get(db, "main", "default", "V_ORDERS", a, &t, &err), ST_OK);
    cr_assert_eq(t.type, CAT_VIEW);
    cr_assert_null(t.format);
    cr_assert_null(t.location);
    cr_assert_str_eq(t.view_sql, "SELECT * FROM orders");
    cr_assert_str_eq(t.options_json, "{\"columns\":[\"a\"]}");
    cat_table v2 = { .catalog = "main", .schema = "default", .name = "v_orders",
                     .type = CAT_VIEW, .view_sql = "SELECT 1" };
    cr_assert_eq(cat_table_create(db, &v2, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "view main.default.v_orders already exists");
    cat_table nosql = { .catalog = "main", .schema = "default", .name = "v3", .type = CAT_VIEW };
    cr_assert_eq(cat_table_create(db, &nosql, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cat_table noloc = { .catalog = "main", .schema = "default", .name = "t3",
                        .type = CAT_EXTERNAL };
    cr_assert_eq(cat_table_create(db, &noloc, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cat_table badopt = ext;
    badopt.name = "t4";
    badopt.options_json = "not json";
    cr_assert_eq(cat_table_create(db, &badopt, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cat_table noschema = ext;
    noschema.schema = "nope";
    cr_assert_eq(cat_table_create(db, &noschema, false, false, NULL, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "schema main.nope not found");

    make_managed(db, a, "main", "default", "customers");
    cat_table *list;
    int n;
    cr_assert_eq(cat_table_list(db, "main", "default", NULL, false, a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(list[0].name, "customers");
    cr_assert_str_eq(list[1].name, "orders");
    cr_assert_str_eq(list[2].name, "v_orders");
    cr_assert_eq(cat_table_list(db, "main", "default", NULL, true, a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(list[0].name, "v_orders");
    cr_assert_eq(cat_table_list(db, "main", "default", "*ORD*", false, a, &list, &n, &err),
                 ST_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(cat_table_list(db, "main", "default", "cust*|orders", false, a, &list, &n,
                                &err), ST_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(list[0].name, "customers");
    cr_assert_str_eq(list[1].name, "orders");
    cr_assert_eq(cat_table_list(db, "main", "nope", NULL, false, a, &list, &n, &err),
                 ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "schema main.nope not found");

    cr_assert_eq(cat_table_get(db, "main", "default", "missing", a, &t, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "table main.default.missing not found");
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, drop_table_and_view)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    const char *m = make_managed(db, a, "main", "default", "m");
    char ext_dir[400];
    snprintf(ext_dir, sizeof ext_dir, "%s/external/e", root);
    mkdirs(ext_dir);
    cat_table e = { .catalog = "main", .schema = "default", .name = "e", .type = CAT_EXTERNAL,
                    .format = "parquet", .location = ext_dir };
    cr_assert_eq(cat_table_create(db, &e, false, false, NULL, &err), ST_OK, "%s", err.msg);
    make_view(db, "main", "default", "v", "SELECT 1");

    cr_assert_eq(cat_table_drop(db, "main", "default", "m", true, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "main.default.m is a table, use DROP TABLE");
    cr_assert_eq(cat_table_drop(db, "main", "default", "v", false, false, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "main.default.v is a view, use DROP VIEW");
    cr_assert(exists(m));

    cr_assert_eq(cat_table_drop(db, "main", "default", "M", false, false, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_not(exists(m));
    cr_assert_eq(cat_table_drop(db, "main", "default", "e", false, false, &err), ST_OK);
    cr_assert(exists(ext_dir));
    cr_assert_eq(cat_table_drop(db, "main", "default", "v", true, false, &err), ST_OK);
    cat_table t;
    cr_assert_eq(cat_table_get(db, "main", "default", "v", a, &t, &err), ST_ERR_NOTFOUND);

    cr_assert_eq(cat_table_drop(db, "main", "default", "m", false, false, &err),
                 ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "table main.default.m not found");
    cr_assert_eq(cat_table_drop(db, "main", "default", "v", true, false, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "view main.default.v not found");
    cr_assert_eq(cat_table_drop(db, "main", "default", "m", false, true, &err), ST_OK);
    cr_assert_eq(cat_table_drop(db, "main", "nope", "m", false, true, &err), ST_OK);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, cascade_deletes_managed_only)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    cr_assert_eq(cat_catalog_create(db, "lake", NULL, NULL, false, &err), ST_OK);
    cr_assert_eq(cat_schema_create(db, "lake", "s1", NULL, NULL, NULL, false, &err), ST_OK);
    cr_assert_eq(cat_schema_create(db, "lake", "s2", NULL, NULL, NULL, false, &err), ST_OK);
    const char *m1 = make_managed(db, a, "lake", "s1", "a");
    const char *m2 = make_managed(db, a, "lake", "s1", "b");
    const char *m3 = make_managed(db, a, "lake", "s2", "c");
    const char *m4 = make_managed(db, a, "lake", "default", "d");
    char ext_dir[400];
    snprintf(ext_dir, sizeof ext_dir, "%s/external/x", root);
    mkdirs(ext_dir);
    cat_table e = { .catalog = "lake", .schema = "s1", .name = "x", .type = CAT_EXTERNAL,
                    .format = "delta", .location = ext_dir };
    cr_assert_eq(cat_table_create(db, &e, false, false, NULL, &err), ST_OK);
    make_view(db, "lake", "s1", "v", "SELECT 1");

    cr_assert_eq(cat_schema_drop(db, "lake", "s1", false, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "schema lake.s1 is not empty (4 tables); use CASCADE");
    cr_assert(exists(m1));
    cr_assert_eq(cat_schema_drop(db, "lake", "s1", false, true, &err), ST_OK, "%s", err.msg);
    cr_assert_not(exists(m1));
    cr_assert_not(exists(m2));
    cr_assert(exists(ext_dir));
    cr_assert(exists(m3));
    cat_table t;
    cr_assert_eq(cat_table_get(db, "lake", "s1", "x", a, &t, &err), ST_ERR_NOTFOUND);

    cr_assert_eq(cat_catalog_drop(db, "lake", false, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "catalog lake is not empty (1 schema); use CASCADE");
    cr_assert_eq(cat_catalog_drop(db, "lake", false, true, &err), ST_OK, "%s", err.msg);
    cr_assert_not(exists(m3));
    cr_assert_not(exists(m4));
    cr_assert(exists(ext_dir));
    char lake_dir[400];
    snprintf(lake_dir, sizeof lake_dir, "%s/lake", cat_warehouse(db));
    cr_assert_not(exists(lake_dir));
    cat_object o;
    cr_assert_eq(cat_schema_get(db, "lake", "s2", a, &o, &err), ST_ERR_NOTFOUND);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, managed_location)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    const char *wh = cat_warehouse(db);
    const char *loc;
    char want[500];
    cr_assert_eq(cat_managed_location(db, "Main", "Default", "T", a, &loc, &err), ST_OK);
    snprintf(want, sizeof want, "%s/main/default/t", wh);
    cr_assert_str_eq(loc, want);
    cr_assert_not(exists(loc));                               /* nothing is created */

    /* An existing empty folder is fine; a non-empty one gets a suffix. */
    mkdirs(want);
    cr_assert_eq(cat_managed_location(db, "main", "default", "t", a, &loc, &err), ST_OK);
    cr_assert_str_eq(loc, want);
    char f[600];
    snprintf(f, sizeof f, "%s/stray", want);
    touch(f);
    cr_assert_eq(cat_managed_location(db, "main", "default", "t", a, &loc, &err), ST_OK);
    cr_assert_eq(strlen(loc), strlen(want) + 9, "%s", loc);
    cr_assert_eq(strncmp(loc, want, strlen(want)), 0);
    cr_assert_eq(loc[strlen(want)], '-');
    for (size_t i = strlen(want) + 1; loc[i]; i++)
        cr_assert(strchr("0123456789abcdef", loc[i]) != NULL, "%s", loc);

    /* A folder named by another entry (here an external table) gets a suffix too. */
    char u[500];
    snprintf(u, sizeof u, "%s/main/default/u", wh);
    cat_table e = { .catalog = "main", .schema = "default", .name = "other",
                    .type = CAT_EXTERNAL, .format = "delta", .location = u };
    cr_assert_eq(cat_table_create(db, &e, false, false, NULL, &err), ST_OK);
    cr_assert_eq(cat_managed_location(db, "main", "default", "u", a, &loc, &err), ST_OK);
    cr_assert_str_neq(loc, u);
    cr_assert_eq(strncmp(loc, u, strlen(u)), 0);

    /* MANAGED LOCATION of a schema, then of a catalog. */
    char sl[400], cl[400];
    snprintf(sl, sizeof sl, "%s/sloc", root);
    snprintf(cl, sizeof cl, "%s/cloc", root);
    cr_assert_eq(cat_schema_create(db, "main", "s", NULL, sl, NULL, false, &err), ST_OK);
    cr_assert_eq(cat_managed_location(db, "main", "s", "t", a, &loc, &err), ST_OK);
    snprintf(want, sizeof want, "%s/t", sl);
    cr_assert_str_eq(loc, want);
    cr_assert_eq(cat_catalog_create(db, "c2", NULL, cl, false, &err), ST_OK);
    cr_assert_eq(cat_managed_location(db, "c2", "default", "t", a, &loc, &err), ST_OK);
    snprintf(want, sizeof want, "%s/default/t", cl);
    cr_assert_str_eq(loc, want);

    /* Tables under a MANAGED LOCATION are dropped with their data. */
    const char *ml = make_managed(db, a, "main", "s", "t");
    cr_assert_eq(strncmp(ml, sl, strlen(sl)), 0);
    cr_assert_eq(cat_table_drop(db, "main", "s", "t", false, false, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_not(exists(ml));

    cr_assert_eq(cat_managed_location(db, "main", "nope", "t", a, &loc, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "schema main.nope not found");
    cr_assert_eq(cat_managed_location(db, "main", "default", "a/b", a, &loc, &err),
                 ST_ERR_ARGUMENT);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, managed_outside_warehouse_refused)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_error err;
    char out[400];
    snprintf(out, sizeof out, "%s/elsewhere/t", root);
    cat_table t = { .catalog = "main", .schema = "default", .name = "t", .type = CAT_MANAGED,
                    .format = "delta", .location = out };
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "not below the warehouse") != NULL, "%s", err.msg);
    /* Not the warehouse itself, nor its metastore, nor an ancestor. */
    t.location = cat_warehouse(db);
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_ERR_ARGUMENT);
    char dbf[400];
    snprintf(dbf, sizeof dbf, "%s/metastore.db", cat_warehouse(db));
    t.location = dbf;
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_ERR_ARGUMENT);
    t.location = root;
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_ERR_ARGUMENT);
    /* A location with ".." is cleaned before the check. */
    char sneaky[500];
    snprintf(sneaky, sizeof sneaky, "%s/main/../../elsewhere/t", cat_warehouse(db));
    t.location = sneaky;
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_ERR_ARGUMENT);
    /* Two managed tables cannot share a folder. */
    char in[400];
    snprintf(in, sizeof in, "%s/main/default/t", cat_warehouse(db));
    t.location = in;
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_OK, "%s", err.msg);
    t.name = "t2";
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "already used by main.default.t") != NULL, "%s", err.msg);
    /* The same location is fine for an external table (DROP keeps its data). */
    t.type = CAT_EXTERNAL;
    cr_assert_eq(cat_table_create(db, &t, false, false, NULL, &err), ST_OK, "%s", err.msg);
    close_wh(db, root);
}

Test(catalog, rename)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    const char *loc = make_managed(db, a, "main", "default", "t");
    make_view(db, "main", "default", "v", "SELECT 1");
    cr_assert_eq(cat_schema_create(db, "main", "s2", NULL, NULL, NULL, false, &err), ST_OK);
    cat_table t;
    cr_assert_eq(cat_table_get(db, "main", "default", "t", a, &t, &err), ST_OK);
    int64_t id = t.id;

    cr_assert_eq(cat_table_rename(db, "main", "default", "T", NULL, "T2", &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(cat_table_get(db, "main", "default", "t", a, &t, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(cat_table_get(db, "main", "default", "t2", a, &t, &err), ST_OK);
    cr_assert_eq(t.id, id);
    cr_assert_str_eq(t.location, loc);                       /* the data does not move */
    cr_assert(exists(loc));

    cr_assert_eq(cat_table_rename(db, "main", "default", "t2", "S2", "t3", &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(cat_table_get(db, "main", "s2", "t3", a, &t, &err), ST_OK);
    cr_assert_eq(t.id, id);
    cr_assert_str_eq(t.schema, "s2");

    cr_assert_eq(cat_table_rename(db, "main", "default", "v", "s2", "t3", &err),
                 ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "table main.s2.t3 already exists");
    cr_assert_eq(cat_table_rename(db, "main", "default", "v", "nope", "v", &err),
                 ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "schema main.nope not found");
    cr_assert_eq(cat_table_rename(db, "main", "default", "zz", NULL, "yy", &err),
                 ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "table main.default.zz not found");
    cr_assert_eq(cat_table_rename(db, "main", "default", "v", NULL, "a.b", &err),
                 ST_ERR_ARGUMENT);
    /* Renaming to the same name is a no-op. */
    cr_assert_eq(cat_table_rename(db, "main", "default", "v", NULL, "V", &err), ST_OK);

    /* A table renamed into another schema is still dropped with its data. */
    cr_assert_eq(cat_table_drop(db, "main", "s2", "t3", false, false, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_not(exists(loc));
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, update)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    cat_table e = { .catalog = "main", .schema = "default", .name = "e", .type = CAT_EXTERNAL,
                    .format = "csv", .location = "/data/e", .comment = "first",
                    .options_json = "{\"sep\":\",\"}" };
    cr_assert_eq(cat_table_create(db, &e, false, false, NULL, &err), ST_OK);
    make_view(db, "main", "default", "v", "SELECT 1");

    cr_assert_eq(cat_table_update(db, "main", "default", "E", "second", NULL, NULL, NULL, NULL,
                                  &err), ST_OK, "%s", err.msg);
    cat_table t;
    cr_assert_eq(cat_table_get(db, "main", "default", "e", a, &t, &err), ST_OK);
    cr_assert_str_eq(t.comment, "second");
    cr_assert_str_eq(t.options_json, "{\"sep\":\",\"}");
    cr_assert_str_eq(t.location, "/data/e");

    cr_assert_eq(cat_table_update(db, "main", "default", "e", "", "{\"sep\":\";\"}",
                                  "{\"type\":\"struct\",\"fields\":[]}", "/data/e2/", NULL,
                                  &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cat_table_get(db, "main", "default", "e", a, &t, &err), ST_OK);
    cr_assert_null(t.comment);
    cr_assert_str_eq(t.options_json, "{\"sep\":\";\"}");
    cr_assert_str_eq(t.schema_json, "{\"type\":\"struct\",\"fields\":[]}");
    cr_assert_str_eq(t.location, "/data/e2");

    cr_assert_eq(cat_table_update(db, "main", "default", "v", NULL, NULL, NULL, NULL,
                                  "SELECT 2", &err), ST_OK);
    cr_assert_eq(cat_table_get(db, "main", "default", "v", a, &t, &err), ST_OK);
    cr_assert_str_eq(t.view_sql, "SELECT 2");
    cr_assert_eq(cat_table_update(db, "main", "default", "e", NULL, NULL, NULL, NULL,
                                  "SELECT 2", &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "table main.default.e is not a view");
    cr_assert_eq(cat_table_update(db, "main", "default", "e", NULL, "[", NULL, NULL, NULL, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(cat_table_update(db, "main", "default", "nope", "c", NULL, NULL, NULL, NULL,
                                  &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "table main.default.nope not found");
    /* A managed table cannot be pointed outside the warehouse. */
    make_managed(db, a, "main", "default", "m");
    cr_assert_eq(cat_table_update(db, "main", "default", "m", NULL, NULL, NULL, "/data/m",
                                  NULL, &err), ST_ERR_ARGUMENT);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, by_location)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    const char *loc = make_managed(db, a, "main", "default", "t");
    cat_table t;
    cr_assert_eq(cat_table_by_location(db, loc, a, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(t.name, "t");
    char slash[500];
    snprintf(slash, sizeof slash, "%s/", loc);
    cr_assert_eq(cat_table_by_location(db, slash, a, &t, &err), ST_OK);
    cr_assert_str_eq(t.name, "t");
    cr_assert_eq(cat_table_by_location(db, "/no/such/place", a, &t, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "no table has location \"/no/such/place\"");
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, name_validation)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    cr_assert_eq(cat_schema_create(db, "main", "a/b", NULL, NULL, NULL, false, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "invalid schema name \"a/b\": a name cannot contain '/'");
    cr_assert_eq(cat_schema_create(db, "main", "a.b", NULL, NULL, NULL, false, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "invalid schema name \"a.b\": a name part cannot contain '.'");
    cr_assert_eq(cat_catalog_create(db, "", NULL, NULL, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "invalid catalog name \"\": a name cannot be empty");
    cr_assert_eq(cat_catalog_create(db, NULL, NULL, NULL, false, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(cat_catalog_create(db, "a\nb", NULL, NULL, false, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "invalid catalog name: it contains control character 0x0a");
    cr_assert_eq(cat_catalog_create(db, "a\x7f", NULL, NULL, false, &err), ST_ERR_ARGUMENT);
    char longname[300];
    memset(longname, 'x', 299);
    longname[299] = '\0';
    cr_assert_eq(cat_catalog_create(db, longname, NULL, NULL, false, &err), ST_ERR_ARGUMENT);
    cat_table v = { .catalog = "main", .schema = "default", .name = "x/y", .type = CAT_VIEW,
                    .view_sql = "SELECT 1" };
    cr_assert_eq(cat_table_create(db, &v, false, false, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "invalid view name \"x/y\": a name cannot contain '/'");

    /* Spaces, unicode and mixed case are fine; stored lowercase (ASCII). */
    cr_assert_eq(cat_schema_create(db, "main", "My Schema_é", NULL, NULL, NULL, false, &err),
                 ST_OK, "%s", err.msg);
    cat_object o;
    cr_assert_eq(cat_schema_get(db, "main", "MY SCHEMA_é", a, &o, &err), ST_OK);
    cr_assert_str_eq(o.name, "my schema_é");

    /* A name that cannot exist is simply not found on lookups and drops. */
    cat_table t;
    cr_assert_eq(cat_table_get(db, "main", "default", "a/b", a, &t, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "table main.default.a/b not found");
    cr_assert_eq(cat_table_drop(db, "main", "default", "a.b", false, true, &err), ST_OK);
    cr_assert_eq(cat_schema_get(db, "main", "", a, &o, &err), ST_ERR_NOTFOUND);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, reopen_persists)
{
    char *root;
    cat_db *db = open_wh(&root);
    st_arena *a = st_arena_new(0);
    st_error err;
    char wh[400];
    snprintf(wh, sizeof wh, "%s", cat_warehouse(db));
    cr_assert_eq(cat_catalog_create(db, "c", "cc", NULL, false, &err), ST_OK);
    cr_assert_eq(cat_schema_create(db, "c", "s", "ss", NULL, NULL, false, &err), ST_OK);
    make_view(db, "c", "s", "v", "SELECT 42");
    cat_table t;
    cr_assert_eq(cat_table_get(db, "c", "s", "v", a, &t, &err), ST_OK);
    int64_t id = t.id;
    cr_assert_eq(cat_catalog_drop(db, "main", false, true, &err), ST_OK);
    cat_close(db);

    cr_assert_eq(cat_open(wh, &db, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cat_table_get(db, "c", "s", "v", a, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(t.id, id);
    cr_assert_str_eq(t.view_sql, "SELECT 42");
    cat_object o;
    cr_assert_eq(cat_schema_get(db, "c", "s", a, &o, &err), ST_OK);
    cr_assert_str_eq(o.comment, "ss");
    /* A dropped `main` stays dropped: defaults are created with the database only. */
    cr_assert_eq(cat_catalog_get(db, "main", a, &o, &err), ST_ERR_NOTFOUND);
    /* Ids are not reused after a drop. */
    cr_assert_eq(cat_table_drop(db, "c", "s", "v", true, false, &err), ST_OK);
    make_view(db, "c", "s", "v", "SELECT 43");
    cr_assert_eq(cat_table_get(db, "c", "s", "v", a, &t, &err), ST_OK);
    cr_assert_gt(t.id, id);
    st_arena_free(a);
    close_wh(db, root);
}

Test(catalog, like_match)
{
    cr_assert(cat_like_match(NULL, "anything"));
    cr_assert(cat_like_match("*", "abc"));
    cr_assert(cat_like_match("*", ""));
    cr_assert(cat_like_match("abc", "ABC"));
    cr_assert(cat_like_match("A*", "abc"));
    cr_assert_not(cat_like_match("b*", "abc"));
    cr_assert(cat_like_match("*c", "abc"));
    cr_assert(cat_like_match("a*b*c", "axxbyyc"));
    cr_assert_not(cat_like_match("a*b*c", "axxbyy"));
    cr_assert(cat_like_match("a%c", "abbbc"));
    cr_assert(cat_like_match("a_c", "abc"));
    cr_assert_not(cat_like_match("a_c", "abbc"));
    cr_assert(cat_like_match("a_c", "aéc"));                 /* one character, two bytes */
    cr_assert(cat_like_match("x|ab*|y", "abz"));
    cr_assert(cat_like_match("x|ab*|y", "y"));
    cr_assert_not(cat_like_match("x|ab*|y", "z"));
    cr_assert(cat_like_match("  sales  ", "sales"));
    cr_assert_not(cat_like_match("", "a"));
    cr_assert(cat_like_match("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
    cr_assert_not(cat_like_match("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

Test(catalog, remove_tree)
{
    char *root = tu_tmp_dir("cat");
    char p[600], victim[600], link[600], target[600];
    snprintf(p, sizeof p, "%s/t/a/b/c", root);
    mkdirs(p);
    snprintf(p, sizeof p, "%s/t/a/b/c/f", root);
    touch(p);
    snprintf(p, sizeof p, "%s/t/g", root);
    touch(p);
    snprintf(target, sizeof target, "%s/keep", root);
    mkdirs(target);
    snprintf(p, sizeof p, "%s/keep/precious", root);
    touch(p);
    snprintf(link, sizeof link, "%s/t/link", root);
    cr_assert_eq(symlink(target, link), 0);
    snprintf(victim, sizeof victim, "%s/t", root);
    st_error err;
    cr_assert_eq(cat_remove_tree(victim, &err), ST_OK, "%s", err.msg);
    cr_assert_not(exists(victim));
    cr_assert(exists(p));                                     /* the link was not followed */
    cr_assert_eq(cat_remove_tree(victim, &err), ST_OK);      /* missing is fine */
    cr_assert_eq(cat_remove_tree("/", &err), ST_ERR_ARGUMENT);
    tu_rm_rf(root);
    free(root);
}

/* Child process of the race test: opens the (possibly new) warehouse and
** creates t0..t49; exits with the number of successes, or 200+ on any error
** other than "already exists". */
static void race_child(const char *wh, int go_fd)
{
    char c;
    if (read(go_fd, &c, 1) != 1)
        _exit(250);
    cat_db *db;
    st_error err;
    if (cat_open(wh, &db, &err) != ST_OK) {
        fprintf(stderr, "child open: %s\n", err.msg);
        _exit(201);
    }
    int ok = 0;
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        cat_table t = { .catalog = "main", .schema = "default", .name = name,
                        .type = CAT_VIEW, .view_sql = "SELECT 1" };
        st_status rc = cat_table_create(db, &t, false, false, NULL, &err);
        if (rc == ST_OK) {
            ok++;
        } else if (rc != ST_ERR_ARGUMENT || !strstr(err.msg, "already exists")) {
            fprintf(stderr, "child create: %s\n", err.msg);
            cat_close(db);
            _exit(202);
        }
    }
    cat_close(db);
    _exit(ok);
}

Test(catalog, concurrent_processes)
{
    char *root = tu_tmp_dir("cat");
    char wh[400];
    snprintf(wh, sizeof wh, "%s/wh", root);                  /* created by the children */
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        cr_assert(kids[k] >= 0);
        if (kids[k] == 0) {
            close(go[1]);
            race_child(wh, go[0]);
        }
    }
    close(go[0]);
    cr_assert_eq(write(go[1], "gg", 2), 2);                  /* start both at once */
    close(go[1]);
    int total = 0;
    for (int k = 0; k < 2; k++) {
        int status;
        cr_assert_eq(waitpid(kids[k], &status, 0), kids[k]);
        cr_assert(WIFEXITED(status));
        int code = WEXITSTATUS(status);
        cr_assert_leq(code, 50, "child %d failed with code %d", k, code);
        total += code;
    }
    cr_assert_eq(total, 50);

    cat_db *db;
    st_error err;
    cr_assert_eq(cat_open(wh, &db, &err), ST_OK, "%s", err.msg);
    st_arena *a = st_arena_new(0);
    cat_table *list;
    int n;
    cr_assert_eq(cat_table_list(db, "main", "default", NULL, false, a, &list, &n, &err), ST_OK);
    cr_assert_eq(n, 50);
    cat_object *cats;
    cr_assert_eq(cat_catalog_list(db, NULL, a, &cats, &n, &err), ST_OK);
    cr_assert_eq(n, 1);                                       /* `main` created exactly once */
    st_arena_free(a);
    cat_close(db);
    tu_rm_rf(root);
    free(root);
}
