/* csv_fuzz.c -- libFuzzer target for the CSV reader: record parsing
** (quotes, escapes, line ends, BOM), header handling, type inference over
** the sample and value conversion. The first input byte picks options
** (delimiter, backslash escape, no header, tiny sample and batch so values
** after the sample are converted too); the rest is the file, handed over
** through an in-memory file (memfd). Any status is fine; crashes, leaks,
** hangs and sanitizer reports are not. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/csv/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("csv_fuzz", 0);
    if (fd < 0 || size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    csv_options opt;
    csv_options_init(&opt);
    static const char delims[4] = {',', ';', '\t', '|'};
    opt.delimiter = delims[flags & 3];
    if (flags & 4)
        opt.escape = '\\';
    opt.no_header = (flags & 8) != 0;
    if (flags & 16) {
        opt.sample_rows = 2;
        opt.batch_rows = 3;
    }
    if (flags & 32)
        opt.null_value = "NA";
    st_error err;
    st_error_init(&err);
    csv_reader *r = NULL;
    if (csv_reader_open(path, &opt, &r, &err) != ST_OK)
        return 0;
    st_buf out;
    st_buf_init(&out);
    for (int guard = 0; guard < 100000; guard++) {
        vec_batch *b = NULL;
        if (csv_reader_next(r, &b, &err) != ST_OK || !b)
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
    csv_reader_close(r);
    return 0;
}
