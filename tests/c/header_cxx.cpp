// The public header compiled alone as C++ (-pedantic -Werror): C++ consumers include it directly.
#include "assay.h"

static_assert(sizeof(assay_object_info) >= 4 * sizeof(uint64_t), "assay_object_info is a plain struct");

int assay_header_cxx_compiles();
int assay_header_cxx_compiles() { return ASSAY_ABI_VERSION; }
