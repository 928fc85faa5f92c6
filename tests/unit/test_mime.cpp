// Mail decoding edge cases: base64, quoted-printable, uuencode, RFC 2047 encoded-words, RFC 2231
// parameters, header blocks and address lists; and the MIME unpacker's limits and ownership rules.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "unpack/mime_charset.h"
#include "unpack/mime_codecs.h"
#include "unpack/mime_header.h"
#include "unpack/unpacker.h"

namespace {

using namespace assay::mime;

std::string as_text(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

std::string base64(std::string_view in) { return as_text(decode_base64(in)); }

std::string qp(std::string_view in) {
  std::vector<uint8_t> out;
  decode_quoted_printable(in, out);
  return as_text(out);
}

// Feeds `in` to one decoder in slices of `step` characters.
std::string base64_sliced(std::string_view in, size_t step) {
  Base64Decoder decoder;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < in.size(); i += step) decoder.feed(in.substr(i, step), out);
  decoder.finish(out);
  return as_text(out);
}

}  // namespace

TEST_CASE("base64: padding, missing padding, line breaks and garbage") {
  CHECK(base64("aGVsbG8gd29ybGQ=") == "hello world");
  CHECK(base64("aGVsbG8gd29ybGQ") == "hello world");  // unpadded: the last quantum still counts
  CHECK(base64("aGVs\r\nbG8g\r\nd29y\nbGQ=") == "hello world");
  CHECK(base64("  aG!Vs*bG8\tgd29y bGQ=\x01") == "hello world");  // non-alphabet characters are skipped
  CHECK(base64("YQ==") == "a");
  CHECK(base64("YWI=") == "ab");
  CHECK(base64("Y") == "");  // a single leftover character carries less than a byte
  CHECK(base64("aGVsbG8=d29ybGQ=") == "helloworld");  // decoding goes on after padding
  CHECK(base64("") == "");
  const std::string all = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZH"
                          "SElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouM"
                          "jY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR"
                          "0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
  const std::string decoded = base64(all);
  REQUIRE(decoded.size() == 256);
  for (size_t i = 0; i < 256; ++i) CHECK(static_cast<uint8_t>(decoded[i]) == i);
  // Slicing the input anywhere, even inside a quantum, gives the same bytes.
  for (size_t step : {1, 2, 3, 5, 7, 64}) CHECK(base64_sliced(all, step) == decoded);
  CHECK(base64_sliced("aGVs\r\nbG8g\r\nd29y\nbGQ", 3) == "hello world");
}

TEST_CASE("quoted-printable: escapes, soft breaks and malformed '='") {
  CHECK(qp("caf=C3=A9") == "caf\xc3\xa9");
  CHECK(qp("caf=c3=a9") == "caf\xc3\xa9");  // lower-case hex is accepted, as readers do
  CHECK(qp("long line=\r\ncontinued") == "long linecontinued");
  CHECK(qp("long line=\ncontinued") == "long linecontinued");
  CHECK(qp("blanks after=  \t\r\nthe soft break") == "blanks afterthe soft break");
  CHECK(qp("a=3D1 and b=XY and c=4") == "a=1 and b=XY and c=4");  // invalid escapes stay literal
  CHECK(qp("ends with =") == "ends with ");
  CHECK(qp("keeps  \nline breaks\r\n") == "keeps  \nline breaks\r\n");
  CHECK(qp("=00=FF") == std::string("\0\xff", 2));
}

TEST_CASE("quoted-printable: slices never cut an escape") {
  std::string input;
  for (int i = 0; i < 3000; ++i) input += "=E2=82=AC";  // one long line of euro signs
  std::vector<uint8_t> whole, sliced;
  decode_quoted_printable(input, whole);
  for (size_t pos = 0; pos < input.size();) {
    const size_t end = pos + qp_slice_end(std::string_view(input).substr(pos), 1000);
    REQUIRE(end > pos);
    decode_quoted_printable(std::string_view(input).substr(pos, end - pos), sliced);
    pos = end;
  }
  CHECK(whole.size() == 9000);
  CHECK(sliced == whole);
}

