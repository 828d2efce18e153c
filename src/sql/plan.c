/* plan.c -- construction helpers, walking, checking and printing of bound
** logical plans (plan.h). Everything is allocated in the lp_ctx arena;
** allocation failures return NULL and are reported by the callers as
** ST_ERR_NOMEM. lp_format is the text EXPLAIN shows and tests compare. */
#include "plan.h"

#include <stdio.h>
#include <strings.h>

/* ---- context ---------------------------------------------------------------- */

lp_ctx *lp_ctx_new(const char *sql, const fn_context *fnctx)
{
    lp_ctx *c = st_calloc(1, sizeof *c);
    if (!c) return NULL;
    c->arena = st_arena_new(0);
    if (!c->arena) { st_free(c); return NULL; }
    c->sql = sql;
    if (fnctx) c->fnctx = *fnctx;
    else c->fnctx.time_zone = "UTC";
    c->next_col = 1;
    return c;
}

void lp_ctx_free(lp_ctx *c)
{
    if (!c) return;
    for (int i = 0; i < c->n_snapshots; i++) delta_snapshot_free(c->snapshots[i]);
    st_free(c->snapshots);
    st_arena_free(c->arena);
    st_free(c);
}

lp_colid lp_ctx_new_col(lp_ctx *c)
{
    return c->next_col++;
}

st_status lp_ctx_add_snapshot(lp_ctx *c, delta_snapshot *s, st_error *err)
{
    if (c->n_snapshots == c->cap_snapshots) {
        int cap = c->cap_snapshots ? c->cap_snapshots * 2 : 4;
        delta_snapshot **n = st_realloc(c->snapshots, (size_t)cap * sizeof *n);
        if (!n) {
            delta_snapshot_free(s);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory registering a snapshot");
        }
        c->snapshots = n;
        c->cap_snapshots = cap;
    }
    c->snapshots[c->n_snapshots++] = s;
    return ST_OK;
}

/* ---- source formats -------------------------------------------------------------- */

bool lp_source_kind_parse(const char *name, lp_source_kind *out)
{
    if (!strcasecmp(name, "delta")) *out = LP_SRC_DELTA;
    else if (!strcasecmp(name, "parquet")) *out = LP_SRC_PARQUET;
    else if (!strcasecmp(name, "csv")) *out = LP_SRC_CSV;
    else if (!strcasecmp(name, "json") || !strcasecmp(name, "ndjson") || !strcasecmp(name, "jsonl"))
        *out = LP_SRC_JSON;
    else return false;
    return true;
}

const char *lp_source_kind_name(lp_source_kind k)
{
    switch (k) {
    case LP_SRC_DELTA: return "delta";
    case LP_SRC_PARQUET: return "parquet";
    case LP_SRC_CSV: return "csv";
    case LP_SRC_RANGE: return "range";
    case LP_SRC_JSON: break;
    }
    return "json";
}

/* ---- construction ------------------------------------------------------------ */

