/* The GPU catalog: schema/gpus.yaml, embedded in the binary by the
 * assembler (.incbin, so the data is exactly the file's bytes), parsed
 * with libcyaml on first use. */
#include <cyaml/cyaml.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_catalog.h"

/* The file's bytes followed by a NUL, between two symbols. */
__asm__(".section .rodata\n"
        ".global infrac_gpus_yaml\n"
        ".type infrac_gpus_yaml, @object\n"
        ".balign 16\n"
        "infrac_gpus_yaml:\n"
        ".incbin \"schema/gpus.yaml\"\n"
        ".byte 0\n"
        ".global infrac_gpus_yaml_end\n"
        "infrac_gpus_yaml_end:\n"
        ".previous\n");
extern const char infrac_gpus_yaml[];
extern const char infrac_gpus_yaml_end[];

typedef struct gpu_entry {
    char *id, *name, *vendor, *usable, *overhead, *basis, *nominal, *unified;
} gpu_entry;

typedef struct gpu_doc {
    gpu_entry *gpus;
    unsigned gpus_count;
} gpu_doc;

static const cyaml_schema_field_t entry_fields[] = {
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, gpu_entry, id, 1, 64),
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, gpu_entry, name, 1, 128),
    CYAML_FIELD_STRING_PTR("vendor", CYAML_FLAG_POINTER, gpu_entry, vendor, 1, 32),
    CYAML_FIELD_STRING_PTR("usable", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, gpu_entry, usable, 1, 32),
    CYAML_FIELD_STRING_PTR("overhead", CYAML_FLAG_POINTER, gpu_entry, overhead, 1, 32),
    CYAML_FIELD_STRING_PTR("basis", CYAML_FLAG_POINTER, gpu_entry, basis, 1, 16),
    CYAML_FIELD_STRING_PTR("nominal", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, gpu_entry, nominal, 1, 32),
    CYAML_FIELD_STRING_PTR("unified", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, gpu_entry, unified, 1, 32),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t entry_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, gpu_entry, entry_fields),
};
static const cyaml_schema_field_t doc_fields[] = {
    CYAML_FIELD_SEQUENCE("gpus", CYAML_FLAG_POINTER, gpu_doc, gpus, &entry_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, gpu_doc, doc_fields),
};
static const cyaml_config_t cyaml_cfg = {
    .log_fn = cyaml_log,
    .mem_fn = cyaml_mem,
    .log_level = CYAML_LOG_WARNING,
};

static gpu_spec *catalog;
static size_t catalog_n;
static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;

/* "24080 MiB" / "15.48 GiB" -> bytes; 0 when malformed. */
static uint64_t parse_size(const char *s)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !(v > 0) || v > 1e7)
        return 0;
    while (*end == ' ')
        end++;
    double unit = strcmp(end, "MiB") == 0 ? 1048576.0 : strcmp(end, "GiB") == 0 ? 1073741824.0 : 0.0;
    return (uint64_t)floor(v * unit);
}

/* The default share is what Metal reports as recommendedMaxWorkingSetSize
 * on a machine nobody tuned, as llama.cpp prints it at start
 * (ggml_metal_init / `llama-server --list-devices`):
 *   16 GB: 10922.67 MB = 2/3 (github.com/abetlen/llama-cpp-python issue 687)
 *   32 GB: 21845.34 MB = 2/3 (github.com/ollama/ollama issue 434,
 *          github.com/ggml-org/llama.cpp pull 2011, M1/M2 Max)
 *   64 GB: 49152.00 MiB = 3/4 (github.com/ggml-org/llama.cpp issue 1870, M1 Max)
 * Where the fraction changes between 32 and 64 GB is not in those reports;
 * 36 GB is the boundary commonly given, and a 36 GB machine counted at 2/3
 * is the lower of the two. macOS 26 reports more on some machines (107.52
 * GiB of 128 GiB on an M5 Max, github.com/antirez/ds4 pull 893; 17.76 GiB
 * of 24 GiB, github.com/sgl-project/sglang pull 29949): the rule is the
 * lower figure, so it never overstates; `gpu_wired_limit:` states the real
 * one. Setting iogpu.wired_limit_mb changes what Metal reports
 * (github.com/AlexsJones/llmfit pull 754: 12000 and 14000 MiB read back
 * exactly; ds4 pull 893: 114688 MiB -> 112.00 GiB). */
uint64_t gpu_unified_default_share(uint64_t ram)
{
    const uint64_t gib = 1073741824ull;
    return ram <= 36 * gib ? ram / 3 * 2 : ram / 4 * 3;
}

