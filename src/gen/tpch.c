/* tpch.c -- the TPC-H data generator (TPC-H specification v3, clause 4.2):
** region, nation, supplier, customer, part, partsupp, orders and lineitem with
** the spec's cardinalities, key relationships, value domains and formulas.
** Implemented by hand: no packaged C library generates TPC-H data.
**
** Determinism: row r of table t draws every random value, in a fixed order,
** from a splitmix64 stream seeded by (t, r) only. An order's lineitems come
** from the order's own stream, so orders and lineitem are generated together
** (o_totalprice and o_orderstatus depend on the lines). Comments are windows
** of a text pool built once per run from the spec's word grammar with a fixed
** seed. Hence the output is the same for every thread count and chunk size.
**
** Parallelism: the rows are cut into units (chunks of one table; an orders
** unit yields an orders batch and the lineitem batch of those orders). Worker
** threads claim units in order but never more than WINDOW_PER_THREAD units
** per thread ahead of the writer; the calling thread writes finished units in
** unit order through one writer per table (a pq_writer, or a delta_txn for
** --format delta) and frees them, so memory stays bounded by the chunk size.
**
** Values not byte-identical to dbgen: the domains and distributions follow
** the spec so that the 22 queries return meaningful answers. */
#include "gen.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>

#include "../delta/delta.h"
#include "../format/parquet/pq.h"
#include "../store/store.h"

#define GEN_SEED            0x7374726174612d31ULL   /* "strata-1" */
#define DEFAULT_CHUNK_ROWS  131072
#define WINDOW_PER_THREAD   2        /* units in flight per thread */
#define TEXT_POOL_BYTES     (2 << 20)
#define ROW_GROUP_ROWS      262144
#define MAX_LINES           7        /* lineitems per order: 1..7 */

/* ---- random streams ------------------------------------------------------ */

typedef struct gen_rng {
    uint64_t s;   /* splitmix64 state */
} gen_rng;

