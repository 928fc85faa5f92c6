// Mach-O embedded code signatures: the SuperBlob that LC_CODE_SIGNATURE points at, its
// CodeDirectory, entitlements and CMS blob, and a check of the CodeDirectory's hashes against the
// bytes they cover: every code page below codeLimit, and the special slots whose blobs travel in the
// signature (requirements, entitlements, DER entitlements). A mismatch is what a patched, re-packed or
// infected binary that kept its old signature looks like; the CMS signature over the CodeDirectory
// itself (the certificate chain) is not verified here.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "analyze/bytes_util.h"
#include "analyze/macho_internal.h"

namespace assay {
namespace {

constexpr uint32_t kMaxBlobs = 64;  // SuperBlob index entries looked at
constexpr size_t kMaxEntitlements = 64 * 1024;
constexpr uint32_t kSuperBlob = 0xfade0cc0, kCodeDirectory = 0xfade0c02, kEntitlements = 0xfade7171,
                   kDerEntitlements = 0xfade7172, kCms = 0xfade0b01;
// Special slots a signature carries the blob for (slot 1, Info.plist, and 3, the resource seal, hash
// files outside the binary).
constexpr std::array<uint32_t, 3> kCheckedSpecialSlots = {2, 5, 7};
constexpr std::array<const char*, 5> kHashTypes = {nullptr, "sha1", "sha256", "sha256-truncated", "sha384"};

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

// The digest a CodeDirectory hash type names, and how many bytes of it are stored.
const EVP_MD* digest_for(uint8_t type, size_t& stored) {
  switch (type) {
    case 1: stored = 20; return EVP_sha1();
    case 2: stored = 32; return EVP_sha256();
    case 3: stored = 20; return EVP_sha256();  // truncated to 20 bytes
    case 4: stored = 48; return EVP_sha384();
    default: return nullptr;
  }
}

bool hash_matches(const EVP_MD* md, ByteSpan data, ByteSpan expected) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1 || length < expected.size()) return false;
  return std::equal(expected.data(), expected.data() + expected.size(), digest);
}

class SignatureReader {
 public:
  SignatureReader(ByteSpan image, Value& out, const std::function<void(std::string)>& problem)
      : image_(image), out_(out), problem_(problem) {}

  CodeSignatureCheck read(ByteSpan blob) {
    const auto count = blob.be32(8);
    if (blob.be32(0) != kSuperBlob || !count) {
      problem_("code signature is not an embedded-signature SuperBlob");
      return result_;
    }
    std::array<ByteSpan, 8> special{};  // the blobs of special slots 1..7, as they are in the signature
    ByteSpan directory;
    for (uint32_t i = 0; i < std::min(*count, kMaxBlobs); ++i) {
      const auto slot = blob.be32(12 + 8 * i), at = blob.be32(16 + 8 * i);
      if (!slot || !at) {
        problem_("SuperBlob index truncated");
        break;
      }
      const auto magic = blob.be32(*at), length = blob.be32(size_t{*at} + 4);
      if (!magic || !length || *length < 8 || *length > blob.size() - *at) {
        problem_("blob in signature slot " + hex(*slot) + " runs past the SuperBlob");
        continue;
      }
      const ByteSpan inner = *blob.exact(*at, *length);
      if (*slot >= 1 && *slot < special.size()) special[*slot] = inner;
      if (*magic == kCodeDirectory && *slot == 0) {
        directory = inner;
      } else if (*magic == kEntitlements) {
        out_.set("has_entitlements", true);
        out_.set("entitlements", std::string(inner.sub(8, kMaxEntitlements).as_chars()));
        if (inner.size() - 8 > kMaxEntitlements) out_.set("entitlements_truncated", true);
      } else if (*magic == kDerEntitlements) {
        out_.set("has_der_entitlements", true);
      } else if (*magic == kCms) {
        out_.set("cms_signature_size", *length - 8);  // 0 for ad-hoc signatures
      }
    }
    if (!directory.empty()) read_directory(directory, special);
    return result_;
  }

