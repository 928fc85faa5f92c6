#include <doctest/doctest.h>

#include <string>

#include "report/json_render.h"
#include "report/report_model.h"

using assay::FileFormat;

TEST_CASE("subtree statistics count every descendant once, per type and identification") {
  assay::ReportModel model;
  const auto add = [&](FileFormat format, int64_t parent) {
    assay::Entry& e = model.add_entry();
    e.format = format;
    e.parent = parent;
    if (parent >= 0) model.at(static_cast<size_t>(parent)).children.push_back(e.index);
    return e.index;
  };
  const auto root = add(FileFormat::Gzip, -1);
  const auto tar = add(FileFormat::Tar, root);
  add(FileFormat::PlainText, tar);
  add(FileFormat::PlainText, tar);
  add(FileFormat::ShellScript, tar);
  model.finish();

  const auto count = [&](size_t index, std::string_view subtype) -> uint64_t {
    for (const assay::FileStat& row : model.at(index).statistics) {
      if (assay::format_info(row.representative).file_subtype == subtype) return row.count;
    }
    return 0;
  };
  CHECK(count(root, "GZIP") == 1);
  CHECK(count(root, "TAR") == 1);
  CHECK(count(root, "None") == 2);  // Text/None
  CHECK(count(root, "Shell") == 1);
  CHECK(count(tar, "GZIP") == 0);
  CHECK(count(tar, "TAR") == 1);
  CHECK(count(2, "None") == 1);
  CHECK(model.at(2).statistics.size() == 1);
}

TEST_CASE("warnings are capped so a hostile container cannot grow the report without bound") {
  assay::Entry entry;
  for (int i = 0; i < 10'000; ++i) entry.add_warning("bad member " + std::to_string(i));
  CHECK(entry.warnings.size() == assay::Entry::kMaxWarnings + 1);
  CHECK(entry.warnings.back() == "further warnings suppressed");
}

TEST_CASE("tags and properties are set once") {
  assay::Entry entry;
  entry.add_tag("encrypted");
  entry.add_tag("encrypted");
  entry.set_property("encrypted", true);
  entry.set_property("encrypted", false);
  CHECK(entry.tags.size() == 1);
  REQUIRE(entry.properties.size() == 1);
  CHECK(std::get<bool>(entry.properties[0].value) == false);
}

TEST_CASE("the large report renders rca_factor from classification and factor") {
  assay::ReportModel model;
  assay::Entry& e = model.add_entry();
  e.file_name = "x";
  e.file_path = "x";
  e.classification.verdict = assay::Verdict::Malicious;
  e.classification.factor = 1;
  model.finish();
  std::string out;
  assay::render_tc_report(model, {}, out);
  CHECK(out.find(R"("classification":{"classification":3,"factor":1,"rca_factor":6,)") != std::string::npos);
  CHECK(out.find(R"("parent")") == std::string::npos);
}