static inline uint64_t rng_next(gen_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (inclusive); hi >= lo. */
static inline int64_t rng_range(gen_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(((unsigned __int128)rng_next(r) * span) >> 64);
}

/* The stream of row `row` of table `table`: independent of chunking. */
static gen_rng rng_for(int table, int64_t row)
{
    gen_rng r = { GEN_SEED ^ ((uint64_t)(table + 1) << 56) ^ ((uint64_t)row * 0xD6E8FEB86659FD93ULL) };
    r.s = rng_next(&r);
    return r;
}

/* ---- the spec's pools (clause 4.2.2.13, 4.2.3) --------------------------- */

static const char *const REGIONS[5] = { "AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST" };

static const struct { const char *name; int region; } NATIONS[25] = {
    { "ALGERIA", 0 }, { "ARGENTINA", 1 }, { "BRAZIL", 1 }, { "CANADA", 1 }, { "EGYPT", 4 },
    { "ETHIOPIA", 0 }, { "FRANCE", 3 }, { "GERMANY", 3 }, { "INDIA", 2 }, { "INDONESIA", 2 },
    { "IRAN", 4 }, { "IRAQ", 4 }, { "JAPAN", 2 }, { "JORDAN", 4 }, { "KENYA", 0 },
    { "MOROCCO", 0 }, { "MOZAMBIQUE", 0 }, { "PERU", 1 }, { "CHINA", 2 }, { "ROMANIA", 3 },
    { "SAUDI ARABIA", 4 }, { "VIETNAM", 2 }, { "RUSSIA", 3 }, { "UNITED KINGDOM", 3 },
    { "UNITED STATES", 1 },
};

static const char *const COLORS[] = {
    "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
    "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
    "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab",
    "firebrick", "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green",
    "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon",
    "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint",
    "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya",
    "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal",
    "saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow",
    "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white",
    "yellow",
};
_Static_assert(sizeof COLORS / sizeof COLORS[0] == 92, "the spec has 92 colour words");

static const char *const TYPE_S1[] = { "STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO" };
static const char *const TYPE_S2[] = { "ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED" };
static const char *const TYPE_S3[] = { "TIN", "NICKEL", "BRASS", "STEEL", "COPPER" };
static const char *const CONT_S1[] = { "SM", "LG", "MED", "JUMBO", "WRAP" };
static const char *const CONT_S2[] = { "CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM" };
static const char *const SEGMENTS[] = { "AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY",
                                        "HOUSEHOLD" };
static const char *const PRIORITIES[] = { "1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED",
                                          "5-LOW" };
static const char *const INSTRUCTS[] = { "DELIVER IN PERSON", "COLLECT COD", "NONE",
                                         "TAKE BACK RETURN" };
static const char *const MODES[] = { "REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB" };

/* Text grammar word lists; the frequent words of dbgen's weighted lists
** (packages, requests, accounts, deposits; special, pending, express...) are
** repeated to carry their weight. */
static const char *const NOUNS[] = {
    "packages", "packages", "packages", "requests", "requests", "requests", "accounts",
    "accounts", "accounts", "deposits", "deposits", "deposits", "foxes", "ideas", "theodolites",
    "pinto beans", "instructions", "dependencies", "excuses", "platelets", "asymptotes",
    "courts", "dolphins", "multipliers", "sauternes", "warthogs", "frets", "dinos",
    "attainments", "somas", "Tiresias", "patterns", "forges", "braids", "hockey players",
    "frays", "warhorses", "dugouts", "notornis", "epitaphs", "pearls", "tithes", "waters",
    "orbits", "gifts", "sheaves", "depths", "sentiments", "decoys", "realms", "pains",
    "grouches", "escapades",
};
static const char *const VERBS[] = {
    "sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost", "affix", "detect",
    "integrate", "maintain", "nod", "was", "lose", "sublate", "solve", "thrash", "promise",
    "engage", "hinder", "print", "x-ray", "breach", "eat", "grow", "impress", "mold", "poach",
    "serve", "run", "dazzle", "snooze", "doze", "unwind", "kindle", "play", "hang", "believe",
    "doubt",
};
static const char *const ADJECTIVES[] = {
    "special", "special", "pending", "pending", "unusual", "express", "express", "furious",
    "sly", "careful", "blithe", "quick", "fluffy", "slow", "quiet", "ruthless", "thin", "close",
    "dogged", "daring", "brave", "stealthy", "permanent", "enticing", "idle", "busy", "regular",
    "final", "ironic", "even", "bold", "silent",
};
static const char *const ADVERBS[] = {
    "sometimes", "always", "never", "furiously", "slyly", "carefully", "blithely", "quickly",
    "fluffily", "slowly", "quietly", "ruthlessly", "thinly", "closely", "doggedly", "daringly",
    "bravely", "stealthily", "permanently", "enticingly", "idly", "busily", "regularly",
    "finally", "ironically", "evenly", "boldly", "silently",
};
static const char *const PREPOSITIONS[] = {
    "about", "above", "according to", "across", "after", "against", "along", "alongside of",
    "among", "around", "at", "atop", "before", "behind", "beneath", "beside", "besides",
    "between", "beyond", "by", "despite", "during", "except", "for", "from", "in place of",
    "inside", "instead of", "into", "near", "of", "on", "outside", "over", "past", "since",
    "through", "throughout", "to", "toward", "under", "until", "up", "upon", "without", "with",
    "within",
};
static const char *const AUXILIARIES[] = {
    "do", "may", "might", "shall", "will", "would", "can", "could", "should", "ought to",
    "must", "will have to", "shall have to", "could have to", "should have to", "must have to",
    "need to", "try to",
};
static const char *const TERMINATORS[] = { ".", ".", ".", ";", ":", "?", "!", "--" };

#define PICK(r, arr) ((arr)[rng_range((r), 0, (int64_t)ST_ARRAY_LEN(arr) - 1)])

/* ---- schemas ------------------------------------------------------------- */

enum { K_I64, K_I32, K_DEC, K_STR, K_DATE };

typedef struct col_spec {
    const char *name;
    uint8_t     kind;      /* K_* */
    uint8_t     max_len;   /* K_STR: longest value in bytes */
} col_spec;

static const col_spec REGION_COLS[] = {
    { "r_regionkey", K_I64, 0 }, { "r_name", K_STR, 25 }, { "r_comment", K_STR, 152 },
};
static const col_spec NATION_COLS[] = {
    { "n_nationkey", K_I64, 0 }, { "n_name", K_STR, 25 }, { "n_regionkey", K_I64, 0 },
    { "n_comment", K_STR, 152 },
};
static const col_spec SUPPLIER_COLS[] = {
    { "s_suppkey", K_I64, 0 }, { "s_name", K_STR, 25 }, { "s_address", K_STR, 40 },
    { "s_nationkey", K_I64, 0 }, { "s_phone", K_STR, 15 }, { "s_acctbal", K_DEC, 0 },
    { "s_comment", K_STR, 101 },
};
static const col_spec CUSTOMER_COLS[] = {
    { "c_custkey", K_I64, 0 }, { "c_name", K_STR, 25 }, { "c_address", K_STR, 40 },
    { "c_nationkey", K_I64, 0 }, { "c_phone", K_STR, 15 }, { "c_acctbal", K_DEC, 0 },
    { "c_mktsegment", K_STR, 10 }, { "c_comment", K_STR, 117 },
};
static const col_spec PART_COLS[] = {
    { "p_partkey", K_I64, 0 }, { "p_name", K_STR, 55 }, { "p_mfgr", K_STR, 25 },
    { "p_brand", K_STR, 10 }, { "p_type", K_STR, 25 }, { "p_size", K_I32, 0 },
    { "p_container", K_STR, 10 }, { "p_retailprice", K_DEC, 0 }, { "p_comment", K_STR, 23 },
};
static const col_spec PARTSUPP_COLS[] = {
    { "ps_partkey", K_I64, 0 }, { "ps_suppkey", K_I64, 0 }, { "ps_availqty", K_I32, 0 },
    { "ps_supplycost", K_DEC, 0 }, { "ps_comment", K_STR, 199 },
};
static const col_spec ORDERS_COLS[] = {
    { "o_orderkey", K_I64, 0 }, { "o_custkey", K_I64, 0 }, { "o_orderstatus", K_STR, 1 },
    { "o_totalprice", K_DEC, 0 }, { "o_orderdate", K_DATE, 0 },
    { "o_orderpriority", K_STR, 15 }, { "o_clerk", K_STR, 15 }, { "o_shippriority", K_I32, 0 },
    { "o_comment", K_STR, 79 },
};
static const col_spec LINEITEM_COLS[] = {
    { "l_orderkey", K_I64, 0 }, { "l_partkey", K_I64, 0 }, { "l_suppkey", K_I64, 0 },
    { "l_linenumber", K_I32, 0 }, { "l_quantity", K_DEC, 0 }, { "l_extendedprice", K_DEC, 0 },
    { "l_discount", K_DEC, 0 }, { "l_tax", K_DEC, 0 }, { "l_returnflag", K_STR, 1 },
    { "l_linestatus", K_STR, 1 }, { "l_shipdate", K_DATE, 0 }, { "l_commitdate", K_DATE, 0 },
    { "l_receiptdate", K_DATE, 0 }, { "l_shipinstruct", K_STR, 25 },
    { "l_shipmode", K_STR, 10 }, { "l_comment", K_STR, 44 },
};

static const struct { const char *name; const col_spec *cols; int n_cols; } TABLES[] = {
    { "region", REGION_COLS, (int)ST_ARRAY_LEN(REGION_COLS) },
    { "nation", NATION_COLS, (int)ST_ARRAY_LEN(NATION_COLS) },
    { "supplier", SUPPLIER_COLS, (int)ST_ARRAY_LEN(SUPPLIER_COLS) },
    { "customer", CUSTOMER_COLS, (int)ST_ARRAY_LEN(CUSTOMER_COLS) },
    { "part", PART_COLS, (int)ST_ARRAY_LEN(PART_COLS) },
    { "partsupp", PARTSUPP_COLS, (int)ST_ARRAY_LEN(PARTSUPP_COLS) },
    { "orders", ORDERS_COLS, (int)ST_ARRAY_LEN(ORDERS_COLS) },
    { "lineitem", LINEITEM_COLS, (int)ST_ARRAY_LEN(LINEITEM_COLS) },
};
_Static_assert(sizeof TABLES / sizeof TABLES[0] == GEN_TPCH_N_TABLES, "one entry per table");

const char *gen_tpch_table_name(gen_tpch_table t)
{
    return (unsigned)t < GEN_TPCH_N_TABLES ? TABLES[t].name : NULL;
}

static int64_t scaled(double sf, double base)
{
    int64_t n = llround(sf * base);
    return n < 1 ? 1 : n;
}

int64_t gen_tpch_row_count(gen_tpch_table t, double sf)
{
    switch (t) {
    case GEN_TPCH_REGION: return 5;
    case GEN_TPCH_NATION: return 25;
    case GEN_TPCH_SUPPLIER: return scaled(sf, 10000);
    case GEN_TPCH_CUSTOMER: return scaled(sf, 150000);
    case GEN_TPCH_PART: return scaled(sf, 200000);
    case GEN_TPCH_PARTSUPP: return 4 * scaled(sf, 200000);
    case GEN_TPCH_ORDERS: return scaled(sf, 1500000);
    default: return -1;
    }
}

st_status gen_tpch_schema(gen_tpch_table t, st_arena *a, vec_schema *out, st_error *err)
{
    if ((unsigned)t >= GEN_TPCH_N_TABLES)
        return st_error_set(err, ST_ERR_ARGUMENT, "unknown TPC-H table id %d", (int)t);
    int n = TABLES[t].n_cols;
    vec_field *f = st_arena_calloc(a, (size_t)n, sizeof *f);
    if (!f)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building the %s schema",
                            TABLES[t].name);
    for (int i = 0; i < n; i++) {
        const col_spec *c = &TABLES[t].cols[i];
        f[i].name = c->name;
        f[i].nullable = false;
        switch (c->kind) {
        case K_I64: f[i].type.id = VEC_INT64; break;
        case K_I32: f[i].type.id = VEC_INT32; break;
        case K_STR: f[i].type.id = VEC_STRING; break;
        case K_DATE: f[i].type.id = VEC_DATE; break;
        default:
            f[i].type.id = VEC_DECIMAL;
            f[i].type.precision = 15;
            f[i].type.scale = 2;
            break;
        }
    }
    out->n_fields = n;
    out->fields = f;
    return ST_OK;
}

