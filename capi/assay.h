/*
 * assay.h: the stable C ABI of Assay, an embeddable static file-analysis engine.
 *
 * Assay identifies a file, hashes it, unpacks it recursively (archives and compressed streams), and
 * returns a tc_report: one entry per object, in the shape Spectra Detect clients parse.
 *
 * The objects, and who owns what
 *   assay_config   A bag of engine settings (limits, passwords). Created by assay_config_new, freed by
 *                  assay_config_free. One thread at a time. An engine copies what it needs, so a
 *                  config may be freed or reused as soon as assay_engine_new returns.
 *   assay_engine   Everything a scan only reads (limits, tables, the identification database).
 *                  Immutable once made: share one engine across any number of threads.
 *   assay_scanner  Per-thread scan state (hash contexts). One thread at a time; make one per
 *                  scanning thread; cheap. It keeps its engine alive, so the engine may be freed
 *                  first. The message of the last failed call on it is kept on it.
 *   assay_report   The result of one scan. Owned by the caller, freed by assay_report_free.
 *                  Read-only after the scan, but rendering writes a buffer inside it: one thread at a
 *                  time. Strings it hands out live until the report is freed (or, for the rendered
 *                  JSON, until the next render on it).
 *   assay_render_options  How to render a report (report type, pretty printing). One thread at a time.
 *   assay_rules    An immutable snapshot of the rules an engine uses (identifier, per-file compile
 *                  status). Owned by the caller; share freely; it stays valid after a reload.
 *
 * Errors
 *   Every function that can fail returns an int status: ASSAY_OK (0), a small positive soft outcome
 *   (ASSAY_LIMIT_REACHED, ASSAY_ABORTED: the report is still complete and valid), or a negative
 *   ASSAY_E_* error. Values are pinned forever. The message of a failed call is kept on the handle the
 *   call was made on (assay_*_last_error); no thread-local state is used. A NULL, foreign or freed
 *   handle is reported as ASSAY_E_INVALID_HANDLE, never undefined behaviour. No C++ exception
 *   ever crosses this interface. Every *_free function accepts NULL.
 *
 * Input bytes are never copied: a buffer is read in place (the caller keeps it alive and unchanged
 * for the duration of the scan call), and a path or fd is memory-mapped (read into memory only when
 * it is a pipe or other file that cannot be mapped).
 *
 * This header is plain C99 with no macros in declarations, so cffi and cgo can read it as is.
 */
#ifndef ASSAY_H
#define ASSAY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Export marker. Only the library's own build defines ASSAY_BUILDING_LIBRARY; for everyone else it
 * expands to nothing, so the preprocessed declarations are plain C that cffi and cgo can parse. */
#if defined(ASSAY_BUILDING_LIBRARY) && defined(__GNUC__)
#define ASSAY_API __attribute__((visibility("default")))
#else
#define ASSAY_API
#endif

/* Version of this header. The ABI version changes only when existing symbols change meaning;
 * it is the shared library's SONAME (libassay.so.1). */
#define ASSAY_VERSION_MAJOR 0
#define ASSAY_VERSION_MINOR 1
#define ASSAY_VERSION_PATCH 0
#define ASSAY_ABI_VERSION 1

/* The library's own version at run time, e.g. "0.1.0"; static storage, never freed. */
ASSAY_API const char *assay_version(void);
/* The library's ABI version at run time; compare with ASSAY_ABI_VERSION. */
ASSAY_API int assay_abi_version(void);

/* ---------------------------------------------------------------------------------------------- */
/* Status codes (pinned values)                                                                    */

enum {
  ASSAY_OK = 0,
  /* Soft outcomes: the report is valid and complete as far as it goes. */
  ASSAY_LIMIT_REACHED = 1, /* a limit stopped some unpacking; the report names it */
  ASSAY_ABORTED = 2,       /* the object callback returned ASSAY_CALLBACK_ABORT */
  /* Errors */
  ASSAY_E_INVALID_ARGUMENT = -1, /* NULL out-pointer, bad enum value, malformed text */
  ASSAY_E_INVALID_HANDLE = -2,   /* NULL, freed, or a handle of another kind */
  ASSAY_E_OUT_OF_RANGE = -3,     /* an option value outside its bounds, an index past the end */
  ASSAY_E_IO = -4,               /* a path or fd could not be opened, mapped or read */
  ASSAY_E_TOO_LARGE = -5,        /* unmappable input larger than max_object_bytes */
  ASSAY_E_NO_MEMORY = -6,
  ASSAY_E_UNSUPPORTED = -7, /* a valid request this build does not provide (e.g. a report type) */
  ASSAY_E_INTERNAL = -8,    /* a bug in Assay: please report it */
  ASSAY_E_RULES = -9        /* a rule file failed to compile (strict reload): nothing was changed */
};

