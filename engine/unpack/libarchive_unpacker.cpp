#include "unpack/libarchive_unpacker.h"

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace assay {
namespace {

// Consecutive unreadable headers tolerated before a container is declared broken; bounds the work a
// crafted archive of nothing but bad headers can cause.
constexpr int kMaxConsecutiveHeaderFailures = 64;

std::string error_text(struct archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "damaged or unrecognised data";
}

// libarchive converts member names to the calling thread's locale charset, and in the "C" locale
// every non-ASCII name fails that conversion. Every libarchive call runs under a C.UTF-8 thread
// locale instead, which changes nothing for the rest of the process.
class Utf8LocaleScope {
 public:
  Utf8LocaleScope() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (utf8 != static_cast<locale_t>(0)) previous_ = uselocale(utf8);
  }
  ~Utf8LocaleScope() {
    if (previous_ != static_cast<locale_t>(0)) uselocale(previous_);
  }
  Utf8LocaleScope(const Utf8LocaleScope&) = delete;
  Utf8LocaleScope& operator=(const Utf8LocaleScope&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(0);
};

// hello.txt.gz -> hello.txt, sample.tgz -> sample.tar; anything else keeps its name.
std::string decompressed_name(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kSuffixes[] = {
      {".tgz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"}, {".txz", ".tar"}, {".tzst", ".tar"},
      {".tlz", ".tar"}, {".gz", ""},       {".bz2", ""},     {".xz", ""},      {".lzma", ""},
      {".lz", ""},      {".zst", ""},      {".lz4", ""},     {".z", ""},      {".rpm", ".cpio"},
  };
  for (const auto& [suffix, replacement] : kSuffixes) {
    if (name.size() > suffix.size()) {
      const std::string_view tail = name.substr(name.size() - suffix.size());
      const bool same = std::equal(tail.begin(), tail.end(), suffix.begin(), suffix.end(),
                                   [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
      if (same) return std::string(name.substr(0, name.size() - suffix.size())) + std::string(replacement);
    }
  }
  return name.empty() ? "data" : std::string(name);
}

class LibarchiveUnpacker final : public Unpacker {
 public:
  LibarchiveUnpacker(ByteSpan bytes, const LibarchiveSetup& setup) : bytes_(bytes), setup_(setup) {}
  ~LibarchiveUnpacker() override {
    const Utf8LocaleScope locale;
    archive_read_free(archive_);
  }

  bool open(UnpackContext& ctx);
  bool next(UnpackContext& ctx, Child& child) override;

 private:
  enum class ReadOutcome { Member, Skipped, Stop };

  static la_ssize_t read_callback(struct archive*, void* self, const void** buffer);
  static la_int64_t seek_callback(struct archive*, void* self, la_int64_t offset, int whence);
  static la_int64_t skip_callback(struct archive*, void* self, la_int64_t request);

  ReadOutcome read_member(UnpackContext& ctx, struct archive_entry* entry, Child& child);
  bool retry_each_password(UnpackContext& ctx, Child& child);
  void note_encrypted(UnpackContext& ctx);

  ByteSpan bytes_;
  const LibarchiveSetup& setup_;
  struct archive* archive_ = nullptr;
  size_t position_ = 0;
  bool finished_ = false;
  size_t header_index_ = 0;  // readable headers seen so far; the current member is header_index_ - 1
  bool trial_ = false;       // a one-password reader made by retry_each_password
};

la_ssize_t LibarchiveUnpacker::read_callback(struct archive*, void* self, const void** buffer) {
  auto* me = static_cast<LibarchiveUnpacker*>(self);
  // Hand over everything that is left in one block: libarchive then returns stored members as
  // pointers into our own bytes, which lets read_member borrow instead of copy.
  const ByteSpan rest = me->bytes_.sub(me->position_);
  *buffer = rest.data();
  me->position_ += rest.size();
  return static_cast<la_ssize_t>(rest.size());
}

la_int64_t LibarchiveUnpacker::seek_callback(struct archive*, void* self, la_int64_t offset, int whence) {
  auto* me = static_cast<LibarchiveUnpacker*>(self);
  const auto size = static_cast<la_int64_t>(me->bytes_.size());
  la_int64_t base = 0;
  if (whence == SEEK_CUR) base = static_cast<la_int64_t>(me->position_);
  if (whence == SEEK_END) base = size;
  const la_int64_t target = base + offset;
  if (target < 0 || target > size) return ARCHIVE_FATAL;
  me->position_ = static_cast<size_t>(target);
  return target;
}

la_int64_t LibarchiveUnpacker::skip_callback(struct archive*, void* self, la_int64_t request) {
  auto* me = static_cast<LibarchiveUnpacker*>(self);
  if (request <= 0) return 0;
  const auto available = static_cast<la_int64_t>(me->bytes_.size() - me->position_);
  const la_int64_t skipped = std::min(request, available);
  me->position_ += static_cast<size_t>(skipped);
  return skipped;
}

bool LibarchiveUnpacker::open(UnpackContext& ctx) {
  const Utf8LocaleScope locale;
  archive_ = archive_read_new();
  if (archive_ == nullptr) {
    ctx.container.add_warning(std::string(setup_.what) + ": out of memory");
    ctx.failed_to_open = true;
    return false;
  }
  if (!setup_.enable(archive_)) {
    ctx.container.add_warning(std::string(setup_.what) + ": no in-process decoder is available in this libarchive");
    ctx.failed_to_open = true;
    return false;
  }
  for (const std::string& password : ctx.passwords) archive_read_add_passphrase(archive_, password.c_str());
  archive_read_set_callback_data(archive_, this);
  archive_read_set_read_callback(archive_, read_callback);
  archive_read_set_seek_callback(archive_, seek_callback);
  archive_read_set_skip_callback(archive_, skip_callback);
  if (archive_read_open1(archive_) != ARCHIVE_OK) {
    const std::string reason = error_text(archive_);
    ctx.container.add_warning(std::string(setup_.what) + ": cannot open: " + reason);
    // No format state exists after a failed open (archive_read_has_encrypted_entries would crash),
    // and libarchive gives no structured reason; its message is the only sign of an encrypted header.
    if (reason.find("encrypted") != std::string::npos) {
      note_encrypted(ctx);
      ctx.incomplete = true;
    }
    ctx.failed_to_open = true;
    return false;
  }
  // libarchive's raw format accepts any bytes; if no decompression filter recognised the stream, the
  // "member" would be the container itself, so refuse it here.
  if (setup_.raw_stream && archive_filter_count(archive_) < 2) {
    ctx.container.add_warning(std::string(setup_.what) + ": not a valid " + setup_.what + " stream");
    ctx.failed_to_open = true;
    return false;
  }
  return true;
}

void LibarchiveUnpacker::note_encrypted(UnpackContext& ctx) {
  ctx.encrypted = true;
  ctx.container.add_tag("encrypted");
  ctx.container.set_property("encrypted", true);
}

bool LibarchiveUnpacker::next(UnpackContext& ctx, Child& child) {
  const Utf8LocaleScope locale;
  int failures = 0;
  while (!finished_) {
    if (auto limit = ctx.budget.check_deadline()) {
      ctx.stop_on_limit(*limit, "while reading " + std::string(setup_.what) + " headers");
      finished_ = true;
      break;
    }
    struct archive_entry* entry = nullptr;
    const int status = archive_read_next_header(archive_, &entry);
    if (status == ARCHIVE_EOF) {
      finished_ = true;
      break;
    }
    if (status == ARCHIVE_RETRY || status == ARCHIVE_FAILED) {
      ctx.container.add_warning(std::string(setup_.what) + ": unreadable entry: " + error_text(archive_));
      ctx.incomplete = true;
      if (++failures >= kMaxConsecutiveHeaderFailures) finished_ = true;
      continue;
    }
    if (status == ARCHIVE_FATAL) {
      ctx.container.add_warning(std::string(setup_.what) + ": " + error_text(archive_));
      if (archive_read_has_encrypted_entries(archive_) > 0) note_encrypted(ctx);
      ctx.incomplete = true;
      if (ctx.children_produced == 0) ctx.failed_to_open = true;
      finished_ = true;
      break;
    }
    if (status == ARCHIVE_WARN) ctx.container.add_warning(std::string(setup_.what) + ": " + error_text(archive_));
    failures = 0;
    ++header_index_;

    const auto type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != 0) continue;  // directories, links, devices carry no bytes
    if (archive_entry_hardlink(entry) != nullptr && archive_entry_size(entry) == 0) continue;

    switch (read_member(ctx, entry, child)) {
      case ReadOutcome::Member:
        ++ctx.children_produced;
        return true;
      case ReadOutcome::Skipped:
        continue;
      case ReadOutcome::Stop:
        finished_ = true;
        break;
    }
  }
  return false;
}

LibarchiveUnpacker::ReadOutcome LibarchiveUnpacker::read_member(UnpackContext& ctx, struct archive_entry* entry,
                                                                 Child& child) {
  const char* utf8 = archive_entry_pathname_utf8(entry);
  const char* native = utf8 != nullptr ? utf8 : archive_entry_pathname(entry);
  const std::string stated = native != nullptr ? native : "";
  const std::string member_path = setup_.raw_stream ? decompressed_name(ctx.container.file_name) : stated;
  const std::string shown = member_path.empty() ? "#" + std::to_string(ctx.children_produced) : member_path;
  const bool encrypted = archive_entry_is_data_encrypted(entry) > 0;
  if (encrypted) note_encrypted(ctx);

  const uint64_t limit_bytes = ctx.budget.limits().max_object_bytes;
  if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0 &&
      static_cast<uint64_t>(archive_entry_size(entry)) > limit_bytes) {
    ctx.stop_on_limit(LimitKind::MaxObjectBytes, "member '" + shown + "' declares " +
                                                     std::to_string(archive_entry_size(entry)) + " bytes");
    return ReadOutcome::Skipped;
  }

  child = Child{};
  child.name = member_path.empty() ? std::to_string(ctx.children_produced) : member_path;
  if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
    child.owned.reserve(static_cast<size_t>(archive_entry_size(entry)));
  }

  const la_int64_t start = archive_filter_bytes(archive_, -1);
  // Stored members arrive as one or more blocks that point straight into our own bytes; as long as
  // they do, and follow each other, the child borrows them and nothing is copied.
  const uint8_t* borrow_begin = nullptr;
  size_t borrowed = 0;
  bool borrowing = true;
  uint64_t produced = 0;
  const auto inside_input = [&](const uint8_t* p, size_t n) {
    return p >= bytes_.data() && n <= bytes_.size() && p <= bytes_.data() + (bytes_.size() - n);
  };

  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    const int status = archive_read_data_block(archive_, &block, &size, &offset);
    if (status == ARCHIVE_EOF) break;
    // An encrypted member whose data fails, or decrypts but fails its CRC (a warning), was opened by
    // a wrong password: ZipCrypto checks a password against one header byte, so 1 in 256 wrong ones
    // pass, decrypt garbage, and keep libarchive from trying the later, right one.
    if (encrypted && (status < ARCHIVE_WARN || status == ARCHIVE_WARN)) {
      const std::string reason = error_text(archive_);
      if (!trial_ && ctx.passwords.size() > 1 && status != ARCHIVE_FATAL && retry_each_password(ctx, child)) {
        return ReadOutcome::Member;
      }
      ctx.incomplete = true;
      ctx.container.add_warning("member '" + shown + "' is encrypted and no password in the list opened it (" +
                                reason + ")");
      return status == ARCHIVE_FATAL ? ReadOutcome::Stop : ReadOutcome::Skipped;
    }
    if (status < ARCHIVE_WARN) {
      const std::string reason = error_text(archive_);
      ctx.incomplete = true;
      if (encrypted) {
        ctx.container.add_warning("member '" + shown + "' is encrypted and no password in the list opened it (" +
                                  reason + ")");
        return status == ARCHIVE_FATAL ? ReadOutcome::Stop : ReadOutcome::Skipped;
      }
      ctx.container.add_warning("member '" + shown + "': " + reason);
      if (produced == 0) return status == ARCHIVE_FATAL ? ReadOutcome::Stop : ReadOutcome::Skipped;
      // Keep what was decoded: a truncated member is still worth classifying.
      child.properties.push_back(Property{"truncated", true});
      if (status == ARCHIVE_FATAL) finished_ = true;
      break;
    }
    if (status == ARCHIVE_WARN) ctx.container.add_warning("member '" + shown + "': " + error_text(archive_));
    if (offset < 0 || static_cast<uint64_t>(offset) < produced) {
      ctx.container.add_warning("member '" + shown + "': data blocks out of order");
      ctx.incomplete = true;
      return ReadOutcome::Skipped;
    }
    const auto* data = static_cast<const uint8_t*>(block);
    const uint64_t hole = static_cast<uint64_t>(offset) - produced;  // sparse files: zeros in between
    const bool contiguous = borrowing && hole == 0 && size > 0 && inside_input(data, size) &&
                            (borrow_begin == nullptr || data == borrow_begin + borrowed);
    if (contiguous) {
      if (borrow_begin == nullptr) borrow_begin = data;
      borrowed += size;
    } else if (size > 0 || hole > 0) {
      if (borrowing) {
        borrowing = false;
        if (borrowed > 0) child.owned.assign(borrow_begin, borrow_begin + borrowed);
      }
      if (produced + hole + size > limit_bytes) {
        ctx.stop_on_limit(LimitKind::MaxObjectBytes, "member '" + shown + "' is larger than " +
                                                         std::to_string(limit_bytes) + " bytes");
        return ReadOutcome::Skipped;
      }
      child.owned.resize(child.owned.size() + hole, 0);
      child.owned.insert(child.owned.end(), data, data + size);
    }
    produced += hole + size;
    const la_int64_t consumed = archive_filter_bytes(archive_, -1) - start;
    const uint64_t compressed = setup_.ratio_per_member && consumed > 0 ? static_cast<uint64_t>(consumed) : 0;
    if (auto limit = ctx.budget.charge_decoded(hole + size, produced, compressed)) {
      ctx.stop_on_limit(*limit, "member '" + shown + "' after " + std::to_string(produced) + " bytes");
      // A scan-wide limit ends this container too; a per-member one only skips the member.
      if (ctx.budget.scan_stopped()) finished_ = true;
      return ReadOutcome::Skipped;
    }
  }

  if (borrowing) {
    child.owned.clear();
    child.owned.shrink_to_fit();
    child.bytes = ByteSpan(borrow_begin, borrowed);
  } else {
    child.bytes = ByteSpan(child.owned.data(), child.owned.size());
  }
  if (encrypted) child.properties.push_back(Property{"decrypted", true});
  return ReadOutcome::Member;
}

}  // namespace

