/* json_fuzz.c -- libFuzzer target for the NDJSON reader: line splitting,
** jansson parsing, schema inference (struct merging, widening, the depth
** cap) and conversion into nested vectors. The first input byte picks a tiny
** sample and batch size (so rows after the sample are converted against the
** inferred types); the rest is the file, handed over through a memfd. Any
** status is fine; crashes, leaks, hangs and sanitizer reports are not. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("json_fuzz", 0);
    if (fd < 0 || size < 1)
        return 0;
    json_options opt = {0};
    if (data[0] & 1) {
        opt.sample_rows = 1;
        opt.batch_rows = 2;
    }
    data++;
    size--;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    st_error err;
    st_error_init(&err);
    json_reader *r = NULL;
    if (json_reader_open(path, &opt, &r, &err) != ST_OK)
        return 0;
    st_buf out;
    st_buf_init(&out);
    for (int guard = 0; guard < 100000; guard++) {
        vec_batch *b = NULL;
        if (json_reader_next(r, &b, &err) != ST_OK || !b)
            break;
        for (int c = 0; c < b->n_cols; c++)
            for (int64_t i = 0; i < b->n_rows && i < 8; i++) {
                st_buf_clear(&out);
                if (vec_is_valid(b->cols[c], i))
                    vec_format_value(b->cols[c], i, VEC_FMT_JSON, &out, &err);
            }
        vec_batch_free(b);
    }
    st_buf_destroy(&out);
    json_reader_close(r);
    return 0;
}
