/* Helpers shared by the C tests: paths into the generated corpus and its manifest. */
#ifndef ASSAY_TEST_SAMPLE_PATHS_H
#define ASSAY_TEST_SAMPLE_PATHS_H

#include <stddef.h>

/* Joins the corpus root and a relative path into a static buffer (valid until the next call). */
const char *sample_path(const char *root, const char *relative);

/* Looks up the manifest row for (sample, member) and copies its sha256 into out[65]. 0 on success. */
int manifest_sha256(const char *root, const char *sample, const char *member, char out[65]);

/* Every distinct sample named in the manifest; returns the count, fills up to `capacity` strings
 * (each malloc'd; free with free_samples). */
size_t manifest_samples(const char *root, char **samples, size_t capacity);
void free_samples(char **samples, size_t count);

#define CHECK(condition)                                                                   \
  do {                                                                                     \
    if (condition) {                                                                       \
      ++checks_passed;                                                                     \
    } else {                                                                               \
      ++checks_failed;                                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);        \
    }                                                                                      \
  } while (0)

#endif
