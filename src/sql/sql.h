/* sql.h -- public contract of the SQL front end's first stage: the abstract
** syntax tree of strata's Spark SQL dialect and the parser that builds it.
**
** sql_parse turns a text of one or more ';'-separated statements into a
** sql_stmt_list whose every node, string and array lives in the caller's
** arena (nothing is heap-owned; free the arena to drop the tree). Names are
** kept as written (identifiers are case-preserved, quoted parts decoded); a
** dotted name a.b.c stays one SQL_E_NAME node because only the binder knows
** whether it is table.column, column.field or catalog.schema.table.
** Every node carries `pos`, the byte offset in the text where it starts, so
** later stages can point at it (sql_error_caret, sql_pos_linecol).
**
** Errors are ST_ERR_SYNTAX (or ST_ERR_LIMIT for nesting deeper than
** SQL_MAX_DEPTH, ST_ERR_NOMEM) with a message "line L, column C: ..." and the
** offending source line plus a caret line in err->hint. The lexer and
** parser are written by hand (no packaged C library parses Spark SQL);
** grammar notes are in src/sql/README.md. Callers: the binder (later), the
** CLI and the tests; sql_ast_format prints the canonical S-expression form
** the tests compare against. */
#ifndef STRATA_SQL_SQL_H
#define STRATA_SQL_SQL_H

#include "../base/base.h"
#include "../vector/vec.h"

/* Deepest nesting of expressions, queries, joins or types the parser accepts;
** bounds the C stack used here and by every later tree walk. */
#define SQL_MAX_DEPTH 1000

typedef struct sql_expr     sql_expr;
typedef struct sql_query    sql_query;
typedef struct sql_tableref sql_tableref;
typedef struct sql_window   sql_window;

/* A possibly dotted name (a, t.a, cat.db.t). */
typedef struct sql_name {
    const char **parts;      /* arena; decoded, case preserved */
    int          n_parts;
    int32_t      pos;
} sql_name;

/* A data type as written, mapped to a vector type. */
typedef struct sql_type {
    vec_type    vt;          /* STRING for varchar/char; children in the arena */
    int32_t     char_len;    /* varchar(n)/char(n): n, else -1 */
    bool        is_char;     /* char(n) rather than varchar(n) */
    int32_t     pos;
} sql_type;

typedef enum sql_expr_kind {
    SQL_E_LITERAL,    /* lit, str/str_len (text of numbers, decoded strings) */
    SQL_E_NAME,       /* name */
    SQL_E_STAR,       /* name = qualifier (n_parts 0 for a bare *) */
    SQL_E_PARAM,      /* str: NULL for ?, the name for :name */
    SQL_E_UNARY,      /* op, a */
    SQL_E_BINARY,     /* op, a, b (also IS [NOT] DISTINCT FROM) */
    SQL_E_IS,         /* op (IS_NULL, IS_TRUE, IS_FALSE), negated, a */
    SQL_E_BETWEEN,    /* negated, a BETWEEN b AND c */
    SQL_E_IN,         /* negated, a; list (values) or query */
    SQL_E_LIKE,       /* op (LIKE/ILIKE/RLIKE), negated, a, b pattern, c escape;
                      ** quant ANY/ALL: list holds the patterns, b is NULL */
    SQL_E_EXISTS,     /* query */
    SQL_E_SUBQUERY,   /* query (scalar subquery) */
    SQL_E_CASE,       /* a operand or NULL; list: when,then pairs; b: else */
    SQL_E_CAST,       /* a, type; is_try for TRY_CAST */
    SQL_E_CALL,       /* name, list args, distinct, star (f(*)), b filter,
                      ** over / over_name, nulls (null treatment) */
    SQL_E_NAMED_ARG,  /* str name, a value (name => value) */
    SQL_E_EXTRACT,    /* str field, a */
    SQL_E_SUBSCRIPT,  /* a[b] */
    SQL_E_FIELD,      /* a.str on a non-name base, e.g. f(x).y or a[0].y */
    SQL_E_LAMBDA,     /* params (name parts), a body */
    SQL_E_ROW,        /* list: a parenthesised tuple (a, b), a grouping set */
    SQL_E_GROUPING    /* op (ROLLUP/CUBE/SETS), list */
} sql_expr_kind;

