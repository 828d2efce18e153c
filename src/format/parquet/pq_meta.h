/* pq_meta.h -- the Parquet file metadata (apache/parquet-format parquet.thrift)
** as plain C structs, and their Thrift compact-protocol codec (pq_meta.c on
** top of pq_thrift.c, both written by hand: no packaged C Thrift library
** reads the compact protocol without generated code).
**
** File layout (parquet-format README):
**   "PAR1" | column chunks (pages) ... | FileMetaData (thrift compact) |
**   4-byte LE footer length | "PAR1"        ("PARE" = encrypted footer)
** Each page: PageHeader (thrift compact) followed by compressed_page_size bytes.
**
** Only the fields strata uses are kept; unknown fields are skipped. Optional
** fields carry a has_ flag. Every pointer inside points into the arena passed
** to the parse function (or, for writing, anything the caller keeps alive).
** Parsing validates counts and lengths against the input so a corrupt or
** hostile footer yields ST_ERR_CORRUPT, never an overrun. */
#ifndef STRATA_FORMAT_PQ_META_H
#define STRATA_FORMAT_PQ_META_H

#include "../../base/base.h"

/* parquet.thrift enum values */
enum pq_physical { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4,
                   PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6, PQ_FIXED_LEN_BYTE_ARRAY = 7 };
enum pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum pq_converted {
    PQ_CT_NONE = -1, PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_MAP_KEY_VALUE = 2, PQ_CT_LIST = 3,
    PQ_CT_ENUM = 4, PQ_CT_DECIMAL = 5, PQ_CT_DATE = 6, PQ_CT_TIME_MILLIS = 7,
    PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MILLIS = 9, PQ_CT_TIMESTAMP_MICROS = 10,
    PQ_CT_UINT_8 = 11, PQ_CT_UINT_16 = 12, PQ_CT_UINT_32 = 13, PQ_CT_UINT_64 = 14,
    PQ_CT_INT_8 = 15, PQ_CT_INT_16 = 16, PQ_CT_INT_32 = 17, PQ_CT_INT_64 = 18,
    PQ_CT_JSON = 19, PQ_CT_BSON = 20, PQ_CT_INTERVAL = 21
};
enum pq_encoding {
    PQ_ENC_PLAIN = 0, PQ_ENC_GROUP_VAR_INT = 1, PQ_ENC_PLAIN_DICTIONARY = 2, PQ_ENC_RLE = 3,
    PQ_ENC_BIT_PACKED = 4, PQ_ENC_DELTA_BINARY_PACKED = 5, PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    PQ_ENC_DELTA_BYTE_ARRAY = 7, PQ_ENC_RLE_DICTIONARY = 8, PQ_ENC_BYTE_STREAM_SPLIT = 9
};
enum pq_codec { PQ_CODEC_UNCOMPRESSED = 0, PQ_CODEC_SNAPPY = 1, PQ_CODEC_GZIP = 2,
                PQ_CODEC_LZO = 3, PQ_CODEC_BROTLI = 4, PQ_CODEC_LZ4 = 5, PQ_CODEC_ZSTD = 6,
                PQ_CODEC_LZ4_RAW = 7 };
enum pq_page_type { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICTIONARY = 2,
                    PQ_PAGE_DATA_V2 = 3 };

/* LogicalType union member (field id in parquet.thrift in comments). */
enum pq_logical {
    PQ_LT_NONE = 0, PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3, PQ_LT_ENUM = 4,
    PQ_LT_DECIMAL = 5, PQ_LT_DATE = 6, PQ_LT_TIME = 7, PQ_LT_TIMESTAMP = 8,
    PQ_LT_INTEGER = 10, PQ_LT_UNKNOWN = 11, PQ_LT_JSON = 12, PQ_LT_BSON = 13, PQ_LT_UUID = 14,
    PQ_LT_FLOAT16 = 15, PQ_LT_VARIANT = 16, PQ_LT_GEOMETRY = 17, PQ_LT_GEOGRAPHY = 18,
    PQ_LT_OTHER = 99  /* a union member this reader does not know */
};
enum pq_time_unit { PQ_UNIT_MILLIS = 1, PQ_UNIT_MICROS = 2, PQ_UNIT_NANOS = 3 };

