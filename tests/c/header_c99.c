/* The public header compiled alone as strict C99 (-pedantic -Werror), plus layout checks of the
 * public structs: their fields must never move. */
#include "assay.h"

#include <stddef.h>

/* C99 has no _Static_assert: a negative array size is the portable compile-time check. */
#define LAYOUT_CHECK(name, condition) typedef char layout_check_##name[(condition) ? 1 : -1]

LAYOUT_CHECK(first, offsetof(assay_object_info, struct_size) == 0);
LAYOUT_CHECK(depth, offsetof(assay_object_info, depth) == 4);
LAYOUT_CHECK(index, offsetof(assay_object_info, index) == 8);
LAYOUT_CHECK(parent, offsetof(assay_object_info, parent) == 16);
LAYOUT_CHECK(size, offsetof(assay_object_info, size) == 24);
LAYOUT_CHECK(file_type, offsetof(assay_object_info, file_type) == 32);
LAYOUT_CHECK(match_first, offsetof(assay_rule_match, struct_size) == 0);
LAYOUT_CHECK(match_depth, offsetof(assay_rule_match, depth) == 4);
LAYOUT_CHECK(match_index, offsetof(assay_rule_match, object_index) == 8);
LAYOUT_CHECK(match_ruleset, offsetof(assay_rule_match, ruleset) == 16);
LAYOUT_CHECK(match_flag, ASSAY_RULES_ROOT_ONLY == 1);
LAYOUT_CHECK(soft, ASSAY_OK == 0 && ASSAY_LIMIT_REACHED == 1 && ASSAY_ABORTED == 2);
LAYOUT_CHECK(errors, ASSAY_E_INVALID_ARGUMENT == -1 && ASSAY_E_INTERNAL == -8);

int assay_header_c99_compiles(void);
int assay_header_c99_compiles(void) { return ASSAY_ABI_VERSION; }