typedef enum sql_lit_kind {
    SQL_LIT_NULL, SQL_LIT_TRUE, SQL_LIT_FALSE,
    SQL_LIT_INT,       /* no suffix: int, or bigint if it does not fit (binder) */
    SQL_LIT_BIGINT,    /* suffix L */
    SQL_LIT_SMALLINT,  /* suffix S */
    SQL_LIT_TINYINT,   /* suffix Y */
    SQL_LIT_DECIMAL,   /* 1.5 or suffix BD */
    SQL_LIT_DOUBLE,    /* exponent or suffix D */
    SQL_LIT_FLOAT,     /* suffix F */
    SQL_LIT_STRING,
    SQL_LIT_DATE, SQL_LIT_TIMESTAMP, SQL_LIT_TIMESTAMP_NTZ, SQL_LIT_TIMESTAMP_LTZ,
    SQL_LIT_INTERVAL   /* str value text; unit, unit_to */
} sql_lit_kind;

typedef enum sql_op {
    SQL_OP_NONE = 0,
    SQL_OP_OR, SQL_OP_AND, SQL_OP_NOT,
    SQL_OP_EQ, SQL_OP_NE, SQL_OP_LT, SQL_OP_LE, SQL_OP_GT, SQL_OP_GE,
    SQL_OP_EQ_NULLSAFE, SQL_OP_DISTINCT_FROM, SQL_OP_NOT_DISTINCT_FROM,
    SQL_OP_BIT_OR, SQL_OP_BIT_XOR, SQL_OP_BIT_AND,
    SQL_OP_SHL, SQL_OP_SHR, SQL_OP_SHRU,
    SQL_OP_ADD, SQL_OP_SUB, SQL_OP_CONCAT,
    SQL_OP_MUL, SQL_OP_DIV, SQL_OP_MOD, SQL_OP_INT_DIV,
    SQL_OP_NEG, SQL_OP_POS, SQL_OP_BIT_NOT,
    SQL_OP_IS_NULL, SQL_OP_IS_TRUE, SQL_OP_IS_FALSE, SQL_OP_IS_UNKNOWN,
    SQL_OP_LIKE, SQL_OP_ILIKE, SQL_OP_RLIKE,
    SQL_OP_ROLLUP, SQL_OP_CUBE, SQL_OP_GROUPING_SETS
} sql_op;

typedef enum sql_quant { SQL_QUANT_NONE = 0, SQL_QUANT_ANY, SQL_QUANT_ALL } sql_quant;
typedef enum sql_nulls {
    SQL_NULLS_DEFAULT = 0, SQL_NULLS_FIRST, SQL_NULLS_LAST,      /* ORDER BY */
    SQL_NULLS_IGNORE, SQL_NULLS_RESPECT                          /* functions */
} sql_nulls;

/* INTERVAL units, ordered from coarse to fine. */
typedef enum sql_unit {
    SQL_UNIT_NONE = 0, SQL_UNIT_YEAR, SQL_UNIT_MONTH, SQL_UNIT_WEEK, SQL_UNIT_DAY,
    SQL_UNIT_HOUR, SQL_UNIT_MINUTE, SQL_UNIT_SECOND, SQL_UNIT_MILLISECOND,
    SQL_UNIT_MICROSECOND
} sql_unit;

struct sql_expr {
    sql_expr_kind kind;
    int32_t       pos;       /* byte offset of the node's token: the first one, or
                             ** the operator of binary, IS, BETWEEN, IN, LIKE,
                             ** [i], .f and :: nodes */
    sql_op        op;
    sql_lit_kind  lit;       /* LITERAL */
    bool          negated;   /* NOT BETWEEN / NOT IN / NOT LIKE / IS NOT ... */
    bool          distinct;  /* CALL: f(DISTINCT ...) */
    bool          star;      /* CALL: f(*) */
    bool          is_try;    /* CAST: TRY_CAST */
    sql_quant     quant;     /* LIKE ANY/ALL */
    sql_nulls     nulls;     /* CALL: IGNORE/RESPECT NULLS */
    sql_unit      unit, unit_to; /* INTERVAL literal units (unit_to for X TO Y) */
    const char   *str;       /* arena; see kinds */
    int32_t       str_len;   /* bytes of str (strings may hold NUL) */
    sql_name      name;      /* NAME, STAR, CALL, LAMBDA params */
    sql_expr     *a, *b, *c; /* operands, see kinds */
    sql_expr    **list;      /* arena */
    int           n_list;
    sql_query    *query;     /* EXISTS, SUBQUERY, IN (subquery) */
    sql_type     *type;      /* CAST */
    sql_window   *over;      /* CALL: OVER (...) */
    const char   *over_name; /* CALL: OVER w */
};

