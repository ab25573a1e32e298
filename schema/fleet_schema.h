/* The fleet language in one table: every key of every object, with its
 * type, doc line, enum values, range, default and the engines it applies to.
 * The lowering (compiler/fleet/lower.c) checks files against it, `infrac
 * schema` turns it into a JSON Schema for editors, and docs/fleet.md is
 * written from it (`infrac schema --markdown`). A key added here is known
 * everywhere at once. The table itself, with each key's offset into the
 * typed fleet's structs, is compiler/fleet/fleet_schema.c: it belongs to the
 * fleet, and schema/ includes nothing of the compiler. */
#ifndef INFRAC_FLEET_SCHEMA_H
#define INFRAC_FLEET_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum fs_type {
    FS_STRING,
    FS_INT,
    FS_NUMBER,
    FS_BOOL,
    FS_SIZE,       /* bytes: an integer, or a number with a unit (64GiB) */
    FS_ENUM,       /* one of values[] */
    FS_OBJECT,     /* a mapping described by object */
    FS_NAMED_MAP,  /* name -> object (hosts, models, services) */
    FS_LIST,       /* list of item (scalar types, or FS_OBJECT with object) */
    FS_CACHE,      /* KV cache type: one type, or {k: type, v: type} */
    FS_GPU_LAYERS, /* "all" or an integer */
    FS_STRING_MAP, /* name -> string (env:, binaries:); flags apply to the values */
} fs_type;

enum fs_flags {
    FS_REQUIRED = 1 << 0,
    FS_NAME = 1 << 1,        /* [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64: becomes unit and file names */
    FS_ABSPATH = 1 << 2,     /* an absolute path */
    FS_IPADDR = 1 << 3,      /* an IPv4 or IPv6 address */
    FS_USERNAME = 1 << 4,    /* a Linux user name */
    FS_MIN_EXCLUSIVE = 1 << 5,
    FS_ENUM_INDEX = 1 << 6,  /* stored as the value's index (fl_int), not its text */
    FS_SCALAR_ITEM = 1 << 7, /* list of objects whose items may also be a plain id */
    FS_UNIQUE = 1 << 8,      /* a list whose items are distinct */
    FS_ENV_NAMES = 1 << 9,   /* FS_STRING_MAP: keys are environment variable names */
    FS_CPU_LIST = 1 << 10,   /* a CPU list: 0-7,16-23 */
    FS_UNIT_NAME = 1 << 11,  /* a systemd unit name: tailscaled.service */
    FS_ORIGIN = 1 << 12,     /* a CORS origin (common/cors_origin.h) */
    FS_IP_NETWORK = 1 << 13, /* a peer for IPAddressAllow=: address[/prefix] or a keyword (common/host_name.h) */
};

/* Engines an option applies to (bit = 1 << engine_kind); 0 = every engine. */
#define FS_LLAMACPP (1u << 0)
#define FS_VLLM (1u << 1)
#define FS_INFRAC (1u << 2)

/* Keys that the lowering handles by hand (lists, nested objects). */
typedef enum fs_key_id {
    FK_NONE = 0,
    FK_DEFAULTS, FK_CHECKS, FK_HOSTS, FK_MODELS, FK_SERVICES,
    FK_HOST_GPUS, FK_RESERVED_PORTS, FK_GPU_MODEL, FK_SHAPE,
    FK_SERVICE_GPUS, FK_TENSOR_SPLIT, FK_EXTRA_ARGS, FK_CORS_ORIGINS, FK_CACHE, FK_LLAMA_SWAP,
    FK_ENGINES, FK_ENGINE, FK_ENV, FK_ENGINE_BINARIES, FK_CACHE_TYPES, FK_ENGINE_FLAGS,
    FK_UNIT_AFTER, FK_UNIT_REQUIRES, FK_UNIT_WANTS, FK_ALLOW_HOSTS, FK_ALLOW_CLIENTS,
} fs_key_id;

struct fs_object;

/* A default the resolver applies, read from where it lives (the compiler's
 * per-engine table, compiler/fleet/fleet_schema_defaults.c): writes the
 * default for engine (an engine_kind, the index of fs_engine_values) as the
 * file would spell it. Returns true when that is a value of the key's type
 * (the JSON Schema's "default"), false for a description ("`parallel`"). */
typedef bool (*fs_default_fn)(unsigned engine, char *buf, size_t n);

typedef struct fs_key {
    const char *name;
    fs_type type;
    fs_type item;                 /* FS_LIST: type of the items */
    unsigned flags;
    const char *doc;
    const char *const *values;    /* FS_ENUM: NULL-terminated */
    double min, max;              /* numeric range; min > max = unbounded */
    const char *default_text;     /* a default no table holds, as shown in docs; NULL = none */
    fs_default_fn default_of;     /* a default the resolver applies; set, it replaces default_text */
    const struct fs_object *object;
    unsigned engines;
    fs_key_id id;
    long offset;                  /* of the fl_* field in the target struct; -1 = by hand */
} fs_key;

typedef struct fs_object {
    const char *name;             /* "service" */
    const char *doc;
    const fs_key *keys;
    size_t n_keys;
    const struct fs_object *also; /* keys shared with another object (service options) */
} fs_object;

extern const fs_object fs_root, fs_options, fs_checks, fs_host, fs_gpu, fs_model, fs_shape,
    fs_service, fs_cache_kv, fs_llama_swap, fs_engine, fs_cache_type;

/* Enum value lists used by the lowering. */
extern const char *const fs_engine_values[];     /* index = engine_kind */
extern const char *const fs_cache_values[];      /* every engine's cache types */
extern const char *const fs_cache_llamacpp[];
extern const char *const fs_cache_vllm[];
extern const char *const fs_cache_infrac[];
/* Environment variables the targets set themselves (GPU pinning, the
 * writable home, vLLM's key and offline mode): `env:` may not set them. */
extern const char *const fs_env_reserved[];
/* Environment variable names: [A-Za-z_][A-Za-z0-9_]* (POSIX, base definitions 8.1). */
#define FS_ENV_NAME_PATTERN "^[A-Za-z_][A-Za-z0-9_]*$"
/* A CPU list: indexes and lo-hi ranges separated by commas or spaces. */
#define FS_CPU_LIST_PATTERN "^[0-9]+(-[0-9]+)?([ ,]+[0-9]+(-[0-9]+)?)*$"
/* A systemd unit name (systemd.unit(5): letters, digits, ":-_.\\", "@"
 * for an instance, and a unit type suffix), at most 255 characters. */
#define FS_UNIT_NAME_PATTERN "^[A-Za-z0-9:_.@\\\\-]{1,240}\\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$"

/* The key named name in obj (or obj->also); NULL when unknown. *shared is
 * set when it was found in obj->also. */
const fs_key *fs_find(const fs_object *obj, const char *name, size_t len, bool *shared);
/* Names of obj's keys (and obj->also's) for did-you-mean; returns count. */
size_t fs_key_names(const fs_object *obj, const char **names, size_t max);
/* "llama.cpp, vllm" for an engines mask. */
void fs_engines_text(unsigned engines, char *buf, size_t n);

/* A key's default as the docs show it, one value per engine it applies to
 * where they differ ("2048 (infrac: 512)"); NULL when it has none. */
const char *fs_default_text(const fs_key *k, char *buf, size_t n);

/* Writes the JSON Schema (draft-07) of the language. 0 or -1. */
int fs_write_json_schema(FILE *out);
/* Writes the key reference of docs/fleet.md (markdown tables). */
void fs_write_markdown(FILE *out);

#endif
