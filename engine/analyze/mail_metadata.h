// metadata.email.message in the tc_report shape: {subject, from[], recipients[], reply_to[],
// headers[{name, value}]}. One helper for every reader of mail (Outlook .msg here, MIME elsewhere),
// so the section has the same keys and order whoever fills it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "report/report_model.h"

namespace assay {

struct MailMessageFields {
  std::string subject;
  std::vector<std::string> from;        // "Display Name <address>" or just the address
  std::vector<std::string> recipients;  // To, Cc and Bcc, in that order
  std::vector<std::string> reply_to;
  std::vector<std::pair<std::string, std::string>> headers;  // in file order, values unfolded
};

// Sets entry.metadata.email.message; empty lists are written as [] so the shape is always whole.
inline void set_mail_message(Entry& entry, const MailMessageFields& fields) {
  Value message = Value::object();
  message.set("subject", fields.subject);
  const auto list = [](const std::vector<std::string>& items) {
    Value array = Value::array();
    for (const std::string& item : items) array.push(item);
    return array;
  };
  message.set("from", list(fields.from));
  message.set("recipients", list(fields.recipients));
  message.set("reply_to", list(fields.reply_to));
  Value headers = Value::array();
  for (const auto& [name, value] : fields.headers) {
    Value header = Value::object();
    header.set("name", name);
    header.set("value", value);
    headers.push(std::move(header));
  }
  message.set("headers", std::move(headers));
  entry.metadata.at("email").set("message", std::move(message));
}

// Splits an RFC 5322 header block into (name, value) pairs, unfolding continuation lines; stops at
// the first empty line and after `max_headers` headers.
inline std::vector<std::pair<std::string, std::string>> split_mail_headers(std::string_view block,
                                                                           size_t max_headers = 256) {
  std::vector<std::pair<std::string, std::string>> headers;
  size_t at = 0;
  while (at < block.size()) {
    size_t end = block.find('\n', at);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
      const size_t text = line.find_first_not_of(" \t");
      if (text != std::string_view::npos) headers.back().second.append(" ").append(line.substr(text));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    if (headers.size() == max_headers) break;
    std::string_view value = line.substr(colon + 1);
    const size_t text = value.find_first_not_of(" \t");
    value = text == std::string_view::npos ? std::string_view() : value.substr(text);
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return headers;
}

}  // namespace assay
