// Readers for a PE image's data directories and stub, each returning its report section as a Value.
#pragma once

#include <string>
#include <vector>

#include "analyze/pe_image.h"
#include "report/value.h"

namespace assay {

struct PeImports {
  Value list = Value::array();  // [{name, apis: [..]}]
  std::string imphash;          // md5 hex of the normalised import list; "" without imports
  std::vector<std::string> apis;  // every imported function name, for capabilities
};

PeImports read_pe_imports(const PeImage& image, std::vector<std::string>& warnings);
Value read_pe_exports(const PeImage& image, std::vector<std::string>& warnings);
Value read_pe_codeviews(const PeImage& image);
Value read_pe_tls_callbacks(const PeImage& image);
Value read_pe_dotnet(const PeImage& image);  // null when the image has no CLR header
// The Rich header: {entries: [{product, build, count}], checksum, checksum_valid}; null when absent.
Value read_pe_rich_header(const PeImage& image);
// VS_VERSIONINFO string table of the first VERSION resource: [{name, value}].
Value read_pe_version_info(const PeImage& image, const std::vector<PeResource>& resources);

}  // namespace assay
