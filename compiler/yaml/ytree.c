/* libyaml events -> the positioned tree. One pass over the events, nodes in
 * an arena. Aliases share the anchored node (the tree is a DAG), and a
 * budget on what aliases and merges would expand to stops alias bombs
 * before anyone walks them. */
#include "yaml/ytree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/arena.h"
#include "yaml/ytree_limits.h"

typedef struct anchor {
    const char *name;
    ynode *node;
    size_t weight;
} anchor;

typedef struct parse_ctx {
    const source_file *src;
    diag_list *diags;
    arena *ar;
    yaml_parser_t parser;
    bool failed;             /* libyaml stopped: no more events */
    bool budget_reported;
    size_t nodes;            /* nodes built */
    size_t expanded;         /* nodes that aliases and merges stand for */
    anchor *anchors;         /* open addressing, power-of-two size */
    size_t n_anchors, cap_anchors;
    bool ascii;              /* no byte >= 0x80: mark columns are byte columns */
    /* byte-column cursor: marks count characters; spans count bytes */
    uint32_t cur_line, cur_char;
    size_t cur_byte;
} parse_ctx;

/* ---- positions ---- */

static uint32_t mark_byte_col(parse_ctx *c, uint32_t line, uint32_t charcol)
{
    const source_file *src = c->src;
    if (c->ascii || line == 0 || line > src->n_lines) return charcol + 1;
    size_t start = src->line_starts[line - 1];
    size_t end = line < src->n_lines ? src->line_starts[line] : src->len;
    size_t pos;
    uint32_t ch;
    if (line == c->cur_line && charcol >= c->cur_char) {
        pos = c->cur_byte;
        ch = c->cur_char;
    } else {
        pos = start;
        ch = 0;
    }
    while (ch < charcol && pos < end) {
        pos++;
        while (pos < end && ((unsigned char)src->text[pos] & 0xC0) == 0x80) pos++;
        ch++;
    }
    c->cur_line = line;
    c->cur_char = ch;
    c->cur_byte = pos;
    return (uint32_t)(pos - start) + 1 + (charcol - ch);
}

static src_span span_of(parse_ctx *c, yaml_mark_t a, yaml_mark_t b)
{
    src_span s;
    s.line = (uint32_t)a.line + 1;
    s.col = mark_byte_col(c, s.line, (uint32_t)a.column);
    s.end_line = (uint32_t)b.line + 1;
    s.end_col = mark_byte_col(c, s.end_line, (uint32_t)b.column);
    return s;
}

static src_span point_at(parse_ctx *c, yaml_mark_t a) { return span_of(c, a, a); }

/* A byte offset (reader errors report those) to a span of one byte. */
static src_span span_at_offset(const source_file *src, size_t off)
{
    src_span s = {1, 1, 1, 2};
    if (src->n_lines == 0) return s;
    size_t lo = 0, hi = src->n_lines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (src->line_starts[mid] <= off) lo = mid;
        else hi = mid;
    }
    s.line = s.end_line = (uint32_t)lo + 1;
    s.col = (uint32_t)(off - src->line_starts[lo]) + 1;
    s.end_col = s.col + 1;
    return s;
}