typedef enum sql_frame_unit { SQL_FRAME_NONE = 0, SQL_FRAME_ROWS, SQL_FRAME_RANGE } sql_frame_unit;
typedef enum sql_bound_kind {
    SQL_BOUND_UNBOUNDED_PRECEDING, SQL_BOUND_PRECEDING, SQL_BOUND_CURRENT_ROW,
    SQL_BOUND_FOLLOWING, SQL_BOUND_UNBOUNDED_FOLLOWING
} sql_bound_kind;

typedef struct sql_bound {
    sql_bound_kind kind;
    sql_expr      *offset;   /* n PRECEDING / n FOLLOWING, else NULL */
} sql_bound;

typedef struct sql_order_item {
    sql_expr  *expr;
    bool       desc;
    sql_nulls  nulls;        /* DEFAULT, FIRST or LAST as written */
    int32_t    pos;
} sql_order_item;

struct sql_window {
    const char     *base;    /* OVER (w ORDER BY ...): the named base window */
    sql_expr      **partition;
    int             n_partition;
    sql_order_item *order;
    int             n_order;
    sql_frame_unit  frame;   /* NONE when no frame clause */
    sql_bound       start, end; /* end == CURRENT ROW when only a start is given */
    bool            has_end; /* BETWEEN ... AND ... written */
    int32_t         pos;
};

typedef struct sql_named_window {
    const char *name;
    sql_window *spec;
    int32_t     pos;
} sql_named_window;

typedef enum sql_tref_kind {
    SQL_T_NAME,      /* name, time travel */
    SQL_T_PATH,      /* format.`path`: str format, path */
    SQL_T_FUNC,      /* name, args (table-valued function) */
    SQL_T_QUERY,     /* query: a subquery or VALUES */
    SQL_T_JOIN       /* join, left, right, on / using */
} sql_tref_kind;

typedef enum sql_join_kind {
    SQL_JOIN_INNER, SQL_JOIN_LEFT, SQL_JOIN_RIGHT, SQL_JOIN_FULL, SQL_JOIN_CROSS,
    SQL_JOIN_SEMI, SQL_JOIN_ANTI
} sql_join_kind;

typedef enum sql_travel { SQL_TRAVEL_NONE = 0, SQL_TRAVEL_VERSION, SQL_TRAVEL_TIMESTAMP } sql_travel;

struct sql_tableref {
    sql_tref_kind  kind;
    int32_t        pos;         /* first token; a JOIN's join keyword or comma */
    sql_name       name;        /* NAME, FUNC */
    const char    *format;      /* PATH: delta, parquet, csv, json, ... (lowercase) */
    const char    *path;        /* PATH */
    sql_expr     **args;        /* FUNC (NAMED_ARG for name => value) */
    int            n_args;
    const char    *model;       /* FUNC: a leading MODEL name | 'uri' argument (ML.PREDICT,
                                ** ML.EVALUATE, ...), dotted parts joined by '.'; or NULL */
    int32_t        model_pos;
    sql_tableref  *table_arg;   /* FUNC: a TABLE t | TABLE (query) argument, or NULL */
    sql_query     *query;       /* QUERY */
    sql_travel     travel;      /* NAME: VERSION/TIMESTAMP AS OF, t@v3 */
    sql_expr      *travel_at;   /* the version or timestamp expression */
    const char    *alias;       /* or NULL */
    const char   **col_aliases; /* alias (c1, c2) */
    int            n_col_aliases;
    sql_join_kind  join;        /* JOIN */
    bool           natural;     /* NATURAL join */
    sql_tableref  *left, *right;
    sql_expr      *on;          /* JOIN ... ON */
    const char   **using_cols;  /* JOIN ... USING (a, b) */
    int            n_using;
};

typedef struct sql_select_item {
    sql_expr   *expr;        /* SQL_E_STAR for * and t.* */
    const char *alias;       /* or NULL */
    int32_t     pos;         /* first token of the item */
} sql_select_item;

typedef struct sql_cte {
    const char  *name;
    const char **cols;       /* optional column list */
    int          n_cols;
    sql_query   *query;
    int32_t      pos;        /* the CTE name */
} sql_cte;