TEST_CASE("uuencode: lines, short lines and blocks in text") {
  std::vector<uint8_t> out;
  CHECK(decode_uu_line("#86)C\n", out));  // "abc"
  CHECK(as_text(out) == "abc");
  out.clear();
  CHECK(decode_uu_line("#86)C", out));
  CHECK(decode_uu_line("`", out));  // the zero-length line before "end"
  CHECK(as_text(out) == "abc");
  out.clear();
  CHECK(decode_uu_line("$86)C8", out));  // claims 4 bytes: the stripped blanks count as zeros
  CHECK(out.size() == 4);
  out.clear();
  CHECK(decode_uu_line("M", out));  // claims 45 bytes but holds none: nothing is made up
  CHECK(out.empty());
  CHECK_FALSE(decode_uu_line("not uu: lower case\x7f", out));

  const std::string text = "Hello,\nbegin 644 a b.txt\n#86)C\n`\nend\ntrailer\nbegin-base64 600 x.bin\naGk=\n====\n";
  const auto first = find_uu_block(text, 0);
  REQUIRE(first);
  CHECK(first->name == "a b.txt");
  CHECK_FALSE(first->base64);
  CHECK(text.substr(first->data_begin, first->data_end - first->data_begin) == "#86)C\n`\n");
  const auto second = find_uu_block(text, first->end);
  REQUIRE(second);
  CHECK(second->base64);
  CHECK(second->name == "x.bin");
  CHECK_FALSE(find_uu_block(text, second->end));
  CHECK_FALSE(find_uu_block("text with begin 644 inside a line\n", 0));
  CHECK_FALSE(find_uu_block("begin 9 x\n", 0));  // the mode must be octal
}

