/* ml_folder.c -- model folders in MLflow's format: MLmodel (YAML, xgboost +
** python_function flavors), model.json (the booster as XGBoost JSON through
** XGBoosterSaveModel), strata_model.json (strata's feature encoding and
** classes, which MLflow ignores), requirements.txt, python_env.yaml and
** conda.yaml. Loading also accepts a folder MLflow's xgboost flavor wrote
** (no strata_model.json): its inputs are the booster's feature names or the
** signature's columns, all numeric, and its task follows the objective.
**
** The MLmodel file has a small fixed shape, so it is written by hand and read
** by a minimal YAML reader (block mappings by indentation, plain / single /
** double-quoted scalars, quoted scalars folded over several lines as PyYAML
** writes long strings); no packaged C YAML library is used for so little.
** strata_model.json layout: {format_version: 1, model_type, objective, task
** ("regression" | "binary" | "multi"), label: {name, type}, classes: [...],
** inputs: [{name, type, precision, scale, encoding: "number" | "onehot",
** vocabulary: [...]}], feature_names: [...], options: {...}}. */
#include "ml_model_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define ML_PYTHON_VERSION "3.11.2"
#define ML_MLFLOW_VERSION "2.9.2"

/* ---- paths and files -------------------------------------------------------------------- */

static st_status make_dirs(const char *dir, st_error *err)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return st_error_set(err, ST_ERR_ARGUMENT, "model folder path '%s' is invalid", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return st_error_set(err, ST_ERR_IO, "could not create folder '%s': %s", path,
                                strerror(errno));
        path[i] = c;
    }
    return ST_OK;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = st_malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static st_status write_text(const char *dir, const char *name, const char *text, st_error *err)
{
    char *p = join_path(dir, name);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory writing '%s'", name);
    st_status rc = st_file_write_all(p, text, strlen(text), err);
    st_free(p);
    return rc;
}

/* ---- types ---------------------------------------------------------------------------- */

static const char *mlflow_type(vec_type_id t)
{
    switch (t) {
    case VEC_BOOL:   return "boolean";
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_UINT8: case VEC_UINT16:
        return "integer";
    case VEC_INT64: case VEC_UINT32: case VEC_UINT64: return "long";
    case VEC_FLOAT:  return "float";
    case VEC_STRING: return "string";
    case VEC_DATE: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ: return "datetime";
    default:         return "double";
    }
}

static vec_type_id type_from_mlflow(const char *s)
{
    if (!strcmp(s, "boolean")) return VEC_BOOL;
    if (!strcmp(s, "integer")) return VEC_INT32;
    if (!strcmp(s, "long"))    return VEC_INT64;
    if (!strcmp(s, "float"))   return VEC_FLOAT;
    if (!strcmp(s, "double"))  return VEC_DOUBLE;
    if (!strcmp(s, "datetime")) return VEC_TIMESTAMP;
    return VEC_NULL;
}

static vec_type_id type_from_name(const char *s)
{
    for (int t = 0; t < VEC_TYPE_COUNT; t++)
        if (!strcmp(vec_type_id_name((vec_type_id)t), s))
            return (vec_type_id)t;
    return VEC_TYPE_COUNT;
}

/* ---- save --------------------------------------------------------------------------------- */

static json_t *class_json(const ml_model *m, int c)
{
    if (m->pred_type.id == VEC_STRING)
        return json_string(m->class_text[c]);
    if (m->pred_type.id == VEC_BOOL)
        return json_boolean(m->class_i64[c] != 0);
    return json_integer(m->class_i64[c]);
}

static json_t *encoding_json(const ml_model *m)
{
    static const char *const tasks[] = {"regression", "binary", "multi", "multi_index"};
    json_t *inputs = json_array(), *classes = json_array(), *names = json_array();
    for (int i = 0; i < m->n_inputs; i++) {
        const ml_input *in = &m->inputs[i];
        json_t *vocab = json_array();
        for (int k = 0; in->enc == ML_ENC_ONEHOT && k < in->vocab.n; k++)
            json_array_append_new(vocab, json_stringn(in->vocab.keys[k], in->vocab.lens[k]));
        json_array_append_new(inputs, json_pack("{s:s, s:s, s:i, s:i, s:s, s:o}", "name", in->name,
            "type", vec_type_id_name(in->type.id), "precision", in->type.precision, "scale",
            in->type.scale, "encoding", in->enc == ML_ENC_ONEHOT ? "onehot" : "number",
            "vocabulary", vocab));
    }
    for (int c = 0; c < m->n_classes; c++)
        json_array_append_new(classes, class_json(m, c));
    for (int i = 0; i < m->n_features; i++)
        json_array_append_new(names, json_string(m->feature_names[i]));
    return json_pack("{s:i, s:s, s:s, s:s, s:{s:s?, s:s}, s:o, s:o, s:o, s:O?}",
        "format_version", 1, "model_type", ml_model_type_name(m->type),
        "objective", m->objective ? m->objective : "", "task", tasks[m->task],
        "label", "name", m->label_name, "type", vec_type_id_name(m->pred_type.id),
        "classes", classes, "inputs", inputs, "feature_names", names, "options", m->options);
}

