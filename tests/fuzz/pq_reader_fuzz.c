/* pq_reader_fuzz.c -- libFuzzer target for the whole Parquet read path:
** footer, schema mapping, page headers, decompression, level and value
** decoding and record assembly. The input is a whole file, handed to the
** reader through an in-memory file (memfd) so no disk is touched. Any
** status is fine; crashes, leaks, hangs and sanitizer reports are not. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/parquet/pq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("pq_fuzz", 0);
    if (fd < 0)
        return 0;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    st_error err;
    st_error_init(&err);
    pq_file *f = NULL;
    if (pq_file_open(path, &f, &err) != ST_OK)
        return 0;
    pq_read_options opt = { .batch_rows = 100, .max_page_bytes = 16 << 20 };
    pq_reader *r = NULL;
    if (pq_reader_open(f, &opt, &r, &err) == ST_OK) {
        st_buf out;
        st_buf_init(&out);
        for (int guard = 0; guard < 10000; guard++) {
            vec_batch *b = NULL;
            if (pq_reader_next(r, &b, &err) != ST_OK || !b)
                break;
            for (int c = 0; c < b->n_cols; c++)
                for (int64_t i = 0; i < b->n_rows && i < 8; i++) {
                    st_buf_clear(&out);
                    vec_format_value(b->cols[c], i, VEC_FMT_JSON, &out, &err);
                }
            vec_batch_free(b);
        }
        st_buf_destroy(&out);
        pq_reader_close(r);
    }
    for (int g = 0; g < pq_file_num_row_groups(f); g++)
        for (int l = 0; l < pq_file_num_leaves(f); l++) {
            pq_chunk_stats st;
            pq_file_chunk_stats(f, g, l, &st);
        }
    pq_file_close(f);
    return 0;
}
