/* pq_footer_fuzz.c -- libFuzzer target for the Parquet footer and page-header
** parsers (pq_meta.c over pq_thrift.c). Each input is parsed as a
** FileMetaData (into a fresh arena) and as a PageHeader; whatever parses is
** re-encoded and parsed again, which must succeed. Any crash, overrun, leak
** or hang is a bug. Seeds: tests/fuzz/corpus/pq_footer_fuzz/ holds the raw
** Thrift footers of real parquet-testing files plus stored crash inputs. */
#include <stdint.h>
#include <stdlib.h>

#include "format/parquet/pq_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reparse_file(const pq_file_meta *m)
{
    st_error err;
    st_buf b;
    st_buf_init(&b);
    st_error_init(&err);
    if (pq_meta_write_file(&b, m, &err) == ST_OK) {
        st_arena *a = st_arena_new(0);
        pq_file_meta again;
        if (a && pq_meta_parse_file(b.data, b.len, a, &again, &err) != ST_OK)
            abort();    /* what we wrote must parse */
        st_arena_free(a);
    }
    st_buf_destroy(&b);
}

static void reparse_page(const pq_page_header *h)
{
    st_error err;
    st_buf b;
    st_buf_init(&b);
    st_error_init(&err);
    if (pq_meta_write_page_header(&b, h, &err) == ST_OK) {
        pq_page_header again;
        size_t len;
        if (pq_meta_parse_page_header(b.data, b.len, &again, &len, &err) != ST_OK ||
            len != b.len)
            abort();
    }
    st_buf_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_error err;
    st_error_init(&err);
    st_arena *a = st_arena_new(0);
    if (!a)
        return 0;
    pq_file_meta m;
    if (pq_meta_parse_file(data, size, a, &m, &err) == ST_OK)
        reparse_file(&m);
    st_arena_free(a);

    pq_page_header h;
    size_t hdr_len;
    st_error_init(&err);
    if (pq_meta_parse_page_header(data, size, &h, &hdr_len, &err) == ST_OK) {
        if (hdr_len > size)
            abort();
        reparse_page(&h);
    }
    return 0;
}
