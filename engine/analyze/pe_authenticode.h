// Authenticode: the PE certificate table's PKCS#7 SignedData, parsed with OpenSSL, and whether the
// digest it signs matches the file (computed here, never assumed).
#pragma once

#include "analyze/pe_image.h"
#include "report/report_model.h"

namespace assay {

// Fills metadata.certificate and a validation result when the image carries a signature; adds an
// indicator when the signed digest does not match the file. Returns false when there is none.
bool analyze_pe_authenticode(const PeImage& image, Entry& entry);

}  // namespace assay