lp_node *lp_node_new(lp_ctx *c, lp_kind kind, int32_t pos)
{
    lp_node *n = st_arena_calloc(c->arena, 1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->pos = pos;
    n->est_rows = -1;
    n->limit = -1;
    return n;
}

lp_expr *lp_expr_new(lp_ctx *c, lp_expr_kind kind, int32_t pos)
{
    lp_expr *e = st_arena_calloc(c->arena, 1, sizeof *e);
    if (!e) return NULL;
    e->kind = kind;
    e->pos = pos;
    e->nullable = true;
    return e;
}

lp_expr *lp_expr_col(lp_ctx *c, const lp_col *col)
{
    lp_expr *e = lp_expr_new(c, LP_X_COL, -1);
    if (!e) return NULL;
    e->col = col->id;
    e->name = col->name;
    e->type = col->type;
    e->nullable = col->nullable;
    return e;
}

lp_expr *lp_expr_const(lp_ctx *c, const vec_type *t, const vec_scalar *s)
{
    st_error err;
    st_error_init(&err);
    lp_expr *e = lp_expr_new(c, LP_X_CONST, -1);
    if (!e) return NULL;
    if (vec_type_copy(c->arena, t, &e->type, &err) != ST_OK) return NULL;
    vec_scalar null_s = {.is_null = true};
    const vec_scalar *use = s ? s : &null_s;
    if (use->is_null && (vec_type_is_nested(t->id))) {
        vec *v = vec_new(c->arena, &e->type, 1);
        if (!v || vec_set_null(c->arena, v, 0, &err) != ST_OK) return NULL;
        e->value = v;
    } else if (vec_constant(c->arena, &e->type, use, 1, &e->value, &err) != ST_OK) {
        return NULL;
    }
    e->nullable = use->is_null;
    return e;
}

lp_expr *lp_expr_bool(lp_ctx *c, bool v)
{
    vec_type t = {.id = VEC_BOOL};
    vec_scalar s = {.i64 = v};
    lp_expr *e = lp_expr_const(c, &t, &s);
    if (e) e->nullable = false;
    return e;
}

int lp_find_col(const lp_node *n, lp_colid id)
{
    for (int i = 0; i < n->n_cols; i++)
        if (n->cols[i].id == id) return i;
    return -1;
}

lp_expr *lp_expr_copy(lp_ctx *c, const lp_expr *e)
{
    if (!e) return NULL;
    lp_expr *n = st_arena_alloc(c->arena, sizeof *n);
    if (!n) return NULL;
    *n = *e;
    if (e->n_args > 0) {
        n->args = st_arena_alloc(c->arena, (size_t)e->n_args * sizeof *n->args);
        if (!n->args) return NULL;
        for (int i = 0; i < e->n_args; i++) {
            n->args[i] = lp_expr_copy(c, e->args[i]);
            if (!n->args[i]) return NULL;
        }
    }
    return n;
}

static st_status conj_push(lp_ctx *c, lp_expr *e, lp_expr ***out, int *n, st_error *err)
{
    lp_expr **grown = st_arena_realloc(c->arena, *out, (size_t)*n * sizeof **out,
                                       (size_t)(*n + 1) * sizeof **out);
    if (!grown) return st_error_set(err, ST_ERR_NOMEM, "out of memory splitting a condition");
    grown[(*n)++] = e;
    *out = grown;
    return ST_OK;
}

st_status lp_conjuncts(lp_ctx *c, lp_expr *e, lp_expr ***out, int *n, st_error *err)
{
    if (!e) return ST_OK;
    if (e->kind == LP_X_AND) {
        for (int i = 0; i < e->n_args; i++) {
            st_status rc = lp_conjuncts(c, e->args[i], out, n, err);
            if (rc != ST_OK) return rc;
        }
        return ST_OK;
    }
    return conj_push(c, e, out, n, err);
}

lp_expr *lp_and(lp_ctx *c, lp_expr **conj, int n)
{
    if (n == 0) return NULL;
    if (n == 1) return conj[0];
    lp_expr *e = lp_expr_new(c, LP_X_AND, -1);
    if (!e) return NULL;
    e->type.id = VEC_BOOL;
    e->args = st_arena_alloc(c->arena, (size_t)n * sizeof *e->args);
    if (!e->args) return NULL;
    e->nullable = false;
    for (int i = 0; i < n; i++) {
        e->args[i] = conj[i];
        if (conj[i]->nullable) e->nullable = true;
    }
    e->n_args = n;
    return e;
}

bool lp_expr_walk(lp_expr *e, bool (*fn)(lp_expr *e, void *ud), void *ud)
{
    if (!e) return true;
    if (!fn(e, ud)) return false;
    for (int i = 0; i < e->n_args; i++)
        if (!lp_expr_walk(e->args[i], fn, ud)) return false;
    return true;
}

typedef struct uses_ctx { const lp_col *cols; int n; } uses_ctx;

static bool uses_one(lp_expr *e, void *ud)
{
    const uses_ctx *u = ud;
    if (e->kind != LP_X_COL) return true;
    for (int i = 0; i < u->n; i++)
        if (u->cols[i].id == e->col) return true;
    return false;
}

bool lp_expr_only_uses(const lp_expr *e, const lp_col *cols, int n)
{
    uses_ctx u = {cols, n};
    return lp_expr_walk((lp_expr *)e, uses_one, &u);
}

/* ---- verification -------------------------------------------------------------- */

typedef struct verify_ctx {
    const lp_col *in;          /* columns visible to the node's expressions */
    int           n_in;
    const char   *where;       /* node name for messages */
    lp_colid      bad;
} verify_ctx;

static bool verify_ref(lp_expr *e, void *ud)
{
    verify_ctx *v = ud;
    if (e->kind != LP_X_COL || e->outer) return true;
    for (int i = 0; i < v->n_in; i++)
        if (v->in[i].id == e->col) return true;
    v->bad = e->col;
    return false;
}

static const char *kind_name(lp_kind k)
{
    static const char *const names[] = {"Scan", "Values", "Filter", "Project", "Aggregate",
                                        "Join", "Sort", "Limit", "SetOp", "Window", "Generate",
                                        "Distinct"};
    return (unsigned)k < ST_ARRAY_LEN(names) ? names[k] : "?";
}

static st_status verify_exprs(const lp_node *n, lp_expr *const *es, int ne, const lp_col *in, int n_in,
                              st_error *err)
{
    verify_ctx v = {in, n_in, kind_name(n->kind), 0};
    for (int i = 0; i < ne; i++) {
        if (es[i] && !lp_expr_walk(es[i], verify_ref, &v))
            return st_error_set(err, ST_ERR_INTERNAL,
                                "plan check: %s node references column #%d it does not have",
                                v.where, (int)v.bad);
    }
    return ST_OK;
}

/* The columns visible to a JOIN's condition: both sides. */
static st_status join_inputs(const lp_node *n, lp_col **out, int *n_out, st_arena *a, st_error *err)
{
    int nl = n->child[0]->n_cols, nr = n->child[1]->n_cols;
    lp_col *cols = st_arena_alloc(a, (size_t)(nl + nr + 1) * sizeof *cols);
    if (!cols) return st_error_set(err, ST_ERR_NOMEM, "out of memory checking a plan");
    st_memcpy(cols, n->child[0]->cols, (size_t)nl * sizeof *cols);
    st_memcpy(cols + nl, n->child[1]->cols, (size_t)nr * sizeof *cols);
    *out = cols;
    *n_out = nl + nr;
    return ST_OK;
}

static const char *join_name(lp_join_kind k);

static st_status verify_node(const lp_node *n, st_arena *a, int depth, st_error *err)
{
    if (depth > SQL_MAX_DEPTH * 4)
        return st_error_set(err, ST_ERR_LIMIT, "plan check: plan nested too deeply");
    for (int i = 0; i < n->n_child; i++) {
        if (!n->child[i])
            return st_error_set(err, ST_ERR_INTERNAL, "plan check: %s node has a NULL input",
                                kind_name(n->kind));
        st_status rc = verify_node(n->child[i], a, depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    const lp_col *in = n->n_child > 0 ? n->child[0]->cols : NULL;
    int n_in = n->n_child > 0 ? n->child[0]->n_cols : 0;
    st_status rc = ST_OK;
    switch (n->kind) {
    case LP_SCAN:
        if (!n->source)
            return st_error_set(err, ST_ERR_INTERNAL, "plan check: Scan without a source");
        for (int i = 0; i < n->n_cols; i++)
            if (!n->scan_fields || n->scan_fields[i] < 0 ||
                n->scan_fields[i] >= n->source->schema.n_fields)
                return st_error_set(err, ST_ERR_INTERNAL,
                                    "plan check: Scan column %d has no source field", i);
        rc = verify_exprs(n, n->filters, n->n_filters, n->cols, n->n_cols, err);
        break;
    case LP_VALUES:
        rc = verify_exprs(n, n->values, (int)(n->n_rows * n->n_cols), NULL, 0, err);
        break;
    case LP_FILTER:
        rc = verify_exprs(n, &n->cond, 1, in, n_in, err);
        break;
    case LP_PROJECT:
        rc = verify_exprs(n, n->exprs, n->n_cols, in, n_in, err);
        break;
    case LP_AGGREGATE:
        rc = verify_exprs(n, n->groups, n->n_groups, in, n_in, err);
        for (int j = 0; rc == ST_OK && j < n->n_aggs; j++) {
            rc = verify_exprs(n, n->aggs[j].args, n->aggs[j].n_args, in, n_in, err);
            if (rc == ST_OK) rc = verify_exprs(n, &n->aggs[j].filter, 1, in, n_in, err);
        }
        break;
    case LP_JOIN: {
        lp_col *both = NULL;
        int nb = 0;
        rc = join_inputs(n, &both, &nb, a, err);
        if (rc == ST_OK) rc = verify_exprs(n, &n->cond, 1, both, nb, err);
        if (rc == ST_OK) rc = verify_exprs(n, &n->residual, 1, both, nb, err);
        if (rc == ST_OK) rc = verify_exprs(n, n->left_keys, n->n_join_keys, n->child[0]->cols,
                                           n->child[0]->n_cols, err);
        if (rc == ST_OK) rc = verify_exprs(n, n->right_keys, n->n_join_keys, n->child[1]->cols,
                                           n->child[1]->n_cols, err);
        if (rc == ST_OK && (n->join == LP_JOIN_RIGHT_SEMI || n->join == LP_JOIN_RIGHT_ANTI)) {
            /* Output = the right input's columns, in its order. */
            const lp_node *r = n->child[1];
            bool same = n->n_cols == r->n_cols && !n->null_aware;
            for (int i = 0; same && i < n->n_cols; i++) same = n->cols[i].id == r->cols[i].id;
            if (!same)
                return st_error_set(err, ST_ERR_INTERNAL,
                                    "plan check: %s join has %d columns, not its right input's %d",
                                    join_name(n->join), n->n_cols, r->n_cols);
        }
        break;
    }
    case LP_SORT:
        for (int i = 0; rc == ST_OK && i < n->n_keys; i++)
            rc = verify_exprs(n, &n->keys[i].expr, 1, in, n_in, err);
        break;
    case LP_WINDOW:
        rc = verify_exprs(n, n->partition, n->n_partition, in, n_in, err);
        for (int i = 0; rc == ST_OK && i < n->n_keys; i++)
            rc = verify_exprs(n, &n->keys[i].expr, 1, in, n_in, err);
        for (int i = 0; rc == ST_OK && i < n->n_winfns; i++)
            rc = verify_exprs(n, n->winfns[i].args, n->winfns[i].n_args, in, n_in, err);
        break;
    case LP_GENERATE:
        rc = verify_exprs(n, &n->gen_arg, 1, in, n_in, err);
        break;
    case LP_SETOP:
        if (n->child[0]->n_cols != n->child[1]->n_cols || n->child[0]->n_cols != n->n_cols)
            return st_error_set(err, ST_ERR_INTERNAL,
                                "plan check: SetOp inputs have %d and %d columns",
                                n->child[0]->n_cols, n->child[1]->n_cols);
        break;
    case LP_LIMIT:
    case LP_DISTINCT:
        break;
    }
    if (rc != ST_OK) return rc;
    /* Output ids unique within the node. */
    for (int i = 0; i < n->n_cols; i++)
        for (int j = i + 1; j < n->n_cols; j++)
            if (n->cols[i].id == n->cols[j].id)
                return st_error_set(err, ST_ERR_INTERNAL,
                                    "plan check: %s node outputs column #%d twice",
                                    kind_name(n->kind), (int)n->cols[i].id);
    return ST_OK;
}

st_status lp_verify(const lp_node *root, st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a) return st_error_set(err, ST_ERR_NOMEM, "out of memory checking a plan");
    st_status rc = verify_node(root, a, 0, err);
    st_arena_free(a);
    return rc;
}

/* ---- printing -------------------------------------------------------------------- */

static const char *call_infix(const char *name)
{
    static const char *const ops[] = {"+", "-", "*", "/", "%", "=", "<>", "!=", "<", "<=", ">",
                                      ">=", "<=>", "||", "&", "|", "^", "div"};
    for (size_t i = 0; i < ST_ARRAY_LEN(ops); i++)
        if (strcmp(name, ops[i]) == 0) return ops[i];
    return NULL;
}

st_status lp_expr_format(const lp_expr *e, st_buf *out, st_error *err)
{
    st_status rc = ST_OK;
#define P(...) do { if ((rc = st_buf_printf(out, err, __VA_ARGS__)) != ST_OK) return rc; } while (0)
#define SUB(x) do { if ((rc = lp_expr_format((x), out, err)) != ST_OK) return rc; } while (0)
    if (!e) { P("NULL"); return ST_OK; }
    switch (e->kind) {
    case LP_X_COL:
        P("%s%s#%d", e->outer ? "outer." : "", e->name ? e->name : "", (int)e->col);
        break;
    case LP_X_CONST:
        if (!e->value || !vec_is_valid(e->value, 0)) P("NULL");
        else if (e->type.id == VEC_STRING) {
            P("'");
            if ((rc = vec_format_value(e->value, 0, VEC_FMT_TEXT, out, err)) != ST_OK) return rc;
            P("'");
        } else {
            if ((rc = vec_format_value(e->value, 0, VEC_FMT_TEXT, out, err)) != ST_OK) return rc;
        }
        break;
    case LP_X_CALL: {
        const char *name = e->fn ? e->fn->name : "?";
        const char *in = call_infix(name);
        if (in && e->n_args == 2) {
            P("(");
            SUB(e->args[0]);
            P(" %s ", in);
            SUB(e->args[1]);
            P(")");
        } else {
            P("%s(", name);
            for (int i = 0; i < e->n_args; i++) {
                if (i) P(", ");
                SUB(e->args[i]);
            }
            P(")");
        }
        break;
    }
    case LP_X_CAST: {
        char tb[128];
        vec_type_format(&e->type, tb, sizeof tb);
        P("%s(", e->try_cast ? "try_cast" : "cast");
        SUB(e->args[0]);
        P(" as %s)", tb);
        break;
    }
    case LP_X_AND:
    case LP_X_OR:
        P("(");
        for (int i = 0; i < e->n_args; i++) {
            if (i) P(e->kind == LP_X_AND ? " AND " : " OR ");
            SUB(e->args[i]);
        }
        P(")");
        break;
    case LP_X_NOT:
        P("(NOT ");
        SUB(e->args[0]);
        P(")");
        break;
    case LP_X_IS_NULL:
        P("(");
        SUB(e->args[0]);
        P(e->negated ? " IS NOT NULL)" : " IS NULL)");
        break;
    case LP_X_CASE: {
        P("CASE");
        int pairs = (e->n_args - (e->has_else ? 1 : 0)) / 2;
        for (int i = 0; i < pairs; i++) {
            P(" WHEN ");
            SUB(e->args[2 * i]);
            P(" THEN ");
            SUB(e->args[2 * i + 1]);
        }
        if (e->has_else) {
            P(" ELSE ");
            SUB(e->args[e->n_args - 1]);
        }
        P(" END");
        break;
    }
    case LP_X_IN:
        P("(");
        SUB(e->args[0]);
        P(e->negated ? " NOT IN (" : " IN (");
        for (int i = 1; i < e->n_args; i++) {
            if (i > 1) P(", ");
            SUB(e->args[i]);
        }
        P("))");
        break;
    case LP_X_SUBQUERY: {
        static const char *const kinds[] = {"scalar", "exists", "in", "any", "all"};
        P("%s%s-subquery", e->negated ? "not-" : "",
          (unsigned)e->subq_kind < ST_ARRAY_LEN(kinds) ? kinds[e->subq_kind] : "?");
        if (e->n_args > 0) {
            P("(");
            SUB(e->args[0]);
            P(")");
        }
        break;
    }
    }
#undef SUB
#undef P
    return rc;
}

static st_status fmt_exprs(st_buf *out, lp_expr *const *es, int n, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; i < n; i++) {
        if (i && (rc = st_buf_append_str(out, ", ", err)) != ST_OK) return rc;
        if ((rc = lp_expr_format(es[i], out, err)) != ST_OK) return rc;
    }
    return rc;
}

static st_status fmt_cols(st_buf *out, const lp_col *cols, int n, st_error *err)
{
    st_status rc = st_buf_append_str(out, "[", err);
    for (int i = 0; rc == ST_OK && i < n; i++)
        rc = st_buf_printf(out, err, "%s%s#%d", i ? ", " : "", cols[i].name ? cols[i].name : "",
                           (int)cols[i].id);
    if (rc == ST_OK) rc = st_buf_append_str(out, "]", err);
    return rc;
}

static st_status fmt_keys(st_buf *out, const lp_sort_key *k, int n, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n; i++) {
        if (i) rc = st_buf_append_str(out, ", ", err);
        if (rc == ST_OK) rc = lp_expr_format(k[i].expr, out, err);
        if (rc == ST_OK)
            rc = st_buf_printf(out, err, " %s NULLS %s", k[i].desc ? "DESC" : "ASC",
                               k[i].nulls_first ? "FIRST" : "LAST");
    }
    return rc;
}

