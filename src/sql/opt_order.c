/* opt_order.c -- cardinality estimates and greedy join ordering (opt.h
** stage 5).
**
** Estimates (est_rows on every node): a scan reads lp_source.est_rows
** (1000 when unknown); filters multiply by guessed selectivities (equality
** 0.1, range 0.3, LIKE 0.25, IN 0.1 per item up to 0.5, IS NULL 0.1, other
** 0.5); an ungrouped aggregate gives 1 row, a grouped one a tenth of its
** input. A key join whose key on one side is likely unique (the first field
** of a scan -- TPC-H style primary keys -- or the only group column of an
** aggregate) yields the other side scaled by the fraction of the unique
** side that survived its filters; other key joins the larger input; joins
** without keys the product (times 0.1 with a condition).
**
** Ordering: a maximal tree of INNER/CROSS joins is flattened into its
** inputs and condition conjuncts. Starting from one input, the input
** connected to the joined set by a condition that gives the smallest
** estimate joins next (unconnected ones only when nothing is connected);
** every input is tried as the start and the order whose joins produce the
** fewest estimated rows in all is kept.
** Each new join takes every conjunct its inputs cover and puts its smaller
** input on the right (the hash build side). A PROJECT restores the original
** column order on top when it changed, and keys are re-extracted.
**
** SEMI / ANTI joins (not null-aware) whose left input is estimated at under
** a quarter of the right one are swapped into RIGHT_SEMI / RIGHT_ANTI, and
** LEFT joins likewise into RIGHT joins (a PROJECT keeps the column order),
** so the small side is hashed. */
#include <string.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "opt_int.h"
#include "../format/parquet/pq.h"

#define OPT_UNKNOWN_ROWS 1000.0
#define JO_MAX_STARTS 16      /* inputs up to which every start of the greedy order is tried */

/* ---- selectivity and estimates ------------------------------------------------ */

static double conj_selectivity(const lp_expr *e)
{
    if (e->kind == LP_X_CALL && e->fn) {
        const char *f = e->fn->name;
        if (!strcmp(f, "=") || !strcmp(f, "==") || !strcmp(f, "<=>")) return 0.1;
        if (!strcmp(f, "<") || !strcmp(f, "<=") || !strcmp(f, ">") || !strcmp(f, ">=")) return 0.3;
        if (!strcmp(f, "like") || !strcmp(f, "ilike") || !strcmp(f, "rlike") ||
            !strcmp(f, "startswith") || !strcmp(f, "endswith") || !strcmp(f, "contains"))
            return 0.25;
        if (!strcmp(f, "<>") || !strcmp(f, "!=")) return 0.9;
        return 0.5;
    }
    if (e->kind == LP_X_IN) {
        double s = 0.1 * (e->n_args - 1);
        s = s > 0.5 ? 0.5 : s;
        return e->negated ? 1 - s : s;
    }
    if (e->kind == LP_X_IS_NULL) return e->negated ? 0.9 : 0.1;
    if (e->kind == LP_X_NOT) return 1 - conj_selectivity(e->args[0]);
    if (e->kind == LP_X_AND) {
        double s = 1;
        for (int i = 0; i < e->n_args; i++) s *= conj_selectivity(e->args[i]);
        return s;
    }
    if (e->kind == LP_X_OR) {
        double s = 0;
        for (int i = 0; i < e->n_args; i++) s += conj_selectivity(e->args[i]);
        return s > 1 ? 1 : s;
    }
    return 0.5;
}

