#include "sample_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sample_path(const char *root, const char *relative) {
  static char buffer[4096];
  snprintf(buffer, sizeof buffer, "%s/%s", root, relative);
  return buffer;
}

/* Splits one manifest line (sample \t member \t md5 \t sha1 \t sha256) in place. */
static int split_row(char *line, char *fields[5]) {
  int count = 0;
  char *cursor = line;
  while (count < 5) {
    fields[count++] = cursor;
    cursor = strchr(cursor, '\t');
    if (cursor == NULL) break;
    *cursor++ = '\0';
  }
  if (count != 5) return -1;
  fields[4][strcspn(fields[4], "\r\n")] = '\0';
  return 0;
}

int manifest_sha256(const char *root, const char *sample, const char *member, char out[65]) {
  char line[8192];
  int found = -1;
  FILE *manifest = fopen(sample_path(root, "manifest.tsv"), "r");
  if (manifest == NULL) return -1;
  while (found != 0 && fgets(line, sizeof line, manifest) != NULL) {
    char *fields[5];
    if (split_row(line, fields) != 0) continue;
    if (strcmp(fields[0], sample) == 0 && strcmp(fields[1], member) == 0 && strlen(fields[4]) == 64) {
      memcpy(out, fields[4], 65);
      found = 0;
    }
  }
  fclose(manifest);
  return found;
}

size_t manifest_samples(const char *root, char **samples, size_t capacity) {
  char line[8192];
  size_t count = 0;
  FILE *manifest = fopen(sample_path(root, "manifest.tsv"), "r");
  if (manifest == NULL) return 0;
  if (fgets(line, sizeof line, manifest) == NULL) { /* header */
    fclose(manifest);
    return 0;
  }
  while (count < capacity && fgets(line, sizeof line, manifest) != NULL) {
    char *fields[5];
    size_t i;
    int seen = 0;
    if (split_row(line, fields) != 0) continue;
    for (i = 0; i < count; ++i) seen = seen || strcmp(samples[i], fields[0]) == 0;
    if (!seen) {
      samples[count] = malloc(strlen(fields[0]) + 1);
      if (samples[count] == NULL) break;
      strcpy(samples[count++], fields[0]);
    }
  }
  fclose(manifest);
  return count;
}

void free_samples(char **samples, size_t count) {
  size_t i;
  for (i = 0; i < count; ++i) free(samples[i]);
}