/* Appends s as a JSON string literal. */
static st_status json_quote(st_buf *b, const char *s, st_error *err)
{
    json_t *j = json_string(s);
    char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!q)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory writing the model signature");
    st_status rc = st_buf_append_str(b, q, err);
    free(q);
    return rc;
}

/* Signature strings as MLflow writes them (Python json.dumps separators):
** inputs as ColSpecs, outputs as one float32 tensor. Heap (st_free). */
static st_status signature_strings(const ml_model *m, char **inputs, char **outputs, st_error *err)
{
    st_buf in, out;
    st_buf_init(&in);
    st_buf_init(&out);
    st_status rc = st_buf_append_byte(&in, '[', err);
    for (int i = 0; i < m->n_inputs && rc == ST_OK; i++) {
        rc = st_buf_printf(&in, err, "%s{\"type\": \"%s\", \"name\": ", i ? ", " : "",
                           mlflow_type(m->inputs[i].type.id));
        if (rc == ST_OK)
            rc = json_quote(&in, m->inputs[i].name, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(&in, '}', err);
    }
    if (rc == ST_OK)
        rc = st_buf_append(&in, "]", 2, err);
    if (rc == ST_OK && m->task == ML_TASK_MULTI)
        rc = st_buf_printf(&out, err, "[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": "
                           "\"float32\", \"shape\": [-1, %d]}}]", m->n_classes);
    else if (rc == ST_OK)
        rc = st_buf_append_str(&out, "[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": "
                               "\"float32\", \"shape\": [-1]}}]", err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(&out, 0, err);
    if (rc != ST_OK) {
        st_buf_destroy(&in);
        st_buf_destroy(&out);
        return rc;
    }
    *inputs = (char *)in.data;
    *outputs = (char *)out.data;
    return ST_OK;
}

/* A YAML single-quoted scalar. */
static st_status yaml_quoted(st_buf *b, const char *s, st_error *err)
{
    st_status rc = st_buf_append_byte(b, '\'', err);
    for (; *s && rc == ST_OK; s++)
        rc = *s == '\'' ? st_buf_append(b, "''", 2, err)
           : *s == '\n' ? st_buf_append(b, "\n\n", 2, err)   /* a line break inside quotes */
                        : st_buf_append_byte(b, (uint8_t)*s, err);
    return rc == ST_OK ? st_buf_append_byte(b, '\'', err) : rc;
}

typedef struct mlmodel_info {
    const char *run_id;
    const char *artifact_path;
    char        uuid[33];
    char        created[80];
    char        xgb_version[32];
    char       *sig_inputs;    /* heap: signature inputs JSON text */
    char       *sig_outputs;   /* heap: signature outputs JSON text */
} mlmodel_info;

static st_status mlmodel_yaml(const mlmodel_info *mi, st_buf *b, st_error *err)
{
    st_status rc = ST_OK;
    if (mi->artifact_path) {
        rc = st_buf_append_str(b, "artifact_path: ", err);
        if (rc == ST_OK) rc = yaml_quoted(b, mi->artifact_path, err);
        if (rc == ST_OK) rc = st_buf_append_byte(b, '\n', err);
    }
    if (rc == ST_OK)
        rc = st_buf_printf(b, err,
            "flavors:\n"
            "  python_function:\n"
            "    data: model.json\n"
            "    env:\n"
            "      conda: conda.yaml\n"
            "      virtualenv: python_env.yaml\n"
            "    loader_module: mlflow.xgboost\n"
            "    python_version: " ML_PYTHON_VERSION "\n"
            "  xgboost:\n"
            "    code: null\n"
            "    data: model.json\n"
            "    model_class: xgboost.core.Booster\n"
            "    model_format: json\n"
            "    xgb_version: %s\n"
            "mlflow_version: " ML_MLFLOW_VERSION "\n"
            "model_uuid: %s\n", mi->xgb_version, mi->uuid);
    if (rc == ST_OK && mi->run_id) {
        rc = st_buf_append_str(b, "run_id: ", err);
        if (rc == ST_OK) rc = yaml_quoted(b, mi->run_id, err);
        if (rc == ST_OK) rc = st_buf_append_byte(b, '\n', err);
    }
    if (rc == ST_OK) rc = st_buf_append_str(b, "signature:\n  inputs: ", err);
    if (rc == ST_OK) rc = yaml_quoted(b, mi->sig_inputs, err);
    if (rc == ST_OK) rc = st_buf_append_str(b, "\n  outputs: ", err);
    if (rc == ST_OK) rc = yaml_quoted(b, mi->sig_outputs, err);
    if (rc == ST_OK)
        rc = st_buf_printf(b, err, "\n  params: null\nutc_time_created: '%s'\n", mi->created);
    if (rc == ST_OK)
        rc = st_buf_append_byte(b, 0, err);
    return rc;
}

/* The MLmodel as MLflow's Model.to_dict() would give it, as JSON text. */
static char *mlmodel_json_text(const mlmodel_info *mi)
{
    json_t *j = json_pack(
        "{s:s?, s:{s:{s:s, s:s, s:{s:s, s:s}, s:s}, s:{s:n, s:s, s:s, s:s, s:s}}, s:s, s:s,"
        " s:s?, s:{s:s, s:s, s:n}, s:s}",
        "artifact_path", mi->artifact_path,
        "flavors", "python_function", "loader_module", "mlflow.xgboost", "data", "model.json",
        "env", "conda", "conda.yaml", "virtualenv", "python_env.yaml",
        "python_version", ML_PYTHON_VERSION,
        "xgboost", "code", "data", "model.json", "model_class", "xgboost.core.Booster",
        "model_format", "json", "xgb_version", mi->xgb_version,
        "mlflow_version", ML_MLFLOW_VERSION, "model_uuid", mi->uuid, "run_id", mi->run_id,
        "signature", "inputs", mi->sig_inputs, "outputs", mi->sig_outputs, "params",
        "utc_time_created", mi->created);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!s)
        return NULL;
    char *out = st_strdup(s);
    free(s);
    return out;
}

static void mlmodel_info_init(mlmodel_info *mi, const char *run_id, const char *artifact_path)
{
    memset(mi, 0, sizeof *mi);
    mi->run_id = run_id;
    mi->artifact_path = artifact_path;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(mi->created, sizeof mi->created, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long)(ts.tv_nsec / 1000) % 1000000);
    uint8_t r[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(r, 1, sizeof r, f) != sizeof r) {
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uintptr_t)mi;
        for (int i = 0; i < 16; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            r[i] = (uint8_t)(x >> 56);
        }
    }
    if (f)
        fclose(f);
    for (int i = 0; i < 16; i++)
        snprintf(mi->uuid + 2 * i, 3, "%02x", r[i]);
    int major, minor, patch;
    XGBoostVersion(&major, &minor, &patch);
    snprintf(mi->xgb_version, sizeof mi->xgb_version, "%d.%d.%d", major, minor, patch);
}

