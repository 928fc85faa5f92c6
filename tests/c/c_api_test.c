/* The C ABI exercised from a C99 compiler: versions, options and their bounds, the three scan entry
 * points on real generated samples, the report accessors and rendering, callbacks, limits, and
 * misuse (NULL, wrong-kind and freed handles). Usage: c_api_test SAMPLES_DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay.h"
#include "sample_paths.h"

static int checks_passed = 0;
static int checks_failed = 0;

static const char *root;

static long find_object(const assay_report *report, const char *file_path, assay_object_info *info) {
  size_t i;
  for (i = 0; i < assay_report_object_count(report); ++i) {
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    if (assay_report_object_info(report, i, info) == ASSAY_OK && strcmp(info->file_path, file_path) == 0) {
      return (long)i;
    }
  }
  return -1;
}

static void test_versions_and_options(void) {
  uint64_t min = 0, max = 0, def = 0, value = 0;
  assay_config *config = NULL;
  CHECK(strcmp(assay_version(), "0.1.0") == 0);
  CHECK(assay_abi_version() == ASSAY_ABI_VERSION);
  CHECK(strcmp(assay_status_name(ASSAY_E_INVALID_HANDLE), "invalid handle") == 0);

  CHECK(assay_option_bounds(ASSAY_OPT_MAX_DEPTH, &min, &max, &def) == ASSAY_OK);
  CHECK(def == 16 && min <= def && def <= max);
  CHECK(assay_option_bounds((assay_option)999, &min, &max, &def) == ASSAY_E_INVALID_ARGUMENT);
  CHECK(strcmp(assay_option_name(ASSAY_OPT_MAX_RATIO), "max_ratio") == 0);
  CHECK(assay_option_bounds(ASSAY_OPT_PARALLEL_HASH_BYTES, &min, &max, &def) == ASSAY_OK);
  CHECK(min == 0 && def == 256u << 10 && def <= max);  /* 0 turns the helper thread off */
  CHECK(strcmp(assay_option_name(ASSAY_OPT_PARALLEL_HASH_BYTES), "parallel_hash_bytes") == 0);

  CHECK(assay_config_new(&config) == ASSAY_OK);
  CHECK(assay_config_set_u64(config, ASSAY_OPT_MAX_OBJECTS, 5) == ASSAY_OK);
  CHECK(assay_config_get_u64(config, ASSAY_OPT_MAX_OBJECTS, &value) == ASSAY_OK && value == 5);
  CHECK(assay_config_set_u64(config, ASSAY_OPT_MAX_OBJECTS, 0) == ASSAY_E_OUT_OF_RANGE);
  CHECK(strstr(assay_config_last_error(config), "max_objects") != NULL);
  CHECK(assay_config_set_u64(config, (assay_option)77, 1) == ASSAY_E_INVALID_ARGUMENT);
  CHECK(assay_config_get_u64(config, ASSAY_OPT_MAX_OBJECTS, &value) == ASSAY_OK && value == 5);
  CHECK(assay_config_add_password(config, NULL) == ASSAY_E_INVALID_ARGUMENT);
  assay_config_free(config);
}