/* ---- the run's shared, read-only context ----------------------------------- */

typedef struct tpch_ctx {
    double     sf;
    int64_t    n_supp, n_cust, n_part, n_orders, n_clerks;
    int32_t    start_date, end_date, current_date;   /* days since the epoch */
    char      *text;                /* owned: comment pool */
    int64_t    text_len;            /* bytes in text */
    vec_schema schema[GEN_TPCH_N_TABLES];
    st_arena  *arena;               /* owned: schemas */
} tpch_ctx;

static void pool_word(st_buf *b, const char *w, st_error *err)
{
    if (b->len > 0)
        st_buf_append_byte(b, ' ', err);
    st_buf_append_str(b, w, err);
}

/* noun phrase: noun | adj noun | adj, adj noun | adverb adj noun */
static void pool_noun_phrase(st_buf *b, gen_rng *r, st_error *err)
{
    switch (rng_range(r, 0, 3)) {
    case 0: break;
    case 1: pool_word(b, PICK(r, ADJECTIVES), err); break;
    case 2:
        pool_word(b, PICK(r, ADJECTIVES), err);
        st_buf_append_byte(b, ',', err);
        pool_word(b, PICK(r, ADJECTIVES), err);
        break;
    default:
        pool_word(b, PICK(r, ADVERBS), err);
        pool_word(b, PICK(r, ADJECTIVES), err);
        break;
    }
    pool_word(b, PICK(r, NOUNS), err);
}

/* verb phrase: verb | aux verb | verb adverb | aux verb adverb */
static void pool_verb_phrase(st_buf *b, gen_rng *r, st_error *err)
{
    int64_t k = rng_range(r, 0, 3);
    if (k & 1)
        pool_word(b, PICK(r, AUXILIARIES), err);
    pool_word(b, PICK(r, VERBS), err);
    if (k & 2)
        pool_word(b, PICK(r, ADVERBS), err);
}

static void pool_prep_phrase(st_buf *b, gen_rng *r, st_error *err)
{
    pool_word(b, PICK(r, PREPOSITIONS), err);
    pool_word(b, "the", err);
    pool_noun_phrase(b, r, err);
}

/* The spec's sentence forms (4.2.2.14), one per call. */
static void pool_sentence(st_buf *b, gen_rng *r, st_error *err)
{
    pool_noun_phrase(b, r, err);
    switch (rng_range(r, 0, 4)) {
    case 0: pool_verb_phrase(b, r, err); break;
    case 1: pool_verb_phrase(b, r, err); pool_prep_phrase(b, r, err); break;
    case 2: pool_verb_phrase(b, r, err); pool_noun_phrase(b, r, err); break;
    case 3:
        pool_prep_phrase(b, r, err);
        pool_verb_phrase(b, r, err);
        pool_noun_phrase(b, r, err);
        break;
    default:
        pool_prep_phrase(b, r, err);
        pool_verb_phrase(b, r, err);
        pool_prep_phrase(b, r, err);
        break;
    }
    st_buf_append_str(b, PICK(r, TERMINATORS), err);
}