static st_status write_env_files(const char *dir, const char *xgb_version, st_error *err)
{
    char req[128], conda[512];
    snprintf(req, sizeof req, "mlflow==%s\nxgboost==%s\n", ML_MLFLOW_VERSION, xgb_version);
    snprintf(conda, sizeof conda,
             "channels:\n- conda-forge\ndependencies:\n- python=%s\n- pip<=23.0\n- pip:\n"
             "  - mlflow==%s\n  - xgboost==%s\nname: mlflow-env\n",
             ML_PYTHON_VERSION, ML_MLFLOW_VERSION, xgb_version);
    st_status rc = write_text(dir, "requirements.txt", req, err);
    if (rc == ST_OK)
        rc = write_text(dir, "python_env.yaml",
                        "python: " ML_PYTHON_VERSION "\nbuild_dependencies:\n- pip==23.0\n"
                        "- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n", err);
    if (rc == ST_OK)
        rc = write_text(dir, "conda.yaml", conda, err);
    return rc;
}

static st_status save_booster_and_encoding(ml_model *m, const char *dir, st_error *err)
{
    char *p = join_path(dir, "model.json");
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory saving a model");
    st_status rc = ST_OK;
    if (XGBoosterSaveModel(m->booster, p) != 0)
        rc = st_error_set(err, ST_ERR_IO, "could not write model file '%s': %s", p,
                          ml_xgb_error());
    st_free(p);
    if (rc != ST_OK)
        return rc;
    json_t *enc = encoding_json(m);
    char *text = enc ? json_dumps(enc, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(enc);
    if (!text)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory writing strata_model.json");
    rc = write_text(dir, "strata_model.json", text, err);
    free(text);
    return rc;
}

st_status ml_model_save(ml_model *m, const char *dir, const char *run_id,
                        const char *artifact_path, char **mlmodel_json, st_error *err)
{
    if (mlmodel_json)
        *mlmodel_json = NULL;
    st_status rc = make_dirs(dir, err);
    if (rc != ST_OK)
        return rc;
    mlmodel_info mi;
    mlmodel_info_init(&mi, run_id, artifact_path);
    st_buf yaml;
    st_buf_init(&yaml);
    if ((rc = save_booster_and_encoding(m, dir, err)) ||
        (rc = signature_strings(m, &mi.sig_inputs, &mi.sig_outputs, err)) ||
        (rc = mlmodel_yaml(&mi, &yaml, err)) ||
        (rc = write_text(dir, "MLmodel", (const char *)yaml.data, err)) ||
        (rc = write_env_files(dir, mi.xgb_version, err)))
        goto done;
    if (mlmodel_json && !(*mlmodel_json = mlmodel_json_text(&mi)))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory describing the model");
done:
    st_buf_destroy(&yaml);
    st_free(mi.sig_inputs);
    st_free(mi.sig_outputs);
    if (rc != ST_OK)
        st_error_context(err, "saving model folder '%s'", dir);
    return rc;
}

/* ---- minimal YAML reader -------------------------------------------------------------- */

#define YAML_DEPTH 8

typedef struct yaml_entry {
    char *path;     /* heap: "flavors.xgboost.data" */
    char *value;    /* heap: scalar text, "" for a mapping start */
} yaml_entry;

typedef struct yaml_doc {
    yaml_entry *e;  /* heap */
    int         n;
} yaml_doc;

static void yaml_free(yaml_doc *d)
{
    for (int i = 0; i < d->n; i++) {
        st_free(d->e[i].path);
        st_free(d->e[i].value);
    }
    st_free(d->e);
}

static const char *yaml_get(const yaml_doc *d, const char *path)
{
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->e[i].path, path))
            return d->e[i].value;
    return NULL;
}

