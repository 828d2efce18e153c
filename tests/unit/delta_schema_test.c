/* delta_schema_test.c -- Spark JSON schema <-> vec_schema (delta_schema.c):
** a round trip through every type, nested; column mapping metadata read from
** the golden table table-with-columnmapping-mode-name; unsupported types. */
#include <criterion/criterion.h>

#include "delta/delta.h"

#include <stdio.h>
#include <unistd.h>

#define F(name, type, nl) "{\"name\":\"" name "\",\"type\":" type ",\"nullable\":" nl ",\"metadata\":{}}"

static const char *ALL =
    "{\"type\":\"struct\",\"fields\":["
    F("s", "\"string\"", "true") "," F("l", "\"long\"", "false") ","
    F("i", "\"integer\"", "true") "," F("sh", "\"short\"", "true") ","
    F("b", "\"byte\"", "true") "," F("f", "\"float\"", "true") ","
    F("d", "\"double\"", "true") "," F("bo", "\"boolean\"", "true") ","
    F("bin", "\"binary\"", "true") "," F("dt", "\"date\"", "true") ","
    F("ts", "\"timestamp\"", "true") "," F("tsn", "\"timestamp_ntz\"", "true") ","
    F("dec", "\"decimal(38,18)\"", "true") ","
    F("arr", "{\"type\":\"array\",\"elementType\":\"integer\",\"containsNull\":false}", "true") ","
    F("m", "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":{\"type\":\"array\","
           "\"elementType\":\"decimal(5,2)\",\"containsNull\":true},\"valueContainsNull\":true}", "true") ","
    F("st", "{\"type\":\"struct\",\"fields\":[" F("x", "\"double\"", "true") ","
            F("y", "{\"type\":\"struct\",\"fields\":[" F("z", "\"date\"", "false") "]}", "true")
            "]}", "false")
    "]}";

Test(delta_schema, round_trip_all_types)
{
    st_arena *a = st_arena_new(0);
    vec_schema s;
    delta_field_info *info = NULL;
    st_error e;
    st_error_init(&e);
    cr_assert_eq(delta_schema_parse(ALL, a, &s, &info, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(s.n_fields, 16);
    cr_expect_eq(s.fields[0].type.id, VEC_STRING);
    cr_expect_eq(s.fields[1].type.id, VEC_INT64);
    cr_expect(!s.fields[1].nullable);
    cr_expect_eq(s.fields[4].type.id, VEC_INT8);
    cr_expect_eq(s.fields[11].type.id, VEC_TIMESTAMP_NTZ);
    cr_expect_eq(s.fields[12].type.id, VEC_DECIMAL);
    cr_expect_eq(s.fields[12].type.precision, 38);
    cr_expect_eq(s.fields[12].type.scale, 18);
    const vec_type *arr = &s.fields[13].type;
    cr_expect_eq(arr->id, VEC_LIST);
    cr_expect(!arr->children[0].nullable);
    const vec_type *m = &s.fields[14].type;
    cr_assert_eq(m->id, VEC_MAP);
    cr_assert_eq(m->n_children, 1);
    cr_expect_str_eq(m->children[0].name, "entries");
    cr_assert_eq(m->children[0].type.n_children, 2);
    cr_expect_str_eq(m->children[0].type.children[0].name, "key");
    cr_expect(!m->children[0].type.children[0].nullable);
    cr_expect_eq(m->children[0].type.children[1].type.id, VEC_LIST);
    cr_expect_eq(m->children[0].type.children[1].type.children[0].type.scale, 2);
    cr_expect_eq(info[14].n_children, 2);
    cr_expect_eq(info[13].n_children, 1);
    cr_expect_eq(info[15].n_children, 2);
    cr_expect_eq(info[0].field_id, -1);
    cr_expect_str_eq(info[0].physical_name, "s");
    st_buf out;
    st_buf_init(&out);
    cr_assert_eq(delta_schema_format(&s, NULL, &out, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(st_buf_append_byte(&out, 0, &e), ST_OK);
    cr_expect_str_eq((const char *)out.data, ALL);
    st_buf_destroy(&out);
    st_arena_free(a);
}

Test(delta_schema, unsupported_types)
{
    static const struct { const char *json, *msg; } bad[] = {
        { "{\"type\":\"struct\",\"fields\":[" F("v", "\"variant\"", "true") "]}",
          "column \"v\" has type \"variant\"" },
        { "{\"type\":\"struct\",\"fields\":[" F("n", "\"void\"", "true") "]}",
          "column \"n\" has type \"void\"" },
        { "{\"type\":\"struct\",\"fields\":[" F("g", "{\"type\":\"array\",\"elementType\":"
          "\"geometry(OGC:CRS84)\",\"containsNull\":true}", "true") "]}",
          "column \"g\" has type \"geometry(OGC:CRS84)\"" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_arena *a = st_arena_new(0);
        vec_schema s;
        st_error e;
        st_error_init(&e);
        cr_expect_eq(delta_schema_parse(bad[i].json, a, &s, NULL, &e), ST_ERR_UNSUPPORTED);
        cr_expect(strstr(e.msg, bad[i].msg) != NULL, "%s", e.msg);
        st_arena_free(a);
    }
    st_arena *a = st_arena_new(0);
    vec_schema s;
    st_error e;
    cr_expect_eq(delta_schema_parse("{\"type\":\"struct\"", a, &s, NULL, &e), ST_ERR_CORRUPT);
    cr_expect_eq(delta_schema_parse("[1]", a, &s, NULL, &e), ST_ERR_CORRUPT);
    cr_expect_eq(delta_schema_parse("{\"type\":\"struct\",\"fields\":[" F("d", "\"decimal(40,2)\"",
                 "true") "]}", a, &s, NULL, &e), ST_ERR_CORRUPT);
    st_arena_free(a);
}

Test(delta_schema, column_mapping_golden)
{
    const char *t = "../shared/testdata/delta/golden/table-with-columnmapping-mode-name/delta";
    if (access(t, R_OK) != 0)
        t = "/work/shared/testdata/delta/golden/table-with-columnmapping-mode-name/delta";
    delta_snapshot *s = NULL;
    st_error e;
    st_error_init(&e);
    cr_assert_eq(delta_snapshot_load(t, NULL, &s, &e), ST_OK, "%s", e.msg);
    cr_expect_eq(s->meta.column_mapping, 1);
    const vec_schema *sc = &s->meta.schema;
    cr_assert(sc->n_fields > 3);
    int n_ids = 0;
    for (int i = 0; i < sc->n_fields; i++) {
        const delta_field_info *fi = &s->meta.field_info[i];
        cr_expect(fi->field_id > 0, "%s has no id", sc->fields[i].name);
        cr_expect(strncmp(fi->physical_name, "col-", 4) == 0, "%s -> %s", sc->fields[i].name,
                  fi->physical_name);
        n_ids++;
    }
    cr_expect_eq(n_ids, sc->n_fields);
    /* the schema string's first field, read by hand from 00000000000000000000.json */
    cr_expect_str_eq(sc->fields[0].name, "ByteType");
    cr_expect_eq(s->meta.field_info[0].field_id, 1);
    /* formatting with info keeps the mapping metadata */
    st_buf out;
    st_buf_init(&out);
    cr_assert_eq(delta_schema_format(sc, s->meta.field_info, &out, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(st_buf_append_byte(&out, 0, &e), ST_OK);
    cr_expect(strstr((const char *)out.data, "\"delta.columnMapping.id\":1,") != NULL);
    cr_expect(strstr((const char *)out.data, s->meta.field_info[0].physical_name) != NULL);
    st_buf_destroy(&out);
    delta_snapshot_free(s);
}

/* Field metadata other than column mapping survives parse + format, byte for
** byte (keys in order, mapping entries first as Delta writes them). */
static const char *EXTRA =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{"
    "\"delta.columnMapping.id\":1,\"delta.columnMapping.physicalName\":\"col-a1\","
    "\"delta.identity.start\":1,\"delta.identity.step\":1,"
    "\"delta.identity.allowExplicitInsert\":false,\"comment\":\"the key\"}},"
    "{\"name\":\"d\",\"type\":\"date\",\"nullable\":true,\"metadata\":{"
    "\"delta.columnMapping.id\":2,\"delta.columnMapping.physicalName\":\"col-b2\","
    "\"delta.generationExpression\":\"CAST(ts AS DATE)\"}},"
    "{\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{"
    "\"delta.columnMapping.id\":3,\"delta.columnMapping.physicalName\":\"s\","
    "\"CURRENT_DEFAULT\":\"'x'\",\"EXISTS_DEFAULT\":\"'x'\",\"comment\":\"quote \\\" here\"}},"
    "{\"name\":\"st\",\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"z\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{"
    "\"delta.columnMapping.id\":5,\"delta.columnMapping.physicalName\":\"col-c5\","
    "\"comment\":\"inner\"}}]},\"nullable\":true,\"metadata\":{"
    "\"delta.columnMapping.id\":4,\"delta.columnMapping.physicalName\":\"col-d4\"}}"
    "]}";

Test(delta_schema, extra_metadata_round_trip)
{
    st_arena *a = st_arena_new(0);
    vec_schema s;
    delta_field_info *info = NULL;
    st_error e;
    st_error_init(&e);
    cr_assert_eq(delta_schema_parse(EXTRA, a, &s, &info, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(s.n_fields, 4);
    cr_assert_eq(info[0].field_id, 1);
    cr_assert_str_eq(info[0].physical_name, "col-a1");
    cr_assert_str_eq(info[0].extra_metadata, "{\"delta.identity.start\":1,"
                     "\"delta.identity.step\":1,\"delta.identity.allowExplicitInsert\":false,"
                     "\"comment\":\"the key\"}");
    cr_assert_str_eq(info[1].extra_metadata,
                     "{\"delta.generationExpression\":\"CAST(ts AS DATE)\"}");
    cr_assert_str_eq(info[2].extra_metadata, "{\"CURRENT_DEFAULT\":\"'x'\",\"EXISTS_DEFAULT\":"
                     "\"'x'\",\"comment\":\"quote \\\" here\"}");
    cr_assert_null(info[3].extra_metadata);
    cr_assert_eq(info[3].n_children, 1);
    cr_assert_str_eq(info[3].children[0].extra_metadata, "{\"comment\":\"inner\"}");

    st_buf out;
    st_buf_init(&out);
    cr_assert_eq(delta_schema_format(&s, info, &out, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(st_buf_append_byte(&out, 0, &e), ST_OK);
    cr_expect_str_eq((const char *)out.data, EXTRA);

    /* a comment added by the caller (COMMENT ON COLUMN) is written; a plain
    ** format (info NULL) drops every metadata entry */
    info[3].extra_metadata = "{\"comment\":\"outer\"}";
    st_buf_clear(&out);
    cr_assert_eq(delta_schema_format(&s, info, &out, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(st_buf_append_byte(&out, 0, &e), ST_OK);
    cr_expect(strstr((const char *)out.data, "\"physicalName\":\"col-d4\",\"comment\":\"outer\"}")
              != NULL || strstr((const char *)out.data,
                                "\"delta.columnMapping.physicalName\":\"col-d4\","
                                "\"comment\":\"outer\"}") != NULL, "%s", (const char *)out.data);
    st_buf_clear(&out);
    cr_assert_eq(delta_schema_format(&s, NULL, &out, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(st_buf_append_byte(&out, 0, &e), ST_OK);
    cr_expect(strstr((const char *)out.data, "comment") == NULL);
    cr_expect(strstr((const char *)out.data, "\"metadata\":{}") != NULL);
    /* extra metadata that is not an object is refused, naming the column */
    info[1].extra_metadata = "[1]";
    st_buf_clear(&out);
    cr_assert_eq(delta_schema_format(&s, info, &out, &e), ST_ERR_ARGUMENT);
    cr_expect(strstr(e.msg, "metadata of column \"d\""), "%s", e.msg);
    st_buf_destroy(&out);
    st_arena_free(a);
}
