/* assay_scan_rules_fd, the rules-only scan of retro hunting, from a C99 compiler: it must visit the
 * same objects as a full scan (same index, path and depth for every match, and the filename and
 * filetype externals set as a full scan sets them), find matches inside archives unless told
 * ASSAY_RULES_ROOT_ONLY, respect limits, follow a rules reload, stop when the callback says so, and
 * refuse misuse. Usage: c_rules_scan_test SAMPLES_DIR */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay.h"
#include "sample_paths.h"

static int checks_passed = 0;
static int checks_failed = 0;

#define MAX_MATCHES 256

struct found {
  uint64_t index;
  uint32_t depth;
  char ruleset[64];
  char rule[64];
  char path[512];
};

struct collected {
  struct found matches[MAX_MATCHES];
  size_t count;
  size_t calls;
  int abort_after; /* 0: never abort */
};

static int collect(const assay_rule_match *match, void *user_data) {
  struct collected *c = user_data;
  ++c->calls;
  if (match->struct_size >= sizeof *match && c->count < MAX_MATCHES) {
    struct found *f = &c->matches[c->count++];
    f->index = match->object_index;
    f->depth = match->depth;
    snprintf(f->ruleset, sizeof f->ruleset, "%s", match->ruleset);
    snprintf(f->rule, sizeof f->rule, "%s", match->rule);
    snprintf(f->path, sizeof f->path, "%s", match->file_path);
  }
  return c->abort_after != 0 && (int)c->calls >= c->abort_after ? ASSAY_CALLBACK_ABORT : ASSAY_CALLBACK_CONTINUE;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static size_t count_rule(const struct collected *c, const char *rule) {
  size_t i, n = 0;
  for (i = 0; i < c->count; ++i) n += strcmp(c->matches[i].rule, rule) == 0;
  return n;
}

static const struct found *find_rule_at(const struct collected *c, const char *rule, const char *path_suffix) {
  size_t i;
  for (i = 0; i < c->count; ++i) {
    if (strcmp(c->matches[i].rule, rule) == 0 && ends_with(c->matches[i].path, path_suffix)) return &c->matches[i];
  }
  return NULL;
}

static int rules_scan(assay_scanner *scanner, const char *file, const char *name, int flags, struct collected *c) {
  int status, fd = open(file, O_RDONLY);
  memset(c, 0, sizeof *c);
  if (fd < 0) return -100;
  status = assay_scan_rules_fd(scanner, fd, name, flags, collect, c);
  close(fd);
  return status;
}

static void write_file(const char *path, const char *text) {
  FILE *out = fopen(path, "w");
  if (out == NULL) return;
  fputs(text, out);
  fclose(out);
}

static assay_engine *make_engine(const char *rules_dir, uint64_t max_depth) {
  assay_config *config = NULL;
  assay_engine *engine = NULL;
  if (assay_config_new(&config) != ASSAY_OK) return NULL;
  if (rules_dir != NULL) assay_config_add_rules(config, rules_dir);
  if (max_depth != 0) assay_config_set_u64(config, ASSAY_OPT_MAX_DEPTH, max_depth);
  if (assay_engine_new(&engine, config) != ASSAY_OK) engine = NULL;
  assay_config_free(config);
  return engine;
}

/* Every match names the object a full scan puts at that index, and the filetype rule matches
 * exactly the objects the full report calls archives. */
static void check_against_full_scan(assay_scanner *scanner, const char *file, const char *name) {
  struct collected c;
  assay_report *report = NULL;
  size_t i, archives = 0;
  int fd = open(file, O_RDONLY);
  CHECK(fd >= 0 && assay_scan_fd(scanner, fd, name, &report) >= 0);
  if (fd >= 0) close(fd);
  CHECK(rules_scan(scanner, file, name, 0, &c) == ASSAY_OK);
  CHECK(c.count > 0);
  for (i = 0; i < c.count; ++i) {
    assay_object_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK(assay_report_object_info(report, (size_t)c.matches[i].index, &info) == ASSAY_OK);
    CHECK(strcmp(info.file_path, c.matches[i].path) == 0);
    CHECK(info.depth == c.matches[i].depth);
    CHECK(strcmp(c.matches[i].ruleset, strcmp(c.matches[i].rule, "Archive_Type") == 0 ? "types" : "hunt") == 0);
  }
  for (i = 0; i < assay_report_object_count(report); ++i) {
    assay_object_info info;
    char found_here = 0;
    size_t k;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK(assay_report_object_info(report, i, &info) == ASSAY_OK);
    for (k = 0; k < c.count; ++k) found_here |= c.matches[k].index == i && strcmp(c.matches[k].rule, "Archive_Type") == 0;
    CHECK(found_here == (strcmp(info.file_type, "Archive") == 0));
    archives += strcmp(info.file_type, "Archive") == 0;
  }
  CHECK(archives > 0);
  assay_report_free(report);
}

int main(int argc, char **argv) {
  const char *root;
  char dir[] = "/tmp/assay-rules-scan-XXXXXX";
  char hunt[4200], types[4200], nested[4096], hello[4096], zip[4096];
  assay_engine *engine, *shallow, *bare;
  assay_scanner *scanner = NULL, *shallow_scanner = NULL, *bare_scanner = NULL;
  struct collected c;
  int fd;
  if (argc < 2) return 2;
  root = argv[1];
  snprintf(nested, sizeof nested, "%s", sample_path(root, "nested/nested.7z"));
  snprintf(hello, sizeof hello, "%s", sample_path(root, "src/hello.txt"));
  snprintf(zip, sizeof zip, "%s", sample_path(root, "formats/sample.zip"));
  CHECK(mkdtemp(dir) != NULL);
  snprintf(hunt, sizeof hunt, "%s/hunt.yar", dir);
  snprintf(types, sizeof types, "%s/types.yar", dir);
  write_file(hunt,
             "rule Hello_Text { strings: $a = \"Hello from the Assay sample corpus\" condition: $a }\n"
             "rule Eicar_Name { condition: filename == \"eicar.com\" }\n");
  write_file(types, "rule Archive_Type { condition: filetype == \"Archive\" }\n");

  engine = make_engine(dir, 0);
  CHECK(engine != NULL);
  CHECK(assay_scanner_new(&scanner, engine) == ASSAY_OK);

  /* A plain file: its own match, at the root. */
  CHECK(rules_scan(scanner, hello, "hello.txt", 0, &c) == ASSAY_OK);
  CHECK(c.count == 1 && strcmp(c.matches[0].rule, "Hello_Text") == 0 && c.matches[0].index == 0 &&
        c.matches[0].depth == 0 && strcmp(c.matches[0].ruleset, "hunt") == 0 &&
        strcmp(c.matches[0].path, "hello.txt") == 0);

  /* 7z > tar.gz > tar > members: matches deep inside, by content and by the filename external. */
  CHECK(rules_scan(scanner, nested, "nested.7z", 0, &c) == ASSAY_OK);
  CHECK(find_rule_at(&c, "Hello_Text", "/hello.txt") != NULL);
  CHECK(find_rule_at(&c, "Eicar_Name", "/eicar.com") != NULL);
  CHECK(find_rule_at(&c, "Hello_Text", "/hello.txt") != NULL && find_rule_at(&c, "Hello_Text", "/hello.txt")->depth >= 2);
  CHECK(count_rule(&c, "Archive_Type") >= 2);
  check_against_full_scan(scanner, nested, "nested.7z");
  check_against_full_scan(scanner, zip, "sample.zip");

  /* Root only: the archive's own bytes, no members. */
  CHECK(rules_scan(scanner, nested, "nested.7z", ASSAY_RULES_ROOT_ONLY, &c) == ASSAY_OK);
  CHECK(c.count == 1 && strcmp(c.matches[0].rule, "Archive_Type") == 0 && c.matches[0].index == 0);

  /* The callback can stop the scan. */
  memset(&c, 0, sizeof c);
  c.abort_after = 1;
  fd = open(nested, O_RDONLY);
  CHECK(assay_scan_rules_fd(scanner, fd, "nested.7z", 0, collect, &c) == ASSAY_ABORTED);
  CHECK(c.calls == 1);
  /* No callback: the status alone. */
  CHECK(assay_scan_rules_fd(scanner, fd, "nested.7z", 0, NULL, NULL) == ASSAY_OK);
  close(fd);

  /* A depth limit keeps the deep members unread, and says so. */
  shallow = make_engine(dir, 1);
  CHECK(shallow != NULL && assay_scanner_new(&shallow_scanner, shallow) == ASSAY_OK);
  CHECK(rules_scan(shallow_scanner, nested, "nested.7z", 0, &c) == ASSAY_LIMIT_REACHED);
  CHECK(count_rule(&c, "Hello_Text") == 0 && count_rule(&c, "Archive_Type") >= 1);

  /* A reload: the next rules scan uses the new rules. */
  write_file(hunt, "rule Fox { strings: $a = \"quick brown fox\" condition: $a }\n");
  CHECK(assay_engine_reload(engine, ASSAY_RELOAD_STRICT, NULL) == ASSAY_OK);
  CHECK(rules_scan(scanner, hello, "hello.txt", 0, &c) == ASSAY_OK);
  CHECK(c.count == 1 && strcmp(c.matches[0].rule, "Fox") == 0);

  /* No rules: nothing to match, nothing read. */
  bare = make_engine(NULL, 0);
  CHECK(bare != NULL && assay_scanner_new(&bare_scanner, bare) == ASSAY_OK);
  CHECK(rules_scan(bare_scanner, hello, "hello.txt", 0, &c) == ASSAY_OK && c.calls == 0);

  /* Misuse. */
  CHECK(assay_scan_rules_fd(NULL, 0, "x", 0, collect, &c) == ASSAY_E_INVALID_HANDLE);
  CHECK(assay_scan_rules_fd((assay_scanner *)engine, 0, "x", 0, collect, &c) == ASSAY_E_INVALID_HANDLE);
  CHECK(assay_scan_rules_fd(scanner, -1, "x", 0, collect, &c) == ASSAY_E_INVALID_ARGUMENT);
  CHECK(strlen(assay_scanner_last_error(scanner)) > 0);
  CHECK(assay_scan_rules_fd(scanner, 0, "x", 8, collect, &c) == ASSAY_E_INVALID_ARGUMENT);

  assay_scanner_free(scanner);
  assay_scanner_free(shallow_scanner);
  assay_scanner_free(bare_scanner);
  assay_engine_free(engine);
  assay_engine_free(shallow);
  assay_engine_free(bare);
  unlink(hunt);
  unlink(types);
  rmdir(dir);
  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
