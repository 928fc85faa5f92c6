// Outlook .msg files ([MS-OXMSG]): a compound file whose streams are MAPI properties. Variable-size
// properties are streams "__substg1.0_<id><type>" (001F UTF-16, 001E 8-bit, 0102 binary), fixed-size
// ones are 16-byte records in "__properties_version1.0"; recipients and attachments are storages
// "__recip_version1.0_#N" and "__attach_version1.0_#N" below the root. Shared by the OLE2 unpacker
// (attachments and bodies become children) and the Outlook analyzer (metadata.email.message).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "unpack/ole2_cfb.h"

namespace assay {

struct OutlookRecipient {
  std::string name, address;
  int64_t type = 1;  // PR_RECIPIENT_TYPE: 1 To, 2 Cc, 3 Bcc
};

struct OutlookAttachment {
  uint32_t storage = 0;
  std::string file_name;           // long file name, else short, else display name ("" when none)
  std::string mime_type;           // PR_ATTACH_MIME_TAG
  std::optional<uint32_t> data;    // the PR_ATTACH_DATA_BIN stream
  bool embedded_message = false;   // PR_ATTACH_DATA_OBJ: a whole message as a storage (not extracted)
};

struct OutlookMessage {
  std::string message_class;  // "IPM.Note" for mail
  std::string subject;
  std::string sender_name, sender_address;
  std::string transport_headers;  // PR_TRANSPORT_MESSAGE_HEADERS, as received
  std::vector<OutlookRecipient> recipients;
  std::vector<OutlookAttachment> attachments;
  int codepage = 1252;  // for 8-bit string properties
  // Body streams and whether they hold UTF-16 (001F) rather than 8-bit or binary data.
  std::optional<uint32_t> body_text, body_html;
  bool body_text_unicode = false, body_html_unicode = false;
};

inline constexpr size_t kMaxOutlookRecipients = 1024;
inline constexpr size_t kMaxOutlookAttachments = 1024;

// True when the root holds MAPI property streams: the sniffer's rule, repeated for readers.
bool looks_like_outlook_message(const CfbFile& cfb);

OutlookMessage read_outlook_message(const CfbFile& cfb, std::vector<std::string>& problems);

// A string property of `storage` (root, recipient or attachment), at most `max_bytes` of it read.
std::string outlook_string(const CfbFile& cfb, uint32_t storage, uint16_t id, int codepage, size_t max_bytes = 64 * 1024);

}  // namespace assay