static void test_nested_archive(assay_scanner *scanner) {
  assay_report *report = NULL;
  assay_object_info info;
  char expected[65];
  const char *leaf = "nested.7z/inner.tar.gz/inner.tar/inner.zip/hello.txt";
  long index;
  int status = assay_scan_path(scanner, sample_path(root, "nested/nested.7z"), &report);
  CHECK(status == ASSAY_OK);
  if (report == NULL) return;
  CHECK(assay_report_object_count(report) >= 6);
  index = find_object(report, leaf, &info);
  CHECK(index > 0);
  if (index > 0) {
    CHECK(manifest_sha256(root, "nested/nested.7z", "hello.txt", expected) == 0);
    CHECK(strcmp(info.sha256, expected) == 0);
    CHECK(strcmp(info.file_name, "hello.txt") == 0);
    CHECK(info.depth == 4);
    /* Walk up: zip, tar, gzip, 7z, each the parent of the one below. */
    {
      const char *chain[] = {"nested.7z/inner.tar.gz/inner.tar/inner.zip", "nested.7z/inner.tar.gz/inner.tar",
                             "nested.7z/inner.tar.gz", "nested.7z"};
      const char *types[] = {"ZIP", "TAR", "GZIP", "7-Zip"};
      int level;
      int64_t parent = info.parent;
      for (level = 0; level < 4; ++level) {
        assay_object_info up;
        memset(&up, 0, sizeof up);
        up.struct_size = sizeof up;
        CHECK(parent >= 0 && assay_report_object_info(report, (size_t)parent, &up) == ASSAY_OK);
        CHECK(strcmp(up.file_path, chain[level]) == 0);
        CHECK(strcmp(up.file_subtype, types[level]) == 0);
        CHECK(up.unpacking_status == 2);
        parent = up.parent;
      }
      CHECK(parent == -1);
    }
  }
  {
    const char *json = NULL;
    size_t length = 0;
    CHECK(assay_report_render(report, NULL, &json, &length) == ASSAY_OK);
    CHECK(json != NULL && length > 2 && json[0] == '[' && json[length - 1] == ']' && strlen(json) == length);
    CHECK(json != NULL && strstr(json, "\"file_path\":\"nested.7z/inner.tar.gz/inner.tar/inner.zip/hello.txt\"") != NULL);
  }
  assay_report_free(report);
}