/* The node that produces column id of n, following it down through
** projections (plain column references), filters, sorts, limits, distinct
** and joins; *at is its position there. NULL when id is not an output of n. */
static const lp_node *col_origin(const lp_node *n, lp_colid id, int *at)
{
    for (int depth = 0; depth <= 1000; depth++) {
        int i = lp_find_col(n, id);
        if (i < 0) return NULL;
        const lp_node *next = NULL;
        switch (n->kind) {
        case LP_PROJECT:
            if (n->exprs[i]->kind == LP_X_COL) {
                id = n->exprs[i]->col;
                next = n->child[0];
            }
            break;
        case LP_FILTER:
        case LP_SORT:
        case LP_LIMIT:
        case LP_DISTINCT:
            next = n->child[0];
            break;
        case LP_JOIN:
            for (int c = 0; c < n->n_child && !next; c++)
                if (lp_find_col(n->child[c], id) >= 0) next = n->child[c];
            if (!next) return NULL;
            break;
        default:
            break;
        }
        if (!next) {
            *at = i;
            return n;
        }
        n = next;
    }
    return NULL;
}

/* Whether column id of n is likely unique: a scan's first field or the only
** group column of an aggregate; *base is that input's row estimate. */
static bool col_unique(const lp_node *n, lp_colid id, double *base)
{
    int at;
    const lp_node *o = col_origin(n, id, &at);
    if (!o) return false;
    if (o->kind == LP_SCAN && o->scan_fields[at] == 0) {
        *base = o->source->est_rows >= 0 ? o->source->est_rows : OPT_UNKNOWN_ROWS;
        return true;
    }
    if (o->kind == LP_AGGREGATE && o->n_groups == 1 && at == 0 && o->n_sets == 0) {
        *base = o->est_rows >= 0 ? o->est_rows : OPT_UNKNOWN_ROWS;
        return true;
    }
    return false;
}

static bool key_unique(const lp_node *side, const lp_expr *k, double *base)
{
    while (k->kind == LP_X_CAST) k = k->args[0];
    return k->kind == LP_X_COL && col_unique(side, k->col, base);
}


/* ---- distinct-value estimates from min/max statistics --------------------------- */

/* Files whose statistics are read per source, at most (bounds planning time). */
#define NDV_MAX_FILES 64

static bool ndv_int_type(vec_type_id id)
{
    return id == VEC_INT8 || id == VEC_INT16 || id == VEC_INT32 || id == VEC_INT64 ||
           id == VEC_DATE;
}

/* min/max over the row groups of one Parquet file for top-level field f. */
static bool pq_range(const char *path, int f, int64_t *lo, int64_t *hi, bool *any)
{
    st_error err;
    st_error_init(&err);
    pq_file *pf = NULL;
    if (pq_file_open(path, &pf, &err) != ST_OK) return false;
    int leaf = -1;
    for (int i = 0; i < pq_file_num_leaves(pf); i++) {
        const pq_leaf_info *li = pq_file_leaf(pf, i);
        if (li->top_field != f) continue;
        if (leaf >= 0 || li->max_rep > 0) { leaf = -2; break; }
        leaf = i;
    }
    bool ok = leaf >= 0;
    for (int g = 0; ok && g < pq_file_num_row_groups(pf); g++) {
        pq_chunk_stats cs;
        pq_file_chunk_stats(pf, g, leaf, &cs);
        if (!cs.min.is_set || !cs.max.is_set) { ok = false; break; }
        if (!*any || cs.min.i < *lo) *lo = cs.min.i;
        if (!*any || cs.max.i > *hi) *hi = cs.max.i;
        *any = true;
    }
    pq_file_close(pf);
    return ok;
}

/* min/max of column name over the Delta files' stats JSON. */
static bool delta_range(const delta_snapshot *snap, const char *name, int64_t *lo, int64_t *hi,
                        bool *any)
{
    if (snap->n_files > 4096) return false;
    for (size_t i = 0; i < snap->n_files; i++) {
        const char *st = snap->files[i].stats;
        if (!st) return false;
        json_t *j = json_loads(st, 0, NULL);
        if (!j) return false;
        json_t *mn = json_object_get(json_object_get(j, "minValues"), name);
        json_t *mx = json_object_get(json_object_get(j, "maxValues"), name);
        bool ok = json_is_integer(mn) && json_is_integer(mx);
        if (ok) {
            int64_t a = (int64_t)json_integer_value(mn), b = (int64_t)json_integer_value(mx);
            if (!*any || a < *lo) *lo = a;
            if (!*any || b > *hi) *hi = b;
            *any = true;
        }
        json_decref(j);
        if (!ok) return false;
    }
    return true;
}