/* ---- anchors ---- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static anchor *anchor_slot(anchor *tab, size_t cap, const char *name)
{
    size_t i = hash_str(name) & (cap - 1);
    while (tab[i].name && strcmp(tab[i].name, name) != 0) i = (i + 1) & (cap - 1);
    return &tab[i];
}

static void anchor_set(parse_ctx *c, const char *name, ynode *node, size_t weight)
{
    if (2 * (c->n_anchors + 1) > c->cap_anchors) {
        size_t cap = c->cap_anchors ? c->cap_anchors * 2 : 16;
        anchor *tab = calloc(cap, sizeof *tab);
        if (!tab) abort();
        for (size_t i = 0; i < c->cap_anchors; i++)
            if (c->anchors[i].name) *anchor_slot(tab, cap, c->anchors[i].name) = c->anchors[i];
        free(c->anchors);
        c->anchors = tab;
        c->cap_anchors = cap;
    }
    anchor *a = anchor_slot(c->anchors, c->cap_anchors, name);
    if (!a->name) {
        a->name = arena_strdup(c->ar, name);
        c->n_anchors++;
    }
    a->node = node;
    a->weight = weight;
}

static const anchor *anchor_get(parse_ctx *c, const char *name)
{
    if (!c->cap_anchors) return NULL;
    anchor *a = anchor_slot(c->anchors, c->cap_anchors, name);
    return a->name ? a : NULL;
}

static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX / 2 - b ? SIZE_MAX / 2 : a + b; }

/* Charges what an alias or merge stands for; false once over budget. */
static bool charge(parse_ctx *c, size_t weight, src_span at)
{
    c->expanded = sat_add(c->expanded, weight);
    size_t budget = sat_add(YTREE_ALIAS_BUDGET, YTREE_ALIAS_FACTOR * c->nodes);
    if (c->expanded <= budget) return true;
    if (!c->budget_reported) {
        c->budget_reported = true;
        diagnostic *d = diag_error(c->diags, "E0106", at,
                                   "aliases expand to more than %zu nodes (an alias bomb?)", budget);
        diag_help(d, "share defaults through one level of anchors, or write the values out");
    }
    return false;
}

/* ---- events ---- */

static const char *event_name(yaml_event_type_t t)
{
    switch (t) {
    case YAML_SCALAR_EVENT: return "scalar";
    case YAML_SEQUENCE_START_EVENT: return "sequence";
    case YAML_MAPPING_START_EVENT: return "mapping";
    default: return "node";
    }
}

static void report_parser_error(parse_ctx *c)
{
    yaml_parser_t *p = &c->parser;
    diagnostic *d;
    switch (p->error) {
    case YAML_READER_ERROR: {
        const char *problem = p->problem ? p->problem : "unreadable input";
        size_t off = p->problem_offset;
        /* libyaml points at the byte that broke a sequence: show its start */
        if (strstr(problem, "trailing") || strstr(problem, "incomplete"))
            for (size_t back = 1; back <= 3 && back <= off; back++)
                if (off < c->src->len + 1 && ((unsigned char)c->src->text[off - back] & 0xC0) == 0xC0) {
                    off -= back;
                    break;
                }
        src_span at = span_at_offset(c->src, off);
        if (strstr(problem, "control characters")) {
            d = diag_error(c->diags, "E0103", at, "control character 0x%02X is not allowed in YAML",
                           (unsigned)(p->problem_value & 0xFF));
            diag_help(d, "a fleet file is text: remove the character (or write it as an escape in a double-quoted string)");
        } else {
            d = diag_error(c->diags, "E0102", at, "invalid UTF-8: %s", problem);
            diag_help(d, "save the file as UTF-8");
        }
        break;
    }
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR: {
        src_span at = point_at(c, p->problem_mark);
        at.end_col = at.col + 1;
        d = diag_error(c->diags, "E0101", at, "YAML syntax error: %s", p->problem ? p->problem : "unknown problem");
        if (p->context) {
            src_span ctx = point_at(c, p->context_mark);
            ctx.end_col = ctx.col + 1;
            diag_note(d, ctx, "%s", p->context);
        }
        size_t len;
        const char *line = source_line(c->src, at.line, &len);
        const char *problem = p->problem ? p->problem : "";
        if (line && at.col >= 1 && at.col - 1 < len && line[at.col - 1] == '\t')
            diag_help(d, "YAML does not allow tabs for indentation: use spaces");
        else if (strstr(problem, "mapping values are not allowed"))
            diag_help(d, "quote a value that contains ': ', or check the indentation of this line");
        else if (strstr(problem, "did not find expected key") || strstr(problem, "expected <block end>"))
            diag_help(d, "check the indentation: keys of one mapping must start in the same column");
        else if (strstr(problem, "found undefined tag handle"))
            diag_help(d, "only the core tags (!!str, !!int, ...) are allowed");
        break;
    }
    default:
        diag_error(c->diags, "E0101", (src_span){0, 0, 0, 0}, "YAML parser failed: %s",
                   p->problem ? p->problem : "out of memory");
        break;
    }
}