typedef enum sql_query_kind {
    SQL_Q_SELECT,
    SQL_Q_SETOP,    /* setop, all, left, right */
    SQL_Q_VALUES,   /* rows: each a SQL_E_ROW */
    SQL_Q_NESTED    /* left: a parenthesised query that already has its own
                    ** ORDER BY/LIMIT, with this node's ORDER BY/LIMIT on top */
} sql_query_kind;

typedef enum sql_setop { SQL_SET_UNION, SQL_SET_INTERSECT, SQL_SET_EXCEPT } sql_setop;

struct sql_query {
    sql_query_kind    kind;
    int32_t           pos;        /* SELECT/VALUES keyword, set operator, or WITH */
    sql_cte          *ctes;       /* WITH list of this query */
    int               n_ctes;
    /* SELECT */
    bool              distinct;
    sql_select_item  *items;
    int               n_items;
    sql_tableref     *from;       /* comma lists become CROSS joins; NULL: none */
    sql_expr         *where;
    sql_expr        **group_by;   /* exprs, ordinals, SQL_E_GROUPING */
    int               n_group_by;
    bool              group_all;  /* GROUP BY ALL */
    sql_expr         *having;
    sql_expr         *qualify;
    sql_named_window *windows;    /* WINDOW w AS (...) */
    int               n_windows;
    /* SETOP / NESTED */
    sql_setop         setop;
    bool              all;        /* UNION ALL etc. */
    sql_query        *left, *right;
    /* VALUES */
    sql_expr        **rows;
    int               n_rows;
    /* any kind */
    sql_order_item   *order_by;
    int               n_order_by;
    sql_expr         *limit, *offset;
};

/* ---- lakehouse statements (catalog, DDL, DML, maintenance) ----------------
** Names of catalogs, schemas, tables and columns are sql_name (1..3 parts as
** written). A statement's target table is a sql_tableref of kind SQL_T_NAME
** or SQL_T_PATH (delta.`/path`), with its alias when the grammar allows one.
** Property keys are kept as written without quotes ('delta.appendOnly' and
** delta.appendOnly both give "delta.appendOnly"); values are the literal's
** text (strings decoded, TRUE/FALSE as "true"/"false", numbers as written). */

typedef enum sql_object {
    SQL_OBJ_TABLE = 0, SQL_OBJ_VIEW, SQL_OBJ_CATALOG, SQL_OBJ_SCHEMA
} sql_object;

typedef struct sql_property {
    const char *key;
    const char *value;       /* NULL: no value (UNSET TBLPROPERTIES keys) */
    int32_t     pos;
} sql_property;

typedef struct sql_column_def {
    sql_name    name;        /* one part, except ALTER TABLE ADD COLUMNS s.f */
    sql_type   *type;        /* NULL when absent (CREATE VIEW v (a, b), CTAS) */
    bool        not_null;
    const char *comment;     /* or NULL */
    sql_expr   *generated;   /* GENERATED ALWAYS AS (expr), or NULL */
    bool        identity;    /* GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(...)] */
    bool        identity_always;
    int64_t     identity_start, identity_step;  /* defaults 1, 1 */
    sql_expr   *default_value; /* DEFAULT expr, or NULL */
    const char *after;       /* ADD COLUMNS / ALTER COLUMN: AFTER col, or NULL */
    bool        first;       /* ... FIRST */
    int32_t     pos;
} sql_column_def;

/* CREATE CATALOG | SCHEMA (DATABASE) | TABLE | VIEW */
typedef struct sql_create {
    sql_object      what;
    sql_name        name;
    bool            or_replace, if_not_exists, temporary;  /* TEMP/TEMPORARY (views) */
    bool            external;        /* CREATE EXTERNAL TABLE */
    sql_column_def *cols;            /* column list; NULL/0 when none written */
    int             n_cols;
    sql_expr      **checks;          /* table-level CONSTRAINT name CHECK (expr) */
    const char    **check_names;
    int             n_checks;
    const char     *using_fmt;       /* USING x, lowercased (delta, parquet, csv,
                                     ** json); NULL when absent */
    const char    **partition_cols;  /* PARTITIONED BY (a, b) */
    int             n_partition_cols;
    sql_column_def *partition_defs;  /* PARTITIONED BY (a INT, ...) typed form; same
                                     ** count as partition_cols, or NULL */
    const char    **cluster_cols;    /* CLUSTER BY (a, b) */
    int             n_cluster_cols;
    const char     *location;        /* LOCATION 'path' (catalog/schema: MANAGED
                                     ** LOCATION too) */
    const char     *comment;         /* COMMENT '...' */
    sql_property   *props;           /* TBLPROPERTIES (...) / DBPROPERTIES */
    int             n_props;
    sql_property   *options;         /* OPTIONS (...) (file formats: header, sep...) */
    int             n_options;
    sql_query      *query;           /* AS query (CTAS, views) */
    const char     *query_text;      /* the query's source text (views) */
} sql_create;

