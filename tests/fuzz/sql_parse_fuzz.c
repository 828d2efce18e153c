/* sql_parse_fuzz.c -- libFuzzer target for the SQL lexer and parser
** (src/sql). Each input is copied into a NUL-terminated string and parsed
** into a fresh arena; what parses is printed with sql_ast_format, every
** statement's span must lie inside the text, and the caret renderer runs on
** a position derived from the input. Any crash, overrun, leak, stack
** overflow or hang is a bug. Seeds: tests/fuzz/corpus/sql_parse_fuzz/ holds
** the TPC-H queries and one file per construct of the dialect. */
#include <stdint.h>
#include <stdlib.h>

#include "sql/sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    st_arena *a = st_arena_new(0);
    sql_stmt_list *l = NULL;
    st_error err;
    st_buf b;
    st_error_init(&err);
    st_buf_init(&b);
    if (a && sql_parse(text, a, &l, &err) == ST_OK) {
        if (sql_ast_format(l, &b, &err) != ST_OK)
            abort();
        size_t n = strlen(text);
        for (int k = 0; k < l->n_stmts; k++)
            if (l->stmts[k]->pos < 0 || (size_t)l->stmts[k]->end > n ||
                l->stmts[k]->pos > l->stmts[k]->end)
                abort();
    }
    if (sql_error_caret(text, (int32_t)(size / 2), &b, &err) != ST_OK)
        abort();
    st_buf_destroy(&b);
    st_arena_free(a);
    free(text);
    return 0;
}
