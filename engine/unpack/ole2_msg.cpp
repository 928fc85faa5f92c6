// Outlook .msg properties (see ole2_msg.h). Property ids are those of [MS-OXPROPS]; the storage and
// stream naming and the fixed-property records follow [MS-OXMSG] 2.1 and 2.4.
#include "unpack/ole2_msg.h"

#include <cstdio>
#include <string_view>

#include "unpack/ole2_text.h"

namespace assay {
namespace {

constexpr uint16_t kTypeUnicode = 0x001f, kTypeString8 = 0x001e, kTypeBinary = 0x0102, kTypeObject = 0x000d;
constexpr uint16_t kTypeLong = 0x0003;

constexpr uint16_t kMessageClass = 0x001a, kSubject = 0x0037, kTransportHeaders = 0x007d;
constexpr uint16_t kSenderName = 0x0c1a, kSenderEmail = 0x0c1f, kSenderAddressType = 0x0c1e, kSenderSmtp = 0x5d01;
constexpr uint16_t kSentRepresentingName = 0x0042, kSentRepresentingEmail = 0x0065, kSentRepresentingSmtp = 0x5d02;
constexpr uint16_t kBody = 0x1000, kHtml = 0x1013, kMessageCodepage = 0x3ffd, kInternetCodepage = 0x3fde;
constexpr uint16_t kDisplayName = 0x3001, kEmailAddress = 0x3003, kSmtpAddress = 0x39fe, kRecipientType = 0x0c15;
constexpr uint16_t kAttachData = 0x3701, kAttachShortName = 0x3704, kAttachLongName = 0x3707, kAttachMime = 0x370e;

// [MS-OXMSG] 2.4: the fixed-property stream starts with a header whose size depends on the storage.
constexpr size_t kRootPropertiesHeader = 32, kSubPropertiesHeader = 8, kPropertyRecord = 16;
constexpr size_t kMaxPropertyRecords = 4096;

std::string stream_name(uint16_t id, uint16_t type) {
  char name[32];
  std::snprintf(name, sizeof name, "__substg1.0_%04X%04X", id, type);
  return name;
}

std::optional<uint32_t> property_stream(const CfbFile& cfb, uint32_t storage, uint16_t id, uint16_t type) {
  const auto found = cfb.find_child(storage, stream_name(id, type));
  if (!found || cfb.entry(*found).type != CfbType::Stream) return std::nullopt;
  return found;
}

// A PT_LONG from the fixed-property records of `storage`.
std::optional<uint32_t> fixed_long(const CfbFile& cfb, uint32_t storage, uint16_t id, size_t header) {
  const auto stream = cfb.find_child(storage, "__properties_version1.0");
  if (!stream || cfb.entry(*stream).type != CfbType::Stream) return std::nullopt;
  std::vector<uint8_t> scratch;
  const ByteSpan records = cfb.read(*stream, scratch, header + kMaxPropertyRecords * kPropertyRecord);
  for (size_t at = header; at + kPropertyRecord <= records.size(); at += kPropertyRecord) {
    const uint32_t tag = *records.le32(at);
    if ((tag >> 16) == id && (tag & 0xffff) == kTypeLong) return records.le32(at + 8);
  }
  return std::nullopt;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if ((text[i] | 0x20) != (prefix[i] | 0x20)) return false;
  }
  return true;
}

}  // namespace

bool looks_like_outlook_message(const CfbFile& cfb) {
  if (cfb.entries().empty()) return false;
  for (const uint32_t id : cfb.children_of(0)) {
    const std::string& name = cfb.entry(id).name;
    if (starts_with_ignoring_case(name, "__substg1.0_") || starts_with_ignoring_case(name, "__properties_version1.0")) {
      return true;
    }
  }
  return false;
}

std::string outlook_string(const CfbFile& cfb, uint32_t storage, uint16_t id, int codepage, size_t max_bytes) {
  std::vector<uint8_t> scratch;
  if (const auto unicode = property_stream(cfb, storage, id, kTypeUnicode)) {
    return utf16le_to_utf8(cfb.read(*unicode, scratch, max_bytes & ~size_t{1}));
  }
  if (const auto narrow = property_stream(cfb, storage, id, kTypeString8)) {
    return codepage_to_utf8(cfb.read(*narrow, scratch, max_bytes), codepage);
  }
  return {};
}