 private:
  void read_directory(ByteSpan cd, const std::array<ByteSpan, 8>& special) {
    const auto version = cd.be32(8), flags = cd.be32(12), hash_offset = cd.be32(16), ident = cd.be32(20),
               special_slots = cd.be32(24), code_slots = cd.be32(28), code_limit32 = cd.be32(32);
    const auto hash_size = cd.u8(36), hash_type = cd.u8(37), page_log2 = cd.u8(39);
    if (!version || !flags || !hash_offset || !ident || !special_slots || !code_slots || !code_limit32 ||
        !hash_size || !hash_type || !page_log2) {
      problem_("CodeDirectory truncated");
      return;
    }
    result_.directory_found = true;
    const std::optional<std::string> identifier = terminated_string(cd, *ident);
    if (!identifier) problem_("CodeDirectory identifier is not terminated inside the blob");
    out_.set("identifier", identifier.value_or(""));
    if (const auto team = cd.be32(48); *version >= 0x20200 && team && *team != 0) {
      out_.set("team_id", terminated_string(cd, *team).value_or(""));
    }
    for (const auto& [key, value] : std::initializer_list<std::pair<const char*, Value>>{
             {"version", hex(*version)}, {"flags", *flags}, {"adhoc", (*flags & 0x2) != 0},
             {"hash_type", *hash_type < kHashTypes.size() && kHashTypes[*hash_type] ? kHashTypes[*hash_type] : hex(*hash_type)},
             {"code_slots", *code_slots}, {"special_slots", *special_slots}}) {
      out_.set(key, value);
    }

    size_t stored = 0;
    const EVP_MD* md = digest_for(*hash_type, stored);
    if (md == nullptr || stored != *hash_size) {
      problem_("CodeDirectory hash type " + std::to_string(*hash_type) + " with " + std::to_string(*hash_size) +
               "-byte hashes is not one this reader checks");
      return;
    }
    uint64_t code_limit = *code_limit32;
    if (*version >= 0x20300 && code_limit == 0) code_limit = cd.be64(56).value_or(0);
    // A hash table that lies outside the CodeDirectory, or covers more than the file, is itself a
    // broken signature; nothing is hashed then (and a hostile count cannot make us hash forever).
    const uint64_t table_start = uint64_t{*hash_offset} - uint64_t{*special_slots} * *hash_size;
    if (*hash_offset < uint64_t{*special_slots} * *hash_size || table_start > cd.size() ||
        uint64_t{*code_slots} * *hash_size > cd.size() - *hash_offset || code_limit > image_.size() || *page_log2 > 30) {
      problem_("CodeDirectory hash table or code limit lies outside the signature or the file");
      result_.hashes_valid = false;
      return;
    }
    const uint64_t page = *page_log2 == 0 ? std::max<uint64_t>(code_limit, 1) : uint64_t{1} << *page_log2;
    if (*code_slots != (code_limit + page - 1) / page) {
      problem_("CodeDirectory has " + std::to_string(*code_slots) + " code slots for a code limit of " +
               std::to_string(code_limit) + " bytes");
      result_.hashes_valid = false;
      return;
    }
    uint64_t mismatched = 0, first_mismatch = 0;
    for (uint64_t slot = 0; slot < *code_slots; ++slot) {
      const uint64_t start = slot * page, length = std::min(page, code_limit - start);
      const ByteSpan expected = cd.sub(static_cast<size_t>(*hash_offset + slot * *hash_size), *hash_size);
      if (!hash_matches(md, image_.sub(static_cast<size_t>(start), static_cast<size_t>(length)), expected)) {
        if (mismatched++ == 0) first_mismatch = slot;
      }
    }
    uint32_t special_checked = 0, special_mismatched = 0;
    for (const uint32_t slot : kCheckedSpecialSlots) {
      if (slot > *special_slots || special[slot].empty()) continue;
      ++special_checked;
      const ByteSpan expected = cd.sub(static_cast<size_t>(*hash_offset - uint64_t{slot} * *hash_size), *hash_size);
      if (!hash_matches(md, special[slot], expected)) ++special_mismatched;
    }
    result_.pages_checked = *code_slots;
    result_.hashes_valid = mismatched == 0 && special_mismatched == 0;
    Value& hashes = out_.set("code_hashes", Value::object());
    hashes.set("pages_checked", *code_slots);
    hashes.set("pages_mismatched", mismatched);
    if (mismatched != 0) hashes.set("first_mismatched_page", first_mismatch);
    hashes.set("special_slots_checked", special_checked);
    hashes.set("special_slots_mismatched", special_mismatched);
    hashes.set("valid", result_.hashes_valid);
    if (mismatched != 0) {
      problem_(std::to_string(mismatched) + " code page hash(es) differ from the CodeDirectory, the first at page " +
               std::to_string(first_mismatch));
    }
    if (special_mismatched != 0) problem_(std::to_string(special_mismatched) + " special slot hash(es) differ");
  }

  ByteSpan image_;
  Value& out_;
  const std::function<void(std::string)>& problem_;
  CodeSignatureCheck result_;
};

}  // namespace

CodeSignatureCheck read_macho_code_signature(ByteSpan image, ByteSpan signature, Value& out,
                                             const std::function<void(std::string)>& problem) {
  return SignatureReader(image, out, problem).read(signature);
}

}  // namespace assay