static void catalog_load(void)
{
    size_t len = (size_t)(infrac_gpus_yaml_end - infrac_gpus_yaml) - 1;
    gpu_doc *doc = NULL;
    cyaml_err_t rc = cyaml_load_data((const uint8_t *)infrac_gpus_yaml, len, &cyaml_cfg, &doc_schema,
                                     (cyaml_data_t **)&doc, NULL);
    if (rc != CYAML_OK) {
        /* the embedded file is ours: only a build defect gets here */
        fprintf(stderr, "infrac: embedded schema/gpus.yaml: %s\n", cyaml_strerror(rc));
        return;
    }
    catalog = calloc(doc->gpus_count, sizeof *catalog);
    if (!catalog) {
        cyaml_free(&cyaml_cfg, &doc_schema, doc, 0);
        return;
    }
    for (unsigned i = 0; i < doc->gpus_count; i++) {
        const gpu_entry *e = &doc->gpus[i];
        gpu_spec *g = &catalog[catalog_n];
        g->unified_bytes = e->unified ? parse_size(e->unified) : 0;
        /* exactly one of usable (a card) and unified (an Apple machine) */
        g->usable_bytes = e->unified ? (e->usable ? 0 : gpu_unified_default_share(g->unified_bytes))
                                     : (e->usable ? parse_size(e->usable) : 0);
        g->runtime_overhead_bytes = parse_size(e->overhead);
        g->measured = strcmp(e->basis, "measured") == 0;
        g->nominal_bytes = e->nominal ? parse_size(e->nominal) : 0;
        if (g->usable_bytes == 0 || g->runtime_overhead_bytes == 0 || (e->nominal && !g->nominal_bytes) ||
            (!g->measured && strcmp(e->basis, "derived") != 0)) {
            fprintf(stderr, "infrac: embedded schema/gpus.yaml: bad size or basis for %s\n", e->id);
            continue;
        }
        /* the specs live for the process; the parsed document does not */
        g->id = strdup(e->id);
        g->name = strdup(e->name);
        g->vendor = strdup(e->vendor);
        if (!g->id || !g->name || !g->vendor)
            break;
        catalog_n++;
    }
    cyaml_free(&cyaml_cfg, &doc_schema, doc, 0);
}

static void ensure_loaded(void)
{
    pthread_once(&catalog_once, catalog_load);
}

const gpu_spec *gpu_catalog_find(const char *id)
{
    if (!id)
        return NULL;
    ensure_loaded();
    for (size_t i = 0; i < catalog_n; i++)
        if (strcmp(catalog[i].id, id) == 0)
            return &catalog[i];
    return NULL;
}

size_t gpu_catalog_count(void)
{
    ensure_loaded();
    return catalog_n;
}

const gpu_spec *gpu_catalog_at(size_t i)
{
    ensure_loaded();
    return i < catalog_n ? &catalog[i] : NULL;
}

static bool is_laptop(const char *id)
{
    static const char *const marks[] = {"laptop", "mobile", "notebook", "max-q", "maxq"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(id, marks[i]))
            return true;
    return false;
}

/* The model-number digit runs of an id, joined by '-' into out; a run
 * followed by "gb"/"g" is a size, checked against g instead (when g), and
 * *sized says whether there was one. */
static bool model_numbers(const char *id, const gpu_spec *g, char *out, size_t cap, bool *sized)
{
    size_t n = 0;
    out[0] = 0;
    *sized = false;
    for (const char *p = id; *p;) {
        if (!isdigit((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *start = p;
        while (isdigit((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - start);
        if (tolower((unsigned char)*p) == 'g' && (!p[1] || tolower((unsigned char)p[1]) == 'b' || p[1] == '-')) {
            /* a size: an Apple chip's RAM, the card's nominal size, or the usable rounded up */
            *sized = true;
            if (g) {
                double gib = strtod(start, NULL);
                double have = g->unified_bytes ? (double)g->unified_bytes / 1073741824.0
                              : g->nominal_bytes ? (double)g->nominal_bytes / 1073741824.0
                                               : ceil((double)g->usable_bytes / 1073741824.0);
                if (fabs(gib - have) > 0.5)
                    return false;
            }
            continue;
        }
        if (n + len + 2 > cap)
            return false;
        if (n)
            out[n++] = '-';
        memcpy(out + n, start, len);
        n += len;
        out[n] = 0;
    }
    return true;
}

bool gpu_catalog_same_card(const char *typed, const gpu_spec *g)
{
    if (!typed || !g || is_laptop(typed) != is_laptop(g->id))
        return false;
    char a[64], b[64];
    bool typed_sized, id_sized;
    if (!model_numbers(typed, g, a, sizeof a, &typed_sized) || !model_numbers(g->id, NULL, b, sizeof b, &id_sized))
        return false;
    /* an id that names its size is a card sold in more than one (arc-a770-8gb, -16gb): a
     * name without a size may be the other */
    return strcmp(a, b) == 0 && (typed_sized || !id_sized);
}