TEST_CASE("RFC 2047 encoded-words") {
  CHECK(decode_encoded_words("=?utf-8?q?J=C3=BCrgen_M=C3=BCller?=") == "J\xc3\xbcrgen M\xc3\xbcller");
  CHECK(decode_encoded_words("=?UTF-8?B?SGVsbG8g?= =?UTF-8?B?V29ybGQ=?=") == "Hello World");  // blank between words dropped
  CHECK(decode_encoded_words("Re: =?iso-8859-1?q?caf=E9?= now") == "Re: caf\xc3\xa9 now");
  CHECK(decode_encoded_words("=?windows-1252?q?=80?=") == "\xe2\x82\xac");
  // A character split across two words survives because their bytes are joined first.
  CHECK(decode_encoded_words("=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=") == "\xc3\xa9\xc3\xa9");
  CHECK(decode_encoded_words("=?utf-8?b?4oI=?=\r\n =?utf-8?b?rA==?=") == "\xe2\x82\xac");
  CHECK(decode_encoded_words("=?koi8-r?b?8NLJ18XU?=") == "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");  // iconv
  CHECK(decode_encoded_words("=?utf-8*en?q?hi?=") == "hi");  // RFC 2231 language suffix
  CHECK(decode_encoded_words("not =?encoded") == "not =?encoded");
  CHECK(decode_encoded_words("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");  // unknown encoding: literal
  CHECK(decode_encoded_words("=?utf-8?q?has space?=") == "=?utf-8?q?has space?=");
  CHECK(decode_encoded_words("=?no-such-charset?q?caf=E9?=") == "caf\xc3\xa9");  // unknown charset: Latin-1
  CHECK(decode_encoded_words("raw \xe9t\xc3\xa9") == "raw \xc3\xa9t\xc3\xa9");  // stray 8-bit as Latin-1
  CHECK(is_valid_utf8(decode_encoded_words("=?utf-8?q?=FF=FE?=")));
  CHECK(decode_encoded_words("=?utf-8?q?a?b?=") == "a?b");  // a stray '?' inside the text
  std::string runaway;
  for (int i = 0; i < 2000; ++i) runaway += "=?a?q?x";
  CHECK(decode_encoded_words(runaway) == runaway);  // no word ever ends: all literal
  CHECK(decode_encoded_words(runaway + " =?utf-8?q?ok?=") == runaway + " ok");
}

TEST_CASE("charsets and names") {
  CHECK(to_utf8("caf\xe9", "ISO-8859-1") == "caf\xc3\xa9");
  CHECK(to_utf8("\x93q\x94", "cp1252") == "\xe2\x80\x9cq\xe2\x80\x9d");
  CHECK(to_utf8("x", "../../etc/passwd") == "x");  // never reaches iconv
  CHECK(utf16le_to_utf8(std::string("h\0\xe9\0=\xd8\0\xde\0\0z\0", 12)) == "h\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(clean_name(" a\tb\r\nc.txt ") == "a_b__c.txt");
  CHECK(clean_name("../x/y.exe") == "../x/y.exe");  // data, never a path
  std::string long_name(300, 'a');
  long_name += "\xc3\xa9";
  CHECK(clean_name(long_name).size() == 255);
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";
  const std::string cut = clean_name(accents, 255);
  CHECK(cut.size() == 254);
  CHECK(is_valid_utf8(cut));
}

TEST_CASE("header blocks: folding, missing separator, mbox line, caps") {
  const std::string mail = "From sender Thu Jul 22 20:37:55 1999\r\nSubject: Hello\r\n  world\r\nTo : a@b.c\r\n\r\nbody";
  const HeaderBlock block = parse_header_block(mail, 10);
  REQUIRE(block.fields.size() == 2);
  CHECK(block.fields[0].name == "Subject");
  CHECK(unfold(block.fields[0].raw_value) == "Hello  world");
  CHECK(unfold(" \tvalue with trailing blanks  \r") == "value with trailing blanks  ");
  CHECK(block.fields[1].name == "To");
  CHECK(mail.substr(block.body_offset) == "body");
  CHECK(block.find("SUBJECT") == &block.fields[0]);

  const HeaderBlock no_blank = parse_header_block("Subject: x\nthis is body text\n", 10);
  CHECK(no_blank.missing_separator);
  CHECK(no_blank.fields.size() == 1);
  CHECK(no_blank.body_offset == 11);

  std::string many;
  for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\n";
  many += "\nbody";
  const HeaderBlock capped = parse_header_block(many, 10);
  CHECK(capped.fields.size() == 10);
  CHECK(capped.fields_dropped);
  CHECK(many.substr(capped.body_offset) == "body");
}

TEST_CASE("structured fields: RFC 2231 continuations, charsets, and RFC 2047 in names") {
  const auto type = parse_structured_field(" Multipart/Mixed (comment) ;\r\n\tboundary=\"a b;c\" ; charset=us-ascii");
  CHECK(type.value == "multipart/mixed");
  REQUIRE(type.param("boundary"));
  CHECK(*type.param("boundary") == "a b;c");
  CHECK(*type.param("charset") == "us-ascii");

  const auto cont = parse_structured_field("attachment; filename*0*=utf-8''%C3%A9t; filename*1=\"%E9.txt\"; filename*2*=%C3%A9");
  CHECK(cont.value == "attachment");
  CHECK(*cont.param("filename") == "\xc3\xa9t%E9.txt\xc3\xa9");  // section 1 is not extended: no decoding

  const auto latin = parse_structured_field("attachment; filename*=iso-8859-1'fr'r%E9sum%E9.pdf");
  CHECK(*latin.param("filename") == "r\xc3\xa9sum\xc3\xa9.pdf");

  const auto both = parse_structured_field("attachment; filename=\"plain.txt\"; filename*=utf-8''fancy%20name.txt");
  CHECK(*both.param("filename") == "fancy name.txt");

  const auto outlook = parse_structured_field("application/pdf; name=\"=?utf-8?B?cmVwb3J0LcOkLnBkZg==?=\"");
  CHECK(*outlook.param("name") == "report-\xc3\xa4.pdf");

  const auto unquoted = parse_structured_field("attachment; filename=my file.pdf");
  CHECK(*unquoted.param("filename") == "my file.pdf");

  const auto escaped = parse_structured_field("attachment; filename=\"a\\\"b.txt\"");
  CHECK(*escaped.param("filename") == "a\"b.txt");

  CHECK(parse_structured_field("").value.empty());
  CHECK(parse_structured_field("text/plain; =x; ;;; name").params.empty());
}

TEST_CASE("address lists") {
  const auto list = parse_address_list(
      "=?utf-8?q?J=C3=BCrgen?= <j@example.de>, \"Doe, John\" <john@example.com>,\r\n team: a@x.org, b@y.org;, "
      "c@z.org (Carl), <@route.example:d@w.org>, undisclosed-recipients:;",
      100);
  REQUIRE(list.size() == 6);
  CHECK(list[0].name == "J\xc3\xbcrgen");
  CHECK(list[0].address == "j@example.de");
  CHECK(list[1].name == "Doe, John");
  CHECK(list[1].address == "john@example.com");
  CHECK(list[2].address == "a@x.org");
  CHECK(list[3].address == "b@y.org");
  CHECK(list[4].name.empty());
  CHECK(list[4].address == "c@z.org");
  CHECK(list[5].address == "d@w.org");
  CHECK(parse_address_list("a@b.c, d@e.f, g@h.i", 2).size() == 2);
  CHECK(parse_address_list("", 10).empty());
}

namespace {

struct MimeHarness {
  assay::Limits limits;
  assay::Budget budget{limits, 1};
  std::vector<std::string> passwords;
  assay::Entry container;
  assay::UnpackContext ctx{budget, passwords, container};

  std::vector<assay::Child> unpack(const std::string& mail) {
    std::vector<assay::Child> children;
    auto unpacker = assay::find_unpacker(assay::FileFormat::Email)(
        assay::ByteSpan(reinterpret_cast<const uint8_t*>(mail.data()), mail.size()), ctx);
    REQUIRE(unpacker);
    assay::Child child;
    while (unpacker->next(ctx, child)) children.push_back(std::move(child));
    return children;
  }
};

bool borrows(const assay::Child& child, const std::string& mail) {
  return child.owned.empty() && reinterpret_cast<const char*>(child.bytes.data()) >= mail.data() &&
         reinterpret_cast<const char*>(child.bytes.data()) + child.bytes.size() <= mail.data() + mail.size();
}

std::string child_text(const assay::Child& child) { return std::string(child.bytes.as_chars()); }

}  // namespace

TEST_CASE("MIME unpacker: plain parts borrow, encoded parts own exactly their bytes") {
  const std::string mail =
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\npreamble\n--XX\n"
      "Content-Type: text/plain\n\nhello\n--XX\nContent-Type: application/octet-stream\n"
      "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"a.bin\"\n\naGVsbG8gd29ybGQ=\n"
      "--XX--\nepilogue\n";
  MimeHarness h;
  const auto children = h.unpack(mail);
  REQUIRE(children.size() == 2);
  CHECK(children[0].name == "body.txt");
  CHECK(children[0].layer == "attachment");
  CHECK(child_text(children[0]) == "hello");
  CHECK(borrows(children[0], mail));
  CHECK(children[1].name == "a.bin");
  CHECK(child_text(children[1]) == "hello world");
  CHECK(children[1].owned.size() == 11);
  CHECK(children[1].bytes.data() == children[1].owned.data());
  CHECK(h.container.warnings.empty());
}

TEST_CASE("MIME unpacker: a decoded part over max_object_bytes stops inside the decoder") {
  std::string mail = "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n";
  for (int i = 0; i < 40000; ++i) mail += "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n";  // 2.3 MB
  MimeHarness h;
  h.limits.max_object_bytes = 1 << 20;
  assay::Budget budget(h.limits, mail.size());
  assay::UnpackContext ctx(budget, h.passwords, h.container);
  auto unpacker = assay::find_unpacker(assay::FileFormat::Email)(
      assay::ByteSpan(reinterpret_cast<const uint8_t*>(mail.data()), mail.size()), ctx);
  assay::Child child;
  CHECK_FALSE(unpacker->next(ctx, child));
  REQUIRE(ctx.limit_hit);
  CHECK(*ctx.limit_hit == assay::LimitKind::MaxObjectBytes);
  // Charged slice by slice: the decoder stopped within one slice past the limit.
  CHECK(budget.total_decoded_bytes() <= (1u << 20) + (64u << 10));
}

TEST_CASE("MIME unpacker: nesting and part-count caps are warnings, not failures") {
  std::string deep = "Content-Type: multipart/mixed; boundary=b0\n\n";
  std::string tail;
  for (int i = 1; i <= 40; ++i) {
    deep += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n";
    tail = "--b" + std::to_string(i - 1) + "--\n" + tail;
  }
  deep += "--b40\nContent-Type: text/plain\n\ndeep text\n--b40--\n" + tail;
  MimeHarness h;
  const auto children = h.unpack(deep);
  REQUIRE(children.size() == 1);  // the part at the cap, undecoded, still holds the text
  CHECK(child_text(children[0]).find("deep text") != std::string::npos);
  CHECK(h.ctx.incomplete);
  REQUIRE_FALSE(h.container.warnings.empty());
  CHECK(h.container.warnings[0].find("nesting deeper than 32") != std::string::npos);

  std::string wide = "Content-Type: multipart/mixed; boundary=w\n\n";
  for (int i = 0; i < 1100; ++i) wide += "--w\nContent-Type: text/plain\n\nx\n";
  wide += "--w--\n";
  MimeHarness w;
  CHECK(w.unpack(wide).size() == 1000);
  CHECK(w.ctx.incomplete);
}

TEST_CASE("MIME unpacker: uuencoded blocks in a text body come out before the text") {
  const std::string mail = "Subject: uu\n\nSee attached.\nbegin 644 abc.txt\n#86)C\n`\nend\n";
  MimeHarness h;
  const auto children = h.unpack(mail);
  REQUIRE(children.size() == 2);
  CHECK(children[0].name == "abc.txt");
  CHECK(child_text(children[0]) == "abc");
  CHECK(children[1].name == "body.txt");
  CHECK(borrows(children[1], mail));
}
