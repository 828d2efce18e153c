/* dl.c -- loading an optional shared library on first use (st_dl_load in
** base.h). strata links the libraries every query needs; the large ones
** only some commands need (XGBoost for training and inference, libmicrohttpd
** for `strata serve`) are opened with dlopen when first used, so starting
** `strata sql` does not pay for resolving their symbols (about 3 ms of a
** short query's time).
**
** Invariant: on success every symbol of the list is resolved (a library
** missing one is refused whole), and the handle stays open for the life of
** the process. */
#include "base.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

st_status st_dl_load(const char *const *libs, const char *const *syms, void **out, int n,
                     char *errbuf, size_t errlen)
{
    const char *why = "no library name given";
    char first[256] = "";
    for (int l = 0; libs[l]; l++) {
        void *h = dlopen(libs[l], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            if (!first[0]) snprintf(first, sizeof first, "%s", dlerror());
            why = first;
            continue;
        }
        int i;
        for (i = 0; i < n; i++)
            if (!(out[i] = dlsym(h, syms[i]))) break;
        if (i == n) return ST_OK;
        snprintf(errbuf, errlen, "%s lacks the function %s", libs[l], syms[i]);
        dlclose(h);
        return ST_ERR_UNSUPPORTED;
    }
    snprintf(errbuf, errlen, "%s could not be loaded (%s)", libs[0], why);
    return ST_ERR_UNSUPPORTED;
}

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

st_status st_dl_open(st_dl_lib *l, const char **why)
{
    int state = atomic_load(&l->state);
    if (state == 0) {
        pthread_mutex_lock(&dl_lock);
        if ((state = atomic_load(&l->state)) == 0) {
            void **fns = st_malloc((size_t)l->n_syms * sizeof *fns);
            st_status rc = fns ? st_dl_load(l->libs, l->syms, fns, l->n_syms, l->error,
                                            sizeof l->error)
                               : ST_ERR_NOMEM;
            if (!fns)
                snprintf(l->error, sizeof l->error, "out of memory");
            if (rc == ST_OK)
                memcpy(l->table, fns, (size_t)l->n_syms * sizeof *fns);
            st_free(fns);
            state = rc == ST_OK ? 1 : 2;
            atomic_store(&l->state, state);
        }
        pthread_mutex_unlock(&dl_lock);
    }
    if (state == 1)
        return ST_OK;
    if (why)
        *why = l->error;
    return ST_ERR_UNSUPPORTED;
}
