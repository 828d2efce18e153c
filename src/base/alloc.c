/* alloc.c -- the allocation hooks every strata allocation goes through, so
** tests can count bytes and inject failures (st_alloc_fail_after). The
** injector is a process-wide counter meant to be set by single-threaded tests
** before work starts; it is atomic so concurrent allocators stay defined. */
#include "base.h"

#include <stdatomic.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static atomic_long fail_after = -1;

void st_alloc_fail_after(long n) { atomic_store(&fail_after, n); }

static bool should_fail(void)
{
    long v = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (v < 0)
        return false;
    if (v == 0)
        return true;
    atomic_fetch_sub_explicit(&fail_after, 1, memory_order_relaxed);
    return false;
}

void *st_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *st_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size);
}

void *st_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void st_free(void *p) { free(p); }

char *st_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = st_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void st_runtime_init(void)
{
#ifdef __GLIBC__
    /* Batches allocate and free blocks of a few MiB at a steady rate; with
    ** glibc's default threshold each is an mmap/munmap pair plus page faults
    ** (measured: 40% of a Parquet scan's time in the kernel). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    mallopt(M_TOP_PAD, 64 * 1024 * 1024);
#endif
}