// Reads the current member again with each password alone, on fresh readers over the same bytes;
// the first that decodes it without an error or a CRC warning wins. Only after a suspected wrong
// key, so the cost (the member decoded once per password, charged to the Budget) is rare.
bool LibarchiveUnpacker::retry_each_password(UnpackContext& ctx, Child& child) {
  const size_t target = header_index_ - 1;
  for (const std::string& password : ctx.passwords) {
    const std::vector<std::string> one{password};
    Entry scratch;  // the trial's warnings are not the container's
    UnpackContext trial(ctx.budget, one, scratch);
    LibarchiveUnpacker reader(bytes_, setup_);
    reader.trial_ = true;
    if (!reader.open(trial)) continue;
    struct archive_entry* entry = nullptr;
    bool found = false;
    for (size_t index = 0; !found;) {
      const int status = archive_read_next_header(reader.archive_, &entry);
      if (status != ARCHIVE_OK && status != ARCHIVE_WARN) break;
      found = index++ == target;
    }
    if (!found) continue;
    Child candidate;
    if (reader.read_member(trial, entry, candidate) == ReadOutcome::Member && !trial.incomplete) {
      // A borrowed span points into the same input bytes; an owned buffer moves with the child.
      child = std::move(candidate);
      if (!child.owned.empty()) child.bytes = ByteSpan(child.owned.data(), child.owned.size());
      return true;
    }
    if (ctx.budget.scan_stopped()) return false;
  }
  return false;
}

bool enable_in_process_filter(struct archive* a, int (*support)(struct archive*)) {
  return support(a) == ARCHIVE_OK;
}

std::unique_ptr<Unpacker> make_libarchive_unpacker(ByteSpan bytes, UnpackContext& ctx, const LibarchiveSetup& setup) {
  auto unpacker = std::make_unique<LibarchiveUnpacker>(bytes, setup);
  if (!unpacker->open(ctx)) return nullptr;
  return unpacker;
}

}  // namespace assay