/* Decodes a scalar's text (quoted scalars possibly folded over lines) into
** out. Returns false on an unterminated quote. */
static bool yaml_scalar(const char *s, size_t n, st_buf *out, st_error *err)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || (s[0] != '\'' && s[0] != '"')) {
        if (n >= 2 && s[0] != '\'' && s[0] != '"')
            for (size_t i = 0; i + 1 < n; i++)   /* a plain scalar's comment */
                if (s[i] == ' ' && s[i + 1] == '#') {
                    n = i;
                    break;
                }
        return st_buf_append(out, s, n, err) == ST_OK && st_buf_append_byte(out, 0, err) == ST_OK;
    }
    char q = s[0];
    size_t i = 1;
    bool closed = false;
    while (i < n) {
        char c = s[i];
        if (c == q) {
            if (q == '\'' && i + 1 < n && s[i + 1] == '\'') {
                st_buf_append_byte(out, '\'', err);
                i += 2;
                continue;
            }
            closed = true;
            break;
        }
        if (c == '\\' && q == '"' && i + 1 < n) {
            char e = s[i + 1];
            st_buf_append_byte(out, e == 'n' ? '\n' : e == 't' ? '\t' : (uint8_t)e, err);
            i += 2;
            continue;
        }
        if (c == '\n') {                     /* folding: one break -> space, more -> breaks */
            size_t k = i, breaks = 0;
            while (k < n && (s[k] == '\n' || s[k] == ' ' || s[k] == '\r'))
                breaks += s[k++] == '\n';
            while (out->len && out->data[out->len - 1] == ' ')
                out->len--;
            if (breaks == 1)
                st_buf_append_byte(out, ' ', err);
            for (size_t b = 1; b < breaks; b++)
                st_buf_append_byte(out, '\n', err);
            i = k;
            continue;
        }
        st_buf_append_byte(out, (uint8_t)c, err);
        i++;
    }
    return closed && st_buf_append_byte(out, 0, err) == ST_OK;
}