/* Distinct values of source field f: the width of its value range for
** integer and date columns (capped by the row count), -1 when unknown. */
static double source_ndv(lp_ctx *c, lp_source *src, int f)
{
    if (f < 0 || f >= src->schema.n_fields) return -1;
    if (!src->ndv) {
        src->ndv = st_arena_alloc(c->arena, (size_t)src->schema.n_fields * sizeof *src->ndv);
        if (!src->ndv) return -1;
        for (int i = 0; i < src->schema.n_fields; i++) src->ndv[i] = -2;   /* not computed */
    }
    if (src->ndv[f] > -2) return src->ndv[f];
    double ndv = -1;
    const vec_field *fld = &src->schema.fields[f];
    int64_t lo = 0, hi = 0;
    bool any = false, ok = false;
    if (ndv_int_type(fld->type.id)) {
        if (src->kind == LP_SRC_PARQUET && src->n_files > 0 && src->n_files <= NDV_MAX_FILES) {
            ok = true;
            for (int i = 0; ok && i < src->n_files; i++) ok = pq_range(src->files[i], f, &lo, &hi, &any);
        } else if (src->kind == LP_SRC_DELTA && src->snapshot &&
                   !delta_config_get(&src->snapshot->meta, "delta.columnMapping.mode")) {
            ok = delta_range(src->snapshot, fld->name, &lo, &hi, &any);
        }
    }
    if (ok && any && hi >= lo) {
        ndv = (double)hi - (double)lo + 1;
        if (src->est_rows >= 0 && ndv > src->est_rows) ndv = src->est_rows;
    }
    src->ndv[f] = ndv;
    return ndv;
}

/* Distinct values of column id of n when it comes from a scan field, -1
** when unknown. */
static double col_ndv(lp_ctx *c, const lp_node *n, lp_colid id)
{
    int at;
    const lp_node *o = col_origin(n, id, &at);
    return o && o->kind == LP_SCAN ? source_ndv(c, o->source, o->scan_fields[at]) : -1;
}

static double key_ndv(lp_ctx *c, const lp_node *side, const lp_expr *k)
{
    while (k->kind == LP_X_CAST) k = k->args[0];
    if (k->kind != LP_X_COL) return -1;
    double d = col_ndv(c, side, k->col);
    if (d > 0 && side->est_rows >= 0 && d > side->est_rows) d = side->est_rows;
    return d;
}