typedef struct pq_logical_type {
    int     kind;             /* enum pq_logical */
    int32_t dec_scale;        /* DECIMAL */
    int32_t dec_precision;    /* DECIMAL */
    bool    is_adjusted_utc;  /* TIME, TIMESTAMP */
    int     unit;             /* TIME, TIMESTAMP: enum pq_time_unit */
    int8_t  int_bit_width;    /* INTEGER: 8, 16, 32, 64 */
    bool    int_signed;       /* INTEGER */
} pq_logical_type;

typedef struct pq_bytes {
    const uint8_t *ptr;       /* borrowed: arena or input buffer */
    int32_t len;
} pq_bytes;

typedef struct pq_statistics {
    bool     has_max, has_min, has_null_count, has_distinct_count;
    bool     has_max_value, has_min_value;
    pq_bytes max, min;                /* 1, 2: deprecated, signed order */
    int64_t  null_count;              /* 3 */
    int64_t  distinct_count;          /* 4 */
    pq_bytes max_value, min_value;    /* 5, 6: column-order aware */
    bool     has_is_max_exact, has_is_min_exact;
    bool     is_max_value_exact;      /* 7 */
    bool     is_min_value_exact;      /* 8 */
} pq_statistics;

typedef struct pq_schema_element {
    bool    has_type;
    int     type;                  /* 1: enum pq_physical (leaves only) */
    int32_t type_length;           /* 2: FIXED_LEN_BYTE_ARRAY width */
    bool    has_repetition;
    int     repetition;            /* 3: enum pq_repetition */
    const char *name;              /* 4 */
    int32_t num_children;          /* 5: 0 for leaves */
    int     converted_type;        /* 6: enum pq_converted, PQ_CT_NONE if absent */
    int32_t scale;                 /* 7 */
    int32_t precision;             /* 8 */
    bool    has_field_id;
    int32_t field_id;              /* 9 */
    pq_logical_type logical;       /* 10: kind PQ_LT_NONE if absent */
} pq_schema_element;

typedef struct pq_key_value {
    const char *key;               /* 1 */
    const char *value;             /* 2: NULL if absent */
} pq_key_value;

typedef struct pq_page_encoding_stats {
    int     page_type;             /* 1 */
    int     encoding;              /* 2 */
    int32_t count;                 /* 3 */
} pq_page_encoding_stats;

typedef struct pq_column_meta {
    int      type;                 /* 1: enum pq_physical */
    int      n_encodings;
    int     *encodings;            /* 2 */
    int      n_path;
    const char **path_in_schema;   /* 3 */
    int      codec;                /* 4: enum pq_codec */
    int64_t  num_values;           /* 5 */
    int64_t  total_uncompressed_size; /* 6 */
    int64_t  total_compressed_size;   /* 7 */
    int      n_kv;
    pq_key_value *kv;              /* 8 */
    int64_t  data_page_offset;     /* 9 */
    bool     has_index_page_offset;
    int64_t  index_page_offset;    /* 10 */
    bool     has_dictionary_page_offset;
    int64_t  dictionary_page_offset; /* 11 */
    bool     has_statistics;
    pq_statistics statistics;      /* 12 */
    int      n_encoding_stats;
    pq_page_encoding_stats *encoding_stats; /* 13 */
    bool     has_bloom_filter;
    int64_t  bloom_filter_offset;  /* 14 */
    int32_t  bloom_filter_length;  /* 15, 0 if absent */
} pq_column_meta;

typedef struct pq_column_chunk {
    const char *file_path;         /* 1: NULL = this file */
    int64_t  file_offset;          /* 2 */
    bool     has_meta_data;
    pq_column_meta meta_data;      /* 3 */
    bool     has_offset_index;
    int64_t  offset_index_offset;  /* 4 */
    int32_t  offset_index_length;  /* 5 */
    bool     has_column_index;
    int64_t  column_index_offset;  /* 6 */
    int32_t  column_index_length;  /* 7 */
    bool     is_encrypted;         /* 8 or 9 present */
} pq_column_chunk;

typedef struct pq_sorting_column {
    int32_t column_idx;            /* 1 */
    bool    descending;            /* 2 */
    bool    nulls_first;           /* 3 */
} pq_sorting_column;