static st_status build_text_pool(tpch_ctx *c, st_error *err)
{
    st_buf b;
    st_buf_init(&b);
    st_error e;
    st_error_init(&e);
    gen_rng r = { GEN_SEED ^ 0x74657874ULL };
    if (st_buf_reserve(&b, TEXT_POOL_BYTES + 256, err) != ST_OK)
        return st_error_context(err, "building the TPC-H text pool");
    while (b.len < TEXT_POOL_BYTES && e.code == ST_OK)
        pool_sentence(&b, &r, &e);
    if (e.code != ST_OK) {
        st_buf_destroy(&b);
        *err = e;
        return st_error_context(err, "building the TPC-H text pool");
    }
    c->text = (char *)b.data;   /* the buffer's heap memory now belongs to c */
    c->text_len = (int64_t)b.len;
    return ST_OK;
}

static void ctx_destroy(tpch_ctx *c)
{
    st_free(c->text);
    st_arena_free(c->arena);
}

static st_status ctx_init(tpch_ctx *c, double sf, st_error *err)
{
    memset(c, 0, sizeof *c);
    c->sf = sf;
    c->n_supp = gen_tpch_row_count(GEN_TPCH_SUPPLIER, sf);
    c->n_cust = gen_tpch_row_count(GEN_TPCH_CUSTOMER, sf);
    c->n_part = gen_tpch_row_count(GEN_TPCH_PART, sf);
    c->n_orders = gen_tpch_row_count(GEN_TPCH_ORDERS, sf);
    c->n_clerks = scaled(sf, 1000);
    c->start_date = (int32_t)st_days_from_civil(1992, 1, 1);
    c->end_date = (int32_t)st_days_from_civil(1998, 12, 31);
    c->current_date = (int32_t)st_days_from_civil(1995, 6, 17);
    c->arena = st_arena_new(0);
    if (!c->arena)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory starting the TPC-H generator");
    for (int t = 0; t < GEN_TPCH_N_TABLES; t++)
        if (gen_tpch_schema((gen_tpch_table)t, c->arena, &c->schema[t], err) != ST_OK)
            goto fail;
    if (build_text_pool(c, err) != ST_OK)
        goto fail;
    return ST_OK;
fail:
    ctx_destroy(c);
    return err->code;
}

/* ---- column writers -------------------------------------------------------- */

/* Appends strings row by row into a STRING vector whose byte buffer was sized
** for n_rows * max_len bytes up front. */
typedef struct str_col {
    int32_t *off;    /* borrowed: vector offsets */
    uint8_t *bytes;  /* borrowed: batch arena */
    int32_t  pos;    /* bytes used */
    int64_t  row;    /* next row */
} str_col;

static inline void str_put(str_col *s, const char *p, size_t n)
{
    memcpy(s->bytes + s->pos, p, n);
    s->pos += (int32_t)n;
    s->off[++s->row] = s->pos;
}

static inline char *str_reserve(str_col *s) { return (char *)s->bytes + s->pos; }
static inline void str_commit(str_col *s, size_t n)
{
    s->pos += (int32_t)n;
    s->off[++s->row] = s->pos;
}

/* A batch of table t with room for cap rows; every column allocated. */
static vec_batch *batch_new(const tpch_ctx *c, int t, int64_t cap, str_col *strs)
{
    const vec_schema *s = &c->schema[t];
    vec_batch *b = vec_batch_new(s, s->n_fields, 1 << 20);
    if (!b)
        return NULL;
    for (int i = 0; i < s->n_fields; i++) {
        b->cols[i] = vec_new(b->arena, &s->fields[i].type, cap);
        if (!b->cols[i])
            goto fail;
        if (s->fields[i].type.id == VEC_STRING) {
            size_t n;
            if (!st_mul_size((size_t)cap, TABLES[t].cols[i].max_len, &n))
                goto fail;
            b->cols[i]->bytes = st_arena_alloc(b->arena, n ? n : 1);
            if (!b->cols[i]->bytes)
                goto fail;
            strs[i] = (str_col){ vec_offsets(b->cols[i]), b->cols[i]->bytes, 0, 0 };
        }
    }
    return b;
fail:
    vec_batch_free(b);
    return NULL;
}

/* Sets the final row count n of b (n <= the capacity it was built with). */
static void batch_finish(vec_batch *b, int64_t n, const str_col *strs)
{
    b->n_rows = n;
    for (int i = 0; i < b->n_cols; i++) {
        b->cols[i]->len = n;
        if (b->cols[i]->type->id == VEC_STRING)
            b->cols[i]->n_bytes = strs[i].pos;
    }
}

#define COL_I64(b, i)  ((int64_t *)(b)->cols[i]->values)
#define COL_I32(b, i)  ((int32_t *)(b)->cols[i]->values)
#define COL_DEC(b, i)  ((__int128 *)(b)->cols[i]->values)

/* A comment of lo..hi bytes: a window of the text pool. */
static size_t put_text(const tpch_ctx *c, gen_rng *r, char *dst, int lo, int hi)
{
    int64_t n = rng_range(r, lo, hi);
    int64_t at = rng_range(r, 0, c->text_len - n);
    memcpy(dst, c->text + at, (size_t)n);
    return (size_t)n;
}

static void str_text(const tpch_ctx *c, gen_rng *r, str_col *s, int lo, int hi)
{
    str_commit(s, put_text(c, r, str_reserve(s), lo, hi));
}