/* A short, static English name for a status ("ok", "limit reached", "invalid handle", ...). */
ASSAY_API const char *assay_status_name(int status);

/* ---------------------------------------------------------------------------------------------- */
/* Configuration                                                                                   */

typedef struct assay_config assay_config;

/* Numeric engine options. Each has bounds and a default, queryable with assay_option_bounds. */
typedef enum assay_option {
  ASSAY_OPT_MAX_DEPTH = 1,          /* containers at this depth are not unpacked (default 16) */
  ASSAY_OPT_MAX_OBJECTS = 2,        /* objects per scan, root included (default 10000) */
  ASSAY_OPT_MAX_OBJECT_BYTES = 3,   /* size of one object (default 256 MiB): an extracted one is not
                                       decoded past it; a larger input is hashed and identified only */
  ASSAY_OPT_MAX_TOTAL_BYTES = 4,    /* all bytes decoded in one scan (default 1 GiB) */
  ASSAY_OPT_MAX_RATIO = 5,          /* decoded per compressed byte, of one member (judged past 1 MiB)
                                       and of the whole scan per input byte (past 16 MiB); default 100 */
  ASSAY_OPT_TIMEOUT_MS = 6,         /* wall time of one scan in milliseconds (default 30000) */
  ASSAY_OPT_MAGIC_PREFIX_BYTES = 7, /* bytes shown to libmagic for unknown binaries (default 65536) */
  ASSAY_OPT_REPORT_TYPES_DIR = 8,   /* text: a folder of custom report types (*.json), loaded when the
                                       engine is made; a bad file fails assay_engine_new */
  ASSAY_OPT_PARALLEL_HASH_BYTES = 9, /* objects at least this large are hashed on a short-lived helper
                                       thread while the scanning thread identifies, analyses and
                                       YARA-scans them: less latency, the same CPU (default 256 KiB;
                                       0: never start a thread) */
  ASSAY_OPT_INT_RANGE_ = 0x7fffffff /* not an option: makes the type span every int, so a value a caller
                                       passes that names no option is refused, not undefined in C++ */
} assay_option;

/* Creates a config holding every default and the password list {"infected"}. */
ASSAY_API int assay_config_new(assay_config **out);
ASSAY_API void assay_config_free(assay_config *config);

/* Sets or reads one numeric option. ASSAY_E_OUT_OF_RANGE (with a message on the config) when the
 * value is outside the option's bounds; ASSAY_E_INVALID_ARGUMENT for an unknown option. */
ASSAY_API int assay_config_set_u64(assay_config *config, assay_option option, uint64_t value);
ASSAY_API int assay_config_get_u64(const assay_config *config, assay_option option, uint64_t *value);

/* Sets a text option (ASSAY_OPT_REPORT_TYPES_DIR). The text is copied. */
ASSAY_API int assay_config_set_text(assay_config *config, assay_option option, const char *value);

/* The bounds and default of an option; any out-pointer may be NULL. */
ASSAY_API int assay_option_bounds(assay_option option, uint64_t *min, uint64_t *max, uint64_t *default_value);

/* The stable name of an option ("max_depth", ...), the same word a limit warning uses; NULL if unknown. */
ASSAY_API const char *assay_option_name(assay_option option);

/* Passwords tried on encrypted archive members, in order. The text is copied. */
ASSAY_API int assay_config_add_password(assay_config *config, const char *password);
ASSAY_API int assay_config_clear_passwords(assay_config *config);