static bool next_event(parse_ctx *c, yaml_event_t *ev)
{
    if (c->failed) return false;
    if (!yaml_parser_parse(&c->parser, ev)) {
        c->failed = true;
        report_parser_error(c);
        return false;
    }
    return true;
}

static bool tag_allowed(const char *tag)
{
    static const char *const core[] = {"!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int",
                                       "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                                       "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
                                       "tag:yaml.org,2002:seq"};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        if (strcmp(tag, core[i]) == 0) return true;
    return false;
}

static void check_tag(parse_ctx *c, const unsigned char *tag, src_span at)
{
    if (!tag || tag_allowed((const char *)tag)) return;
    diagnostic *d = diag_error(c->diags, "E0108", at, "tag `%s` is not allowed in a fleet file", (const char *)tag);
    diag_help(d, "remove the tag: infrac reads plain YAML (core tags such as !!str are allowed)");
}

static ynode *new_node(parse_ctx *c, ynode_kind kind, src_span at)
{
    ynode *n = arena_alloc(c->ar, sizeof *n);
    n->kind = kind;
    n->at = at;
    if (++c->nodes > YTREE_MAX_NODES && !c->failed) {
        diagnostic *d = diag_error(c->diags, "E0114", at, "the file holds more than %u values", YTREE_MAX_NODES);
        diag_help(d, "a fleet file holds a few values per service; this looks generated or corrupt (reading stopped here)");
        c->failed = true; /* stop reading: no more events */
    }
    return n;
}

static ynode *parse_node(parse_ctx *c, yaml_event_t *ev, unsigned depth, size_t *weight);

/* ---- mappings: duplicates and merge keys ---- */

typedef struct key_ref {
    const char *text;
    size_t len;
    uint32_t merged; /* 0 = written in this mapping; k = from the k-th merge */
    uint32_t idx;
} key_ref;

static int key_ref_cmp(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->text, b->text, n);
    if (r) return r;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    if (a->merged != b->merged) return a->merged < b->merged ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Pairs being collected; small mappings stay in the inline buffer. */
#define PAIR_INLINE 16
typedef struct pair_vec {
    ypair *v;
    size_t n, cap;
    ypair inline_buf[PAIR_INLINE];
} pair_vec;

static void pair_init(pair_vec *pv)
{
    pv->v = pv->inline_buf;
    pv->n = 0;
    pv->cap = PAIR_INLINE;
}

static void pair_release(pair_vec *pv)
{
    if (pv->v != pv->inline_buf) free(pv->v);
}

static void pair_push(pair_vec *pv, ynode *k, ynode *val)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap * 2;
        ypair *nv = pv->v == pv->inline_buf ? malloc(cap * sizeof *nv) : realloc(pv->v, cap * sizeof *nv);
        if (!nv) abort();
        if (pv->v == pv->inline_buf) memcpy(nv, pv->inline_buf, sizeof pv->inline_buf);
        pv->v = nv;
        pv->cap = cap;
    }
    pv->v[pv->n].key = k;
    pv->v[pv->n].value = val;
    pv->n++;
}

static bool is_merge_key(const ynode *k)
{
    return k->kind == YNODE_SCALAR && !k->quoted && k->len == 2 && memcmp(k->text, "<<", 2) == 0;
}

/* Adds the pairs of a `<<:` value (a mapping or a sequence of mappings). */
static void collect_merge(parse_ctx *c, const ynode *key, const ynode *val, pair_vec *merged)
{
    const ynode *const *srcs = &val;
    size_t n = 1;
    if (val->kind == YNODE_SEQUENCE) {
        srcs = (const ynode *const *)val->items;
        n = val->n_items;
    }
    for (size_t i = 0; i < n; i++) {
        const ynode *m = srcs[i];
        if (m->kind != YNODE_MAPPING) {
            diagnostic *d = diag_error(c->diags, "E0113", m->at, "a merge key '<<' takes a mapping or a list of mappings");
            diag_note(d, key->at, "merge key here");
            continue;
        }
        if (!charge(c, m->n_pairs, m->at)) return;
        for (size_t k = 0; k < m->n_pairs; k++) pair_push(merged, m->pairs[k].key, m->pairs[k].value);
    }
}