/* Estimated rows of l JOIN r over the conjuncts conj. */
static double join_estimate(lp_ctx *c, const lp_node *l, const lp_node *r, lp_expr *const *conj,
                            int n)
{
    double le = l->est_rows, re = r->est_rows;
    bool keys = false;
    double best = -1;
    opt_colset ls, rs;
    st_error err;
    st_error_init(&err);
    if (opt_colset_of_node(c, l, &ls, &err) != ST_OK || opt_colset_of_node(c, r, &rs, &err) != ST_OK)
        return le * re;
    for (int i = 0; i < n; i++) {
        const lp_expr *e = conj[i];
        if (!(opt_is_call(e, "=") || opt_is_call(e, "==") || opt_is_call(e, "<=>")) ||
            e->n_args != 2)
            continue;
        const lp_expr *a = e->args[0], *b = e->args[1];
        if (opt_expr_within(a, &rs) && opt_expr_within(b, &ls)) {
            const lp_expr *t = a;
            a = b;
            b = t;
        }
        if (!(opt_expr_within(a, &ls) && opt_expr_touches(a, &ls) && opt_expr_within(b, &rs) &&
              opt_expr_touches(b, &rs)))
            continue;
        keys = true;
        /* When both sides look unique the larger estimate is kept: the
        ** heuristic misreads a composite key's first column (lineitem's
        ** l_orderkey), and underestimating a join hurts more. */
        double base, est = -1;
        if (key_unique(r, b, &base) && base > 0)
            est = le * (re / base < 1 ? re / base : 1);
        if (key_unique(l, a, &base) && base > 0) {
            double e2 = re * (le / base < 1 ? le / base : 1);
            if (e2 > est) est = e2;
        }
        if (est < 0) {
            /* Neither side looks unique: rows / max(distinct values) when
            ** statistics give the key's value range (a many-to-many join). */
            double da = key_ndv(c, l, a), db = key_ndv(c, r, b);
            double d = da > db ? da : db;
            if (d > 0) est = le * re / d;
        }
        if (est >= 0 && (best < 0 || est < best)) best = est;
    }
    if (best >= 0) return best < 1 ? 1 : best;
    if (keys) return le > re ? le : re;
    return n > 0 ? le * re * 0.1 : le * re;
}

double opt_estimate(lp_ctx *c, lp_node *n)
{
    double ch[2] = {0, 0};
    for (int i = 0; i < n->n_child && i < 2; i++) ch[i] = opt_estimate(c, n->child[i]);
    double e = ch[0];
    switch (n->kind) {
    case LP_SCAN:
        e = n->source && n->source->est_rows >= 0 ? n->source->est_rows : OPT_UNKNOWN_ROWS;
        break;
    case LP_VALUES: e = (double)n->n_rows; break;
    case LP_FILTER: e = ch[0] * conj_selectivity(n->cond); break;
    case LP_AGGREGATE: e = n->n_groups == 0 && n->n_sets == 0 ? 1 : ch[0] * 0.1; break;
    case LP_LIMIT:
        if (n->limit >= 0 && (double)n->limit < e) e = (double)n->limit;
        break;
    case LP_DISTINCT: e = ch[0] * 0.5; break;
    case LP_SETOP: e = n->setop == SQL_SET_UNION ? ch[0] + ch[1] : ch[0]; break;
    case LP_JOIN:
        switch (n->join) {
        case LP_JOIN_SEMI: case LP_JOIN_ANTI: e = ch[0] * 0.5; break;
        case LP_JOIN_RIGHT_SEMI: case LP_JOIN_RIGHT_ANTI: e = ch[1] * 0.5; break;
        case LP_JOIN_MARK: case LP_JOIN_SINGLE: e = ch[0]; break;
        case LP_JOIN_FULL: e = ch[0] + ch[1]; break;
        default: {
            lp_expr **conj = NULL;
            int nc = 0;
            st_error err;
            st_error_init(&err);
            if (lp_conjuncts(c, n->cond, &conj, &nc, &err) != ST_OK) nc = 0;
            e = join_estimate(c, n->child[0], n->child[1], conj, nc);
            if (n->join == LP_JOIN_LEFT && e < ch[0]) e = ch[0];
            if (n->join == LP_JOIN_RIGHT && e < ch[1]) e = ch[1];
            break;
        }
        }
        break;
    default: break;
    }
    if (e < 1 && ch[0] >= 1 && n->kind != LP_LIMIT) e = 1;   /* a guess never rules rows out */
    if (e < 0) e = 0;
    n->est_rows = e;
    return e;
}

/* ---- reordering -------------------------------------------------------------- */

typedef struct jo_state {
    lp_ctx    *c;
    lp_node  **leaves;        /* arena */
    int        n_leaves;
    lp_expr  **conj;          /* arena: every condition conjunct of the tree */
    int        n_conj;
    bool      *used;          /* per conjunct: placed in a join */
    st_error  *err;
} jo_state;

