/* arena.c -- bump allocators with one owner and one lifetime. Blocks are
** chained; large requests get a block of their own so the default block size
** bounds waste, not capacity. Allocations are 16-byte aligned (enough for
** __int128 decimals and SIMD loads). st_arena_reset keeps the first block so
** per-batch arenas stop touching malloc after warm-up. Not thread-safe: an
** arena belongs to one thread at a time. */
#include "base.h"

#include <stdio.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (64 * 1024)

typedef struct arena_block {
    struct arena_block *next;
    size_t cap;           /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char data[];
} arena_block;

typedef struct adopted {
    struct adopted *next;
    void *ptr;            /* owned heap block (st_malloc) or object */
    void (*release)(void *); /* frees ptr (st_free for adopted blocks) */
} adopted;

struct st_arena {
    arena_block *head;    /* current block (most recent), owned */
    size_t block_size;    /* default block capacity */
    size_t reserved;      /* total bytes taken from the heap */
    adopted *adopted;     /* heap blocks freed with the arena; nodes live in blocks */
};

static void free_adopted(st_arena *a)
{
    for (adopted *d = a->adopted; d; d = d->next)
        d->release(d->ptr);
    a->adopted = NULL;
}

bool st_arena_on_free(st_arena *a, void (*release)(void *), void *p)
{
    adopted *d = st_arena_alloc(a, sizeof *d);
    if (!d)
        return false;
    d->ptr = p;
    d->release = release;
    d->next = a->adopted;
    a->adopted = d;
    return true;
}

bool st_arena_adopt(st_arena *a, void *heap_ptr)
{
    return st_arena_on_free(a, st_free, heap_ptr);
}

st_arena *st_arena_new(size_t block_size)
{
    st_arena *a = st_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
    return a;
}

void st_arena_free(st_arena *a)
{
    if (!a)
        return;
    free_adopted(a);
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        st_free(b);
        b = next;
    }
    st_free(a);
}

void st_arena_reset(st_arena *a)
{
    if (!a)
        return;
    free_adopted(a);
    if (!a->head)
        return;
    /* Keep the oldest block (the tail of the chain); free the rest. */
    arena_block *b = a->head, *keep = NULL;
    while (b) {
        arena_block *next = b->next;
        if (next == NULL) {
            keep = b;
        } else {
            a->reserved -= sizeof(arena_block) + b->cap;
            st_free(b);
        }
        b = next;
    }
    keep->used = 0;
    a->head = keep;
}

void *st_arena_alloc(st_arena *a, size_t n)
{
    size_t need = (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        return NULL;
    arena_block *b = a->head;
    if (b && b->cap - b->used >= need) {
        void *p = b->data + b->used;
        b->used += need;
        return p;
    }
    size_t cap = need > a->block_size ? need : a->block_size;
    size_t total;
    if (!st_add_size(sizeof(arena_block), cap, &total))
        return NULL;
    arena_block *nb = st_malloc(total);
    if (!nb)
        return NULL;
    nb->cap = cap;
    nb->used = need;
    a->reserved += total;
    if (b && need > a->block_size && b->cap - b->used > 256) {
        /* A big one-off block: link it behind the current block so the
        ** current block's free space keeps serving small requests. */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
    }
    return nb->data;
}

void *st_arena_calloc(st_arena *a, size_t n, size_t size)
{
    size_t total;
    if (!st_mul_size(n, size, &total))
        return NULL;
    void *p = st_arena_alloc(a, total);
    if (p)
        memset(p, 0, total);
    return p;
}

void *st_arena_realloc(st_arena *a, void *p, size_t old_n, size_t new_n)
{
    if (new_n <= old_n && p)
        return p;
    void *q = st_arena_alloc(a, new_n);
    if (q && p && old_n)
        memcpy(q, p, old_n);
    return q;
}

char *st_arena_strndup(st_arena *a, const char *s, size_t n)
{
    char *d = st_arena_alloc(a, n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *st_arena_strdup(st_arena *a, const char *s)
{
    return st_arena_strndup(a, s, strlen(s));
}

char *st_arena_printf(st_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = st_arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

size_t st_arena_bytes(const st_arena *a) { return a ? a->reserved : 0; }