static void test_buffer_fd_and_errors(assay_scanner *scanner) {
  assay_report *report = NULL;
  assay_object_info info;
  int pipe_fds[2];
  const char text[] = "plain words in a pipe\n";
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;

  /* Empty input is a valid object. */
  CHECK(assay_scan_buffer(scanner, NULL, 0, "empty", &report) == ASSAY_OK);
  CHECK(assay_report_object_count(report) == 1);
  CHECK(assay_report_object_info(report, 0, &info) == ASSAY_OK && info.size == 0);
  CHECK(strcmp(info.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  CHECK(assay_report_object_info(report, 1, &info) == ASSAY_E_OUT_OF_RANGE);
  CHECK(strstr(assay_report_last_error(report), "past the last object") != NULL);
  assay_report_free(report);

  /* A pipe cannot be mapped: the read fallback takes it. */
  CHECK(pipe(pipe_fds) == 0);
  CHECK(write(pipe_fds[1], text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
  close(pipe_fds[1]);
  CHECK(assay_scan_fd(scanner, pipe_fds[0], "pipe.txt", &report) == ASSAY_OK);
  close(pipe_fds[0]);
  CHECK(assay_report_object_info(report, 0, &info) == ASSAY_OK);
  CHECK(info.size == sizeof text - 1 && strcmp(info.file_type, "Text") == 0 && strcmp(info.file_name, "pipe.txt") == 0);
  assay_report_free(report);

  /* A missing file is an I/O error with the message on the scanner, and no report. */
  report = (assay_report *)&info; /* must be reset to NULL */
  CHECK(assay_scan_path(scanner, "/nonexistent/assay-test", &report) == ASSAY_E_IO);
  CHECK(report == NULL);
  CHECK(strstr(assay_scanner_last_error(scanner), "/nonexistent/assay-test") != NULL);
  CHECK(assay_scan_buffer(scanner, NULL, 3, "x", &report) == ASSAY_E_INVALID_ARGUMENT);
  CHECK(assay_scan_buffer(scanner, "abc", 3, "x", NULL) == ASSAY_E_INVALID_ARGUMENT);
}

static void test_misuse(const assay_engine *engine, assay_scanner *scanner) {
  assay_report *report = NULL;
  assay_report *freed = NULL;
  assay_render_options *options = NULL;
  const char *json = NULL;
  /* NULL-safe frees. */
  assay_report_free(NULL);
  assay_scanner_free(NULL);
  assay_engine_free(NULL);
  assay_config_free(NULL);
  assay_render_options_free(NULL);
  /* A handle of another kind. */
  CHECK(assay_scan_buffer((assay_scanner *)(void *)engine, "a", 1, "a", &report) == ASSAY_E_INVALID_HANDLE);
  CHECK(assay_report_status((const assay_report *)(const void *)scanner) == ASSAY_E_INVALID_HANDLE);
  /* A freed handle: an error, not a crash; freeing twice is harmless. */
  CHECK(assay_scan_buffer(scanner, "abc", 3, "abc", &freed) == ASSAY_OK);
  assay_report_free(freed);
  CHECK(assay_report_status(freed) == ASSAY_E_INVALID_HANDLE);
  CHECK(assay_report_object_count(freed) == 0);
  CHECK(assay_report_render(freed, NULL, &json, NULL) == ASSAY_E_INVALID_HANDLE);
  assay_report_free(freed);
  /* Render options: an unknown report type is refused at render time with the known ones named;
   * malformed field lists and views are refused when set. */
  CHECK(assay_render_options_new(&options) == ASSAY_OK);
  CHECK(assay_scan_buffer(scanner, "abc", 3, "abc", &report) == ASSAY_OK);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_REPORT_TYPE, "bogus") == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_E_UNSUPPORTED);
  CHECK(strstr(assay_report_last_error(report), "unknown report type 'bogus'") != NULL);
  CHECK(strstr(assay_report_last_error(report), "large, medium, small") != NULL);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_VIEW, "sideways") == ASSAY_E_INVALID_ARGUMENT);
  CHECK(strstr(assay_render_options_last_error(options), "flat") != NULL);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_INCLUDE_FIELDS, "[\"info.file\"") == ASSAY_E_INVALID_ARGUMENT);
  CHECK(strstr(assay_render_options_last_error(options), "not valid JSON") != NULL);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_EXCLUDE_FIELDS, "[1]") == ASSAY_E_INVALID_ARGUMENT);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_REPORT_TYPE, "full") == ASSAY_OK);
  CHECK(assay_render_options_set_bool(options, ASSAY_RENDER_PRETTY, 1) == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_OK && strchr(json, '\n') != NULL);
  CHECK(strstr(json, "\"statistics\"") != NULL); /* large */
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_REPORT_TYPE, "") == ASSAY_OK);
  CHECK(assay_render_options_set_bool(options, ASSAY_RENDER_PRETTY, 0) == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_OK && strstr(json, "\"statistics\"") == NULL);
  /* Deprecated `full`: 1 is large, 0 medium; an explicit report type wins. */
  CHECK(assay_render_options_set_bool(options, ASSAY_RENDER_FULL, 1) == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_OK && strstr(json, "\"statistics\"") != NULL);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_REPORT_TYPE, "small") == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_OK && strstr(json, "\"story\"") == NULL);
  CHECK(assay_render_options_set_bool(options, ASSAY_RENDER_FULL, 0) == ASSAY_OK);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_REPORT_TYPE, "") == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_OK && strstr(json, "\"story\"") != NULL &&
        strstr(json, "\"statistics\"") == NULL);
  CHECK(assay_render_options_set_bool(options, (assay_render_option)99, 1) == ASSAY_E_INVALID_ARGUMENT);
  CHECK(assay_render_options_set_text(options, ASSAY_RENDER_INCLUDE_FIELDS, "[\"info.file.size\"]") == ASSAY_OK);
  CHECK(assay_report_render(report, options, &json, NULL) == ASSAY_OK);
  CHECK(strcmp(json, "[{\"info\":{\"file\":{\"size\":3}}}]") == 0);
  assay_report_free(report);
  assay_render_options_free(options);
}

static int abort_at_two(const assay_report *report, size_t index, void *user_data) {
  int *calls = (int *)user_data;
  assay_object_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  ++*calls;
  /* The report under construction is readable from the callback. */
  if (assay_report_object_info(report, index, &info) != ASSAY_OK || info.index != index) return ASSAY_CALLBACK_ABORT;
  return index >= 2 ? ASSAY_CALLBACK_ABORT : ASSAY_CALLBACK_CONTINUE;
}