static void finish_mapping(parse_ctx *c, ynode *map, pair_vec *own, pair_vec *merged)
{
    size_t total = own->n + merged->n;
    if (total == 0) return;
    key_ref refs_buf[2 * PAIR_INLINE];
    bool drop_buf[2 * PAIR_INLINE];
    bool small = total <= 2 * PAIR_INLINE;
    key_ref *refs = small ? refs_buf : malloc(total * sizeof *refs);
    bool *drop = small ? drop_buf : malloc(total * sizeof *drop);
    if (!refs || !drop) abort();
    memset(drop, 0, total * sizeof *drop);
    for (size_t i = 0; i < own->n; i++)
        refs[i] = (key_ref){own->v[i].key->text, own->v[i].key->len, 0, (uint32_t)i};
    for (size_t i = 0; i < merged->n; i++)
        refs[own->n + i] = (key_ref){merged->v[i].key->text, merged->v[i].key->len, 1, (uint32_t)(own->n + i)};
    if (small) { /* insertion sort: cheaper than qsort for a handful of keys */
        for (size_t i = 1; i < total; i++) {
            key_ref r = refs[i];
            size_t j = i;
            while (j > 0 && key_ref_cmp(&refs[j - 1], &r) > 0) {
                refs[j] = refs[j - 1];
                j--;
            }
            refs[j] = r;
        }
    } else {
        qsort(refs, total, sizeof *refs, key_ref_cmp);
    }
    for (size_t i = 0; i < total;) {
        const key_ref *first = &refs[i];
        size_t j = i + 1;
        while (j < total && refs[j].len == first->len && memcmp(refs[j].text, first->text, first->len) == 0) {
            /* the first of a run is kept; later writings are duplicates,
             * merged values are overridden silently (YAML merge semantics) */
            if (refs[j].merged == 0) {
                const ynode *k = own->v[refs[j].idx].key;
                const ynode *k0 = own->v[first->idx].key;
                diagnostic *d = diag_error(c->diags, "E0109", k->at, "duplicate key `%s`", k->text);
                diag_note(d, k0->at, "`%s` first defined here", k0->text);
                diag_help(d, "remove one of them: YAML parsers disagree on which one wins");
            }
            drop[refs[j].idx] = true;
            j++;
        }
        i = j;
    }
    size_t kept = 0;
    for (size_t i = 0; i < total; i++) kept += !drop[i];
    map->pairs = arena_alloc(c->ar, kept * sizeof *map->pairs);
    size_t k = 0;
    for (size_t i = 0; i < own->n; i++)
        if (!drop[i]) map->pairs[k++] = own->v[i];
    for (size_t i = 0; i < merged->n; i++)
        if (!drop[own->n + i]) map->pairs[k++] = merged->v[i];
    map->n_pairs = k;
    if (!small) {
        free(refs);
        free(drop);
    }
}

static ynode *parse_mapping(parse_ctx *c, yaml_event_t *start, unsigned depth, size_t *weight)
{
    ynode *map = new_node(c, YNODE_MAPPING, span_of(c, start->start_mark, start->end_mark));
    pair_vec own, merged;
    pair_init(&own);
    pair_init(&merged);
    size_t w = 1;
    yaml_event_t ev;
    while (next_event(c, &ev)) {
        if (ev.type == YAML_MAPPING_END_EVENT) {
            map->at.end_line = (uint32_t)ev.end_mark.line + 1;
            map->at.end_col = mark_byte_col(c, map->at.end_line, (uint32_t)ev.end_mark.column);
            yaml_event_delete(&ev);
            break;
        }
        size_t kw = 0, vw = 0;
        ynode *key = parse_node(c, &ev, depth + 1, &kw);
        yaml_event_t vev;
        if (!next_event(c, &vev)) break;
        ynode *val = parse_node(c, &vev, depth + 1, &vw);
        w = sat_add(w, sat_add(kw, vw));
        if (!key || !val) continue;
        if (key->kind != YNODE_SCALAR) {
            diagnostic *d = diag_error(c->diags, "E0110", key->at, "a key must be a plain name, not a %s",
                                       key->kind == YNODE_MAPPING ? "mapping" : "list");
            diag_help(d, "write keys as plain words: `port: 8080`");
            continue;
        }
        if (is_merge_key(key)) collect_merge(c, key, val, &merged);
        else pair_push(&own, key, val);
    }
    finish_mapping(c, map, &own, &merged);
    pair_release(&own);
    pair_release(&merged);
    *weight = w;
    return map;
}