static size_t line_indent(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

/* Parses the block mappings of text into d. */
static st_status yaml_parse(const char *text, size_t len, yaml_doc *d, st_error *err)
{
    char *keys[YAML_DEPTH] = {0};
    size_t indents[YAML_DEPTH];
    int depth = 0;
    size_t pos = 0;
    st_status rc = ST_OK;
    if (len > 0 && memchr(text, 0, len))        /* keys and values are C strings */
        return st_error_set(err, ST_ERR_CORRUPT, "MLmodel holds a NUL byte");
    while (pos < len && rc == ST_OK) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        const char *line = text + pos;
        size_t n = end - pos, ind = line_indent(line, n);
        pos = end + 1;
        if (n > ind && line[n - 1] == '\r')
            n--;                              /* CRLF line ends */
        if (ind == n || line[ind] == '#' || line[ind] == '-' || (ind == 0 && line[0] == '%'))
            continue;                         /* blank, comment, list item, directive */
        const char *colon = memchr(line + ind, ':', n - ind);
        while (colon && colon + 1 < line + n && colon[1] != ' ')
            colon = memchr(colon + 1, ':', (size_t)(line + n - colon - 1));
        if (!colon || line[ind] == '\'' || line[ind] == '"')
            continue;                         /* not a simple key: ignore */
        while (depth > 0 && indents[depth - 1] >= ind)
            st_free(keys[--depth]);
        if (depth == YAML_DEPTH) {            /* break, not return: keys[] are freed below */
            rc = st_error_set(err, ST_ERR_CORRUPT, "MLmodel nests deeper than %d levels",
                              YAML_DEPTH);
            break;
        }
        /* the value may continue on deeper-indented lines */
        const char *v = colon + 1;
        while (v < line + n && *v == ' ')
            v++;
        if (v < line + n && *v == '#')
            v = line + n;                     /* "key:  # comment": a mapping start */
        size_t vend = end;
        while (vend + 1 < len) {
            size_t e2 = vend + 1;
            while (e2 < len && text[e2] != '\n')
                e2++;
            size_t i2 = line_indent(text + vend + 1, e2 - vend - 1);
            bool blank = i2 == e2 - vend - 1 || (i2 + 1 == e2 - vend - 1 && text[e2 - 1] == '\r');
            if (v == line + n || (!blank && i2 <= ind))
                break;
            vend = e2;
        }
        pos = vend + 1;
        st_buf val, path;
        st_buf_init(&val);
        st_buf_init(&path);
        if (!yaml_scalar(v, (size_t)(text + vend - v), &val, err))
            rc = st_error_set(err, ST_ERR_CORRUPT, "MLmodel has an unterminated quoted value");
        for (int i = 0; i < depth && rc == ST_OK; i++)
            rc = st_buf_printf(&path, err, "%s.", keys[i]);
        if (rc == ST_OK)
            rc = st_buf_append(&path, line + ind, (size_t)(colon - line - (long)ind), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(&path, 0, err);
        yaml_entry *ne = rc == ST_OK ? st_realloc(d->e, (size_t)(d->n + 1) * sizeof *ne) : NULL;
        if (rc == ST_OK && !ne)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory reading MLmodel");
        if (rc == ST_OK) {
            d->e = ne;
            d->e[d->n].path = (char *)path.data;
            d->e[d->n].value = (char *)val.data;
            d->n++;
            size_t klen = (size_t)(colon - line) - ind;
            keys[depth] = st_malloc(klen + 1);
            if (keys[depth]) {
                memcpy(keys[depth], line + ind, klen);
                keys[depth][klen] = '\0';
            }
            indents[depth++] = ind;
        } else {
            st_buf_destroy(&val);
            st_buf_destroy(&path);
        }
    }
    while (depth > 0)
        st_free(keys[--depth]);
    return rc;
}

/* ---- load ---------------------------------------------------------------------------------- */

/* The xgboost flavor's data file name from MLmodel (validated). */
static st_status flavor_data(const yaml_doc *y, const char *dir, const char **data, st_error *err)
{
    if (!yaml_get(y, "flavors.xgboost")) {
        for (int i = 0; i < y->n; i++) {
            const char *p = y->e[i].path;
            if (!strncmp(p, "flavors.", 8) && !strchr(p + 8, '.') && strcmp(p + 8, "python_function"))
                return st_error_set(err, ST_ERR_UNSUPPORTED, "model flavor '%s' is not supported; "
                                    "strata loads xgboost models", p + 8);
        }
        return st_error_set(err, ST_ERR_UNSUPPORTED, "model folder '%s' has no xgboost flavor",
                            dir);
    }
    const char *f = yaml_get(y, "flavors.xgboost.data");
    if (!f || !*f)
        f = "model.xgb";
    if (f[0] == '/' || strstr(f, ".."))
        return st_error_set(err, ST_ERR_CORRUPT, "xgboost flavor data '%s' is outside the model "
                            "folder", f);
    *data = f;
    return ST_OK;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* One input of strata_model.json into m->inputs[i]. */
static st_status load_input(ml_model *m, json_t *j, int i, int *first, st_error *err)
{
    ml_input *in = &m->inputs[i];
    const char *name = jstr(j, "name"), *type = jstr(j, "type"), *enc = jstr(j, "encoding");
    json_t *vocab = json_object_get(j, "vocabulary");
    if (!name || !type || !enc || type_from_name(type) == VEC_TYPE_COUNT ||
        (strcmp(enc, "number") && strcmp(enc, "onehot")))
        return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json input %d is malformed", i + 1);
    json_int_t prec = json_integer_value(json_object_get(j, "precision"));
    json_int_t scale = json_integer_value(json_object_get(j, "scale"));
    in->name = st_arena_strdup(m->arena, name);
    in->type.id = type_from_name(type);
    in->enc = strcmp(enc, "onehot") ? ML_ENC_NUMBER : ML_ENC_ONEHOT;
    /* what training makes: strings one-hot, scalars as numbers */
    if (!ml_type_fits(in->enc, in->type.id) || in->type.id == VEC_NULL ||
        (in->type.id == VEC_DECIMAL && (prec < 1 || prec > 38 || scale < 0 || scale > prec)))
        return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json input '%s' has type '%s' "
                            "with encoding '%s'", name, type, enc);
    if (in->type.id == VEC_DECIMAL) {
        in->type.precision = (uint8_t)prec;
        in->type.scale = (uint8_t)scale;
    }
    in->first = *first;
    in->width = 1;
    if (!in->name)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    if (in->enc == ML_ENC_ONEHOT) {
        if (!json_is_array(vocab))
            return st_error_set(err, ST_ERR_CORRUPT, "input '%s' has no vocabulary", name);
        size_t k;
        json_t *v;
        json_array_foreach(vocab, k, v) {
            int idx;
            if (!json_is_string(v))
                return st_error_set(err, ST_ERR_CORRUPT, "input '%s' has a non-string "
                                    "vocabulary value", name);
            st_status rc = ml_strmap_add(&in->vocab, m->arena, json_string_value(v),
                                         json_string_length(v), &idx, err);
            if (rc != ST_OK)
                return rc;
            if (idx != (int)k)
                return st_error_set(err, ST_ERR_CORRUPT, "input '%s' repeats a vocabulary "
                                    "value", name);
        }
        in->width = in->vocab.n;
    }
    *first += in->width;
    return ST_OK;
}

static st_status load_classes(ml_model *m, json_t *classes, st_error *err)
{
    size_t n = json_array_size(classes);
    if (m->task != ML_TASK_REGRESSION && (n < 2 || n > ML_CLASSES_MAX))
        return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json has %zu classes", n);
    m->n_classes = (int)n;
    m->class_text = st_arena_calloc(m->arena, n ? n : 1, sizeof(char *));
    m->class_i64 = st_arena_calloc(m->arena, n ? n : 1, sizeof(int64_t));
    if (!m->class_text || !m->class_i64)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading classes");
    for (size_t c = 0; c < n; c++) {
        json_t *v = json_array_get(classes, c);
        if (json_is_string(v) && m->pred_type.id == VEC_STRING)
            m->class_text[c] = st_arena_strdup(m->arena, json_string_value(v));
        else if (json_is_boolean(v) || json_is_integer(v)) {
            m->class_i64[c] = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
            m->class_text[c] = st_arena_printf(m->arena, "%" PRId64, m->class_i64[c]);
        } else
            return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json class %zu is malformed",
                                c + 1);
        if (!m->class_text[c])
            return st_error_set(err, ST_ERR_NOMEM, "out of memory loading classes");
    }
    if (m->pred_type.id == VEC_STRING)
        m->class_i64 = NULL;
    return ST_OK;
}

