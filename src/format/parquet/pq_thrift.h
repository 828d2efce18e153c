/* pq_thrift.h -- a small reader and writer for the Apache Thrift *compact*
** protocol (thrift/doc/specs/thrift-compact-protocol.md), enough to carry the
** Parquet footer and page headers. Written by hand: no packaged C library
** reads the compact protocol without generated code, and Parquet needs only
** structs, lists, binaries, varint integers and bools.
**
** Wire summary (all integers are ULEB128 varints, signed ones zigzag first):
**   field header  1 byte: (id delta 1..15) << 4 | type, or
**                 type, then the id as a zigzag varint i16 (delta 0)
**                 bool fields carry their value in the type (1 true, 2 false)
**   stop          0x00 ends a struct
**   i8 / byte     1 raw byte;  i16, i32, i64: zigzag varint;  double: 8 bytes LE
**   binary        varint length, then the bytes
**   list / set    1 byte: size << 4 | elem type (size 0..14), or
**                 0xF0 | elem type, then the size as a varint;
**                 bool elements take 1 byte each (1 true, 2 or 0 false)
**   map           varint size; if size > 0, 1 byte: key type << 4 | value type
**
** Reader invariants: every read is bounds-checked against the span; a
** container's element count is checked against the bytes left (each element
** takes at least one byte) before any caller allocates for it; nesting of
** structs and skipped containers is limited to THR_MAX_DEPTH, so hostile
** input can neither overrun nor recurse without bound. Failures are
** ST_ERR_CORRUPT naming the byte offset ("invalid thrift compact type 13 at
** byte 842 of the footer").
**
** Writer: appends to an st_buf. Its calls are sticky: after the first failure
** (out of memory, nesting overflow) every later call does nothing and returns
** that failure, so an encoder may check thr_writer_status() once at the end. */
#ifndef STRATA_FORMAT_PQ_THRIFT_H
#define STRATA_FORMAT_PQ_THRIFT_H

#include "../../base/base.h"

/* Value types as this module reports them. THR_BOOL stands for both wire
** codes 1 and 2; the others equal their compact wire codes. */
enum thr_type {
    THR_STOP = 0, THR_BOOL = 1, THR_BYTE = 3, THR_I16 = 4, THR_I32 = 5, THR_I64 = 6,
    THR_DOUBLE = 7, THR_BINARY = 8, THR_LIST = 9, THR_SET = 10, THR_MAP = 11,
    THR_STRUCT = 12
};

#define THR_MAX_DEPTH 64   /* structs + skipped containers open at once */

typedef struct thr_reader {
    const uint8_t *buf;        /* borrowed: the input span */
    size_t      len;           /* bytes in buf */
    size_t      pos;           /* offset of the next unread byte */
    const char *what;          /* borrowed: names the input in messages ("footer") */
    st_error   *err;           /* borrowed: receives the first failure; may be NULL */
    int         depth;         /* open structs and skipped containers */
    int16_t     last_id[THR_MAX_DEPTH + 1]; /* previous field id per open struct */
    int16_t     field_id;      /* id of the field header read last */
    int8_t      bool_pending;  /* -1, or the value embedded in the last bool field header */
} thr_reader;

/* ---- reading (pq_thrift.c) ---------------------------------------------- */

/* Prepares r to read buf[0..len). what names the input in error messages
** and must outlive r; err receives failures of every later call. */
void      thr_reader_init(thr_reader *r, const uint8_t *buf, size_t len, const char *what,
                          st_error *err);
size_t    thr_reader_remaining(const thr_reader *r);

/* Structs: begin pushes a fresh field-id context, end pops it (the stop
** byte is consumed by thr_read_field). */
st_status thr_read_struct_begin(thr_reader *r);
st_status thr_read_struct_end(thr_reader *r);
/* Reads a field header. *out_type is THR_STOP at the end of the struct
** (then *out_id is 0); for THR_BOOL the value is kept for thr_read_bool. */
st_status thr_read_field(thr_reader *r, int *out_type, int16_t *out_id);

st_status thr_read_bool(thr_reader *r, bool *out);  /* field or list-element form */
st_status thr_read_i8(thr_reader *r, int8_t *out);
st_status thr_read_i16(thr_reader *r, int16_t *out);
st_status thr_read_i32(thr_reader *r, int32_t *out);
st_status thr_read_i64(thr_reader *r, int64_t *out);
st_status thr_read_double(thr_reader *r, double *out);
/* Binary or string: *out_ptr points into the input span (borrowed). */
st_status thr_read_binary(thr_reader *r, const uint8_t **out_ptr, uint32_t *out_len);
/* List or set header. The count is validated: not negative, and not more
** elements than bytes left. */
st_status thr_read_list_begin(thr_reader *r, int *out_elem_type, int32_t *out_n);
st_status thr_read_map_begin(thr_reader *r, int *out_key_type, int *out_val_type,
                             int32_t *out_n);
/* Skips one value of the given type (as reported by thr_read_field or a
** container header), recursing into containers up to THR_MAX_DEPTH. */
st_status thr_skip(thr_reader *r, int type);

const char *thr_type_name(int type);

/* ---- writing (pq_thrift.c) ---------------------------------------------- */

typedef struct thr_writer {
    st_buf   *out;             /* borrowed: bytes are appended here */
    st_error *err;             /* borrowed: receives the first failure; may be NULL */
    st_status rc;              /* first failure; later calls do nothing */
    int       depth;           /* open structs */
    int16_t   last_id[THR_MAX_DEPTH + 1]; /* previous field id per open struct */
} thr_writer;

void      thr_writer_init(thr_writer *w, st_buf *out, st_error *err);
st_status thr_writer_status(const thr_writer *w);
/* Records a failure of the encoder on top (bad argument, internal bug) unless
** one is recorded already; returns the recorded code. */
st_status thr_writer_fail(thr_writer *w, st_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

st_status thr_write_struct_begin(thr_writer *w);   /* writes nothing */
st_status thr_write_struct_end(thr_writer *w);     /* writes the stop byte */
/* Field header for any type but THR_BOOL (use thr_write_field_bool). */
st_status thr_write_field(thr_writer *w, int type, int16_t id);
st_status thr_write_field_bool(thr_writer *w, int16_t id, bool v);

st_status thr_write_bool(thr_writer *w, bool v);  /* list-element form */
st_status thr_write_i8(thr_writer *w, int8_t v);
st_status thr_write_i16(thr_writer *w, int16_t v);
st_status thr_write_i32(thr_writer *w, int32_t v);
st_status thr_write_i64(thr_writer *w, int64_t v);
st_status thr_write_double(thr_writer *w, double v);
st_status thr_write_binary(thr_writer *w, const void *p, size_t n);
st_status thr_write_string(thr_writer *w, const char *s);
st_status thr_write_list_begin(thr_writer *w, int elem_type, int32_t n);
st_status thr_write_map_begin(thr_writer *w, int key_type, int val_type, int32_t n);

/* Header plus value in one call. */
st_status thr_write_field_i32(thr_writer *w, int16_t id, int32_t v);
st_status thr_write_field_i64(thr_writer *w, int16_t id, int64_t v);
st_status thr_write_field_binary(thr_writer *w, int16_t id, const void *p, size_t n);
st_status thr_write_field_string(thr_writer *w, int16_t id, const char *s);

#endif /* STRATA_FORMAT_PQ_THRIFT_H */