static bool is_inner(const lp_node *n)
{
    return n->kind == LP_JOIN && n->join == LP_JOIN_INNER;
}

static st_status reorder(lp_ctx *c, lp_node **np, bool enabled, int depth, st_error *err);

static st_status flatten(jo_state *s, lp_node *n, bool enabled, int depth)
{
    if (is_inner(n)) {
        st_status rc = lp_conjuncts(s->c, n->cond, &s->conj, &s->n_conj, s->err);
        if (rc != ST_OK) return rc;
        for (int i = 0; i < 2; i++)
            if ((rc = flatten(s, n->child[i], enabled, depth + 1)) != ST_OK) return rc;
        return ST_OK;
    }
    lp_node *leaf = n;
    st_status rc = reorder(s->c, &leaf, enabled, depth + 1, s->err);
    if (rc != ST_OK) return rc;
    opt_estimate(s->c, leaf);
    lp_node **g = st_arena_realloc(s->c->arena, s->leaves, (size_t)s->n_leaves * sizeof *g,
                                   (size_t)(s->n_leaves + 1) * sizeof *g);
    if (!g) return opt_nomem(s->err, "ordering joins");
    g[s->n_leaves++] = leaf;
    s->leaves = g;
    return ST_OK;
}

/* The unused conjuncts covered by l's and r's columns (marked used if take). */
static st_status covered(jo_state *s, const lp_node *l, const lp_node *r, bool take,
                         lp_expr ***out, int *n_out)
{
    opt_colset both, ls, rs;
    st_status rc = opt_colset_of_node(s->c, l, &both, s->err);
    if (rc == ST_OK) rc = opt_colset_of_node(s->c, l, &ls, s->err);
    if (rc == ST_OK) rc = opt_colset_of_node(s->c, r, &rs, s->err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < r->n_cols; i++) opt_colset_add(&both, r->cols[i].id);
    *out = NULL;
    *n_out = 0;
    for (int i = 0; i < s->n_conj; i++) {
        if (s->used[i] || !opt_expr_within(s->conj[i], &both)) continue;
        if ((rc = opt_push_expr(s->c, out, n_out, s->conj[i], s->err)) != ST_OK) return rc;
        if (take) s->used[i] = true;
    }
    return ST_OK;
}

/* True when some conjunct links l and r (uses columns of both). */
static bool connected(jo_state *s, lp_expr *const *conj, int n, const lp_node *l, const lp_node *r)
{
    opt_colset ls, rs;
    if (opt_colset_of_node(s->c, l, &ls, s->err) != ST_OK ||
        opt_colset_of_node(s->c, r, &rs, s->err) != ST_OK)
        return false;
    for (int i = 0; i < n; i++)
        if (opt_expr_touches(conj[i], &ls) && opt_expr_touches(conj[i], &rs)) return true;
    return false;
}

/* Builds the join of cur and leaf with the smaller input on the right. */
static st_status join_two(jo_state *s, lp_node *cur, lp_node *leaf, lp_node **out)
{
    lp_expr **conj;
    int n;
    st_status rc = covered(s, cur, leaf, true, &conj, &n);
    if (rc != ST_OK) return rc;
    lp_node *l = cur, *r = leaf;
    if (r->est_rows > l->est_rows) {
        l = leaf;
        r = cur;
    }
    lp_node *j = opt_make_join(s->c, LP_JOIN_INNER, l, r, lp_and(s->c, conj, n));
    if (!j) return opt_nomem(s->err, "ordering joins");
    j->est_rows = join_estimate(s->c, l, r, conj, n);
    if ((rc = opt_join_keys_node(s->c, j, s->err)) != ST_OK) return rc;
    *out = j;
    return ST_OK;
}