/* Adds YARA rules: a .yar/.yara source file, a compiled rules file (yarac), or a folder searched
 * recursively for both. Each source file is one ruleset named by its stem (its YARA namespace).
 * Paths are read when an engine is made or reloaded, not now. The text is copied. */
ASSAY_API int assay_config_add_rules(assay_config *config, const char *path);

/* The message of the last failed call on this config ("" when none); lives until the next call on it. */
ASSAY_API const char *assay_config_last_error(const assay_config *config);

/* ---------------------------------------------------------------------------------------------- */
/* Engine and scanner                                                                              */

typedef struct assay_engine assay_engine;
typedef struct assay_scanner assay_scanner;
typedef struct assay_rules assay_rules;

/* Builds an engine from `config` (NULL: every default), compiling its rules. A rule file that fails
 * to compile is left out and reported (assay_engine_rules); the others work. On failure the message
 * is on the config (when one was given). */
ASSAY_API int assay_engine_new(assay_engine **out, const assay_config *config);

/* Reload flags. */
enum { ASSAY_RELOAD_STRICT = 1 /* refuse the new rules if any file fails to compile */ };

/* Recompiles the engine's rule paths beside the running rules and swaps the new set in atomically:
 * scans already running finish with the old set, later scans use the new one, and the old set is
 * freed when its last scan ends. Safe to call while other threads scan with this engine. With
 * ASSAY_RELOAD_STRICT, a compile error anywhere returns ASSAY_E_RULES and keeps the old set.
 * `attempt` (may be NULL) receives a snapshot of what was compiled, swapped in or not. */
ASSAY_API int assay_engine_reload(assay_engine *engine, int flags, assay_rules **attempt);

/* A snapshot of the rules the engine uses now. */
ASSAY_API int assay_engine_rules(const assay_engine *engine, assay_rules **out);
/* Releases the caller's reference; scanners made from it keep it alive until they are freed. */
ASSAY_API void assay_engine_free(assay_engine *engine);

/* A scanner for one thread at a time. */
ASSAY_API int assay_scanner_new(assay_scanner **out, const assay_engine *engine);
ASSAY_API void assay_scanner_free(assay_scanner *scanner);
/* The message of the last failed call on this scanner ("" when none). */
ASSAY_API const char *assay_scanner_last_error(const assay_scanner *scanner);

typedef struct assay_report assay_report;

/* Return values of the object callback. */
enum { ASSAY_CALLBACK_CONTINUE = 0, ASSAY_CALLBACK_ABORT = 1 };

/* Called once per object during a scan, right after it was identified and hashed, on the scanning
 * thread. `report` is the report being built (read it with the accessors below, for `index` and
 * earlier objects only); it must not be freed or rendered from the callback. */
typedef int (*assay_object_callback)(const assay_report *report, size_t index, void *user_data);

/* Installs (or, with NULL, removes) the callback for the scanner's next scans. */
ASSAY_API int assay_scanner_set_callback(assay_scanner *scanner, assay_object_callback callback, void *user_data);

/* Scans a caller's buffer in place (not copied; it must stay valid and unchanged during the call).
 * `name` is the root's file name in the report (may be NULL: empty). On ASSAY_OK or a soft outcome
 * *out receives a new report the caller frees; on an error *out is NULL and the message is on the
 * scanner. `data` may be NULL only when `size` is 0. */
ASSAY_API int assay_scan_buffer(assay_scanner *scanner, const void *data, size_t size, const char *name,
                                assay_report **out);
/* Scans an open file descriptor (mapped when it is a regular file; not closed). */
ASSAY_API int assay_scan_fd(assay_scanner *scanner, int fd, const char *name, assay_report **out);
/* Scans a file by path; the root's file name is the path's last component. */
ASSAY_API int assay_scan_path(assay_scanner *scanner, const char *path, assay_report **out);

/* ---------------------------------------------------------------------------------------------- */
/* Rules-only scans (retro hunting)                                                                */

/* One rule that matched one object, as assay_scan_rules_fd reports it. The library fills it and sets
 * struct_size to the size it filled: read a field only when struct_size covers it. The strings live
 * until the callback returns. */
