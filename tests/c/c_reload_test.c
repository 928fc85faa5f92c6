/* Rules hot reload under load: THREADS threads scan continuously with one shared engine while the
 * main thread rewrites the rule file and reloads RELOADS times. No scan may fail, each reload must
 * change the ruleset identifier, the verdict must follow the rules in place, and a strict reload of
 * a broken file must keep the old rules. Run under valgrind by ctest to catch leaks.
 * Usage: c_reload_test SAMPLES_DIR [RELOADS] */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assay.h"
#include "sample_paths.h"

#define THREADS 4

static int checks_passed = 0;
static int checks_failed = 0;

static const char *root;
static assay_engine *engine;
static volatile int stop_flag = 0;
static pthread_mutex_t stop_mutex = PTHREAD_MUTEX_INITIALIZER;

struct worker {
  long scans;
  long failures;
};

static int stopping(void) {
  int value;
  pthread_mutex_lock(&stop_mutex);
  value = stop_flag;
  pthread_mutex_unlock(&stop_mutex);
  return value;
}

static void *scan_loop(void *argument) {
  struct worker *self = argument;
  const char *samples[] = {"src/hello.txt", "src/eicar.com", "nested/nested.7z", "formats/sample.zip"};
  assay_scanner *scanner = NULL;
  if (assay_scanner_new(&scanner, engine) != ASSAY_OK) {
    self->failures = 1;
    return NULL;
  }
  while (!stopping()) {
    size_t i;
    for (i = 0; i < sizeof samples / sizeof samples[0]; ++i) {
      char path[4096];
      assay_report *report = NULL;
      const char *json = NULL;
      snprintf(path, sizeof path, "%s/%s", root, samples[i]);
      if (assay_scan_path(scanner, path, &report) < 0 || assay_report_render(report, NULL, &json, NULL) != ASSAY_OK) {
        ++self->failures;
      }
      assay_report_free(report);
      ++self->scans;
    }
  }
  assay_scanner_free(scanner);
  return NULL;
}

static void write_rule(const char *file, int generation, int broken) {
  FILE *out = fopen(file, "w");
  if (out == NULL) return;
  if (broken) {
    fprintf(out, "rule Broken_%d { condition: not a condition }\n", generation);
  } else {
    /* Odd generations call hello.txt malicious, even ones suspicious. */
    fprintf(out,
            "rule Generation_%d {\n  meta:\n    classification = \"%s\"\n    factor = 2\n"
            "  condition:\n    filename == \"hello.txt\"\n}\n",
            generation, generation % 2 ? "malicious" : "suspicious");
  }
  fclose(out);
}

static int hello_verdict(void) {
  assay_scanner *scanner = NULL;
  assay_report *report = NULL;
  int verdict = -1;
  char path[4096];
  snprintf(path, sizeof path, "%s/src/hello.txt", root);
  if (assay_scanner_new(&scanner, engine) == ASSAY_OK && assay_scan_path(scanner, path, &report) >= 0) {
    verdict = assay_report_root_verdict(report);
  }
  assay_report_free(report);
  assay_scanner_free(scanner);
  return verdict;
}

int main(int argc, char **argv) {
  char dir[] = "/tmp/assay-reload-XXXXXX";
  char file[4200];
  char previous[64] = "";
  assay_config *config = NULL;
  assay_rules *rules = NULL;
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int reloads, generation, i;
  long total = 0;
  struct timespec pause = {0, 5 * 1000 * 1000};
  if (argc < 2) return 2;
  root = argv[1];
  reloads = argc > 2 ? atoi(argv[2]) : 20;
  CHECK(mkdtemp(dir) != NULL);
  snprintf(file, sizeof file, "%s/live.yar", dir);
  write_rule(file, 0, 0);

  CHECK(assay_config_new(&config) == ASSAY_OK);
  CHECK(assay_config_add_rules(config, dir) == ASSAY_OK);
  CHECK(assay_engine_new(&engine, config) == ASSAY_OK);
  assay_config_free(config);
  CHECK(assay_engine_rules(engine, &rules) == ASSAY_OK);
  CHECK(strlen(assay_rules_id(rules)) == 40);
  CHECK(assay_rules_count(rules) == 1);
  strcpy(previous, assay_rules_id(rules));
  assay_rules_free(rules);
  CHECK(hello_verdict() == ASSAY_VERDICT_SUSPICIOUS);

  memset(workers, 0, sizeof workers);
  for (i = 0; i < THREADS; ++i) CHECK(pthread_create(&threads[i], NULL, scan_loop, &workers[i]) == 0);
  for (generation = 1; generation <= reloads; ++generation) {
    assay_rules *attempt = NULL;
    nanosleep(&pause, NULL);
    write_rule(file, generation, 0);
    CHECK(assay_engine_reload(engine, ASSAY_RELOAD_STRICT, &attempt) == ASSAY_OK);
    CHECK(strlen(assay_rules_id(attempt)) == 40 && strcmp(assay_rules_id(attempt), previous) != 0);
    strcpy(previous, assay_rules_id(attempt));
    assay_rules_free(attempt);
    CHECK(hello_verdict() == (generation % 2 ? ASSAY_VERDICT_MALICIOUS : ASSAY_VERDICT_SUSPICIOUS));
  }
  pthread_mutex_lock(&stop_mutex);
  stop_flag = 1;
  pthread_mutex_unlock(&stop_mutex);
  for (i = 0; i < THREADS; ++i) {
    pthread_join(threads[i], NULL);
    CHECK(workers[i].failures == 0);
    CHECK(workers[i].scans > 0);
    total += workers[i].scans;
  }

  /* A strict reload of a broken file keeps the old rules and says why. */
  {
    assay_rules *attempt = NULL;
    assay_ruleset_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    write_rule(file, 99, 1);
    CHECK(assay_engine_reload(engine, ASSAY_RELOAD_STRICT, &attempt) == ASSAY_E_RULES);
    CHECK(assay_rules_info(attempt, 0, &info) == ASSAY_OK);
    CHECK(info.active == 0 && strstr(info.errors, "live.yar:1:") != NULL);
    assay_rules_free(attempt);
    CHECK(assay_engine_rules(engine, &rules) == ASSAY_OK);
    CHECK(strcmp(assay_rules_id(rules), previous) == 0);
    assay_rules_free(rules);
    CHECK(hello_verdict() == (reloads % 2 ? ASSAY_VERDICT_MALICIOUS : ASSAY_VERDICT_SUSPICIOUS));
    /* A lenient reload takes it: no rules active, an empty identifier. */
    CHECK(assay_engine_reload(engine, 0, NULL) == ASSAY_OK);
    CHECK(assay_engine_rules(engine, &rules) == ASSAY_OK);
    CHECK(strcmp(assay_rules_id(rules), "") == 0);
    assay_rules_free(rules);
    CHECK(hello_verdict() == ASSAY_VERDICT_UNKNOWN);
  }
  CHECK(assay_engine_reload(engine, 2, NULL) == ASSAY_E_INVALID_ARGUMENT);
  CHECK(assay_engine_reload(NULL, 0, NULL) == ASSAY_E_INVALID_HANDLE);

  assay_engine_free(engine);
  unlink(file);
  rmdir(dir);
  printf("%ld scans during %d reloads\n", total, reloads);
  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
