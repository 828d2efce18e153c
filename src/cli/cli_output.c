/* cli_output.c -- the CLI's buffered writer and its three result printers
** (aligned table, CSV, NDJSON) over streams of vec_batch.
**
** Values become text only through vec_format_value (docs/conventions.md):
** VEC_FMT_TEXT for table and CSV cells, VEC_FMT_JSON for NDJSON values.
** Invariants: rows leave in the order they arrive; a printer never keeps a
** batch after cli_printer_write returns; the table printer holds at most
** table_buffer_rows rows of formatted cells (each cut to max_cell_width
** display columns) and then streams with the widths it fixed, so memory stays
** bounded however long the result is.
**
** Table cells are made safe for a terminal: control characters print as
** escapes (\n, \t, \x01), invalid UTF-8 bytes as U+FFFD. CSV follows RFC 4180
** quoting (fields holding a comma, quote, CR or LF are quoted, quotes
** doubled) with LF line ends; NULL is an empty field and an empty string is
** "" so the two stay apart. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

/* ---- buffered writer ----------------------------------------------------- */

void cli_writer_init(cli_writer *w, FILE *fp)
{
    w->fp = fp;
    st_buf_init(&w->buf);
    w->is_broken_pipe = false;
    w->has_failed = false;
}

void cli_writer_destroy(cli_writer *w)
{
    st_buf_destroy(&w->buf);
}

static st_status write_failed(cli_writer *w, int errnum, st_error *err)
{
    w->has_failed = true;
    w->buf.len = 0;
    if (errnum == EPIPE)
        w->is_broken_pipe = true;
    if (errnum == 0)
        return st_error_set(err, ST_ERR_IO, "could not write output");
    return st_error_set(err, ST_ERR_IO, "could not write output: %s", strerror(errnum));
}

st_status cli_writer_flush(cli_writer *w, st_error *err)
{
    if (w->has_failed) {
        w->buf.len = 0;
        return st_error_set(err, ST_ERR_IO, "could not write output: an earlier write failed");
    }
    errno = 0;
    if (w->buf.len > 0) {
        size_t n = fwrite(w->buf.data, 1, w->buf.len, w->fp);
        if (n != w->buf.len)
            return write_failed(w, errno, err);
        w->buf.len = 0;
    }
    if (fflush(w->fp) != 0 || ferror(w->fp))
        return write_failed(w, errno, err);
    return ST_OK;
}

st_status cli_writer_maybe_flush(cli_writer *w, st_error *err)
{
    if (w->has_failed)
        return cli_writer_flush(w, err);
    if (w->buf.len < CLI_WRITER_FLUSH_BYTES)
        return ST_OK;
    return cli_writer_flush(w, err);
}

st_status cli_write(cli_writer *w, const void *p, size_t n, st_error *err)
{
    st_status rc = st_buf_append(&w->buf, p, n, err);
    if (rc != ST_OK)
        return rc;
    return cli_writer_maybe_flush(w, err);
}

st_status cli_write_str(cli_writer *w, const char *s, st_error *err)
{
    return cli_write(w, s, strlen(s), err);
}

st_status cli_writef(cli_writer *w, st_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return st_error_set(err, ST_ERR_INTERNAL, "bad output format string");
    st_status rc = st_buf_reserve(&w->buf, (size_t)n + 1, err);
    if (rc != ST_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)w->buf.data + w->buf.len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    w->buf.len += (size_t)n;
    return cli_writer_maybe_flush(w, err);
}

/* ---- UTF-8 and display width --------------------------------------------- */

/* Decodes one UTF-8 sequence at s (n > 0 bytes). Returns its length and the
** code point, or 0 when the bytes are not valid UTF-8 (overlong, surrogate,
** beyond U+10FFFF, truncated). */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2; v = c & 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3; v = c & 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

typedef struct cp_range {
    uint32_t lo, hi;   /* inclusive */
} cp_range;

/* Zero-width: combining marks, zero-width spaces/joiners, variation selectors. */
static const cp_range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF},
};

