#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "unpack/unpacker.h"

namespace {

std::vector<uint8_t> read_sample(const std::string& relative) {
  const char* root = std::getenv("ASSAY_SAMPLES");
  REQUIRE_MESSAGE(root != nullptr, "ASSAY_SAMPLES must name the generated corpus");
  std::ifstream in(std::string(root) + "/" + relative, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), relative);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Harness {
  assay::Limits limits;
  assay::Budget budget{limits, 1};
  std::vector<std::string> passwords{"infected"};
  assay::Entry container;
  assay::UnpackContext ctx{budget, passwords, container};
};

std::vector<assay::Child> unpack_all(assay::FileFormat format, const std::vector<uint8_t>& bytes, Harness& h) {
  const assay::UnpackerFactory factory = assay::find_unpacker(format);
  REQUIRE((factory != nullptr));
  std::vector<assay::Child> children;
  auto unpacker = factory(assay::ByteSpan(bytes.data(), bytes.size()), h.ctx);
  if (!unpacker) return children;
  assay::Child child;
  while (unpacker->next(h.ctx, child)) children.push_back(std::move(child));
  return children;
}

bool inside(const assay::ByteSpan& part, const std::vector<uint8_t>& whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

TEST_CASE("stored members borrow their parent's bytes instead of copying them") {
  const std::vector<uint8_t> tar = read_sample("formats/sample.tar");
  Harness h;
  const auto children = unpack_all(assay::FileFormat::Tar, tar, h);
  REQUIRE(children.size() == 2);
  for (const assay::Child& child : children) {
    CHECK(child.owned.empty());
    CHECK(inside(child.bytes, tar));
  }
  CHECK(children[0].bytes.size() + children[1].bytes.size() > 64 * 1024);  // random.bin is 64 KiB
}

TEST_CASE("decoded members own a buffer of exactly their size") {
  const std::vector<uint8_t> gz = read_sample("formats/hello.txt.gz");
  Harness h;
  h.container.file_name = "hello.txt.gz";
  const auto children = unpack_all(assay::FileFormat::Gzip, gz, h);
  REQUIRE(children.size() == 1);
  CHECK(children[0].name == "hello.txt");
  CHECK(children[0].bytes.data() == children[0].owned.data());
  CHECK(children[0].bytes.size() == children[0].owned.size());
  CHECK(children[0].bytes.size() > 0);
  CHECK(h.container.warnings.empty());
}

TEST_CASE("a raw stream that its filter does not recognise yields no self-copy") {
  const std::vector<uint8_t> text = read_sample("src/hello.txt");
  Harness h;
  const auto children = unpack_all(assay::FileFormat::Zstd, text, h);
  CHECK(children.empty());
  CHECK(h.ctx.failed_to_open);
  REQUIRE_FALSE(h.container.warnings.empty());
  CHECK(h.container.warnings[0].find("not a valid zstd stream") != std::string::npos);
}

TEST_CASE("a member larger than max_object_bytes is skipped with the limit named") {
  const std::vector<uint8_t> zip = read_sample("formats/sample.zip");
  Harness h;
  h.limits.max_object_bytes = 1024;
  h.budget = assay::Budget(h.limits, zip.size());
  const auto children = unpack_all(assay::FileFormat::Zip, zip, h);
  CHECK(children.size() == 1);  // hello.txt fits, random.bin (64 KiB) does not
  CHECK(h.ctx.limit_hit == assay::LimitKind::MaxObjectBytes);
  CHECK(h.container.warnings.at(0).find("limit max_object_bytes reached") != std::string::npos);
  CHECK(std::find(h.container.tags.begin(), h.container.tags.end(), "limit-exceeded") != h.container.tags.end());
}

TEST_CASE("wrong passwords leave encrypted members unread, the right one opens them") {
  const std::vector<uint8_t> zip = read_sample("encrypted/secret.zip");
  Harness wrong;
  CHECK(unpack_all(assay::FileFormat::Zip, zip, wrong).empty());
  CHECK(wrong.ctx.encrypted);
  CHECK(wrong.ctx.incomplete);

  Harness right;
  right.passwords = {"nope", "not-in-the-list"};
  const auto children = unpack_all(assay::FileFormat::Zip, zip, right);
  REQUIRE(children.size() == 2);
  CHECK(children[0].properties.at(0).name == "decrypted");
}

TEST_CASE("every container format in the table has an unpacker, and only those") {
  CHECK((assay::find_unpacker(assay::FileFormat::Zip) != nullptr));
  CHECK((assay::find_unpacker(assay::FileFormat::Docx) != nullptr));
  CHECK((assay::find_unpacker(assay::FileFormat::Rpm) != nullptr));
  CHECK((assay::find_unpacker(assay::FileFormat::UnixCompress) != nullptr));
  CHECK((assay::find_unpacker(assay::FileFormat::PlainText) == nullptr));
  CHECK((assay::find_unpacker(assay::FileFormat::PeExe) != nullptr));  // resources and overlay
}

TEST_CASE("a cpio header stating a name longer than the archive is refused before libarchive sees it") {
  // newc header: magic, 12 eight-digit hex fields, namesize 0x9551615B (2.5 GB), checksum, 1 byte.
  std::string header = "070701";
  for (int field = 0; field < 13; ++field) header += field == 11 ? "9551615B" : "00000000";
  header += "x";
  const std::vector<uint8_t> bytes(header.begin(), header.end());
  Harness h;
  CHECK(unpack_all(assay::FileFormat::Cpio, bytes, h).empty());
  CHECK(h.ctx.failed_to_open);
  REQUIRE_FALSE(h.container.warnings.empty());
  CHECK(h.container.warnings[0].find("name longer than the archive") != std::string::npos);
}
