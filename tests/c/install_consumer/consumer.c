/* A program built against an installed Assay: scans a buffer and checks the report. */
#include <stdio.h>
#include <string.h>

#include <assay.h>

int main(void) {
  assay_engine *engine = NULL;
  assay_scanner *scanner = NULL;
  assay_report *report = NULL;
  int ok;
  if (assay_engine_new(&engine, NULL) != ASSAY_OK || assay_scanner_new(&scanner, engine) != ASSAY_OK) return 1;
  ok = assay_scan_buffer(scanner, "hello", 5, "hello.txt", &report) == ASSAY_OK &&
       assay_report_object_count(report) == 1 && strcmp(assay_version(), "0.1.0") == 0;
  assay_report_free(report);
  assay_scanner_free(scanner);
  assay_engine_free(engine);
  printf("consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