typedef struct assay_rule_match {
  uint32_t struct_size;
  uint32_t depth;        /* 0: the input itself */
  uint64_t object_index; /* the object's index in the report a full scan with the same limits makes */
  const char *ruleset;   /* the rule's ruleset: its rule file's stem (its YARA namespace) */
  const char *rule;      /* the rule's identifier */
  const char *file_path; /* the object's path in the tree, as a report's file_path */
} assay_rule_match;

/* Called once per (object, matching rule), on the scanning thread, in the order objects are
 * visited. Return ASSAY_CALLBACK_CONTINUE, or ASSAY_CALLBACK_ABORT to end the scan (ASSAY_ABORTED). */
typedef int (*assay_rule_match_callback)(const assay_rule_match *match, void *user_data);

/* Flags of assay_scan_rules_fd. */
enum { ASSAY_RULES_ROOT_ONLY = 1 /* match the input itself only: do not unpack it */ };

/* Runs the engine's current rules over an open file descriptor (mapped when it is a regular file; not
 * closed) and over every object unpacked from it, as a full scan would visit them, within the same
 * limits, with the same external variables (filename, filepath, extension, filetype, filesubtype).
 * Nothing else is done: no hashing, no libmagic, no format analysis, no verdict and no report, so the
 * cost is little more than YARA's own. `name` is the root's file name (may be NULL: empty).
 * `callback` may be NULL (then only the status says anything). Returns ASSAY_OK; ASSAY_LIMIT_REACHED
 * when a limit stopped some unpacking, left an oversized input unscanned, or a YARA scan timed out
 * (matches found may then be incomplete); ASSAY_ABORTED; or an error with the message on the scanner.
 * The scanner's object callback (assay_scanner_set_callback) is not called. */
ASSAY_API int assay_scan_rules_fd(assay_scanner *scanner, int fd, const char *name, int flags,
                                  assay_rule_match_callback callback, void *user_data);

/* ---------------------------------------------------------------------------------------------- */
/* Rules snapshots                                                                                 */

ASSAY_API void assay_rules_free(assay_rules *rules);

/* The ruleset identifier: SHA-1 (40 hex digits) of the active rulesets' names and contents; it
 * changes exactly when the rules change. "" when no rules are active. Lives as long as the snapshot. */
ASSAY_API const char *assay_rules_id(const assay_rules *rules);

/* Number of rule files (rulesets), compiled or not. */
ASSAY_API size_t assay_rules_count(const assay_rules *rules);

/* One rule file's compile status. Set struct_size to sizeof(assay_ruleset_info) first. Strings
 * live as long as the snapshot. */
typedef struct assay_ruleset_info {
  uint32_t struct_size;
  int active;      /* 1: compiled and in use; 0: left out (see errors) */
  int precompiled; /* 1: a compiled rules file */
  uint64_t rule_count;
  const char *name;     /* the file's stem: the ruleset's name and YARA namespace */
  const char *path;
  const char *errors;   /* "file:line: message" lines separated by newlines; "" when none */
  const char *warnings; /* compiler warnings and malformed threat names, same form; also a module the
                           file uses without importing it (as rule sets written to be compiled as one
                           source, e.g. signature-base, do), which was imported for it */
} assay_ruleset_info;

ASSAY_API int assay_rules_info(const assay_rules *rules, size_t index, assay_ruleset_info *info);

/* ---------------------------------------------------------------------------------------------- */
/* Reports                                                                                         */

ASSAY_API void assay_report_free(assay_report *report);

/* The scan's status: ASSAY_OK, ASSAY_LIMIT_REACHED or ASSAY_ABORTED (the value the scan returned). */
ASSAY_API int assay_report_status(const assay_report *report);
/* Number of objects (tc_report entries); 0 for an invalid handle. */
ASSAY_API size_t assay_report_object_count(const assay_report *report);

/* Verdicts, as in tc_report classification.classification. */
enum {
  ASSAY_VERDICT_UNKNOWN = 0,
  ASSAY_VERDICT_GOODWARE = 1,
  ASSAY_VERDICT_SUSPICIOUS = 2,
  ASSAY_VERDICT_MALICIOUS = 3
};

/* The root object's verdict (ASSAY_VERDICT_*), or a negative status for an invalid handle. */
ASSAY_API int assay_report_root_verdict(const assay_report *report);