OutlookMessage read_outlook_message(const CfbFile& cfb, std::vector<std::string>& problems) {
  OutlookMessage message;
  if (cfb.entries().empty()) return message;
  if (const auto page = fixed_long(cfb, 0, kInternetCodepage, kRootPropertiesHeader)) {
    message.codepage = static_cast<int>(*page);
  } else if (const auto code = fixed_long(cfb, 0, kMessageCodepage, kRootPropertiesHeader)) {
    message.codepage = static_cast<int>(*code);
  }
  const int page = message.codepage;
  message.message_class = outlook_string(cfb, 0, kMessageClass, page);
  message.subject = outlook_string(cfb, 0, kSubject, page);
  message.transport_headers = outlook_string(cfb, 0, kTransportHeaders, page, 1 << 20);
  message.sender_name = outlook_string(cfb, 0, kSenderName, page);
  if (message.sender_name.empty()) message.sender_name = outlook_string(cfb, 0, kSentRepresentingName, page);
  // An Exchange sender's PR_SENDER_EMAIL_ADDRESS is an X.500 DN; the SMTP form is the useful one.
  message.sender_address = outlook_string(cfb, 0, kSenderSmtp, page);
  if (message.sender_address.empty()) message.sender_address = outlook_string(cfb, 0, kSentRepresentingSmtp, page);
  if (message.sender_address.empty() && outlook_string(cfb, 0, kSenderAddressType, page) != "EX") {
    message.sender_address = outlook_string(cfb, 0, kSenderEmail, page);
    if (message.sender_address.empty()) message.sender_address = outlook_string(cfb, 0, kSentRepresentingEmail, page);
  }
  if (const auto body = property_stream(cfb, 0, kBody, kTypeUnicode)) {
    message.body_text = body;
    message.body_text_unicode = true;
  } else {
    message.body_text = property_stream(cfb, 0, kBody, kTypeString8);
  }
  if (const auto html = property_stream(cfb, 0, kHtml, kTypeBinary)) {
    message.body_html = html;
  } else if (const auto unicode = property_stream(cfb, 0, kHtml, kTypeUnicode)) {
    message.body_html = unicode;
    message.body_html_unicode = true;
  } else {
    message.body_html = property_stream(cfb, 0, kHtml, kTypeString8);
  }

  for (const uint32_t id : cfb.children_of(0)) {
    const CfbEntry& entry = cfb.entry(id);
    if (entry.type != CfbType::Storage) continue;
    if (starts_with_ignoring_case(entry.name, "__recip_version1.0_")) {
      if (message.recipients.size() == kMaxOutlookRecipients) {
        problems.push_back("msg: more than " + std::to_string(kMaxOutlookRecipients) + " recipients; the rest are not read");
        continue;
      }
      OutlookRecipient recipient;
      recipient.name = outlook_string(cfb, id, kDisplayName, page);
      recipient.address = outlook_string(cfb, id, kSmtpAddress, page);
      if (recipient.address.empty()) recipient.address = outlook_string(cfb, id, kEmailAddress, page);
      recipient.type = fixed_long(cfb, id, kRecipientType, kSubPropertiesHeader).value_or(1);
      message.recipients.push_back(std::move(recipient));
    } else if (starts_with_ignoring_case(entry.name, "__attach_version1.0_")) {
      if (message.attachments.size() == kMaxOutlookAttachments) {
        problems.push_back("msg: more than " + std::to_string(kMaxOutlookAttachments) +
                           " attachments; the rest are not read");
        continue;
      }
      OutlookAttachment attachment;
      attachment.storage = id;
      attachment.file_name = outlook_string(cfb, id, kAttachLongName, page);
      if (attachment.file_name.empty()) attachment.file_name = outlook_string(cfb, id, kAttachShortName, page);
      if (attachment.file_name.empty()) attachment.file_name = outlook_string(cfb, id, kDisplayName, page);
      attachment.mime_type = outlook_string(cfb, id, kAttachMime, page);
      attachment.data = property_stream(cfb, id, kAttachData, kTypeBinary);
      if (!attachment.data) {
        const auto object = cfb.find_child(id, stream_name(kAttachData, kTypeObject));
        attachment.embedded_message = object && cfb.entry(*object).type == CfbType::Storage;
      }
      message.attachments.push_back(std::move(attachment));
    }
  }
  return message;
}

}  // namespace assay
