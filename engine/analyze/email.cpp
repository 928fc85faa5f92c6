// E-mail (RFC 5322 / MIME) messages: metadata.email.message from the top-level header block.
//
// subject, from[], recipients[] (To, then Cc, then Bcc), reply_to[] and headers[{name, value}], as a
// reader shows them: values unfolded, RFC 2047 encoded-words decoded to UTF-8, addresses as
// "Display Name <address>" or the bare address. The parts of the message are the MIME unpacker's
// business (unpack/mime.cpp); the section's shape is shared with Outlook .msg (mail_metadata.h).
// Lists and values are capped so a forged header block cannot grow the report without bound.
#include "analyze/formats.h"
#include "analyze/mail_metadata.h"
#include "unpack/mime_charset.h"
#include "unpack/mime_header.h"

namespace assay {
namespace {

constexpr size_t kMaxHeaders = 256;
constexpr size_t kMaxAddresses = 256;  // per list
constexpr size_t kMaxValueBytes = 4096;
// Raw bytes of a field read for its shown value: decoded text is never longer than its source, so
// a few times the cap is enough, and a forged megabyte-long field costs no more than this.
constexpr size_t kMaxRawValueBytes = 4 * kMaxValueBytes;

std::string capped(std::string text) {
  mime::truncate_utf8(text, kMaxValueBytes);
  return text;
}

std::string shown_value(std::string_view raw_value) {
  return capped(mime::decode_text_field(raw_value.substr(0, kMaxRawValueBytes)));
}

void add_addresses(const mime::HeaderBlock& headers, std::string_view name, std::vector<std::string>& out) {
  for (const mime::HeaderField& field : headers.fields) {
    if (!mime::equals_ignore_case(field.name, name)) continue;
    for (const mime::Mailbox& mailbox : mime::parse_address_list(field.raw_value, kMaxAddresses)) {
      if (out.size() >= kMaxAddresses) return;
      out.push_back(capped(mailbox.name.empty() ? mailbox.address : mailbox.name + " <" + mailbox.address + ">"));
    }
  }
}

}  // namespace

void analyze_email(ByteSpan bytes, Entry& entry) {
  const mime::HeaderBlock headers = mime::parse_header_block(bytes.as_chars(), kMaxHeaders);
  MailMessageFields fields;
  if (const mime::HeaderField* subject = headers.find("subject")) fields.subject = shown_value(subject->raw_value);
  add_addresses(headers, "from", fields.from);
  for (const std::string_view name : {"to", "cc", "bcc"}) add_addresses(headers, name, fields.recipients);
  add_addresses(headers, "reply-to", fields.reply_to);
  for (const mime::HeaderField& field : headers.fields) {
    fields.headers.emplace_back(mime::to_utf8(field.name, "utf-8"), shown_value(field.raw_value));
  }
  set_mail_message(entry, fields);
}

}  // namespace assay
