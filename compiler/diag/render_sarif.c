/* --format sarif: SARIF 2.1.0 for code-scanning tools. One run whose
 * tool.driver lists every registered code as a rule (so ruleIndex is stable),
 * results with ruleId, level, message, one physical location and the notes
 * as relatedLocations. The help line is appended to the message text.
 * informationUri is the diagnostics reference `make install` puts in
 * INFRAC_DOC_DIR (the Makefile's DOCDIR), a file:// URI as there is no public
 * address for the docs; each rule's helpUri is its anchor there, and its
 * `help` names the command that prints the same explanation.
 * Artifact URIs follow SARIF 2.1.0 section 3.10 and RFC 3986: a relative path
 * becomes a relative reference, an absolute one a file:// URI, and every byte
 * outside the unreserved set (and '/') is percent-encoded, so spaces, '#', '%'
 * and UTF-8 survive. partialFingerprints (section 3.27.17) let code scanning
 * follow a result when lines move: a hash of the code, the file, the message
 * and the text of the result's line. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "diag/render_util.h"
#include "util/sha256.h"
#include "version.h"
#include "doc_dir.h" /* INFRAC_DOC_DIR: the Makefile's DOCDIR, generated */

#define SARIF_DOC_PATH INFRAC_DOC_DIR "/diagnostics.md"

/* The path as a URI reference (caller frees). */
static char *path_uri(const char *path)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + 8), *o = u;
    if (!u) return NULL;
    if (path[0] == '/') o += sprintf(o, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/')
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return u;
}

static const char *level(diag_severity s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

static json_t *text_obj(const char *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "text", json_string(s));
    return o;
}

static json_t *physical(const char *uri, char_span c)
{
    json_t *pl = json_object();
    json_t *art = json_object();
    json_object_set_new(art, "uri", json_string(uri));
    json_object_set_new(pl, "artifactLocation", art);
    if (c.line) {
        json_t *r = json_object();
        json_object_set_new(r, "startLine", json_integer(c.line));
        json_object_set_new(r, "startColumn", json_integer(c.col));
        json_object_set_new(r, "endLine", json_integer(c.end_line));
        json_object_set_new(r, "endColumn", json_integer(c.end_col));
        json_object_set_new(pl, "region", r);
    }
    return pl;
}

static json_t *rules_array(const char *doc_uri)
{
    json_t *rules = json_array();
    size_t n = diag_code_count();
    for (size_t i = 0; i < n; i++) {
        const diag_code_info *c = diag_code_at(i);
        json_t *r = json_object();
        json_object_set_new(r, "id", json_string(c->code));
        json_object_set_new(r, "shortDescription", text_obj(c->title));
        json_object_set_new(r, "fullDescription", text_obj(c->explanation));
        char help[64];
        snprintf(help, sizeof help, "infrac explain %s", c->code);
        json_object_set_new(r, "help", text_obj(help));
        if (doc_uri) { /* docs/diagnostics.md's anchor of the code */
            char anchor[512];
            snprintf(anchor, sizeof anchor, "%s#%s", doc_uri, c->code);
            json_object_set_new(r, "helpUri", json_string(anchor));
        }
        json_t *cfg = json_object();
        json_object_set_new(cfg, "level", json_string(level(c->severity)));
        json_object_set_new(r, "defaultConfiguration", cfg);
        json_array_append_new(rules, r);
    }
    return rules;
}

static json_int_t rule_index(const char *code)
{
    size_t n = diag_code_count();
    const diag_code_info *info = diag_code_lookup(code);
    for (size_t i = 0; i < n; i++)
        if (diag_code_at(i) == info) return (json_int_t)i;
    return -1;
}

/* Stable across line moves: code, file, message and the line's own text
 * (without its indentation). */
static json_t *fingerprints(const diag_list *l, const diagnostic *d, const char *uri)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    if (!m) return NULL;
    fprintf(m, "%s%c%s%c%s%c", d->code, 0, uri, 0, d->message, 0);
    size_t len = 0;
    const char *t = d->at.line ? source_line(l->src, d->at.line, &len) : NULL;
    if (t) {
        while (len && (*t == ' ' || *t == '\t')) t++, len--;
        fwrite(t, 1, len, m);
    }
    fclose(m);
    char hex[65];
    int rc = sha256_hex(buf, blen, hex);
    free(buf);
    if (rc != 0) return NULL;
    json_t *fp = json_object();
    json_object_set_new(fp, "infrac/v1", json_string(hex));
    return fp;
}

void render_sarif(const diag_list *l, FILE *out)
{
    char *uri_buf = path_uri(render_path(l));
    const char *path = uri_buf ? uri_buf : "";
    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("infrac"));
    json_object_set_new(driver, "version", json_string(INFRAC_VERSION));
    json_object_set_new(driver, "semanticVersion", json_string(INFRAC_VERSION));
    char *doc_uri = path_uri(SARIF_DOC_PATH);
    if (doc_uri) json_object_set_new(driver, "informationUri", json_string(doc_uri));
    json_object_set_new(driver, "rules", rules_array(doc_uri));
    free(doc_uri);
    json_t *tool = json_object();
    json_object_set_new(tool, "driver", driver);

    json_t *results = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const diagnostic *d = l->items[i];
        json_t *r = json_object();
        json_object_set_new(r, "ruleId", json_string(d->code));
        json_int_t idx = rule_index(d->code);
        if (idx >= 0) json_object_set_new(r, "ruleIndex", json_integer(idx));
        json_object_set_new(r, "level", json_string(level(d->severity)));
        char *msg = NULL;
        size_t mlen = 0;
        FILE *m = open_memstream(&msg, &mlen);
        if (m) {
            fputs(d->message, m);
            if (d->help) fprintf(m, "\nhelp: %s", d->help);
            fclose(m);
        }
        json_object_set_new(r, "message", text_obj(msg ? msg : d->message));
        free(msg);
        json_t *locs = json_array();
        json_t *loc = json_object();
        json_object_set_new(loc, "physicalLocation", physical(path, render_char_span(l->src, d->at)));
        json_array_append_new(locs, loc);
        json_object_set_new(r, "locations", locs);
        json_t *fp = fingerprints(l, d, path);
        if (fp) json_object_set_new(r, "partialFingerprints", fp);
        if (d->n_notes) {
            json_t *rel = json_array();
            for (size_t k = 0; k < d->n_notes; k++) {
                json_t *nl = json_object();
                json_object_set_new(nl, "id", json_integer((json_int_t)k));
                json_object_set_new(nl, "physicalLocation",
                                    physical(path, render_char_span(l->src, d->notes[k].at)));
                json_object_set_new(nl, "message", text_obj(d->notes[k].message));
                json_array_append_new(rel, nl);
            }
            json_object_set_new(r, "relatedLocations", rel);
        }
        json_array_append_new(results, r);
    }

    json_t *run = json_object();
    json_object_set_new(run, "tool", tool);
    json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));
    json_object_set_new(run, "results", results);
    json_t *runs = json_array();
    json_array_append_new(runs, run);
    json_t *root = json_object();
    json_object_set_new(root, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
    json_object_set_new(root, "version", json_string("2.1.0"));
    json_object_set_new(root, "runs", runs);
    render_json_document(root, out);
    free(uri_buf);
}