/* The greedy order from leaf `first`: the connected input giving the
** smallest estimate joins next. *cost = the sum of the estimated rows of
** every join made (the intermediate results). Marks s->used. */
static st_status greedy_from(jo_state *s, int first, lp_node **out, double *cost)
{
    bool *placed = st_arena_calloc(s->c->arena, (size_t)s->n_leaves, sizeof *placed);
    if (!placed) return opt_nomem(s->err, "ordering joins");
    memset(s->used, 0, (size_t)s->n_conj * sizeof *s->used);
    lp_node *cur = s->leaves[first];
    placed[first] = true;
    *cost = 0;
    for (int step = 1; step < s->n_leaves; step++) {
        int pick = -1;
        double pick_est = 0;
        bool pick_conn = false;
        for (int i = 0; i < s->n_leaves; i++) {
            if (placed[i]) continue;
            lp_expr **conj;
            int n;
            st_status rc = covered(s, cur, s->leaves[i], false, &conj, &n);
            if (rc != ST_OK) return rc;
            bool conn = connected(s, conj, n, cur, s->leaves[i]);
            double est = conn ? join_estimate(s->c, cur, s->leaves[i], conj, n)
                              : s->leaves[i]->est_rows;
            if (pick < 0 || (conn && !pick_conn) || (conn == pick_conn && est < pick_est)) {
                pick = i;
                pick_est = est;
                pick_conn = conn;
            }
        }
        placed[pick] = true;
        st_status rc = join_two(s, cur, s->leaves[pick], &cur);
        if (rc != ST_OK) return rc;
        *cost += cur->est_rows;
    }
    *out = cur;
    return ST_OK;
}

/* Runs the greedy order from every input and keeps the one whose
** intermediate results add up to the fewest estimated rows (starting from
** the smallest input alone joins a non-selective dimension to the fact
** table first in TPC-H Q9). Ties keep the smallest start. */
static st_status greedy(jo_state *s, lp_node **out)
{
    s->used = st_arena_calloc(s->c->arena, (size_t)s->n_conj + 1, sizeof *s->used);
    if (!s->used) return opt_nomem(s->err, "ordering joins");
    int smallest = 0;
    for (int i = 1; i < s->n_leaves; i++)
        if (s->leaves[i]->est_rows < s->leaves[smallest]->est_rows) smallest = i;
    int best = smallest;
    double best_cost = 0;
    lp_node *tree = NULL;
    st_status rc = greedy_from(s, smallest, &tree, &best_cost);
    for (int f = 0; rc == ST_OK && f < s->n_leaves && s->n_leaves <= JO_MAX_STARTS; f++) {
        if (f == smallest) continue;
        double cost;
        lp_node *t = NULL;
        if ((rc = greedy_from(s, f, &t, &cost)) != ST_OK) break;
        if (cost < best_cost * 0.999) {
            best = f;
            best_cost = cost;
        }
    }
    if (rc != ST_OK) return rc;
    lp_node *cur = NULL;
    double cost;
    if ((rc = greedy_from(s, best, &cur, &cost)) != ST_OK) return rc;
    /* Conjuncts no join covered (none after pushdown) stay above as a filter. */
    lp_expr **rest = NULL;
    int n_rest = 0;
    for (int i = 0; i < s->n_conj; i++)
        if (!s->used[i]) {
            rc = opt_push_expr(s->c, &rest, &n_rest, s->conj[i], s->err);
            if (rc != ST_OK) return rc;
        }
    if (n_rest > 0 && !(cur = opt_make_filter(s->c, cur, rest, n_rest)))
        return opt_nomem(s->err, "ordering joins");
    *out = cur;
    return ST_OK;
}

static st_status reorder_tree(lp_ctx *c, lp_node **np, bool enabled, int depth, st_error *err)
{
    lp_node *n = *np;
    jo_state s = {c, NULL, 0, NULL, 0, NULL, err};
    st_status rc = flatten(&s, n, enabled, depth);
    if (rc != ST_OK) return rc;
    lp_node *top = NULL;
    if ((rc = greedy(&s, &top)) != ST_OK) return rc;
    bool same = top->n_cols == n->n_cols;
    for (int i = 0; same && i < n->n_cols; i++) same = top->cols[i].id == n->cols[i].id;
    if (!same && !(top = opt_make_identity(c, top, n->cols, n->n_cols)))
        return opt_nomem(err, "ordering joins");
    *np = top;
    return ST_OK;
}