/* Random v-string of lo..hi characters (addresses). */
static void str_vstring(gen_rng *r, str_col *s, int lo, int hi)
{
    static const char ALNUM[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,";
    int64_t n = rng_range(r, lo, hi);
    char *d = str_reserve(s);
    for (int64_t i = 0; i < n; i++)
        d[i] = ALNUM[rng_range(r, 0, (int64_t)sizeof ALNUM - 2)];
    str_commit(s, (size_t)n);
}

static void str_fmt_key(str_col *s, const char *prefix, int64_t key)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%s%09" PRId64, prefix, key);
    str_put(s, tmp, (size_t)n);
}

/* Phone number "CC-LLL-LLL-LLLL", CC = nationkey + 10 (4.2.2.9). */
static void str_phone(gen_rng *r, str_col *s, int64_t nation)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%02d-%03d-%03d-%04d", (int)(nation + 10),
                     (int)rng_range(r, 100, 999), (int)rng_range(r, 100, 999),
                     (int)rng_range(r, 1000, 9999));
    str_put(s, tmp, (size_t)n);
}

static void str_cstr(str_col *s, const char *v) { str_put(s, v, strlen(v)); }

/* ---- tables ------------------------------------------------------------------ */

static int64_t retail_cents(int64_t pk)
{
    return 90000 + ((pk / 10) % 20001) + 100 * (pk % 1000);
}

/* The i-th (0..3) supplier of part pk (4.2.3, PARTSUPP). */
static int64_t part_supplier(int64_t pk, int64_t i, int64_t n_supp)
{
    return (pk + i * (n_supp / 4 + (pk - 1) / n_supp)) % n_supp + 1;
}

static void gen_region(const tpch_ctx *c, vec_batch *b, str_col *s)
{
    for (int64_t i = 0; i < 5; i++) {
        gen_rng r = rng_for(GEN_TPCH_REGION, i);
        COL_I64(b, 0)[i] = i;
        str_cstr(&s[1], REGIONS[i]);
        str_text(c, &r, &s[2], 31, 115);
    }
}

static void gen_nation(const tpch_ctx *c, vec_batch *b, str_col *s)
{
    for (int64_t i = 0; i < 25; i++) {
        gen_rng r = rng_for(GEN_TPCH_NATION, i);
        COL_I64(b, 0)[i] = i;
        str_cstr(&s[1], NATIONS[i].name);
        COL_I64(b, 2)[i] = NATIONS[i].region;
        str_text(c, &r, &s[3], 31, 114);
    }
}

/* Writes "Customer " ... word into a supplier comment of n >= 25 bytes. */
static void embed_bbb(gen_rng *r, char *d, size_t n, const char *word)
{
    int64_t p = rng_range(r, 0, (int64_t)n - 19);
    int64_t q = rng_range(r, p + 9, (int64_t)n - 10);
    memcpy(d + p, "Customer ", 9);
    memcpy(d + q, word, 10);
}

static void gen_supplier(const tpch_ctx *c, int64_t first, int64_t n, vec_batch *b, str_col *s)
{
    /* SF*5 suppliers complain and SF*5 recommend (at least one each): evenly
    ** spaced keys, at different offsets. */
    int64_t n_bbb = c->n_supp / 2000 > 0 ? c->n_supp / 2000 : 1;
    int64_t stride = c->n_supp / n_bbb;
    for (int64_t i = 0; i < n; i++) {
        int64_t row = first + i, key = row + 1;
        gen_rng r = rng_for(GEN_TPCH_SUPPLIER, row);
        COL_I64(b, 0)[i] = key;
        str_fmt_key(&s[1], "Supplier#", key);
        str_vstring(&r, &s[2], 10, 40);
        int64_t nation = rng_range(&r, 0, 24);
        COL_I64(b, 3)[i] = nation;
        str_phone(&r, &s[4], nation);
        COL_DEC(b, 5)[i] = rng_range(&r, -99999, 999999);
        char *d = str_reserve(&s[6]);
        size_t len = put_text(c, &r, d, 25, 100);
        if (row % stride == 13 % stride && row / stride < n_bbb)
            embed_bbb(&r, d, len, "Complaints");
        else if (row % stride == 57 % stride && row / stride < n_bbb)
            embed_bbb(&r, d, len, "Recommends");
        str_commit(&s[6], len);
    }
}

static void gen_customer(const tpch_ctx *c, int64_t first, int64_t n, vec_batch *b, str_col *s)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t row = first + i, key = row + 1;
        gen_rng r = rng_for(GEN_TPCH_CUSTOMER, row);
        COL_I64(b, 0)[i] = key;
        str_fmt_key(&s[1], "Customer#", key);
        str_vstring(&r, &s[2], 10, 40);
        int64_t nation = rng_range(&r, 0, 24);
        COL_I64(b, 3)[i] = nation;
        str_phone(&r, &s[4], nation);
        COL_DEC(b, 5)[i] = rng_range(&r, -99999, 999999);
        str_cstr(&s[6], PICK(&r, SEGMENTS));
        str_text(c, &r, &s[7], 29, 116);
    }
}

