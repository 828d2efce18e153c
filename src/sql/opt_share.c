/* opt_share.c -- common subplans (opt.h stage 8): a grouped aggregate that
** appears more than once in a plan -- a CTE or view referenced twice is
** bound once per reference (TPC-H Q15's revenue view: once joined, once
** under max()) -- is marked with one share_id on every occurrence; the
** physical planner computes the first one into a buffer and reads the
** others from it, so the input is scanned and aggregated once.
**
** Two subplans are equal when their canonical text is (opt_canonical_text:
** lp_format with the columns renumbered in the order a copy meets them)
** and their scans read the same sources (path, Delta version, file list,
** range bounds; CSV and JSON scans are never shared).
** Only deterministic subplans without LIMIT are shared (Spark evaluates a
** CTE per reference, so sharing must not be observable), and only those
** estimated at no more than SHARE_MAX_ROWS rows, since the buffer holds the
** whole result in memory. An occurrence inside a shared subplan is left
** alone (the outer one is shared whole). */
#include <string.h>

#include "opt_int.h"

#define SHARE_MAX_ROWS 1000000.0
#define SHARE_MAX_DEPTH 10000

typedef struct share_ent {
    lp_node *node;
    char    *text;            /* arena: canonical text + source identities */
} share_ent;

typedef struct share_ctx {
    lp_ctx    *c;
    share_ent *ents;          /* arena */
    int        n, cap;
    st_error  *err;
} share_ctx;

/* Repeatable (opt_plan_repeatable) and without VALUES or CSV / JSON scans,
** whose literal rows and reader options the canonical text does not show. */
static bool node_ok(const lp_node *n, int depth)
{
    if (depth > SHARE_MAX_DEPTH || n->kind == LP_VALUES) return false;
    if (n->kind == LP_SCAN && (!n->source || n->source->kind == LP_SRC_CSV ||
                               n->source->kind == LP_SRC_JSON))
        return false;
    for (int i = 0; i < n->n_child; i++)
        if (!node_ok(n->child[i], depth + 1)) return false;
    return true;
}

/* Appends what identifies the data every scan under n reads. */
static st_status sources(const lp_node *n, st_buf *b, int depth, st_error *err)
{
    if (depth > SHARE_MAX_DEPTH) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    st_status rc = ST_OK;
    if (n->kind == LP_SCAN && n->source) {
        const lp_source *s = n->source;
        rc = st_buf_printf(b, err, "\n[%d %s v%lld range %lld %lld %lld files %d", (int)s->kind,
                           s->path ? s->path : "",
                           (long long)(s->snapshot ? s->snapshot->version : -1),
                           (long long)s->range_start, (long long)s->range_end,
                           (long long)s->range_step, s->n_files);
        for (int i = 0; rc == ST_OK && i < s->n_files; i++)
            rc = st_buf_printf(b, err, " %s", s->files[i]);
        if (rc == ST_OK) rc = st_buf_append_str(b, "]", err);
    }
    for (int i = 0; rc == ST_OK && i < n->n_child; i++) rc = sources(n->child[i], b, depth + 1, err);
    return rc;
}

static st_status add_candidate(share_ctx *s, lp_node *n)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc = opt_canonical_text(s->c, n, &b, s->err);
    if (rc == ST_OK) rc = sources(n, &b, 0, s->err);
    char *text = rc == ST_OK ? st_arena_alloc(s->c->arena, b.len + 1) : NULL;
    if (rc == ST_OK && !text) rc = opt_nomem(s->err, "comparing plans");
    if (rc == ST_OK) {
        memcpy(text, b.data, b.len);
        text[b.len] = '\0';
    }
    st_buf_destroy(&b);
    if (rc != ST_OK) return rc;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        share_ent *e = st_arena_realloc(s->c->arena, s->ents, (size_t)s->cap * sizeof *e,
                                        (size_t)cap * sizeof *e);
        if (!e) return opt_nomem(s->err, "comparing plans");
        s->ents = e;
        s->cap = cap;
    }
    s->ents[s->n++] = (share_ent){n, text};
    return ST_OK;
}

static st_status collect(share_ctx *s, lp_node *n, int depth)
{
    if (depth > SHARE_MAX_DEPTH) return st_error_set(s->err, ST_ERR_LIMIT, "plan nested too deeply");
    if (n->kind == LP_AGGREGATE && n->n_groups > 0 && n->est_rows >= 0 &&
        n->est_rows <= SHARE_MAX_ROWS && opt_plan_repeatable(n, 0) && node_ok(n, 0)) {
        st_status rc = add_candidate(s, n);
        if (rc != ST_OK) return rc;
    }
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = collect(s, n->child[i], depth + 1);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

static void clear_below(lp_node *n, int depth)
{
    if (depth > SHARE_MAX_DEPTH) return;
    for (int i = 0; i < n->n_child; i++) {
        n->child[i]->share_id = 0;
        clear_below(n->child[i], depth + 1);
    }
}

st_status opt_share(lp_ctx *c, lp_node **root, st_error *err)
{
    share_ctx s = {c, NULL, 0, 0, err};
    st_status rc = collect(&s, *root, 0);
    if (rc != ST_OK) return rc;
    int next_id = 1;
    for (int i = 0; i < s.n; i++) {
        if (s.ents[i].node->share_id) continue;
        int id = 0;
        for (int j = i + 1; j < s.n; j++)
            if (!s.ents[j].node->share_id && strcmp(s.ents[i].text, s.ents[j].text) == 0) {
                if (!id) id = next_id++;
                s.ents[j].node->share_id = id;
            }
        if (id) s.ents[i].node->share_id = id;
    }
    /* Outer occurrences were collected first (pre-order): a shared subplan
    ** inside a shared one is computed by it, not on its own. */
    for (int i = 0; i < s.n; i++)
        if (s.ents[i].node->share_id) clear_below(s.ents[i].node, 0);
    return ST_OK;
}