/* East Asian Wide and Fullwidth blocks (Unicode EastAsianWidth W/F, coarse). */
static const cp_range wide[] = {
    {0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
    {0x2614, 0x2615}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x2705, 0x2705},
    {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
    {0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6},
    {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool in_ranges(uint32_t cp, const cp_range *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static size_t cp_width(uint32_t cp)
{
    if (cp < 0x300)
        return 1;
    if (in_ranges(cp, zero_width, ST_ARRAY_LEN(zero_width)))
        return 0;
    if (in_ranges(cp, wide, ST_ARRAY_LEN(wide)))
        return 2;
    return 1;
}

/* One display unit of raw text: the bytes to show for it and their width.
** Control characters become escapes and invalid bytes U+FFFD. */
typedef struct disp_unit {
    char   bytes[8];   /* what to print, not NUL-terminated */
    size_t n_bytes;    /* bytes of `bytes` used */
    size_t width;      /* terminal columns */
    size_t consumed;   /* input bytes this unit stands for */
} disp_unit;

static void next_unit(const uint8_t *s, size_t n, disp_unit *u)
{
    uint32_t cp = 0;
    size_t len = utf8_decode(s, n, &cp);
    if (len == 0) {
        memcpy(u->bytes, "\xEF\xBF\xBD", 3);     /* U+FFFD */
        u->n_bytes = 3;
        u->width = 1;
        u->consumed = 1;
        return;
    }
    u->consumed = len;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
        int k;
        if (cp == '\n')
            k = snprintf(u->bytes, sizeof u->bytes, "\\n");
        else if (cp == '\r')
            k = snprintf(u->bytes, sizeof u->bytes, "\\r");
        else if (cp == '\t')
            k = snprintf(u->bytes, sizeof u->bytes, "\\t");
        else if (cp < 0x80)
            k = snprintf(u->bytes, sizeof u->bytes, "\\x%02x", (unsigned)cp);
        else
            k = snprintf(u->bytes, sizeof u->bytes, "\\u%04x", (unsigned)cp);
        u->n_bytes = (size_t)k;
        u->width = (size_t)k;
        return;
    }
    memcpy(u->bytes, s, len);
    u->n_bytes = len;
    u->width = cp_width(cp);
}

size_t cli_display_width(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t w = 0;
    while (n > 0) {
        uint32_t cp = 0;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0) {
            w += 1;
            len = 1;
        } else {
            w += cp_width(cp);
        }
        p += len;
        n -= len;
    }
    return w;
}

/* Appends the terminal-safe form of s[0..n) to out, cut so its width is at
** most max_width (the last column then holds "…"). *out_width gets the width
** appended. */
static st_status append_display(const char *s, size_t n, size_t max_width, st_buf *out,
                                size_t *out_width, st_error *err)
{
    const uint8_t *p = (const uint8_t *)s;
    disp_unit u;
    size_t total = 0;
    for (size_t i = 0; i < n && total <= max_width; i += u.consumed) {
        next_unit(p + i, n - i, &u);
        total += u.width;
    }
    bool cut = total > max_width;
    size_t budget = cut ? (max_width > 0 ? max_width - 1 : 0) : max_width;
    size_t w = 0;
    st_status rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i += u.consumed) {
        next_unit(p + i, n - i, &u);
        if (w + u.width > budget)
            break;
        rc = st_buf_append(out, u.bytes, u.n_bytes, err);
        w += u.width;
    }
    if (rc == ST_OK && cut && max_width > 0) {
        rc = st_buf_append(out, "\xE2\x80\xA6", 3, err);    /* "…" */
        w += 1;
    }
    *out_width = w;
    return rc;
}

st_status cli_append_display(st_buf *out, const char *s, size_t n, size_t max_width,
                             size_t *out_width, st_error *err)
{
    size_t w = 0;
    st_status rc = append_display(s, n, max_width, out, &w, err);
    if (out_width)
        *out_width = w;
    return rc;
}

/* ---- printers -------------------------------------------------------------- */

typedef struct table_cell {
    const char *text;   /* borrowed: printer's cell arena; display-safe */
    uint32_t    len;    /* bytes */
    uint32_t    width;  /* display columns */
} table_cell;

struct cli_printer {
    cli_format        fmt;
    const vec_schema *schema;      /* borrowed: caller keeps it alive */
    cli_writer       *w;           /* borrowed */
    int               n_cols;
    bool              is_started;  /* CSV header written / table layout fixed */
    int64_t           n_rows;      /* rows accepted so far */
    st_buf            scratch;     /* owned: one formatted value */
    st_buf            disp;        /* owned: its display-safe, cut form (table) */
    st_arena         *arena;       /* owned: keys, names, widths (printer lifetime) */
    const char      **keys;        /* arena: NDJSON "\"name\":" per column */
    /* table only */
    table_cell       *heads;       /* arena: column names, display-safe */
    table_cell       *types;       /* arena: type names, display-safe */
    bool             *is_right;    /* arena: right-align (numbers) */
    size_t           *widths;      /* arena: column widths once laid out */
    st_arena         *cell_arena;  /* owned: texts of buffered cells */
    table_cell       *cells;       /* owned (heap): n_buffered * n_cols, row-major */
    int64_t           n_buffered;  /* buffered rows */
    int64_t           cap_buffered;/* rows p->cells has room for */
    int64_t           buffer_rows; /* max rows buffered before layout */
    size_t            max_width;   /* cell cut width */
};

bool cli_format_parse(const char *s, cli_format *out)
{
    if (strcmp(s, "table") == 0)
        *out = CLI_FORMAT_TABLE;
    else if (strcmp(s, "csv") == 0)
        *out = CLI_FORMAT_CSV;
    else if (strcmp(s, "ndjson") == 0)
        *out = CLI_FORMAT_NDJSON;
    else if (strcmp(s, "json") == 0)
        *out = CLI_FORMAT_JSON;
    else
        return false;
    return true;
}

static bool is_numeric(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_DECIMAL:
        return true;
    default:
        return false;
    }
}