/* A plain view of one object. Set struct_size to sizeof(assay_object_info) before the call; fields
 * added in later versions are only written when struct_size covers them. Strings live as long as the
 * report. */
typedef struct assay_object_info {
  uint32_t struct_size;
  uint32_t depth;
  uint64_t index;
  int64_t parent; /* -1 for the root */
  uint64_t size;
  const char *file_type;    /* e.g. "Archive" */
  const char *file_subtype; /* e.g. "ZIP" */
  const char *identification; /* e.g. "ZIP", "" when unknown */
  const char *file_name;
  const char *file_path;
  const char *sha256; /* 64 lower-case hex digits */
  int unpacking_status; /* 0 not a container, 1 failed, 2 complete, 3 partial */
  int verdict;          /* ASSAY_VERDICT_* */
} assay_object_info;

ASSAY_API int assay_report_object_info(const assay_report *report, size_t index, assay_object_info *info);

/* Saves a report as a compact, versioned byte string (for a task store); assay_report_load turns it
 * back into a report that renders identically. The bytes live inside the report until the next save
 * on it or assay_report_free. One thread at a time, like rendering. */
ASSAY_API int assay_report_save(assay_report *report, const uint8_t **bytes, size_t *length);

/* Loads a report saved by assay_report_save (by this or an older version of the library). Custom
 * report types are taken from `engine` when rendering (NULL: built-in types only). Malformed,
 * truncated or foreign bytes are ASSAY_E_INVALID_ARGUMENT with *out NULL; never a crash. */
ASSAY_API int assay_report_load(const assay_engine *engine, const void *bytes, size_t length, assay_report **out);

/* The message of the last failed call on this report ("" when none). */
ASSAY_API const char *assay_report_last_error(const assay_report *report);

/* ---------------------------------------------------------------------------------------------- */
/* Rendering                                                                                       */

typedef struct assay_render_options assay_render_options;

typedef enum assay_render_option {
  ASSAY_RENDER_REPORT_TYPE = 1,     /* text: "small", "medium" (the default), "large", or a custom type's
                                       name; "full" and "summary" are aliases of large and medium */
  ASSAY_RENDER_PRETTY = 2,          /* boolean: indent the JSON */
  ASSAY_RENDER_VIEW = 3,            /* text: "nested" (the default, also ""), "flat" or "extended" */
  ASSAY_RENDER_INCLUDE_FIELDS = 4,  /* text: a JSON array of dot paths relative to one entry, e.g.
                                       ["info.file.size","classification"]; when set, exactly those
                                       fields (and their ancestors) are rendered; "" clears it */
  ASSAY_RENDER_EXCLUDE_FIELDS = 5,  /* text: a JSON array of dot paths removed after inclusion */
  ASSAY_RENDER_FULL = 6,            /* boolean, deprecated: 1 means large, 0 medium, unless a report
                                       type is set */
  ASSAY_RENDER_V13 = 7,             /* boolean: enumerations as integers where strings are used now */
  ASSAY_RENDER_INT_RANGE_ = 0x7fffffff /* not an option: the type spans every int (see assay_option) */
} assay_render_option;

ASSAY_API int assay_render_options_new(assay_render_options **out);
ASSAY_API void assay_render_options_free(assay_render_options *options);
/* Malformed field lists and unknown views are ASSAY_E_INVALID_ARGUMENT with a message on the options;
 * a report type name is checked when rendering (custom types belong to the engine). */
ASSAY_API int assay_render_options_set_text(assay_render_options *options, assay_render_option option,
                                            const char *value);
ASSAY_API int assay_render_options_set_bool(assay_render_options *options, assay_render_option option, int value);
ASSAY_API const char *assay_render_options_last_error(const assay_render_options *options);

/* Renders the report's tc_report array as JSON (UTF-8, not NUL-padded; *json is NUL-terminated too).
 * `options` may be NULL for the defaults (medium, nested). An unknown report type is
 * ASSAY_E_UNSUPPORTED with the known names in the report's last error. The text lives inside the
 * report until the next render on it or assay_report_free. */
ASSAY_API int assay_report_render(assay_report *report, const assay_render_options *options, const char **json,
                                  size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* ASSAY_H */
