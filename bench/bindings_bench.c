/*
 * bindings_bench.c: the reference for bench/bindings_bench.sh: assay_scan_buffer called straight
 * from C in a loop on one small object, so the Python and Go figures can be read as overhead.
 *
 * Usage: bindings_bench_c PAYLOAD_FILE SCANS_PER_BATCH BATCHES
 * Prints one line per mode, "name median_ns_per_scan min_ns_per_scan", medians over the batches:
 *   c_scan_buffer         one scanner reused, scan + assay_report_free per iteration (what the
 *                         bindings do with their scanner pools);
 *   c_scanner_per_call    assay_scanner_new + scan + free of both per iteration (the cost a binding
 *                         would pay without a pool).
 * Single-threaded; everything it makes it frees.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <assay.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check(int status, const char *what) {
  if (status < 0) {
    fprintf(stderr, "bindings_bench_c: %s failed: %s\n", what, assay_status_name(status));
    exit(2);
  }
}

static void scan_once(assay_scanner *scanner, const unsigned char *data, size_t size) {
  assay_report *report = NULL;
  check(assay_scan_buffer(scanner, data, size, NULL, &report), "assay_scan_buffer");
  assay_report_free(report);
}

static void report_mode(const char *name, double *per_scan, int batches) {
  qsort(per_scan, (size_t)batches, sizeof(double), compare_doubles);
  printf("%s %.0f %.0f\n", name, per_scan[batches / 2], per_scan[0]);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PAYLOAD_FILE SCANS_PER_BATCH BATCHES\n", argv[0]);
    return 2;
  }
  const long scans = atol(argv[2]);
  const int batches = atoi(argv[3]);
  if (scans <= 0 || batches <= 0) return 2;

  FILE *file = fopen(argv[1], "rb");
  if (file == NULL) {
    perror(argv[1]);
    return 2;
  }
  unsigned char payload[1 << 16];
  const size_t size = fread(payload, 1, sizeof payload, file);
  fclose(file);

  assay_engine *engine = NULL;
  assay_scanner *scanner = NULL;
  check(assay_engine_new(&engine, NULL), "assay_engine_new");
  check(assay_scanner_new(&scanner, engine), "assay_scanner_new");
  double *per_scan = malloc(sizeof(double) * (size_t)batches);
  if (per_scan == NULL) return 2;

  for (long i = 0; i < scans; ++i) scan_once(scanner, payload, size); /* warm-up */
  for (int b = 0; b < batches; ++b) {
    const double start = now_ns();
    for (long i = 0; i < scans; ++i) scan_once(scanner, payload, size);
    per_scan[b] = (now_ns() - start) / (double)scans;
  }
  report_mode("c_scan_buffer", per_scan, batches);

  for (int b = 0; b < batches; ++b) {
    const double start = now_ns();
    for (long i = 0; i < scans; ++i) {
      assay_scanner *fresh = NULL;
      check(assay_scanner_new(&fresh, engine), "assay_scanner_new");
      scan_once(fresh, payload, size);
      assay_scanner_free(fresh);
    }
    per_scan[b] = (now_ns() - start) / (double)scans;
  }
  report_mode("c_scanner_per_call", per_scan, batches);

  free(per_scan);
  assay_scanner_free(scanner);
  assay_engine_free(engine);
  return 0;
}