/* strata_model.json: encoding, classes, options. */
static st_status load_encoding(ml_model *m, json_t *j, st_error *err)
{
    const char *mt = jstr(j, "model_type"), *task = jstr(j, "task");
    json_t *label = json_object_get(j, "label"), *inputs = json_object_get(j, "inputs");
    json_t *names = json_object_get(j, "feature_names");
    int t = mt ? ml_model_type_parse(mt) : -1;
    const char *pt = label ? jstr(label, "type") : NULL;
    if (t < 0 || !task || !pt || type_from_name(pt) == VEC_TYPE_COUNT || !json_is_array(inputs) ||
        !json_is_array(names))
        return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json is malformed");
    m->type = (ml_model_type)t;
    m->task = !strcmp(task, "binary") ? ML_TASK_BINARY
            : !strcmp(task, "multi") ? ML_TASK_MULTI : ML_TASK_REGRESSION;
    m->is_linear = m->type == ML_LOGISTIC_REGRESSION || m->type == ML_LINEAR_REGRESSION;
    m->pred_type.id = type_from_name(pt);
    m->label_type = m->pred_type;
    /* the prediction vectors are built for these types only (as ml_train
    ** makes them): regressors predict DOUBLE, classifiers their label's
    ** string, boolean or integer type */
    vec_type_id lt = m->pred_type.id;
    if (m->task == ML_TASK_REGRESSION ? lt != VEC_DOUBLE
        : !(lt == VEC_STRING || lt == VEC_BOOL || (lt >= VEC_INT8 && lt <= VEC_UINT64)))
        return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json has label type '%s' for "
                            "task '%s'", pt, task);
    m->label_name = jstr(label, "name") ? st_arena_strdup(m->arena, jstr(label, "name")) : NULL;
    m->objective = jstr(j, "objective") ? st_arena_strdup(m->arena, jstr(j, "objective")) : NULL;
    m->n_inputs = (int)json_array_size(inputs);
    m->inputs = st_arena_calloc(m->arena, (size_t)(m->n_inputs ? m->n_inputs : 1), sizeof(ml_input));
    if (!m->inputs)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    st_status rc;
    int first = 0;
    for (int i = 0; i < m->n_inputs; i++)
        if ((rc = load_input(m, json_array_get(inputs, (size_t)i), i, &first, err)) != ST_OK) {
            m->n_inputs = i + 1;
            return rc;
        }
    if ((size_t)first != json_array_size(names))
        return st_error_set(err, ST_ERR_CORRUPT, "strata_model.json names %zu features but its "
                            "inputs encode %d", json_array_size(names), first);
    m->n_features = first;
    m->feature_names = st_arena_calloc(m->arena, (size_t)(first ? first : 1), sizeof(char *));
    for (int i = 0; m->feature_names && i < first; i++) {
        const char *s = json_string_value(json_array_get(names, (size_t)i));
        m->feature_names[i] = st_arena_strdup(m->arena, s ? s : "");
    }
    json_t *opts = json_object_get(j, "options");
    m->options = json_is_object(opts) ? json_deep_copy(opts) : json_object();
    return load_classes(m, json_object_get(j, "classes"), err);
}

