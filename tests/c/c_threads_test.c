/* One engine shared by 8 threads, each with its own scanner, scanning every manifest sample at the
 * same time: every report must equal, byte for byte, the one a single thread made, and scanning the
 * same input twice must give the same report. Usage: c_threads_test SAMPLES_DIR */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "sample_paths.h"

#define MAX_SAMPLES 256
#define THREADS 8

static int checks_passed = 0;
static int checks_failed = 0;

static const char *root;
static char *samples[MAX_SAMPLES];
static size_t sample_count;
static char *expected[MAX_SAMPLES];
static const assay_engine *shared_engine;

static char *render_sample(assay_scanner *scanner, const char *sample) {
  assay_report *report = NULL;
  const char *json = NULL;
  size_t length = 0;
  char *copy = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", root, sample);
  if (assay_scan_path(scanner, path, &report) < 0) return NULL;
  if (assay_report_render(report, NULL, &json, &length) == ASSAY_OK) {
    copy = malloc(length + 1);
    if (copy != NULL) memcpy(copy, json, length + 1);
  }
  assay_report_free(report);
  return copy;
}

struct worker {
  size_t mismatches;
  size_t scanned;
};

static void *scan_all(void *argument) {
  struct worker *self = argument;
  assay_scanner *scanner = NULL;
  size_t round, i;
  if (assay_scanner_new(&scanner, shared_engine) != ASSAY_OK) {
    self->mismatches = (size_t)-1;
    return NULL;
  }
  for (round = 0; round < 2; ++round) {
    for (i = 0; i < sample_count; ++i) {
      char *json = render_sample(scanner, samples[i]);
      if (json == NULL || expected[i] == NULL || strcmp(json, expected[i]) != 0) ++self->mismatches;
      ++self->scanned;
      free(json);
    }
  }
  assay_scanner_free(scanner);
  return NULL;
}

int main(int argc, char **argv) {
  assay_engine *engine = NULL;
  assay_scanner *scanner = NULL;
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  size_t i;
  if (argc != 2) return 2;
  root = argv[1];
  sample_count = manifest_samples(root, samples, MAX_SAMPLES);
  CHECK(sample_count >= 20);
  CHECK(assay_engine_new(&engine, NULL) == ASSAY_OK);
  shared_engine = engine;
  CHECK(assay_scanner_new(&scanner, engine) == ASSAY_OK);
  for (i = 0; i < sample_count; ++i) {
    char *again;
    expected[i] = render_sample(scanner, samples[i]);
    CHECK(expected[i] != NULL);
    again = render_sample(scanner, samples[i]);
    CHECK(again != NULL && expected[i] != NULL && strcmp(again, expected[i]) == 0); /* deterministic */
    free(again);
  }
  assay_scanner_free(scanner);

  memset(workers, 0, sizeof workers);
  for (i = 0; i < THREADS; ++i) CHECK(pthread_create(&threads[i], NULL, scan_all, &workers[i]) == 0);
  for (i = 0; i < THREADS; ++i) {
    pthread_join(threads[i], NULL);
    CHECK(workers[i].mismatches == 0);
    CHECK(workers[i].scanned == 2 * sample_count);
  }
  assay_engine_free(engine);
  for (i = 0; i < sample_count; ++i) free(expected[i]);
  free_samples(samples, sample_count);
  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