static void gen_part(const tpch_ctx *c, int64_t first, int64_t n, vec_batch *b, str_col *s)
{
    char tmp[64];
    for (int64_t i = 0; i < n; i++) {
        int64_t row = first + i, key = row + 1;
        gen_rng r = rng_for(GEN_TPCH_PART, row);
        COL_I64(b, 0)[i] = key;
        /* p_name: 5 distinct colour words */
        int w[5];
        char *d = str_reserve(&s[1]);
        size_t len = 0;
        for (int k = 0; k < 5; k++) {
            bool dup;
            do {
                w[k] = (int)rng_range(&r, 0, (int64_t)ST_ARRAY_LEN(COLORS) - 1);
                dup = false;
                for (int j = 0; j < k; j++)
                    dup |= w[j] == w[k];
            } while (dup);
            if (k > 0)
                d[len++] = ' ';
            size_t wl = strlen(COLORS[w[k]]);
            memcpy(d + len, COLORS[w[k]], wl);
            len += wl;
        }
        str_commit(&s[1], len);
        int m = (int)rng_range(&r, 1, 5);
        int nn = snprintf(tmp, sizeof tmp, "Manufacturer#%d", m);
        str_put(&s[2], tmp, (size_t)nn);
        nn = snprintf(tmp, sizeof tmp, "Brand#%d%d", m, (int)rng_range(&r, 1, 5));
        str_put(&s[3], tmp, (size_t)nn);
        nn = snprintf(tmp, sizeof tmp, "%s %s %s", PICK(&r, TYPE_S1), PICK(&r, TYPE_S2),
                      PICK(&r, TYPE_S3));
        str_put(&s[4], tmp, (size_t)nn);
        COL_I32(b, 5)[i] = (int32_t)rng_range(&r, 1, 50);
        nn = snprintf(tmp, sizeof tmp, "%s %s", PICK(&r, CONT_S1), PICK(&r, CONT_S2));
        str_put(&s[6], tmp, (size_t)nn);
        COL_DEC(b, 7)[i] = retail_cents(key);
        str_text(c, &r, &s[8], 5, 22);
    }
}

/* Rows of partsupp: row = 4 * (partkey - 1) + i. */
static void gen_partsupp(const tpch_ctx *c, int64_t first, int64_t n, vec_batch *b, str_col *s)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t row = first + k, pk = row / 4 + 1;
        gen_rng r = rng_for(GEN_TPCH_PARTSUPP, row);
        COL_I64(b, 0)[k] = pk;
        COL_I64(b, 1)[k] = part_supplier(pk, row % 4, c->n_supp);
        COL_I32(b, 2)[k] = (int32_t)rng_range(&r, 1, 9999);
        COL_DEC(b, 3)[k] = rng_range(&r, 100, 100000);
        str_text(c, &r, &s[4], 49, 198);
    }
}

/* Sparse order keys: 8 of every 32 (4.2.3, O_ORDERKEY). */
static inline int64_t order_key(int64_t row)
{
    return (row / 8) * 32 + row % 8 + 1;
}

/* One order and its lines: orders row oi of ob, lines from li on in lb.
** Returns the number of lines. Hot loop of the generator. */
static int gen_order(const tpch_ctx *c, int64_t row, vec_batch *ob, int64_t oi, str_col *os,
                     vec_batch *lb, int64_t li, str_col *ls)
{
    gen_rng r = rng_for(GEN_TPCH_ORDERS, row);
    int64_t okey = order_key(row);
    /* o_custkey: never a multiple of 3, the k-th such key for uniform k */
    int64_t n_valid = c->n_cust - c->n_cust / 3;
    int64_t k = rng_range(&r, 0, n_valid - 1);
    int64_t cust = (k / 2) * 3 + k % 2 + 1;
    int32_t odate = (int32_t)rng_range(&r, c->start_date, c->end_date - 151);
    int n_lines = (int)rng_range(&r, 1, MAX_LINES);
    int n_f = 0;
    int64_t total = 0;
    for (int j = 0; j < n_lines; j++) {
        int64_t x = li + j;
        int64_t pk = rng_range(&r, 1, c->n_part);
        int64_t qty = rng_range(&r, 1, 50);
        int64_t disc = rng_range(&r, 0, 10), tax = rng_range(&r, 0, 8);
        int64_t ext = qty * retail_cents(pk);
        int32_t ship = odate + (int32_t)rng_range(&r, 1, 121);
        int32_t commit = odate + (int32_t)rng_range(&r, 30, 90);
        int32_t receipt = ship + (int32_t)rng_range(&r, 1, 30);
        COL_I64(lb, 0)[x] = okey;
        COL_I64(lb, 1)[x] = pk;
        COL_I64(lb, 2)[x] = part_supplier(pk, rng_range(&r, 0, 3), c->n_supp);
        COL_I32(lb, 3)[x] = j + 1;
        COL_DEC(lb, 4)[x] = qty * 100;
        COL_DEC(lb, 5)[x] = ext;
        COL_DEC(lb, 6)[x] = disc;
        COL_DEC(lb, 7)[x] = tax;
        str_put(&ls[8], receipt <= c->current_date ? (rng_range(&r, 0, 1) ? "R" : "A") : "N", 1);
        bool is_f = ship <= c->current_date;
        n_f += is_f;
        str_put(&ls[9], is_f ? "F" : "O", 1);
        ((int32_t *)lb->cols[10]->values)[x] = ship;
        ((int32_t *)lb->cols[11]->values)[x] = commit;
        ((int32_t *)lb->cols[12]->values)[x] = receipt;
        str_cstr(&ls[13], PICK(&r, INSTRUCTS));
        str_cstr(&ls[14], PICK(&r, MODES));
        str_text(c, &r, &ls[15], 10, 43);
        /* extendedprice * (1 + tax) * (1 - discount), rounded half up to cents */
        total += (ext * (100 + tax) * (100 - disc) + 5000) / 10000;
    }
    COL_I64(ob, 0)[oi] = okey;
    COL_I64(ob, 1)[oi] = cust;
    str_put(&os[2], n_f == n_lines ? "F" : n_f == 0 ? "O" : "P", 1);
    COL_DEC(ob, 3)[oi] = total;
    ((int32_t *)ob->cols[4]->values)[oi] = odate;
    str_cstr(&os[5], PICK(&r, PRIORITIES));
    str_fmt_key(&os[6], "Clerk#", rng_range(&r, 1, c->n_clerks));
    COL_I32(ob, 7)[oi] = 0;
    str_text(c, &r, &os[8], 19, 78);
    return n_lines;
}

/* ---- units of work ------------------------------------------------------------ */