/* An MLflow-written booster: task from the objective, inputs from the
** booster's feature names or the signature, all numeric. */
static st_status load_external(ml_model *m, const yaml_doc *y, st_error *err)
{
    bst_ulong len;
    const char *cfg;
    if (XGBoosterSaveJsonConfig(m->booster, &len, &cfg) != 0)
        return st_error_set(err, ST_ERR_CORRUPT, "could not read the booster's configuration: %s",
                            ml_xgb_error());
    json_t *j = json_loadb(cfg, len, 0, NULL);
    json_t *learner = json_object_get(j, "learner");
    const char *obj = jstr(json_object_get(learner, "objective"), "name");
    json_t *mp = json_object_get(learner, "learner_model_param");
    const char *nc = jstr(mp, "num_class"), *nf = jstr(mp, "num_feature");
    const char *gb = jstr(json_object_get(learner, "gradient_booster"), "name");
    m->type = ML_XGB_EXTERNAL;
    m->objective = obj ? st_arena_strdup(m->arena, obj) : "";
    m->is_linear = gb && !strcmp(gb, "gblinear");
    int n_class = nc ? atoi(nc) : 0, n_feat = nf ? atoi(nf) : 0;
    json_decref(j);
    if (n_feat <= 0 || n_feat > 1000000 || n_class < 0 || n_class > ML_CLASSES_MAX)
        return st_error_set(err, ST_ERR_CORRUPT, "booster has %d features and %d classes", n_feat,
                            n_class);
    m->task = !strcmp(m->objective, "binary:logistic") ? ML_TASK_BINARY
            : !strcmp(m->objective, "multi:softprob") ? ML_TASK_MULTI
            : !strcmp(m->objective, "multi:softmax")  ? ML_TASK_MULTI_INDEX : ML_TASK_REGRESSION;
    m->n_classes = m->task == ML_TASK_BINARY ? 2 : m->task == ML_TASK_REGRESSION ? 0 : n_class;
    if (m->task != ML_TASK_REGRESSION && m->n_classes < 2)
        return st_error_set(err, ST_ERR_CORRUPT, "booster objective '%s' has %d classes",
                            m->objective, n_class);
    if (m->task != ML_TASK_REGRESSION) {
        m->pred_type.id = VEC_INT64;
        m->class_i64 = st_arena_calloc(m->arena, (size_t)m->n_classes, sizeof(int64_t));
        m->class_text = st_arena_calloc(m->arena, (size_t)m->n_classes, sizeof(char *));
        for (int c = 0; m->class_i64 && m->class_text && c < m->n_classes; c++) {
            m->class_i64[c] = c;
            m->class_text[c] = st_arena_printf(m->arena, "%d", c);
        }
    }
    /* names: booster's, else signature's, else f0.. */
    m->n_inputs = m->n_features = n_feat;
    m->inputs = st_arena_calloc(m->arena, (size_t)n_feat, sizeof(ml_input));
    m->feature_names = st_arena_calloc(m->arena, (size_t)n_feat, sizeof(char *));
    if (!m->inputs || !m->feature_names)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    bst_ulong n_names = 0;
    const char **names = NULL;
    if (XGBoosterGetStrFeatureInfo(m->booster, "feature_name", &n_names, &names) != 0)
        n_names = 0;
    const char *sig = yaml_get(y, "signature.inputs");
    json_t *cols = sig ? json_loads(sig, 0, NULL) : NULL;
    if (json_array_size(cols) != (size_t)n_feat)
        json_decref(cols), cols = NULL;
    st_status rc = ST_OK;
    for (int i = 0; i < n_feat && rc == ST_OK; i++) {
        ml_input *in = &m->inputs[i];
        json_t *col = json_array_get(cols, (size_t)i);
        const char *cn = jstr(col, "name"), *ct = jstr(col, "type");
        in->name = (size_t)n_feat == n_names ? st_arena_strdup(m->arena, names[i])
                 : cn ? st_arena_strdup(m->arena, cn) : st_arena_printf(m->arena, "f%d", i);
        in->type.id = ct ? type_from_mlflow(ct) : VEC_DOUBLE;
        if (in->type.id == VEC_NULL)
            rc = st_error_set(err, ST_ERR_UNSUPPORTED, "model input '%s' has MLflow type '%s'; "
                              "strata feeds external xgboost models numbers only",
                              cn ? cn : "?", ct);
        in->enc = ML_ENC_NUMBER;
        in->first = i;
        in->width = 1;
        m->feature_names[i] = in->name;
        if (rc == ST_OK && !in->name)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    }
    json_decref(cols);
    m->options = json_object();
    return rc;
}