/* Appends s as a JSON string (quotes included) with the escapes
** vec_format_value uses (\" \\ \n \r \t \b \f, \u00XX for other control
** characters); invalid UTF-8 bytes become \ufffd so the output stays JSON. */
static st_status append_json_string(st_buf *out, const char *s, size_t n, st_error *err)
{
    const uint8_t *p = (const uint8_t *)s;
    st_status rc = st_buf_append_byte(out, '"', err);
    for (size_t i = 0; i < n && rc == ST_OK;) {
        uint32_t cp = 0;
        size_t len = utf8_decode(p + i, n - i, &cp);
        const char *esc = NULL;
        switch (len ? cp : 0xFFFD) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case 0xFFFD: esc = len ? NULL : "\\ufffd"; break;
        default: break;
        }
        if (esc)
            rc = st_buf_append_str(out, esc, err);
        else if (cp < 0x20)
            rc = st_buf_printf(out, err, "\\u%04x", (unsigned)cp);
        else
            rc = st_buf_append(out, p + i, len, err);
        i += len ? len : 1;
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '"', err);
    return rc;
}

/* The display-safe form of s[0..n), cut to max_width columns, as a table
** cell. With an arena the text is copied there; with a = NULL the cell points
** into p->disp and is valid until the next make_cell. */
static st_status make_cell(cli_printer *p, st_arena *a, const char *s, size_t n,
                           size_t max_width, table_cell *out, st_error *err)
{
    st_buf_clear(&p->disp);
    size_t w = 0;
    st_status rc = append_display(s, n, max_width, &p->disp, &w, err);
    if (rc != ST_OK)
        return rc;
    const char *t = p->disp.len ? (const char *)p->disp.data : "";
    if (a && !(t = st_arena_strndup(a, t, p->disp.len)))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory buffering table output");
    out->text = t;
    out->len = (uint32_t)p->disp.len;
    out->width = (uint32_t)w;
    return ST_OK;
}

