// OLE2 compound files (.doc, .xls, .ppt, .msi, vbaProject.bin, any other CFB) and Outlook .msg:
// metadata.document from the summary property sets, VBA macro indicators from the module sources,
// metadata.email.message from a message's MAPI properties, and one validation result listing what
// the compound file reader found wrong. Analyzers have no Budget, so everything decoded here is
// capped by constants of its own (kMaxSourceBytes across all modules).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "analyze/formats.h"
#include "analyze/mail_metadata.h"
#include "analyze/ole_properties.h"
#include "analyze/vba_indicators.h"
#include "analyze/vba_project.h"
#include "unpack/ole2_cfb.h"
#include "unpack/ole2_msg.h"

namespace assay {
namespace {

constexpr size_t kMaxSourceBytes = size_t{32} << 20;  // all module sources of one file, decompressed
constexpr size_t kMaxValidationWarnings = 32;

std::unique_ptr<CfbFile> open_or_report(ByteSpan bytes, Entry& entry, std::string_view validator) {
  std::unique_ptr<CfbFile> cfb = CfbFile::open(bytes);
  if (!cfb || cfb->entries().empty()) {
    std::vector<std::string> why{cfb && !cfb->problems().empty() ? cfb->problems().front()
                                                                 : "no compound file header"};
    add_validation(entry, validator, "format", false, std::move(why));
    return nullptr;
  }
  return cfb;
}

void finish(Entry& entry, std::string_view validator, std::vector<std::string> problems) {
  if (problems.size() > kMaxValidationWarnings) problems.resize(kMaxValidationWarnings);
  const bool valid = problems.empty();
  add_validation(entry, validator, "format", valid, std::move(problems));
}

void analyze_macros(const CfbFile& cfb, Entry& entry, std::vector<std::string>& problems) {
  size_t budget = kMaxSourceBytes;
  const VbaCharge charge = [&budget](size_t count) {
    if (count > budget) return false;
    budget -= count;
    return true;
  };
  const std::vector<VbaProject> projects = find_vba_projects(cfb, charge, problems);
  MacroFindings findings;
  for (const VbaProject& project : projects) {
    for (const VbaModule& module : project.modules) {
      std::vector<uint8_t> source;
      std::string problem;
      if (!vba_module_source(cfb, module, source, budget, charge, problem)) {
        problems.push_back(project.path + ": module '" + module.name + "': " + problem);
      }
      scan_macro_source(module.name, std::string_view(reinterpret_cast<const char*>(source.data()), source.size()),
                        findings);
    }
  }
  add_macro_indicators(entry, findings);
}

std::string mailbox(const std::string& name, const std::string& address) {
  if (address.empty()) return name;
  if (name.empty() || name == address) return address;
  return name + " <" + address + ">";
}

bool header_is(std::string_view name, std::string_view lower) {
  return name.size() == lower.size() &&
         std::equal(name.begin(), name.end(), lower.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

}  // namespace

void analyze_ole2(ByteSpan bytes, Entry& entry) {
  const std::unique_ptr<CfbFile> cfb = open_or_report(bytes, entry, "OLE2");
  if (!cfb) return;
  std::vector<std::string> problems = cfb->problems();
  Value document = Value::object();
  read_document_properties(*cfb, entry.format == FileFormat::Msi, document, problems);
  if (!std::get<Value::Object>(document.data()).empty()) entry.metadata.set("document", std::move(document));
  analyze_macros(*cfb, entry, problems);
  finish(entry, "OLE2", std::move(problems));
}

void analyze_outlook_msg(ByteSpan bytes, Entry& entry) {
  const std::unique_ptr<CfbFile> cfb = open_or_report(bytes, entry, "Outlook MSG");
  if (!cfb) return;
  std::vector<std::string> problems = cfb->problems();
  const OutlookMessage message = read_outlook_message(*cfb, problems);
  MailMessageFields fields;
  fields.subject = message.subject;
  if (!message.sender_name.empty() || !message.sender_address.empty()) {
    fields.from.push_back(mailbox(message.sender_name, message.sender_address));
  }
  for (int type = 1; type <= 3; ++type) {  // To, then Cc, then Bcc
    for (const OutlookRecipient& recipient : message.recipients) {
      if (recipient.type == type || (type == 1 && (recipient.type < 1 || recipient.type > 3))) {
        fields.recipients.push_back(mailbox(recipient.name, recipient.address));
      }
    }
  }
  fields.headers = split_mail_headers(message.transport_headers);
  for (const auto& [name, value] : fields.headers) {
    if (header_is(name, "reply-to")) fields.reply_to.push_back(value);
    // A message saved from a mailbox may lack sender properties; its headers still say who sent it.
    if (fields.from.empty() && header_is(name, "from")) fields.from.push_back(value);
  }
  set_mail_message(entry, fields);
  if (!message.message_class.empty()) entry.set_property("message_class", message.message_class);
  if (!message.attachments.empty()) entry.set_property("attachments", static_cast<int64_t>(message.attachments.size()));
  finish(entry, "Outlook MSG", std::move(problems));
}

}  // namespace assay