typedef struct gen_unit {
    int        table;       /* GEN_TPCH_*; ORDERS units also yield lineitem */
    int64_t    first;       /* first row (orders: first order index) */
    int64_t    n;           /* rows (orders: orders) */
    bool       is_first;    /* first unit of its table */
    bool       is_last;     /* last unit of its table */
    vec_batch *out[2];      /* owned until written: table rows, lineitem rows */
    bool       is_done;     /* guarded by gen_pool.mu */
    st_status  rc;
    st_error   err;
} gen_unit;

static st_status unit_run(const tpch_ctx *c, gen_unit *u)
{
    str_col s[16], ls[16];
    int t = u->table;
    u->out[0] = batch_new(c, t, u->n, s);
    if (t == GEN_TPCH_ORDERS)
        u->out[1] = batch_new(c, GEN_TPCH_LINEITEM, u->n * MAX_LINES, ls);
    if (!u->out[0] || (t == GEN_TPCH_ORDERS && !u->out[1]))
        return st_error_set(&u->err, ST_ERR_NOMEM, "out of memory generating %s rows %" PRId64
                            "..%" PRId64, TABLES[t].name, u->first, u->first + u->n - 1);
    int64_t n_lines = 0;
    switch (t) {
    case GEN_TPCH_REGION: gen_region(c, u->out[0], s); break;
    case GEN_TPCH_NATION: gen_nation(c, u->out[0], s); break;
    case GEN_TPCH_SUPPLIER: gen_supplier(c, u->first, u->n, u->out[0], s); break;
    case GEN_TPCH_CUSTOMER: gen_customer(c, u->first, u->n, u->out[0], s); break;
    case GEN_TPCH_PART: gen_part(c, u->first, u->n, u->out[0], s); break;
    case GEN_TPCH_PARTSUPP: gen_partsupp(c, u->first, u->n, u->out[0], s); break;
    default:
        for (int64_t i = 0; i < u->n; i++)
            n_lines += gen_order(c, u->first + i, u->out[0], i, s, u->out[1], n_lines, ls);
        batch_finish(u->out[1], n_lines, ls);
        break;
    }
    batch_finish(u->out[0], u->n, s);
    return ST_OK;
}

typedef struct gen_pool {
    pthread_mutex_t mu;
    pthread_cond_t  cv_work;      /* a unit may be claimed, or stop */
    pthread_cond_t  cv_done;      /* a unit finished */
    const tpch_ctx *ctx;
    gen_unit       *units;        /* owned */
    int64_t         n_units;
    int64_t         next_claim;   /* guarded by mu */
    int64_t         next_write;   /* guarded by mu: units below are written */
    int64_t         window;       /* units allowed ahead of next_write */
    bool            stop;         /* guarded by mu */
} gen_pool;

static void *worker_main(void *arg)
{
    gen_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next_claim < p->n_units &&
               p->next_claim >= p->next_write + p->window)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop || p->next_claim >= p->n_units)
            break;
        gen_unit *u = &p->units[p->next_claim++];
        pthread_mutex_unlock(&p->mu);
        st_error_init(&u->err);
        u->rc = unit_run(p->ctx, u);
        pthread_mutex_lock(&p->mu);
        u->is_done = true;
        pthread_cond_broadcast(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Cuts every table into units; returns false when out of memory. */
static bool plan_units(gen_pool *p, const tpch_ctx *c, int64_t chunk_rows)
{
    static const int ORDER[] = { GEN_TPCH_REGION, GEN_TPCH_NATION, GEN_TPCH_SUPPLIER,
                                 GEN_TPCH_CUSTOMER, GEN_TPCH_PART, GEN_TPCH_PARTSUPP,
                                 GEN_TPCH_ORDERS };
    int64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        int64_t k = 0;
        for (size_t ti = 0; ti < ST_ARRAY_LEN(ORDER); ti++) {
            int t = ORDER[ti];
            int64_t rows = gen_tpch_row_count((gen_tpch_table)t, c->sf);
            int64_t step = t == GEN_TPCH_ORDERS ? ST_MAX(chunk_rows / 4, 1) : chunk_rows;
            for (int64_t first = 0; first < rows; first += step, k++) {
                if (pass == 1)
                    p->units[k] = (gen_unit){ .table = t, .first = first,
                                              .n = ST_MIN(step, rows - first),
                                              .is_first = first == 0,
                                              .is_last = first + step >= rows };
            }
        }
        total = k;
        if (pass == 0) {
            p->units = st_calloc((size_t)total, sizeof *p->units);
            if (!p->units)
                return false;
        }
    }
    p->n_units = total;
    return true;
}

/* ---- output ---------------------------------------------------------------------- */

typedef struct gen_sink {
    const gen_tpch_options *opt;
    int        table;          /* GEN_TPCH_* */
    char      *path;           /* owned: file or table folder */
    pq_writer *pw;             /* owned: parquet output */
    delta_txn *txn;            /* owned: delta output */
    int64_t    n_rows;         /* rows written */
} gen_sink;

static st_status sink_open(gen_sink *k, const tpch_ctx *c, int t, st_error *err)
{
    const char *name = TABLES[t].name;
    k->table = t;
    k->n_rows = 0;
    size_t n = strlen(k->opt->dir) + strlen(name) + 16;
    k->path = st_malloc(n);
    if (!k->path)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory opening table %s", name);
    if (k->opt->format == GEN_FORMAT_DELTA) {
        snprintf(k->path, n, "%s/%s", k->opt->dir, name);
        delta_create_options co = { .schema = &c->schema[t] };
        return delta_txn_begin(k->path, &co, &k->txn, err);
    }
    snprintf(k->path, n, "%s/%s.parquet", k->opt->dir, name);
    pq_write_options wo = { .codec = PQ_CODEC_SNAPPY, .row_group_rows = ROW_GROUP_ROWS };
    return pq_writer_open(k->path, &c->schema[t], &wo, &k->pw, err);
}