/* DROP CATALOG | SCHEMA | TABLE | VIEW [IF EXISTS] name [CASCADE | RESTRICT] */
typedef struct sql_drop {
    sql_object  what;
    sql_name    name;
    bool        if_exists, cascade;
} sql_drop;

typedef enum sql_alter_kind {
    SQL_ALTER_ADD_COLUMNS,     /* cols */
    SQL_ALTER_DROP_COLUMNS,    /* names (each a column, maybe dotted), if_exists */
    SQL_ALTER_RENAME_COLUMN,   /* column -> new_name */
    SQL_ALTER_COLUMN,          /* column; col_action */
    SQL_ALTER_SET_PROPS,       /* props */
    SQL_ALTER_UNSET_PROPS,     /* props (keys only), if_exists */
    SQL_ALTER_ADD_CONSTRAINT,  /* constraint, check */
    SQL_ALTER_DROP_CONSTRAINT, /* constraint, if_exists */
    SQL_ALTER_RENAME_TO,       /* new_table */
    SQL_ALTER_SET_LOCATION,    /* location */
    SQL_ALTER_CLUSTER_BY,      /* cluster_cols (NONE: n 0) */
    SQL_ALTER_SET_OWNER,       /* new_name: the principal */
    SQL_ALTER_VIEW_AS          /* ALTER VIEW v AS query: query, query_text (added
                               ** with the parser) */
} sql_alter_kind;

typedef enum sql_col_action {
    SQL_COL_SET_NOT_NULL, SQL_COL_DROP_NOT_NULL, SQL_COL_COMMENT, SQL_COL_TYPE,
    SQL_COL_SET_DEFAULT, SQL_COL_DROP_DEFAULT, SQL_COL_POSITION  /* FIRST / AFTER x */
} sql_col_action;

/* ALTER TABLE | VIEW name ... */
typedef struct sql_alter {
    sql_object      what;            /* TABLE or VIEW */
    sql_name        name;
    sql_alter_kind  kind;
    sql_column_def *cols;            /* ADD COLUMNS */
    int             n_cols;
    sql_name       *names;           /* DROP COLUMNS */
    int             n_names;
    bool            if_exists;
    sql_name        column;          /* RENAME COLUMN / ALTER COLUMN */
    const char     *new_name;        /* RENAME COLUMN ... TO new_name; SET OWNER */
    sql_name        new_table;       /* RENAME TO */
    sql_col_action  col_action;
    const char     *comment;         /* SQL_COL_COMMENT */
    sql_type       *type;            /* SQL_COL_TYPE */
    sql_expr       *default_value;   /* SQL_COL_SET_DEFAULT */
    const char     *after;           /* SQL_COL_POSITION: AFTER x, or NULL with first */
    bool            first;
    sql_property   *props;           /* SET / UNSET TBLPROPERTIES */
    int             n_props;
    const char     *constraint;      /* ADD / DROP CONSTRAINT name */
    sql_expr       *check;           /* ADD CONSTRAINT name CHECK (expr) */
    const char     *location;
    const char    **cluster_cols;
    int             n_cluster_cols;
    sql_query      *query;           /* SQL_ALTER_VIEW_AS: the new definition */
    const char     *query_text;      /* SQL_ALTER_VIEW_AS: its source text */
} sql_alter;