/* A keyed SEMI / ANTI (not null-aware) join whose left input is estimated
** at under a quarter of its right one becomes RIGHT_SEMI / RIGHT_ANTI with
** the inputs and keys swapped: the small side is then the hash build side
** (marking its matched rows) and the large one streams through. */
static void swap_semi(lp_ctx *c, lp_node *n)
{
    if ((n->join != LP_JOIN_SEMI && n->join != LP_JOIN_ANTI) || n->null_aware ||
        n->n_join_keys == 0)
        return;
    double le = opt_estimate(c, n->child[0]), re = opt_estimate(c, n->child[1]);
    if (!(le * 4 < re)) return;
    lp_node *t = n->child[0];
    n->child[0] = n->child[1];
    n->child[1] = t;
    lp_expr **k = n->left_keys;
    n->left_keys = n->right_keys;
    n->right_keys = k;
    n->join = n->join == LP_JOIN_SEMI ? LP_JOIN_RIGHT_SEMI : LP_JOIN_RIGHT_ANTI;
}

/* A keyed LEFT join whose (preserved) left input is estimated at under a
** quarter of its right one becomes a RIGHT join with the inputs and keys
** swapped: the small preserved side is then the hash build side, and its
** rows no probe row matched come out at the end (TPC-H Q13: 150k customers
** built instead of 1.5M orders). Returns whether it swapped. */
static bool swap_left(lp_ctx *c, lp_node *n)
{
    if (n->join != LP_JOIN_LEFT || n->n_join_keys == 0) return false;
    double le = opt_estimate(c, n->child[0]), re = opt_estimate(c, n->child[1]);
    if (!(le >= 0 && re >= 0 && le * 4 < re)) return false;
    lp_node *t = n->child[0];
    n->child[0] = n->child[1];
    n->child[1] = t;
    lp_expr **k = n->left_keys;
    n->left_keys = n->right_keys;
    n->right_keys = k;
    n->join = LP_JOIN_RIGHT;
    return true;
}