static st_status sink_write(gen_sink *k, const vec_batch *b, st_error *err)
{
    k->n_rows += b->n_rows;
    return k->txn ? delta_txn_write(k->txn, b, err) : pq_writer_write(k->pw, b, err);
}

static st_status sink_close(gen_sink *k, st_error *err)
{
    st_status rc = ST_OK;
    if (k->txn) {
        int64_t version;
        rc = delta_txn_commit(k->txn, "CREATE TABLE AS SELECT", NULL, &version, err);
    } else if (k->pw) {
        rc = pq_writer_close(k->pw, NULL, err);
    }
    k->txn = NULL;
    k->pw = NULL;
    st_free(k->path);
    k->path = NULL;
    return rc;
}

static void sink_abort(gen_sink *k)
{
    if (k->txn)
        delta_txn_abort(k->txn);
    if (k->pw)
        pq_writer_abort(k->pw);
    k->txn = NULL;
    k->pw = NULL;
    st_free(k->path);
    k->path = NULL;
}

/* Writes unit u's batches through sinks[0] (its table) and sinks[1]
** (lineitem, for orders units), opening and closing them at table bounds. */
static st_status write_unit(gen_sink *sinks, const tpch_ctx *c, gen_unit *u,
                            gen_tpch_result *res, st_error *err)
{
    int n_out = u->table == GEN_TPCH_ORDERS ? 2 : 1;
    for (int j = 0; j < n_out; j++) {
        int t = j == 0 ? u->table : GEN_TPCH_LINEITEM;
        st_status rc = ST_OK;
        if (u->is_first)
            rc = sink_open(&sinks[j], c, t, err);
        if (rc == ST_OK)
            rc = sink_write(&sinks[j], u->out[j], err);
        if (rc == ST_OK && u->is_last) {
            res->n_rows[t] = sinks[j].n_rows;
            rc = sink_close(&sinks[j], err);
        }
        if (rc != ST_OK)
            return st_error_context(err, "writing TPC-H table %s", TABLES[t].name);
    }
    return ST_OK;
}

static st_status check_options(const gen_tpch_options *opt, st_error *err)
{
    if (!opt || !opt->dir || !opt->dir[0])
        return st_error_set(err, ST_ERR_ARGUMENT, "no output folder given for TPC-H data");
    if (!(opt->sf > 0) || opt->sf > 100000)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "scale factor %g is out of range (0 < sf <= 100000)", opt->sf);
    if (opt->chunk_rows < 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "chunk size %" PRId64 " is negative",
                            opt->chunk_rows);
    return ST_OK;
}

/* Runs the pool and writes units in order; on failure stops the workers. */
static st_status drive(gen_pool *p, const gen_tpch_options *opt, gen_tpch_result *res,
                       st_error *err)
{
    gen_sink sinks[2] = { { .opt = opt }, { .opt = opt } };
    st_status rc = ST_OK;
    for (int64_t i = 0; i < p->n_units && rc == ST_OK; i++) {
        gen_unit *u = &p->units[i];
        pthread_mutex_lock(&p->mu);
        while (!u->is_done)
            pthread_cond_wait(&p->cv_done, &p->mu);
        pthread_mutex_unlock(&p->mu);
        if (u->rc != ST_OK) {
            *err = u->err;
            rc = u->rc;
        } else {
            rc = write_unit(sinks, p->ctx, u, res, err);
        }
        vec_batch_free(u->out[0]);
        vec_batch_free(u->out[1]);
        u->out[0] = u->out[1] = NULL;
        pthread_mutex_lock(&p->mu);
        p->next_write = i + 1;
        if (rc != ST_OK)
            p->stop = true;
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
    }
    if (rc != ST_OK) {
        sink_abort(&sinks[0]);
        sink_abort(&sinks[1]);
    }
    return rc;
}

st_status gen_tpch(const gen_tpch_options *opt, gen_tpch_result *res, st_error *err)
{
    gen_tpch_result scratch;
    if (!res)
        res = &scratch;
    memset(res, 0, sizeof *res);
    if (check_options(opt, err) != ST_OK)
        return err->code;
    if (store_mkdirs(opt->dir, err) != ST_OK)
        return st_error_context(err, "creating output folder \"%s\"", opt->dir);
    tpch_ctx c;
    if (ctx_init(&c, opt->sf, err) != ST_OK)
        return err->code;
    int n_threads = opt->n_threads > 0 ? ST_MIN(opt->n_threads, 256) : 1;
    gen_pool p = { .ctx = &c, .window = (int64_t)n_threads * WINDOW_PER_THREAD };
    if (!plan_units(&p, &c, opt->chunk_rows > 0 ? opt->chunk_rows : DEFAULT_CHUNK_ROWS)) {
        ctx_destroy(&c);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory planning TPC-H generation");
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv_work, NULL);
    pthread_cond_init(&p.cv_done, NULL);
    pthread_t tids[256];
    int started = 0;
    for (; started < n_threads; started++)
        if (pthread_create(&tids[started], NULL, worker_main, &p) != 0)
            break;
    st_status rc;
    if (started == 0) {
        rc = st_error_set(err, ST_ERR_IO, "could not start a generator thread");
    } else {
        rc = drive(&p, opt, res, err);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_broadcast(&p.cv_work);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    for (int64_t i = 0; i < p.n_units; i++) {
        vec_batch_free(p.units[i].out[0]);
        vec_batch_free(p.units[i].out[1]);
    }
    pthread_cond_destroy(&p.cv_work);
    pthread_cond_destroy(&p.cv_done);
    pthread_mutex_destroy(&p.mu);
    st_free(p.units);
    ctx_destroy(&c);
    return rc;
}