/* INSERT INTO | OVERWRITE [TABLE] t [PARTITION (k = v, k2)] [(cols) | BY NAME]
** {query | VALUES ...} and INSERT INTO t REPLACE WHERE cond query. */
typedef struct sql_insert {
    sql_tableref   *target;
    bool            overwrite;
    sql_property   *partition;       /* PARTITION spec: key = column, value = literal
                                     ** text, or NULL for a dynamic column (k) */
    sql_expr      **partition_values;/* the literal expressions (NULL entries: dynamic) */
    int             n_partition;
    const char    **cols;            /* column list, or NULL */
    int             n_cols;
    bool            by_name;         /* BY NAME */
    sql_expr       *replace_where;   /* REPLACE WHERE cond, or NULL */
    sql_query      *query;           /* a SELECT or a VALUES query */
} sql_insert;

typedef struct sql_assign {
    sql_name    column;              /* target column (t.c, c, or s.f for a field) */
    sql_expr   *value;               /* NULL: DEFAULT */
    int32_t     pos;
} sql_assign;

/* UPDATE t [AS a] SET c = e, ... [WHERE cond] */
typedef struct sql_update {
    sql_tableref   *target;
    sql_assign     *sets;
    int             n_sets;
    sql_expr       *where;
} sql_update;

/* DELETE FROM t [AS a] [WHERE cond] */
typedef struct sql_delete {
    sql_tableref   *target;
    sql_expr       *where;
} sql_delete;

typedef enum sql_merge_match {
    SQL_MERGE_MATCHED,               /* WHEN MATCHED */
    SQL_MERGE_NOT_MATCHED,           /* WHEN NOT MATCHED [BY TARGET] */
    SQL_MERGE_NOT_MATCHED_BY_SOURCE  /* WHEN NOT MATCHED BY SOURCE */
} sql_merge_match;

typedef enum sql_merge_action {
    SQL_MERGE_UPDATE,                /* UPDATE SET sets */
    SQL_MERGE_UPDATE_STAR,           /* UPDATE SET * */
    SQL_MERGE_DELETE,
    SQL_MERGE_INSERT,                /* INSERT (cols) VALUES (values); cols may be absent */
    SQL_MERGE_INSERT_STAR            /* INSERT * */
} sql_merge_action;

typedef struct sql_merge_clause {
    sql_merge_match  match;
    sql_expr        *cond;           /* AND cond, or NULL */
    sql_merge_action action;
    sql_assign      *sets;           /* UPDATE SET */
    int              n_sets;
    const char     **insert_cols;    /* INSERT (cols); NULL when not written */
    int              n_insert_cols;
    sql_expr       **insert_values;  /* INSERT ... VALUES (...) */
    int              n_insert_values;
    int32_t          pos;            /* the WHEN keyword */
} sql_merge_clause;

/* MERGE [WITH SCHEMA EVOLUTION] INTO t [AS a] USING src [AS s] ON cond clauses */
typedef struct sql_merge {
    sql_tableref     *target;
    sql_tableref     *source;        /* a table, path or (subquery) with its alias */
    sql_expr         *on;
    sql_merge_clause *clauses;       /* in the order written */
    int               n_clauses;
    bool              schema_evolution;
} sql_merge;

/* COPY INTO t FROM 'path' FILEFORMAT = fmt [FILES = ('a', ...)] [PATTERN = 'glob']
** [FORMAT_OPTIONS (...)] [COPY_OPTIONS (...)] */
typedef struct sql_copy {
    sql_tableref   *target;
    const char     *from;            /* source folder or file */
    const char     *fileformat;      /* lowercased: csv, json, parquet, ... */
    const char    **files;
    int             n_files;
    const char     *pattern;
    sql_property   *format_options;
    int             n_format_options;
    sql_property   *copy_options;
    int             n_copy_options;
} sql_copy;

typedef enum sql_describe_kind {
    SQL_DESC_TABLE,                  /* DESCRIBE [TABLE] t [col] */
    SQL_DESC_TABLE_EXTENDED,         /* DESCRIBE [TABLE] EXTENDED t */
    SQL_DESC_HISTORY,                /* DESCRIBE HISTORY t [LIMIT n] */
    SQL_DESC_DETAIL,                 /* DESCRIBE DETAIL t */
    SQL_DESC_CATALOG,                /* DESCRIBE CATALOG [EXTENDED] c */
    SQL_DESC_SCHEMA,                 /* DESCRIBE SCHEMA|DATABASE [EXTENDED] s */
    SQL_DESC_QUERY                   /* DESCRIBE [QUERY] SELECT ... */
} sql_describe_kind;