static st_status reorder(lp_ctx *c, lp_node **np, bool enabled, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    lp_node *n = *np;
    if (enabled && is_inner(n)) return reorder_tree(c, np, enabled, depth, err);
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = reorder(c, &n->child[i], enabled, depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    if (n->kind == LP_JOIN) {
        lp_col *before = NULL;
        int n_before = n->n_cols;
        if (enabled && n->join == LP_JOIN_LEFT && n->n_join_keys > 0 && n_before > 0) {
            before = st_arena_alloc(c->arena, sizeof *before * (size_t)n_before);
            if (!before) return opt_nomem(err, "ordering joins");
            memcpy(before, n->cols, sizeof *before * (size_t)n_before);
        }
        bool swapped = false;
        if (enabled) {
            swap_semi(c, n);
            swapped = before && swap_left(c, n);
        }
        st_status rc = opt_join_set_cols(c, n, err);
        if (rc != ST_OK) return rc;
        if (swapped) {                 /* the parent sees the columns in their old order */
            lp_node *top = opt_make_identity(c, n, before, n_before);
            if (!top) return opt_nomem(err, "ordering joins");
            *np = top;
        }
    } else if (n->kind == LP_FILTER || n->kind == LP_SORT || n->kind == LP_LIMIT ||
               n->kind == LP_DISTINCT) {
        st_status rc = opt_pass_cols(c, n, err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

st_status opt_join_order_ex(lp_ctx *c, lp_node **root, bool enabled, st_error *err)
{
    st_status rc = reorder(c, root, enabled, 0, err);
    if (rc != ST_OK) return rc;
    opt_estimate(c, *root);
    return ST_OK;
}

st_status opt_join_order(lp_ctx *c, lp_node **root, st_error *err)
{
    return opt_join_order_ex(c, root, true, err);
}

/* ---- conjunct order within a filter ---------------------------------------------- */

static bool plain_operand(const lp_expr *e)
{
    return (e->kind == LP_X_COL && !e->outer) || e->kind == LP_X_CONST;
}

/* A conjunct that cannot fail on any row and costs a compare per row:
** rank 0 over fixed-width values, 1 over strings; -1 for anything else. */
static int cheap_rank(const lp_expr *e)
{
    bool ok = false;
    const lp_expr *v = NULL;
    if (e->kind == LP_X_CALL && e->fn && e->n_args == 2 &&
        (opt_is_call(e, "=") || opt_is_call(e, "==") || opt_is_call(e, "<") ||
         opt_is_call(e, "<=") || opt_is_call(e, ">") || opt_is_call(e, ">=") ||
         opt_is_call(e, "<>") || opt_is_call(e, "!=")) &&
        plain_operand(e->args[0]) && plain_operand(e->args[1])) {
        ok = true;
        v = e->args[0];
    } else if (e->kind == LP_X_IN && e->n_args >= 2 && e->args[0]->kind == LP_X_COL &&
               !e->args[0]->outer) {
        ok = true;
        for (int i = 1; i < e->n_args && ok; i++) ok = e->args[i]->kind == LP_X_CONST;
        v = e->args[0];
    } else if (e->kind == LP_X_IS_NULL && e->args[0]->kind == LP_X_COL && !e->args[0]->outer) {
        return 0;
    }
    if (!ok) return -1;
    if (vec_type_is_varlen(v->type.id)) return 1;
    return vec_type_is_nested(v->type.id) ? -1 : 0;
}

typedef struct conj_key {
    lp_expr *e;
    int      rank;
    double   sel;
    int      at;
} conj_key;

static int conj_cmp(const void *a, const void *b)
{
    const conj_key *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->sel != y->sel) return x->sel < y->sel ? -1 : 1;
    return x->at - y->at;
}

/* Cheap conjuncts (cheap_rank >= 0) first, fixed-width before strings and
** the more selective first; the others keep their order after them. Moving
** a conjunct that never fails ahead changes no answer and raises no error
** the written order would not. */
static st_status order_conjuncts(lp_ctx *c, lp_node *n, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = order_conjuncts(c, n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    if (n->kind != LP_FILTER || !n->cond || n->cond->kind != LP_X_AND) return ST_OK;
    lp_expr **conj = NULL;
    int nc = 0;
    st_status rc = lp_conjuncts(c, n->cond, &conj, &nc, err);
    if (rc != ST_OK || nc < 2) return rc;
    conj_key *k = st_arena_alloc(c->arena, (size_t)nc * sizeof *k);
    if (!k) return opt_nomem(err, "ordering filter conditions");
    for (int i = 0; i < nc; i++) {
        int r = cheap_rank(conj[i]);
        k[i] = (conj_key){conj[i], r >= 0 ? r : 2, r >= 0 ? conj_selectivity(conj[i]) : 1.0,
                          i};
    }
    /* The rest (rank 2) keep their written order: equal rank and
    ** selectivity fall back to the position. */
    qsort(k, (size_t)nc, sizeof *k, conj_cmp);
    for (int i = 0; i < nc; i++) conj[i] = k[i].e;
    lp_expr *cond = lp_and(c, conj, nc);
    if (!cond) return opt_nomem(err, "ordering filter conditions");
    n->cond = cond;
    return ST_OK;
}

st_status opt_order_conjuncts(lp_ctx *c, lp_node **root, st_error *err)
{
    return order_conjuncts(c, *root, 0, err);
}
