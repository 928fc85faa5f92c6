// mbox mailboxes: each message as a child (.../message/N.eml) borrowing its span of the mailbox.
//
// A message starts after a "From " separator line. Like Python's mailbox module we split on "From "
// lines, but only on those that follow a blank line or look like a real separator (they carry a
// time, "From sender Thu Jul 22 20:37:55 1999"), so an unescaped "From here on..." in a body does
// not cut a message in two. ">From " quoting is left as it is: the bytes are borrowed, not copied.
// The blank line before a separator belongs to the separator, as in Python's reader.
#include <string>

#include "unpack/formats.h"

namespace assay {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A separator line carries a time of day ("20:37:55" or "20:37").
bool looks_like_separator(std::string_view line) {
  if (!line.starts_with("From ") || line.size() < 10) return false;
  for (size_t i = 5; i + 3 < line.size(); ++i) {
    if (is_digit(line[i]) && line[i + 1] == ':' && is_digit(line[i + 2]) && is_digit(line[i + 3])) return true;
  }
  return false;
}

std::string_view line_at(std::string_view text, size_t pos) {
  const size_t newline = text.find('\n', pos);
  std::string_view line = text.substr(pos, newline == std::string_view::npos ? std::string_view::npos : newline - pos);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

class MboxUnpacker final : public Unpacker {
 public:
  explicit MboxUnpacker(ByteSpan bytes) : bytes_(bytes), text_(bytes.as_chars()) {}

  bool next(UnpackContext& ctx, Child& child) override {
    if (pos_ >= text_.size()) return false;
    if (auto limit = ctx.budget.check_deadline()) {
      ctx.stop_on_limit(*limit, "while splitting the mailbox");
      return false;
    }
    const std::string_view separator = line_at(text_, pos_);
    const size_t newline = text_.find('\n', pos_);
    const size_t start = newline == std::string_view::npos ? text_.size() : newline + 1;
    const size_t next = find_next_separator(start);
    size_t end = next;
    // Drop the blank line that precedes the next separator.
    if (next < text_.size()) {
      if (end > start && text_[end - 1] == '\n') --end;
      if (end > start && text_[end - 1] == '\r') --end;
    }
    pos_ = next;
    child = Child{};
    child.layer = "message";
    child.name = std::to_string(++count_) + ".eml";
    child.bytes = bytes_.sub(start, end - start);
    child.properties.push_back(Property{"mbox_separator", std::string(separator.substr(0, 512))});
    ++ctx.children_produced;
    return true;
  }

 private:
  size_t find_next_separator(size_t from) const {
    for (size_t at = text_.find("\nFrom ", from == 0 ? 0 : from - 1); at != std::string_view::npos;
         at = text_.find("\nFrom ", at + 1)) {
      const size_t line = at + 1;
      if (line < from) continue;
      const bool after_blank = (at >= 1 && text_[at - 1] == '\n') || (at >= 2 && text_.substr(at - 2, 2) == "\n\r");
      if (after_blank || looks_like_separator(line_at(text_, line))) return line;
    }
    return text_.size();
  }

  ByteSpan bytes_;
  std::string_view text_;
  size_t pos_ = 0;
  size_t count_ = 0;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_mbox(ByteSpan bytes, UnpackContext& ctx) {
  if (!bytes.starts_with("From ")) {
    ctx.container.add_warning("mbox: the mailbox does not start with a \"From \" line");
    ctx.failed_to_open = true;
    return nullptr;
  }
  return std::make_unique<MboxUnpacker>(bytes);
}

}  // namespace assay