static st_status init_json_keys(cli_printer *p, st_error *err)
{
    p->keys = st_arena_calloc(p->arena, (size_t)p->n_cols + 1, sizeof *p->keys);
    if (!p->keys)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory preparing output");
    for (int c = 0; c < p->n_cols; c++) {
        const char *name = p->schema->fields[c].name ? p->schema->fields[c].name : "";
        st_buf_clear(&p->scratch);
        st_status rc = append_json_string(&p->scratch, name, strlen(name), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(&p->scratch, ':', err);
        if (rc != ST_OK)
            return rc;
        p->keys[c] = st_arena_strndup(p->arena, (const char *)p->scratch.data, p->scratch.len);
        if (!p->keys[c])
            return st_error_set(err, ST_ERR_NOMEM, "out of memory preparing output");
    }
    return ST_OK;
}

static st_status init_table(cli_printer *p, st_error *err)
{
    size_t n = (size_t)p->n_cols + 1;
    p->heads = st_arena_calloc(p->arena, n, sizeof *p->heads);
    p->types = st_arena_calloc(p->arena, n, sizeof *p->types);
    p->is_right = st_arena_calloc(p->arena, n, sizeof *p->is_right);
    p->widths = st_arena_calloc(p->arena, n, sizeof *p->widths);
    if (!p->heads || !p->types || !p->is_right || !p->widths)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory preparing output");
    for (int c = 0; c < p->n_cols; c++) {
        const vec_field *f = &p->schema->fields[c];
        const char *name = f->name ? f->name : "";
        st_status rc = make_cell(p, p->arena, name, strlen(name), p->max_width, &p->heads[c], err);
        if (rc != ST_OK)
            return rc;
        int len = vec_type_format(&f->type, NULL, 0);
        char *tbuf = st_arena_alloc(p->arena, (size_t)len + 1);
        if (!tbuf)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory preparing output");
        vec_type_format(&f->type, tbuf, (size_t)len + 1);
        rc = make_cell(p, p->arena, tbuf, strlen(tbuf), p->max_width, &p->types[c], err);
        if (rc != ST_OK)
            return rc;
        p->is_right[c] = is_numeric(f->type.id);
    }
    return ST_OK;
}

cli_printer *cli_printer_new(cli_format fmt, const vec_schema *schema, cli_writer *w,
                             const cli_print_options *opt)
{
    cli_printer *p = st_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fmt = fmt;
    p->schema = schema;
    p->w = w;
    p->n_cols = schema->n_fields;
    st_error err;
    st_error_init(&err);
    st_buf_init(&p->scratch);
    st_buf_init(&p->disp);
    p->buffer_rows = opt && opt->table_buffer_rows > 0 ? opt->table_buffer_rows : 10000;
    p->max_width = opt && opt->max_cell_width > 0 ? (size_t)opt->max_cell_width : 40;
    p->arena = st_arena_new(0);
    if (!p->arena)
        goto fail;
    if ((fmt == CLI_FORMAT_NDJSON || fmt == CLI_FORMAT_JSON) && init_json_keys(p, &err) != ST_OK)
        goto fail;
    if (fmt == CLI_FORMAT_TABLE && init_table(p, &err) != ST_OK)
        goto fail;
    return p;
fail:
    cli_printer_free(p);
    return NULL;
}

void cli_printer_free(cli_printer *p)
{
    if (!p)
        return;
    st_buf_destroy(&p->scratch);
    st_buf_destroy(&p->disp);
    st_arena_free(p->arena);
    st_arena_free(p->cell_arena);
    st_free(p->cells);
    st_free(p);
}

/* Formats row i of v as text into p->scratch ("NULL" for a null row). */
static st_status format_text(cli_printer *p, const vec *v, int64_t i, st_error *err)
{
    st_buf_clear(&p->scratch);
    if (!vec_is_valid(v, i))
        return st_buf_append(&p->scratch, "NULL", 4, err);
    return vec_format_value(v, i, VEC_FMT_TEXT, &p->scratch, err);
}

/* ---- NDJSON ---- */

static st_status ndjson_row(cli_printer *p, const vec_batch *b, int64_t r, st_error *err)
{
    st_buf *out = &p->w->buf;
    st_status rc = st_buf_append_byte(out, '{', err);
    for (int c = 0; c < p->n_cols && rc == ST_OK; c++) {
        if (c > 0)
            rc = st_buf_append_byte(out, ',', err);
        if (rc == ST_OK)
            rc = st_buf_append_str(out, p->keys[c], err);
        if (rc != ST_OK)
            break;
        const vec *v = b->cols[c];
        if (vec_is_valid(v, r))
            rc = vec_format_value(v, r, VEC_FMT_JSON, out, err);
        else
            rc = st_buf_append(out, "null", 4, err);
    }
    if (rc == ST_OK)
        rc = st_buf_append(out, "}\n", 2, err);
    return rc;
}

/* ---- CSV ---- */

static st_status csv_field(st_buf *out, const char *s, size_t n, st_error *err)
{
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote)
        return st_buf_append(out, s, n, err);
    st_status rc = st_buf_append_byte(out, '"', err);
    size_t start = 0;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        if (s[i] != '"')
            continue;
        rc = st_buf_append(out, s + start, i + 1 - start, err);   /* through the quote */
        if (rc == ST_OK)
            rc = st_buf_append_byte(out, '"', err);                /* doubled */
        start = i + 1;
    }
    if (rc == ST_OK)
        rc = st_buf_append(out, s + start, n - start, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '"', err);
    return rc;
}