typedef struct sql_describe {
    sql_describe_kind kind;
    bool              extended;      /* CATALOG / SCHEMA EXTENDED */
    sql_tableref     *target;        /* tables (name or path) */
    sql_name          name;          /* CATALOG / SCHEMA */
    sql_name          column;        /* DESCRIBE t col (n_parts 0: none) */
    sql_expr         *limit;         /* HISTORY LIMIT n */
    sql_query        *query;         /* QUERY */
} sql_describe;

typedef enum sql_show_kind {
    SQL_SHOW_OTHER,                  /* anything else: stmt->words */
    SQL_SHOW_CATALOGS,               /* [LIKE pattern] */
    SQL_SHOW_SCHEMAS,                /* [FROM|IN catalog] [LIKE pattern] (DATABASES too) */
    SQL_SHOW_TABLES,                 /* [FROM|IN schema] [LIKE pattern] */
    SQL_SHOW_VIEWS,                  /* [FROM|IN schema] [LIKE pattern] */
    SQL_SHOW_COLUMNS,                /* {FROM|IN} table [{FROM|IN} schema] */
    SQL_SHOW_TBLPROPERTIES,          /* table [(key)] */
    SQL_SHOW_CREATE_TABLE            /* table */
} sql_show_kind;

typedef struct sql_show {
    sql_show_kind   kind;
    sql_name        in;              /* FROM/IN catalog or schema (n_parts 0: none) */
    sql_tableref   *target;          /* COLUMNS / TBLPROPERTIES / CREATE TABLE */
    const char     *like;            /* LIKE 'pattern' (or a bare 'pattern'), or NULL */
    const char     *key;             /* TBLPROPERTIES t (key) */
} sql_show;

/* RESTORE [TABLE] t [TO] {VERSION | TIMESTAMP} AS OF x */
typedef struct sql_restore {
    sql_tableref   *target;
    sql_travel      travel;
    sql_expr       *at;
} sql_restore;

/* OPTIMIZE t [WHERE cond] [ZORDER BY (cols)] */
typedef struct sql_optimize {
    sql_tableref   *target;
    sql_expr       *where;
    sql_name       *zorder;
    int             n_zorder;
} sql_optimize;

/* VACUUM t [RETAIN n HOURS] [DRY RUN] */
typedef struct sql_vacuum {
    sql_tableref   *target;
    sql_expr       *retain_hours;    /* or NULL */
    bool            dry_run;
} sql_vacuum;

/* COMMENT ON {CATALOG | SCHEMA | TABLE | COLUMN} name IS 'text' | NULL */
typedef struct sql_comment_on {
    sql_object      what;            /* TABLE for COLUMN too (column set) */
    sql_name        name;
    sql_name        column;          /* COMMENT ON COLUMN t.c: t in name, c here */
    const char     *text;            /* NULL for IS NULL */
} sql_comment_on;

/* ML statements on the model registry (docs/ml.md). A model is named by a
** (dotted) identifier or a string: 'customer-churn'. */
typedef enum sql_model_op {
    SQL_MODEL_CREATE,     /* CREATE [OR REPLACE] MODEL [IF NOT EXISTS] m OPTIONS (...) AS q */
    SQL_MODEL_DROP,       /* DROP MODEL [IF EXISTS] m */
    SQL_MODEL_SET_STAGE,  /* ALTER MODEL m VERSION v SET STAGE 'Production'
                          ** [ARCHIVE EXISTING [VERSIONS]] */
    SQL_MODEL_SET_ALIAS,  /* ALTER MODEL m SET ALIAS a [TO] VERSION v */
    SQL_MODEL_DROP_ALIAS, /* ALTER MODEL m DROP ALIAS a */
    SQL_MODEL_SET_COMMENT,/* ALTER MODEL m [VERSION v] SET COMMENT 'text' */
    SQL_MODEL_DESCRIBE    /* DESCRIBE MODEL m */
} sql_model_op;

typedef struct sql_model_stmt {
    sql_model_op   op;
    const char    *name;             /* as written, parts joined by '.' */
    int32_t        name_pos;
    bool           or_replace, if_not_exists, if_exists;
    bool           archive_existing; /* SET STAGE ... ARCHIVE EXISTING */
    sql_property  *options;          /* CREATE: OPTIONS (k = v, ...), keys lowercase */
    int            n_options;
    sql_query     *query;            /* CREATE: AS query */
    const char    *query_text;
    const char    *version;          /* VERSION v (digits), or NULL */
    const char    *stage;            /* SET STAGE */
    const char    *alias;            /* SET / DROP ALIAS */
    const char    *comment;          /* SET COMMENT */
} sql_model_stmt;