static ynode *parse_sequence(parse_ctx *c, yaml_event_t *start, unsigned depth, size_t *weight)
{
    ynode *seq = new_node(c, YNODE_SEQUENCE, span_of(c, start->start_mark, start->end_mark));
    ynode **items = NULL;
    size_t n = 0, cap = 0, w = 1;
    yaml_event_t ev;
    while (next_event(c, &ev)) {
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            seq->at.end_line = (uint32_t)ev.end_mark.line + 1;
            seq->at.end_col = mark_byte_col(c, seq->at.end_line, (uint32_t)ev.end_mark.column);
            yaml_event_delete(&ev);
            break;
        }
        size_t iw = 0;
        ynode *item = parse_node(c, &ev, depth + 1, &iw);
        w = sat_add(w, iw);
        if (!item) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            items = arena_grow(c->ar, items, n * sizeof *items, cap * sizeof *items);
        }
        items[n++] = item;
    }
    seq->items = items;
    seq->n_items = n;
    *weight = w;
    return seq;
}

/* Builds the node whose first event is ev (and deletes ev). NULL when the
 * node is unusable (reported). */
static ynode *parse_node(parse_ctx *c, yaml_event_t *ev, unsigned depth, size_t *weight)
{
    ynode *node = NULL;
    *weight = 1;
    const unsigned char *anchor_name = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        src_span at = span_of(c, ev->start_mark, ev->end_mark);
        const char *name = (const char *)ev->data.alias.anchor;
        const anchor *a = anchor_get(c, name);
        if (!a) {
            diagnostic *d = diag_error(c->diags, "E0107", at, "unknown alias '*%s'", name);
            diag_help(d, "define the anchor '&%s' before this alias (and not inside the node that uses it)", name);
        } else if (charge(c, a->weight, at)) {
            node = a->node;
            *weight = a->weight;
        }
        break;
    }
    case YAML_SCALAR_EVENT: {
        src_span at = span_of(c, ev->start_mark, ev->end_mark);
        check_tag(c, ev->data.scalar.tag, at);
        const char *value = (const char *)ev->data.scalar.value;
        size_t len = ev->data.scalar.length;
        node = new_node(c, YNODE_SCALAR, at);
        if (memchr(value, '\0', len)) {
            diag_error(c->diags, "E0103", at, "a NUL character is not allowed in a value");
            len = strlen(value);
        }
        node->text = arena_strndup(c->ar, value, len);
        node->len = len;
        node->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                       (ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, "tag:yaml.org,2002:str") == 0);
        anchor_name = ev->data.scalar.anchor;
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool is_map = ev->type == YAML_MAPPING_START_EVENT;
        const unsigned char *tag = is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
        src_span at = span_of(c, ev->start_mark, ev->end_mark);
        check_tag(c, tag, at);
        if (depth >= YTREE_MAX_DEPTH) {
            diagnostic *d = diag_error(c->diags, "E0105", at, "nesting is deeper than %d levels", YTREE_MAX_DEPTH);
            diag_help(d, "a fleet file needs a handful of levels; this looks generated or corrupt (reading stopped here)");
            yaml_event_delete(ev);
            /* stop reading: skipping the rest would cost libyaml time
             * quadratic in the depth (its simple-key stack per flow level) */
            c->failed = true;
            return NULL;
        }
        unsigned char *a = is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        char *anchor_copy = a ? arena_strdup(c->ar, (const char *)a) : NULL;
        yaml_event_t start = *ev;
        /* the start event's strings are freed now; keep only its marks */
        start.data.mapping_start.anchor = NULL;
        yaml_event_delete(ev);
        node = is_map ? parse_mapping(c, &start, depth, weight) : parse_sequence(c, &start, depth, weight);
        if (anchor_copy) anchor_set(c, anchor_copy, node, *weight);
        return node;
    }
    default:
        diag_error(c->diags, "E0101", span_of(c, ev->start_mark, ev->end_mark), "unexpected YAML %s",
                   event_name(ev->type));
        break;
    }
    if (node && anchor_name) anchor_set(c, (const char *)anchor_name, node, *weight);
    yaml_event_delete(ev);
    return node;
}