static st_status csv_header(cli_printer *p, st_error *err)
{
    st_status rc = ST_OK;
    for (int c = 0; c < p->n_cols && rc == ST_OK; c++) {
        const char *name = p->schema->fields[c].name ? p->schema->fields[c].name : "";
        if (c > 0)
            rc = st_buf_append_byte(&p->w->buf, ',', err);
        if (rc == ST_OK)
            rc = csv_field(&p->w->buf, name, strlen(name), err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(&p->w->buf, '\n', err);
    p->is_started = true;
    return rc;
}

static st_status csv_row(cli_printer *p, const vec_batch *b, int64_t r, st_error *err)
{
    st_buf *out = &p->w->buf;
    st_status rc = ST_OK;
    for (int c = 0; c < p->n_cols && rc == ST_OK; c++) {
        if (c > 0)
            rc = st_buf_append_byte(out, ',', err);
        const vec *v = b->cols[c];
        if (rc != ST_OK || !vec_is_valid(v, r))
            continue;                                   /* NULL: empty field */
        st_buf_clear(&p->scratch);
        rc = vec_format_value(v, r, VEC_FMT_TEXT, &p->scratch, err);
        if (rc == ST_OK)
            rc = csv_field(out, (const char *)p->scratch.data, p->scratch.len, err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '\n', err);
    return rc;
}

/* ---- table ---- */

static st_status put(cli_printer *p, const char *s, size_t n, st_error *err)
{
    return st_buf_append(&p->w->buf, s, n, err);
}

static st_status put_spaces(cli_printer *p, size_t n, st_error *err)
{
    static const char spaces[] = "                                ";
    st_status rc = ST_OK;
    while (n > 0 && rc == ST_OK) {
        size_t k = ST_MIN(n, sizeof spaces - 1);
        rc = put(p, spaces, k, err);
        n -= k;
    }
    return rc;
}

/* A border line: left, "─" runs joined by mid, right. */
static st_status table_rule(cli_printer *p, const char *left, const char *mid, const char *right,
                            st_error *err)
{
    st_status rc = put(p, left, strlen(left), err);
    for (int c = 0; c < p->n_cols && rc == ST_OK; c++) {
        if (c > 0)
            rc = put(p, mid, strlen(mid), err);
        for (size_t i = 0; i < p->widths[c] + 2 && rc == ST_OK; i++)
            rc = put(p, "\xE2\x94\x80", 3, err);                    /* ─ */
    }
    if (rc == ST_OK)
        rc = put(p, right, strlen(right), err);
    if (rc == ST_OK)
        rc = put(p, "\n", 1, err);
    return rc;
}

/* " text " padded to column c's width, then "│". align: 'l', 'r', 'c'. */
static st_status table_cell_out(cli_printer *p, int c, const table_cell *cell, char align,
                                st_error *err)
{
    size_t pad = p->widths[c] > cell->width ? p->widths[c] - cell->width : 0;
    size_t left = align == 'r' ? pad : align == 'c' ? pad / 2 : 0;
    st_status rc = put_spaces(p, 1 + left, err);
    if (rc == ST_OK)
        rc = put(p, cell->text, cell->len, err);
    if (rc == ST_OK)
        rc = put_spaces(p, pad - left + 1, err);
    if (rc == ST_OK)
        rc = put(p, "\xE2\x94\x82", 3, err);                        /* │ */
    return rc;
}

/* One line of cells; align 'c' centres all, 'n' aligns by column type. */
static st_status table_line(cli_printer *p, const table_cell *cells, char align, st_error *err)
{
    st_status rc = put(p, "\xE2\x94\x82", 3, err);
    for (int c = 0; c < p->n_cols && rc == ST_OK; c++) {
        char a = align == 'n' ? (p->is_right[c] ? 'r' : 'l') : align;
        rc = table_cell_out(p, c, &cells[c], a, err);
    }
    if (rc == ST_OK)
        rc = put(p, "\n", 1, err);
    return rc;
}

/* Fixes the column widths from names, types and the buffered rows, prints
** the header and the buffered rows, and drops the buffer. */
static st_status table_layout(cli_printer *p, st_error *err)
{
    for (int c = 0; c < p->n_cols; c++) {
        size_t w = ST_MAX(p->heads[c].width, p->types[c].width);
        for (int64_t r = 0; r < p->n_buffered; r++)
            w = ST_MAX(w, p->cells[r * p->n_cols + c].width);
        p->widths[c] = ST_MAX(w, (size_t)1);
    }
    p->is_started = true;
    st_status rc = ST_OK;
    if (p->n_cols > 0) {
        rc = table_rule(p, "\xE2\x94\x8C", "\xE2\x94\xAC", "\xE2\x94\x90", err); /* ┌┬┐ */
        if (rc == ST_OK)
            rc = table_line(p, p->heads, 'c', err);
        if (rc == ST_OK)
            rc = table_line(p, p->types, 'c', err);
        if (rc == ST_OK)
            rc = table_rule(p, "\xE2\x94\x9C", "\xE2\x94\xBC", "\xE2\x94\xA4", err); /* ├┼┤ */
        for (int64_t r = 0; r < p->n_buffered && rc == ST_OK; r++) {
            rc = table_line(p, &p->cells[r * p->n_cols], 'n', err);
            if (rc == ST_OK)
                rc = cli_writer_maybe_flush(p->w, err);
        }
    }
    st_free(p->cells);
    p->cells = NULL;
    p->n_buffered = 0;
    p->cap_buffered = 0;
    st_arena_free(p->cell_arena);
    p->cell_arena = NULL;
    return rc;
}

/* Room for one more buffered row (the buffer grows by doubling). */
static st_status table_grow(cli_printer *p, st_error *err)
{
    if (p->n_buffered < p->cap_buffered)
        return ST_OK;
    int64_t cap = p->cap_buffered ? p->cap_buffered * 2 : 64;
    cap = ST_MIN(cap, p->buffer_rows);
    size_t n;
    if (!st_mul_size((size_t)cap, (size_t)p->n_cols + 1, &n) || !st_mul_size(n, sizeof *p->cells, &n))
        return st_error_set(err, ST_ERR_LIMIT, "table buffer of %" PRId64 " rows is too large", cap);
    table_cell *cells = st_realloc(p->cells, n);
    if (!cells)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory buffering table output");
    p->cells = cells;
    p->cap_buffered = cap;
    return ST_OK;
}

static st_status table_buffer_row(cli_printer *p, const vec_batch *b, int64_t r, st_error *err)
{
    st_status rc = table_grow(p, err);
    if (rc != ST_OK)
        return rc;
    if (!p->cell_arena && !(p->cell_arena = st_arena_new(0)))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory buffering table output");
    table_cell *row = &p->cells[p->n_buffered * p->n_cols];
    for (int c = 0; c < p->n_cols; c++) {
        rc = format_text(p, b->cols[c], r, err);
        if (rc == ST_OK)
            rc = make_cell(p, p->cell_arena, (const char *)p->scratch.data, p->scratch.len,
                           p->max_width, &row[c], err);
        if (rc != ST_OK)
            return rc;
    }
    p->n_buffered++;
    if (p->n_buffered >= p->buffer_rows)
        return table_layout(p, err);
    return ST_OK;
}

/* After layout: one row straight out, each cell cut to its column's width. */
static st_status table_stream_row(cli_printer *p, const vec_batch *b, int64_t r, st_error *err)
{
    st_status rc = put(p, "\xE2\x94\x82", 3, err);
    for (int c = 0; c < p->n_cols && rc == ST_OK; c++) {
        table_cell cell;
        rc = format_text(p, b->cols[c], r, err);
        if (rc == ST_OK)
            rc = make_cell(p, NULL, (const char *)p->scratch.data, p->scratch.len, p->widths[c],
                           &cell, err);
        if (rc == ST_OK)
            rc = table_cell_out(p, c, &cell, p->is_right[c] ? 'r' : 'l', err);
    }
    if (rc == ST_OK)
        rc = put(p, "\n", 1, err);
    return rc;
}

st_status cli_printer_write(cli_printer *p, const vec_batch *b, int64_t n_rows, st_error *err)
{
    if (b->n_cols != p->n_cols)
        return st_error_set(err, ST_ERR_INTERNAL,
                            "batch has %d columns but the printer expects %d", b->n_cols,
                            p->n_cols);
    int64_t n = ST_MIN(n_rows, b->n_rows);
    st_status rc = ST_OK;
    if (p->fmt == CLI_FORMAT_CSV && !p->is_started)
        rc = csv_header(p, err);
    for (int64_t r = 0; r < n && rc == ST_OK; r++) {
        switch (p->fmt) {
        case CLI_FORMAT_NDJSON:
            rc = ndjson_row(p, b, r, err);
            break;
        case CLI_FORMAT_JSON:
            /* An array of the NDJSON objects: "[" before the first, ",\n" between. */
            rc = st_buf_append_str(&p->w->buf, p->n_rows == 0 ? "[" : ",\n", err);
            if (rc == ST_OK) rc = ndjson_row(p, b, r, err);
            if (rc == ST_OK) p->w->buf.len--;   /* drop the row's newline */
            break;
        case CLI_FORMAT_CSV:
            rc = csv_row(p, b, r, err);
            break;
        case CLI_FORMAT_TABLE:
            rc = p->is_started ? table_stream_row(p, b, r, err) : table_buffer_row(p, b, r, err);
            break;
        }
        if (rc == ST_OK)
            rc = cli_writer_maybe_flush(p->w, err);
        p->n_rows++;
    }
    return rc;
}

st_status cli_printer_finish(cli_printer *p, st_error *err)
{
    st_status rc = ST_OK;
    if (p->fmt == CLI_FORMAT_CSV && !p->is_started)
        rc = csv_header(p, err);
    if (p->fmt == CLI_FORMAT_JSON)
        rc = cli_write_str(p->w, p->n_rows == 0 ? "[]\n" : "]\n", err);
    if (p->fmt == CLI_FORMAT_TABLE) {
        if (!p->is_started)
            rc = table_layout(p, err);
        if (rc == ST_OK && p->n_cols > 0)
            rc = table_rule(p, "\xE2\x94\x94", "\xE2\x94\xB4", "\xE2\x94\x98", err); /* └┴┘ */
        if (rc == ST_OK)
            rc = cli_writef(p->w, err, "  %" PRId64 " %s\n", p->n_rows,
                            p->n_rows == 1 ? "row" : "rows");
    }
    if (rc == ST_OK)
        rc = cli_writer_flush(p->w, err);
    return rc;
}

st_status cli_print_stream(cli_next_fn next, void *src, cli_printer *p, cli_writer *w,
                           int64_t limit, st_error *err)
{
    int64_t printed = 0;
    st_status rc = ST_OK;
    while (rc == ST_OK && (limit < 0 || printed < limit)) {
        vec_batch *b = NULL;
        rc = next(src, &b, err);
        if (rc != ST_OK || !b)
            break;
        int64_t n = limit < 0 ? b->n_rows : ST_MIN(b->n_rows, limit - printed);
        rc = cli_printer_write(p, b, n, err);
        printed += n;
        vec_batch_free(b);
        if (w && w->is_broken_pipe)
            break;
    }
    if (rc == ST_OK)
        rc = cli_printer_finish(p, err);
    return rc;
}