static void test_callback_and_limits(const assay_engine *engine_default) {
  assay_config *config = NULL;
  assay_engine *engine = NULL;
  assay_scanner *scanner = NULL;
  assay_report *report = NULL;
  int calls = 0;
  size_t i, partial = 0;

  CHECK(assay_scanner_new(&scanner, engine_default) == ASSAY_OK);
  CHECK(assay_scanner_set_callback(scanner, abort_at_two, &calls) == ASSAY_OK);
  CHECK(assay_scan_path(scanner, sample_path(root, "nested/nested.7z"), &report) == ASSAY_ABORTED);
  CHECK(calls == 3);
  CHECK(assay_report_object_count(report) == 3);
  CHECK(assay_report_status(report) == ASSAY_ABORTED);
  assay_report_free(report);
  assay_scanner_free(scanner);

  /* A depth limit of 2 on the 20-level zip: a soft status, and the container at depth 2 says why. */
  CHECK(assay_config_new(&config) == ASSAY_OK);
  CHECK(assay_config_set_u64(config, ASSAY_OPT_MAX_DEPTH, 2) == ASSAY_OK);
  CHECK(assay_engine_new(&engine, config) == ASSAY_OK);
  assay_config_free(config);
  CHECK(assay_scanner_new(&scanner, engine) == ASSAY_OK);
  assay_engine_free(engine); /* the scanner keeps it alive */
  CHECK(assay_scan_path(scanner, sample_path(root, "nested/deep20.zip"), &report) == ASSAY_LIMIT_REACHED);
  CHECK(assay_report_object_count(report) == 3);
  for (i = 0; i < assay_report_object_count(report); ++i) {
    assay_object_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK(assay_report_object_info(report, i, &info) == ASSAY_OK);
    if (info.unpacking_status == 3) {
      ++partial;
      CHECK(info.depth == 2);
    }
  }
  CHECK(partial == 1);
  {
    const char *json = NULL;
    assay_render_options *large = NULL;
    CHECK(assay_render_options_new(&large) == ASSAY_OK);
    CHECK(assay_render_options_set_text(large, ASSAY_RENDER_REPORT_TYPE, "large") == ASSAY_OK);
    CHECK(assay_report_render(report, large, &json, NULL) == ASSAY_OK);
    CHECK(strstr(json, "limit max_depth reached") != NULL && strstr(json, "limit-exceeded") != NULL);
    assay_render_options_free(large);
  }
  assay_report_free(report);
  assay_scanner_free(scanner);
}

static void test_old_struct_size(assay_scanner *scanner) {
  /* A caller compiled against a smaller assay_object_info gets only the fields it knows about. */
  struct {
    assay_object_info info;
    char guard[8];
  } padded;
  assay_report *report = NULL;
  memset(&padded, 0x5a, sizeof padded);
  padded.info.struct_size = (uint32_t)offsetof(assay_object_info, file_type);
  CHECK(assay_scan_buffer(scanner, "abc", 3, "abc", &report) == ASSAY_OK);
  CHECK(assay_report_object_info(report, 0, &padded.info) == ASSAY_OK);
  CHECK(padded.info.size == 3);
  CHECK(*(const unsigned char *)&padded.info.file_type == 0x5a);
  CHECK((unsigned char)padded.guard[0] == 0x5a);
  assay_report_free(report);
}

static void save_and_load_samples(const assay_engine *engine, assay_scanner *scanner);

static void test_save_and_load(const assay_engine *plain_engine, assay_scanner *plain_scanner) {
  /* With the bundled rules, so saved reports carry YARA matches and their meta too. */
  assay_config *config = NULL;
  assay_engine *engine = NULL;
  assay_scanner *scanner = NULL;
  (void)plain_engine;
  (void)plain_scanner;
  CHECK(assay_config_new(&config) == ASSAY_OK);
  CHECK(assay_config_add_rules(config, ASSAY_SOURCE_DIR "/rules") == ASSAY_OK);
  CHECK(assay_engine_new(&engine, config) == ASSAY_OK);
  assay_config_free(config);
  CHECK(assay_scanner_new(&scanner, engine) == ASSAY_OK);
  save_and_load_samples(engine, scanner);
  assay_scanner_free(scanner);
  assay_engine_free(engine);
}