typedef struct pq_row_group {
    int      n_columns;
    pq_column_chunk *columns;      /* 1 */
    int64_t  total_byte_size;      /* 2 */
    int64_t  num_rows;             /* 3 */
    int      n_sorting;
    pq_sorting_column *sorting_columns; /* 4 */
    bool     has_file_offset;
    int64_t  file_offset;          /* 5 */
    bool     has_total_compressed_size;
    int64_t  total_compressed_size;/* 6 */
    bool     has_ordinal;
    int16_t  ordinal;              /* 7 */
} pq_row_group;

typedef struct pq_file_meta {
    int32_t  version;              /* 1 */
    int      n_schema;
    pq_schema_element *schema;     /* 2: depth-first, element 0 is the root */
    int64_t  num_rows;             /* 3 */
    int      n_row_groups;
    pq_row_group *row_groups;      /* 4 */
    int      n_kv;
    pq_key_value *kv;              /* 5 */
    const char *created_by;        /* 6 */
    int      n_column_orders;      /* 7: each a TypeDefinedOrder (only kind known) */
    bool     has_encryption_algorithm; /* 8: plaintext-footer encrypted file */
} pq_file_meta;

typedef struct pq_data_page_header {
    int32_t num_values;            /* 1 */
    int     encoding;              /* 2 */
    int     definition_level_encoding; /* 3 */
    int     repetition_level_encoding; /* 4 */
    bool    has_statistics;
    pq_statistics statistics;      /* 5 */
} pq_data_page_header;

typedef struct pq_dictionary_page_header {
    int32_t num_values;            /* 1 */
    int     encoding;              /* 2 */
    bool    is_sorted;             /* 3 */
} pq_dictionary_page_header;

typedef struct pq_data_page_header_v2 {
    int32_t num_values;            /* 1 */
    int32_t num_nulls;             /* 2 */
    int32_t num_rows;              /* 3 */
    int     encoding;              /* 4 */
    int32_t definition_levels_byte_length; /* 5 */
    int32_t repetition_levels_byte_length; /* 6 */
    bool    is_compressed;         /* 7: default true */
    bool    has_statistics;
    pq_statistics statistics;      /* 8 */
} pq_data_page_header_v2;

typedef struct pq_page_header {
    int     type;                  /* 1: enum pq_page_type */
    int32_t uncompressed_page_size;/* 2 */
    int32_t compressed_page_size;  /* 3 */
    bool    has_crc;
    int32_t crc;                   /* 4: CRC-32 (zlib polynomial) of the page bytes after the header */
    bool    has_data_page;
    pq_data_page_header data_page; /* 5 */
    bool    has_dictionary_page;
    pq_dictionary_page_header dictionary_page; /* 7 */
    bool    has_data_page_v2;
    pq_data_page_header_v2 data_page_v2; /* 8 */
} pq_page_header;

/* ---- pq_meta.c ---------------------------------------------------------- */

/* Parses a FileMetaData of exactly len bytes (the footer). Strings, lists and
** statistics bytes are copied into arena a, so buf may be freed afterwards.
** Corrupt input: ST_ERR_CORRUPT naming what broke ("invalid thrift compact type
** 13 at byte 842 of the footer", "thrift container size -5 ... is negative"). */
st_status pq_meta_parse_file(const uint8_t *buf, size_t len, st_arena *a, pq_file_meta *out,
                             st_error *err);
/* Parses one PageHeader at the start of buf (up to len bytes); sets
** *out_hdr_len to the bytes it took. Statistics bytes point into buf
** (borrowed). ST_ERR_CORRUPT if truncated or malformed. */
st_status pq_meta_parse_page_header(const uint8_t *buf, size_t len, pq_page_header *out,
                                    size_t *out_hdr_len, st_error *err);
/* Appends the compact-protocol encoding of m / h to out. */
st_status pq_meta_write_file(st_buf *out, const pq_file_meta *m, st_error *err);
st_status pq_meta_write_page_header(st_buf *out, const pq_page_header *h, st_error *err);

const char *pq_physical_name(int type);
const char *pq_encoding_name(int enc);
const char *pq_codec_name(int codec);
const char *pq_converted_name(int ct);
const char *pq_repetition_name(int rep);
const char *pq_page_type_name(int type);

#endif /* STRATA_FORMAT_PQ_META_H */