static const char *join_name(lp_join_kind k)
{
    static const char *const names[] = {"Inner", "Left", "Right", "Full", "Semi", "Anti",
                                        "Mark", "Single", "RightSemi", "RightAnti"};
    return (unsigned)k < ST_ARRAY_LEN(names) ? names[k] : "?";
}

static const char *win_name(const lp_winfn *w)
{
    static const char *const names[] = {"agg", "row_number", "rank", "dense_rank", "percent_rank",
                                        "cume_dist", "ntile", "lag", "lead", "first_value",
                                        "last_value", "nth_value"};
    if (w->kind == LP_WIN_AGG && w->agg) return w->agg->name;
    return (unsigned)w->kind < ST_ARRAY_LEN(names) ? names[w->kind] : "?";
}

static st_status fmt_node(const lp_node *n, int depth, st_buf *out, st_error *err)
{
    st_status rc = ST_OK;
#define P(...) do { if ((rc = st_buf_printf(out, err, __VA_ARGS__)) != ST_OK) return rc; } while (0)
#define CK(x) do { if ((rc = (x)) != ST_OK) return rc; } while (0)
    for (int i = 0; i < depth; i++) P("  ");
    switch (n->kind) {
    case LP_SCAN: {
        P("Scan %s %s ", lp_source_kind_name(n->source->kind), n->source->name ? n->source->name : "");
        CK(fmt_cols(out, n->cols, n->n_cols, err));
        if (n->n_filters > 0) {
            P(" filters: ");
            CK(fmt_exprs(out, n->filters, n->n_filters, err));
        }
        break;
    }
    case LP_VALUES:
        P("Values %lld rows ", (long long)n->n_rows);
        CK(fmt_cols(out, n->cols, n->n_cols, err));
        break;
    case LP_FILTER:
        P("Filter ");
        CK(lp_expr_format(n->cond, out, err));
        break;
    case LP_PROJECT:
        P("Project [");
        for (int i = 0; i < n->n_cols; i++) {
            if (i) P(", ");
            CK(lp_expr_format(n->exprs[i], out, err));
            P(" AS %s#%d", n->cols[i].name ? n->cols[i].name : "", (int)n->cols[i].id);
        }
        P("]");
        break;
    case LP_AGGREGATE:
        P("Aggregate keys: [");
        CK(fmt_exprs(out, n->groups, n->n_groups, err));
        P("] aggs: [");
        for (int j = 0; j < n->n_aggs; j++) {
            const lp_agg *g = &n->aggs[j];
            if (j) P(", ");
            P("%s(%s", g->fn ? g->fn->name : "?", g->fn && g->fn->distinct ? "DISTINCT " : "");
            CK(fmt_exprs(out, g->args, g->n_args, err));
            P(")");
            if (g->filter) {
                P(" FILTER ");
                CK(lp_expr_format(g->filter, out, err));
            }
            P("#%d", (int)g->out);
        }
        P("]");
        if (n->n_sets > 0) P(" sets: %d", n->n_sets);
        break;
    case LP_JOIN:
        P("Join %s", join_name(n->join));
        if (n->n_join_keys > 0) {
            P(" keys: ");
            for (int i = 0; i < n->n_join_keys; i++) {
                if (i) P(", ");
                CK(lp_expr_format(n->left_keys[i], out, err));
                P(n->null_eq && n->null_eq[i] ? " <=> " : " = ");
                CK(lp_expr_format(n->right_keys[i], out, err));
            }
            if (n->residual) {
                P(" residual: ");
                CK(lp_expr_format(n->residual, out, err));
            }
        } else if (n->cond) {
            P(" on ");
            CK(lp_expr_format(n->cond, out, err));
        }
        if (n->null_aware) P(" null-aware");
        if (n->reducer) P(" reducer");
        break;
    case LP_SORT:
        P("Sort ");
        CK(fmt_keys(out, n->keys, n->n_keys, err));
        break;
    case LP_LIMIT:
        P("Limit %lld", (long long)n->limit);
        if (n->offset > 0) P(" offset %lld", (long long)n->offset);
        break;
    case LP_SETOP: {
        static const char *const ops[] = {"Union", "Intersect", "Except"};
        P("%s%s ", ops[n->setop], n->all ? " All" : "");
        CK(fmt_cols(out, n->cols, n->n_cols, err));
        break;
    }
    case LP_WINDOW:
        P("Window partition: [");
        CK(fmt_exprs(out, n->partition, n->n_partition, err));
        P("] order: [");
        CK(fmt_keys(out, n->keys, n->n_keys, err));
        P("] fns: [");
        for (int i = 0; i < n->n_winfns; i++) {
            if (i) P(", ");
            P("%s(", win_name(&n->winfns[i]));
            CK(fmt_exprs(out, n->winfns[i].args, n->winfns[i].n_args, err));
            P(")#%d", (int)n->winfns[i].out);
        }
        P("]");
        break;
    case LP_GENERATE: {
        static const char *const gens[] = {"explode", "posexplode", "replicate"};
        P("Generate %s%s(", gens[n->gen], n->gen_outer ? "_outer" : "");
        CK(lp_expr_format(n->gen_arg, out, err));
        P(") ");
        CK(fmt_cols(out, n->cols, n->n_cols, err));
        break;
    }
    case LP_DISTINCT:
        P("Distinct");
        break;
    }
    if (n->est_rows >= 0) P(" (est %.0f rows)", n->est_rows);
    P("\n");
    for (int i = 0; i < n->n_child; i++) CK(fmt_node(n->child[i], depth + 1, out, err));
#undef CK
#undef P
    return rc;
}

st_status lp_format(const lp_node *root, st_buf *out, st_error *err)
{
    return fmt_node(root, 0, out, err);
}