static void save_and_load_samples(const assay_engine *engine, assay_scanner *scanner) {
  const char *samples[] = {"nested/nested.7z", "formats/sample.deb", "bombs/overlap.zip", "edge/names.zip",
                           "encrypted/secret.zip", "src/eicar.com"};
  size_t i;
  for (i = 0; i < sizeof samples / sizeof samples[0]; ++i) {
    assay_report *original = NULL, *loaded = NULL, *again = NULL;
    assay_render_options *large = NULL;
    const uint8_t *bytes = NULL;
    size_t length = 0, cut;
    char *expected = NULL;
    const char *json = NULL;
    size_t json_length = 0;
    CHECK(assay_render_options_new(&large) == ASSAY_OK);
    CHECK(assay_render_options_set_text(large, ASSAY_RENDER_REPORT_TYPE, "large") == ASSAY_OK);
    CHECK(assay_scan_path(scanner, sample_path(root, samples[i]), &original) >= 0);
    CHECK(assay_report_render(original, large, &json, &json_length) == ASSAY_OK);
    expected = malloc(json_length + 1);
    if (expected == NULL) return;
    memcpy(expected, json, json_length + 1);
    CHECK(assay_report_save(original, &bytes, &length) == ASSAY_OK && length > 4);
    /* Loaded, it renders byte for byte the same and keeps the scan's status. */
    CHECK(assay_report_load(engine, bytes, length, &loaded) == ASSAY_OK);
    CHECK(assay_report_status(loaded) == assay_report_status(original));
    CHECK(assay_report_object_count(loaded) == assay_report_object_count(original));
    CHECK(assay_report_render(loaded, large, &json, NULL) == ASSAY_OK && strcmp(json, expected) == 0);
    if (strcmp(samples[i], "src/eicar.com") == 0) CHECK(strstr(expected, "\"threat_name\":\"Text.Test.EICAR\"") != NULL);
    /* Every truncation is refused cleanly. */
    for (cut = 0; cut < length; cut += (length / 97) + 1) {
      CHECK(assay_report_load(NULL, bytes, cut, &again) == ASSAY_E_INVALID_ARGUMENT && again == NULL);
    }
    assay_report_free(loaded);
    assay_report_free(original);
    assay_render_options_free(large);
    free(expected);
  }
  {
    assay_report *none = NULL;
    CHECK(assay_report_load(NULL, "ASRP\x07", 5, &none) == ASSAY_E_INVALID_ARGUMENT);
    CHECK(assay_report_load(NULL, "nope", 4, &none) == ASSAY_E_INVALID_ARGUMENT);
    CHECK(assay_report_load(NULL, NULL, 0, &none) == ASSAY_E_INVALID_ARGUMENT);
    CHECK(assay_report_load((const assay_engine *)(const void *)scanner, "ASRP", 4, &none) == ASSAY_E_INVALID_HANDLE);
  }
}

int main(int argc, char **argv) {
  assay_engine *engine = NULL;
  assay_scanner *scanner = NULL;
  if (argc != 2) {
    fprintf(stderr, "usage: %s SAMPLES_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];
  test_versions_and_options();
  CHECK(assay_engine_new(&engine, NULL) == ASSAY_OK);
  CHECK(assay_scanner_new(&scanner, engine) == ASSAY_OK);
  CHECK(assay_scanner_new(&scanner, NULL) == ASSAY_E_INVALID_HANDLE && scanner == NULL);
  CHECK(assay_scanner_new(&scanner, engine) == ASSAY_OK);
  test_nested_archive(scanner);
  test_buffer_fd_and_errors(scanner);
  test_misuse(engine, scanner);
  test_callback_and_limits(engine);
  test_old_struct_size(scanner);
  test_save_and_load(engine, scanner);
  assay_scanner_free(scanner);
  assay_engine_free(engine);
  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