typedef enum sql_stmt_kind {
    SQL_S_QUERY,    /* query */
    SQL_S_EXPLAIN,  /* analyze, inner */
    SQL_S_SET,      /* key (NULL: bare SET), value (NULL: SET key) */
    SQL_S_RESET,    /* key or NULL */
    SQL_S_SHOW,     /* show (kind OTHER: words, the tokens after SHOW as written) */
    SQL_S_USE,      /* use_what, name */
    SQL_S_CREATE,   /* create */
    SQL_S_DROP,     /* drop */
    SQL_S_ALTER,    /* alter */
    SQL_S_INSERT,   /* insert */
    SQL_S_UPDATE,   /* update */
    SQL_S_DELETE,   /* delete_ */
    SQL_S_MERGE,    /* merge */
    SQL_S_COPY,     /* copy */
    SQL_S_DESCRIBE, /* describe */
    SQL_S_RESTORE,  /* restore */
    SQL_S_OPTIMIZE, /* optimize */
    SQL_S_VACUUM,   /* vacuum */
    SQL_S_COMMENT,  /* comment_on */
    SQL_S_TRUNCATE, /* truncate: target */
    SQL_S_MODEL     /* model: CREATE/DROP/ALTER/DESCRIBE MODEL */
} sql_stmt_kind;

typedef struct sql_stmt sql_stmt;
struct sql_stmt {
    sql_stmt_kind kind;
    int32_t       pos;        /* first byte of the statement */
    int32_t       end;        /* one past its last byte */
    sql_query    *query;      /* QUERY */
    bool          analyze;    /* EXPLAIN ANALYZE */
    sql_stmt     *inner;      /* EXPLAIN: the explained statement */
    const char   *key, *value;/* SET/RESET: raw trimmed text, NULL when absent */
    const char  **words;      /* SHOW: source text of each token */
    int           n_words;
    sql_name      name;       /* USE */
    sql_object    use_what;   /* USE CATALOG c (CATALOG), USE [SCHEMA|DATABASE] s
                              ** (SCHEMA; plain USE x is SCHEMA too) */
    sql_show     *show;       /* SHOW (always set) */
    sql_create   *create;
    sql_drop     *drop;
    sql_alter    *alter;
    sql_insert   *insert;
    sql_update   *update;
    sql_delete   *delete_;
    sql_merge    *merge;
    sql_copy     *copy;
    sql_describe *describe;
    sql_restore  *restore;
    sql_optimize *optimize;
    sql_vacuum   *vacuum;
    sql_comment_on *comment_on;
    sql_tableref *truncate;   /* TRUNCATE TABLE t */
    sql_model_stmt *model;    /* MODEL */
};

typedef struct sql_stmt_list {
    sql_stmt **stmts;         /* arena */
    int        n_stmts;
} sql_stmt_list;

/* Parses text (NUL-terminated) into *out, allocating everything from a.
** Empty statements (";;") are skipped. On failure returns ST_ERR_SYNTAX,
** ST_ERR_LIMIT or ST_ERR_NOMEM with "line L, column C: ..." in err->msg and
** the source line with a caret under the spot in err->hint. */
st_status sql_parse(const char *text, st_arena *a, sql_stmt_list **out, st_error *err);

/* 1-based line and column (in characters) of byte offset pos in text. */
void      sql_pos_linecol(const char *text, int32_t pos, int32_t *line, int32_t *col);
/* Appends "LINE n: <source line>\n" and a line with '^' under pos (long
** lines are cut to a window around pos with "..."; control characters
** print as spaces so the caret lines up). No trailing newline. */
st_status sql_error_caret(const char *text, int32_t pos, st_buf *out, st_error *err);

/* Canonical, fully parenthesised S-expression forms (README.md lists them). */
st_status sql_ast_format(const sql_stmt_list *l, st_buf *out, st_error *err);
st_status sql_stmt_format(const sql_stmt *s, st_buf *out, st_error *err);
st_status sql_query_format(const sql_query *q, st_buf *out, st_error *err);
st_status sql_expr_format(const sql_expr *e, st_buf *out, st_error *err);

#endif /* STRATA_SQL_SQL_H */