static st_status load_mlmodel(const char *dir, yaml_doc *y, st_error *err)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return st_error_set(err, ST_ERR_NOTFOUND, "model folder '%s' does not exist", dir);
    char *p = join_path(dir, "MLmodel");
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    uint8_t *text = NULL;
    size_t len = 0;
    st_status rc = ST_OK;
    if (stat(p, &st) != 0)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "model folder '%s' has no MLmodel file", dir);
    else
        rc = st_file_read_all(p, &text, &len, err);
    st_free(p);
    if (rc == ST_OK)
        rc = yaml_parse((const char *)text, len, y, err);
    st_free(text);
    return rc;
}

static st_status load_booster(ml_model *m, const char *dir, const char *data, st_error *err)
{
    char *p = join_path(dir, data);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    st_status rc = ST_OK;
    struct stat st;
    if (stat(p, &st) != 0)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "model file '%s' does not exist", p);
    else if ((rc = ml_xgb_load(err)) != ST_OK)
        ;
    else if (XGBoosterCreate(NULL, 0, &m->booster) != 0 || XGBoosterLoadModel(m->booster, p) != 0)
        rc = st_error_set(err, ST_ERR_CORRUPT, "could not load model file '%s': %s", p,
                          ml_xgb_error());
    else if (XGBoosterSetParam(m->booster, "nthread", "1") != 0)
        rc = st_error_set(err, ST_ERR_INTERNAL, "could not configure the booster: %s",
                          ml_xgb_error());
    st_free(p);
    return rc;
}

/* The booster must take the features strata_model.json encodes: XGBoost
** would otherwise read rows of the wrong width. */
static st_status check_booster(ml_model *m, const char *data, st_error *err)
{
    bst_ulong n = 0;
    if (XGBoosterGetNumFeature(m->booster, &n) != 0)
        return st_error_set(err, ST_ERR_CORRUPT, "could not read the features of model file "
                            "'%s': %s", data, ml_xgb_error());
    if (n != (bst_ulong)m->n_features)
        return st_error_set(err, ST_ERR_CORRUPT, "model file '%s' takes %llu features but "
                            "strata_model.json encodes %d", data, (unsigned long long)n,
                            m->n_features);
    return ST_OK;
}

st_status ml_model_load(const char *dir, ml_model **out, st_error *err)
{
    *out = NULL;
    yaml_doc y = {0};
    const char *data = NULL;
    st_status rc = load_mlmodel(dir, &y, err);
    if (rc == ST_OK)
        rc = flavor_data(&y, dir, &data, err);
    ml_model *m = NULL;
    if (rc == ST_OK && !(m = ml_model_alloc()))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
    if (rc == ST_OK)
        rc = load_booster(m, dir, data, err);
    if (rc == ST_OK) {
        char *p = join_path(dir, "strata_model.json");
        struct stat st;
        if (!p)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory loading a model");
        else if (stat(p, &st) == 0) {
            json_error_t je;
            json_t *j = json_load_file(p, 0, &je);
            rc = j ? load_encoding(m, j, err)
                   : st_error_set(err, ST_ERR_CORRUPT, "strata_model.json is not JSON: %s", je.text);
            json_decref(j);
            if (rc == ST_OK)
                rc = check_booster(m, data, err);
        } else
            rc = load_external(m, &y, err);
        st_free(p);
    }
    if (rc == ST_OK && (rc = ml_model_warm(m, err)) == ST_ERR_INTERNAL) {
        /* the booster disagrees with the encoding (outputs per row): bad files */
        char why[ST_ERROR_MSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        rc = st_error_set(err, ST_ERR_CORRUPT, "model file '%s' does not match "
                          "strata_model.json: %s", data, why);
    }
    yaml_free(&y);
    if (rc != ST_OK) {
        ml_model_free(m);
        return st_error_context(err, "loading model folder '%s'", dir);
    }
    *out = m;
    return ST_OK;
}
