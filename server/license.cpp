// license.cpp: see license.h.
#include "license.h"

#include <openssl/pem.h>
#include <simdjson.h>

#include <ctime>
#include <vector>

namespace worker {
namespace {

// A JSON string as Python's json.dumps writes it with ensure_ascii (the default): \" \\ \b \f \n
// \r \t, every other character outside space..~ as \uXXXX (lowercase hex, surrogate pairs above
// U+FFFF). The input is valid UTF-8 (simdjson checked it).
void python_escape(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto unicode = [&](uint32_t u) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(u >> shift) & 15]);
  };
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = p[i];
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xf0) { len = 4; cp = c & 0x07; }
    else if (c >= 0xe0) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xc0) { len = 2; cp = c & 0x1f; }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (p[i + k] & 0x3f);
    i += len;
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (cp >= 0x20 && cp <= 0x7e) out.push_back(static_cast<char>(cp));
    else if (cp < 0x10000) unicode(cp);
    else {
      const uint32_t v = cp - 0x10000;
      unicode(0xd800 + (v >> 10));
      unicode(0xdc00 + (v & 0x3ff));
    }
  }
  out.push_back('"');
}

void member(std::string& out, const char* key, std::string_view value) {
  if (out.size() > 1) out.push_back(',');
  python_escape(out, key);
  out.push_back(':');
  python_escape(out, value);
}

std::string base64(const unsigned char* data, size_t length) {
  std::string out(4 * ((length + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(length));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::optional<std::vector<unsigned char>> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  for (char ch : text) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
                    ch == '/' || ch == '=';
    if (!ok) return std::nullopt;
  }
  std::vector<unsigned char> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t length = static_cast<size_t>(n);
  if (text.back() == '=') --length;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --length;
  out.resize(length);
  return out;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

bool parse_license(std::string_view text, bool require_signature, LicenseFile& out, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(std::string(text)).get_object().get(object) != simdjson::SUCCESS) {
    error = "the license file is not a JSON object";
    return false;
  }
  struct Field {
    const char* name;
    std::string* text;
    bool seen;
  };
  Field fields[] = {{"product", &out.product, false},         {"machineId", &out.machine_id, false},
                    {"serialNumber", &out.serial_number, false}, {"licenseType", &out.license_type, false},
                    {"company", &out.company, false},         {"expiryDate", &out.expiry_date, false},
                    {"creationDate", &out.creation_date, false}, {"signature", &out.signature, false}};
  bool have_version = false;
  for (auto field : object) {
    if (field.key == "version") {
      if (have_version || field.value.get_int64().get(out.version) != simdjson::SUCCESS) {
        error = "license field version must be an integer";
        return false;
      }
      have_version = true;
      continue;
    }
    Field* match = nullptr;
    for (Field& f : fields) {
      if (field.key == f.name) match = &f;
    }
    if (match == nullptr) {
      error = "unknown license field " + std::string(field.key).substr(0, 64);
      return false;
    }
    std::string_view value;
    if (match->seen || field.value.get_string().get(value) != simdjson::SUCCESS) {
      error = std::string("license field ") + match->name + " must be a string";
      return false;
    }
    *match->text = std::string(value);
    match->seen = true;
  }
  if (!have_version) {
    error = "license field version is missing";
    return false;
  }
  for (const Field& f : fields) {
    if (!f.seen && (require_signature || std::string_view(f.name) != "signature")) {
      error = std::string("license field ") + f.name + " is missing";
      return false;
    }
  }
  return true;
}

std::string canonical_license(const LicenseFile& l) {
  // Keys in sorted (byte) order.
  std::string out = "{";
  member(out, "company", l.company);
  member(out, "creationDate", l.creation_date);
  member(out, "expiryDate", l.expiry_date);
  member(out, "licenseType", l.license_type);
  member(out, "machineId", l.machine_id);
  member(out, "product", l.product);
  member(out, "serialNumber", l.serial_number);
  out += ",\"version\":" + std::to_string(l.version) + "}";
  return out;
}

std::string signed_license_json(const LicenseFile& l) {
  std::string out = canonical_license(l);
  out.pop_back();
  out += ",\"signature\":";
  python_escape(out, l.signature);
  out += "}";
  return out;
}

std::optional<int64_t> parse_utc(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z') {
    return std::nullopt;
  }
  auto number = [&](size_t at, size_t n) -> int {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t t_s = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // 31 February and the like
  return static_cast<int64_t>(t_s);
}

Pkey load_public_key(const std::string& pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(bio != nullptr ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    error = "not an Ed25519 public key in PEM form";
    return nullptr;
  }
  return key;
}

Pkey load_private_key(const std::string& pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    error = "not an Ed25519 private key in PEM form";
    return nullptr;
  }
  return key;
}

bool verify_license(EVP_PKEY* key, const LicenseFile& license, std::string& error) {
  const std::optional<std::vector<unsigned char>> signature = unbase64(license.signature);
  if (!signature || signature->size() != 64) {
    error = "the license signature is not base64 of an Ed25519 signature";
    return false;
  }
  const std::string message = canonical_license(license);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature->data(), signature->size(),
                                   reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  if (!ok) error = "the license signature is not valid";
  return ok;
}

bool sign_license(EVP_PKEY* key, LicenseFile& license, std::string& error) {
  const std::string message = canonical_license(license);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  size_t length = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &length, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    error = "signing failed";
    return false;
  }
  license.signature = base64(signature, length);
  return true;
}

}  // namespace worker