/* Reports the first NUL byte: libyaml would call it a control character,
 * but a NUL almost always means a binary file was given. */
static bool reject_binary(const source_file *src, diag_list *diags)
{
    const char *nul = memchr(src->text, '\0', src->len);
    if (!nul) return false;
    diagnostic *d = diag_error(diags, "E0103", span_at_offset(src, (size_t)(nul - src->text)),
                               "the file contains a NUL byte: this looks like a binary file, not YAML");
    diag_help(d, "give infrac the fleet's YAML file");
    return true;
}

int ytree_parse(const source_file *src, ytree *out, diag_list *diags)
{
    memset(out, 0, sizeof *out);
    arena *ar = arena_new();
    out->arena = ar;
    if (reject_binary(src, diags)) return -1;

    parse_ctx c;
    memset(&c, 0, sizeof c);
    c.src = src;
    c.diags = diags;
    c.ar = ar;
    c.ascii = true;
    for (size_t i = 0; i < src->len; i++)
        if ((unsigned char)src->text[i] >= 0x80) {
            c.ascii = false;
            break;
        }
    if (!yaml_parser_initialize(&c.parser)) {
        diag_error(diags, "E0101", (src_span){0, 0, 0, 0}, "cannot start the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&c.parser, (const unsigned char *)src->text, src->len);
    yaml_parser_set_encoding(&c.parser, YAML_UTF8_ENCODING);

    int docs = 0;
    yaml_event_t ev;
    while (next_event(&c, &ev)) {
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1) {
                src_span at = point_at(&c, ev.start_mark);
                at.end_col = at.col + 3;
                diagnostic *d = diag_error(diags, "E0104", at, "a fleet file holds one YAML document, found a second");
                if (out->root) diag_note(d, out->root->at, "the first document starts here");
                diag_help(d, "remove the `---` line and merge the documents, or split them into separate fleet files");
                yaml_event_delete(&ev);
                break;
            }
            yaml_event_delete(&ev);
            continue;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT ||
            t == YAML_ALIAS_EVENT) {
            size_t w;
            ynode *n = parse_node(&c, &ev, 0, &w);
            if (!out->root) out->root = n;
            continue;
        }
        yaml_event_delete(&ev); /* STREAM_START, DOCUMENT_END */
    }
    yaml_parser_delete(&c.parser);
    free(c.anchors);
    if (c.failed) return -1;
    /* an empty document (or one holding only `~`) gives a NULL root */
    if (out->root && yscalar_is_null(out->root)) out->root = NULL;
    return 0;
}

void ytree_free(ytree *t)
{
    if (!t) return;
    arena_free(t->arena);
    t->arena = NULL;
    t->root = NULL;
}

const ynode *ymap_get(const ynode *map, const char *key)
{
    if (!map || map->kind != YNODE_MAPPING) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < map->n_pairs; i++) {
        const ynode *k = map->pairs[i].key;
        if (k->len == kl && memcmp(k->text, key, kl) == 0) return map->pairs[i].value;
    }
    return NULL;
}

bool yscalar_is_null(const ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR || n->quoted) return false;
    const char *t = n->text;
    return n->len == 0 || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
           strcmp(t, "NULL") == 0;
}
