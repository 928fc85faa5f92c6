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

#include "report/model_codec.h"

TEST_CASE("analyzer metadata trees render under metadata, obey selections and survive save/load") {
  assay::ReportModel model;
  assay::Entry& e = model.add_entry();
  e.file_name = "x.exe";
  e.file_path = "x.exe";
  assay::Value& pe = e.metadata.at("application").at("pe");
  pe.set("machine", "AMD64");
  pe.set("sections", assay::Value::array()).push(assay::Value::object()).set("name", ".text");
  pe.at("sections");
  e.metadata.at("application").set("capabilities", uint64_t{5});
  e.metadata.at("certificate").set("thumbprint", assay::HexBytes{{0xab, 0x01}});
  model.finish();

  std::string large;
  assay::RenderOptions options;
  options.report_type = "large";
  assay::render_tc_report(model, options, large);
  CHECK(large.find(R"("metadata":{"application":{"pe":{"machine":"AMD64","sections":[{"name":".text"}]},"capabilities":5},"certificate":{"thumbprint":"ab01"}})") != std::string::npos);

  std::string medium;
  assay::render_tc_report(model, assay::RenderOptions{}, medium);
  CHECK(medium.find(R"("metadata":{"application":{"capabilities":5}})") != std::string::npos);

  std::string saved, error;
  assay::encode_report(model, saved);
  auto loaded = assay::decode_report(assay::ByteSpan(reinterpret_cast<const uint8_t*>(saved.data()), saved.size()), error);
  REQUIRE(loaded.has_value());
  std::string again;
  assay::render_tc_report(*loaded, options, again);
  CHECK(again == large);
}

TEST_CASE("a forged, deeply nested metadata tree is refused, not recursed into") {
  assay::ReportModel model;
  assay::Entry& e = model.add_entry();
  assay::Value* node = &e.metadata;
  for (int i = 0; i < 100; ++i) node = &node->at("deeper");
  std::string saved, error;
  assay::encode_report(model, saved);
  auto loaded = assay::decode_report(assay::ByteSpan(reinterpret_cast<const uint8_t*>(saved.data()), saved.size()), error);
  CHECK_FALSE(loaded.has_value());
  CHECK(error.find("damaged") != std::string::npos);
}
