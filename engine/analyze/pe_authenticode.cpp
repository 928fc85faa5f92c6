#include "analyze/pe_authenticode.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <string>

#include "analyze/analyzer.h"
#include "report/indicator_ids.h"

namespace assay {
namespace {

constexpr uint16_t kPkcsSignedData = 0x0002;

struct Pkcs7Free {
  void operator()(PKCS7* p) const { PKCS7_free(p); }
};

std::string name_text(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  return text;
}

std::string time_text(const ASN1_TIME* time) {
  BIO* bio = BIO_new(BIO_s_mem());
  ASN1_TIME_print(bio, time);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(length));
  BIO_free(bio);
  return text;
}

std::string serial_text(const ASN1_INTEGER* serial) {
  BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = number != nullptr ? BN_bn2hex(number) : nullptr;
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

Value certificate_value(X509* cert) {
  Value c = Value::object();
  c.set("version", static_cast<uint64_t>(X509_get_version(cert) + 1));
  c.set("serial_number", serial_text(X509_get0_serialNumber(cert)));
  c.set("subject", name_text(X509_get_subject_name(cert)));
  c.set("issuer", name_text(X509_get_issuer_name(cert)));
  c.set("valid_from", time_text(X509_get0_notBefore(cert)));
  c.set("valid_to", time_text(X509_get0_notAfter(cert)));
  c.set("signature_algorithm", OBJ_nid2ln(X509_get_signature_nid(cert)));
  c.set("thumbprint_algorithm", "sha1");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(cert, EVP_sha1(), digest, &length);
  c.set("thumbprint", HexBytes{std::vector<uint8_t>(digest, digest + length)});
  Value& extensions = c.set("extensions", Value::array());
  for (int i = 0; i < X509_get_ext_count(cert) && i < 64; ++i) {
    const ASN1_OBJECT* object = X509_EXTENSION_get_object(X509_get_ext(cert, i));
    char name[128];
    OBJ_obj2txt(name, sizeof name, object, 0);
    extensions.push(name);
  }
  return c;
}

// Reads one DER header at `at` inside `der`: the tag, and the content's offset and length.
struct Der {
  uint8_t tag;
  size_t content;
  size_t length;
};
std::optional<Der> der_at(ByteSpan der, size_t at) {
  const auto tag = der.u8(at);
  const auto first = der.u8(at + 1);
  if (!tag || !first) return std::nullopt;
  size_t length = *first, header = 2;
  if (*first & 0x80) {
    const size_t count = *first & 0x7F;
    if (count == 0 || count > 4) return std::nullopt;
    length = 0;
    for (size_t i = 0; i < count; ++i) {
      const auto byte = der.u8(at + 2 + i);
      if (!byte) return std::nullopt;
      length = (length << 8) | *byte;
    }
    header += count;
  }
  if (at + header > der.size() || length > der.size() - at - header) return std::nullopt;
  return Der{*tag, at + header, length};
}

// SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue,
//                                       messageDigest DigestInfo { algorithm, digest OCTET STRING } }
struct SignedDigest {
  const EVP_MD* md;
  std::vector<uint8_t> digest;
};
std::optional<SignedDigest> signed_digest(PKCS7* p7) {
  if (!PKCS7_type_is_signed(p7) || p7->d.sign->contents == nullptr) return std::nullopt;
  const ASN1_TYPE* other = p7->d.sign->contents->d.other;
  if (other == nullptr || other->type != V_ASN1_SEQUENCE) return std::nullopt;
  const ByteSpan der(other->value.sequence->data, static_cast<size_t>(other->value.sequence->length));
  const auto outer = der_at(der, 0);
  if (!outer || outer->tag != 0x30) return std::nullopt;
  const auto data = der_at(der, outer->content);
  if (!data) return std::nullopt;
  const auto info = der_at(der, data->content + data->length);
  if (!info || info->tag != 0x30) return std::nullopt;
  const auto algorithm = der_at(der, info->content);
  if (!algorithm || algorithm->tag != 0x30) return std::nullopt;
  const auto oid = der_at(der, algorithm->content);
  const auto digest = der_at(der, algorithm->content + algorithm->length);
  if (!oid || oid->tag != 0x06 || !digest || digest->tag != 0x04) return std::nullopt;
  const unsigned char* oid_bytes = der.data() + oid->content - 2;
  ASN1_OBJECT* object = d2i_ASN1_OBJECT(nullptr, &oid_bytes, static_cast<long>(oid->length + 2));
  const EVP_MD* md = object != nullptr ? EVP_get_digestbyobj(object) : nullptr;
  ASN1_OBJECT_free(object);
  if (md == nullptr) return std::nullopt;
  const ByteSpan value = der.sub(digest->content, digest->length);
  return SignedDigest{md, std::vector<uint8_t>(value.data(), value.data() + value.size())};
}

// The Authenticode digest: the whole file up to the certificate table, without the checksum field
// and the certificate table's directory entry.
std::vector<uint8_t> image_digest(const PeImage& image, const EVP_MD* md, uint32_t table_offset) {
  const size_t directory_entry = image.pe_offset + 24 + (image.pe32_plus ? 112 : 96) + 8 * kDirSecurity;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  const auto feed = [&](size_t from, size_t to) {
    if (to > from) {
      const ByteSpan part = image.bytes.sub(from, to - from);
      EVP_DigestUpdate(ctx, part.data(), part.size());
    }
  };
  feed(0, image.checksum_offset);
  feed(image.checksum_offset + 4, directory_entry);
  feed(directory_entry + 8, table_offset);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  return std::vector<uint8_t>(digest, digest + length);
}


// One WIN_CERTIFICATE entry's PKCS#7 signature: its signer and certificates into `out` (the first
// signature's into metadata.certificate itself, later ones into its `signatures` list), and whether
// its signed digest matches the file. Empty problems and true when it does.
bool read_signature(const PeImage& image, uint32_t table_offset, ByteSpan blob, Value& out,
                    std::vector<std::string>& problems) {
  const unsigned char* cursor = blob.data();
  std::unique_ptr<PKCS7, Pkcs7Free> p7(d2i_PKCS7(nullptr, &cursor, static_cast<long>(blob.size())));
  if (!p7 || !PKCS7_type_is_signed(p7.get())) {
    problems.push_back("PKCS#7 signed data does not parse");
    return false;
  }
  Value& signer = out.set("signer_info", Value::object());
  STACK_OF(PKCS7_SIGNER_INFO)* signers = PKCS7_get_signer_info(p7.get());
  if (signers != nullptr && sk_PKCS7_SIGNER_INFO_num(signers) > 0) {
    PKCS7_SIGNER_INFO* info = sk_PKCS7_SIGNER_INFO_value(signers, 0);
    signer.set("issuer", name_text(info->issuer_and_serial->issuer));
    signer.set("serial_number", serial_text(info->issuer_and_serial->serial));
    signer.set("digest_algorithm", OBJ_nid2ln(OBJ_obj2nid(info->digest_alg->algorithm)));
  }
  Value& list = out.set("certificates", Value::array());
  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; certs != nullptr && i < sk_X509_num(certs) && i < 32; ++i) list.push(certificate_value(sk_X509_value(certs, i)));

  bool valid = false;
  if (const auto expected = signed_digest(p7.get())) {
    const std::vector<uint8_t> actual = image_digest(image, expected->md, table_offset);
    valid = actual == expected->digest;
    out.set("digest_algorithm", EVP_MD_get0_name(expected->md));
    out.set("signed_digest", HexBytes{expected->digest});
    out.set("computed_digest", HexBytes{actual});
    if (!valid) problems.push_back("the signed digest does not match the file");
  } else {
    problems.push_back("the signed content holds no readable digest");
  }
  out.set("digest_valid", valid);
  return valid;
}

}  // namespace

bool analyze_pe_authenticode(const PeImage& image, Entry& entry) {
  const PeDataDirectory security = image.directory(kDirSecurity);
  if (security.rva == 0 || security.size < 8) return false;  // for this directory "rva" is a file offset
  const ByteSpan table = image.bytes.sub(security.rva, security.size);
  if (table.size() < security.size) {
    add_validation(entry, "Authenticode", "signature", false, {"certificate table runs past the end of the file"});
    return true;
  }
  // The table is a run of WIN_CERTIFICATE entries {dwLength, wRevision, wCertificateType, bCertificate},
  // each starting on an 8-byte boundary. Signed boot loaders (shim) carry two signatures; every one
  // must match the file for the signature to count as valid.
  std::vector<std::string> problems;
  Value* certificate = nullptr;
  Value* later_signatures = nullptr;
  bool all_valid = true;
  size_t signatures = 0;
  constexpr size_t kMaxSignatures = 16;
  for (size_t at = 0; at + 8 <= table.size() && signatures < kMaxSignatures;) {
    const auto length = table.le32(at);
    const auto type = table.le16(at + 6);
    if (!length || !type || *length < 8 || *length > table.size() - at) {
      problems.push_back("certificate entry at table offset " + std::to_string(at) + " runs past the table");
      all_valid = false;
      break;
    }
    if (*type != kPkcsSignedData) {
      problems.push_back("certificate entry at table offset " + std::to_string(at) + " is not PKCS#7 signed data");
      all_valid = false;
    } else {
      const ByteSpan blob = table.sub(at + 8, *length - 8);
      Value* target = nullptr;
      if (certificate == nullptr) {
        certificate = &entry.metadata.set("certificate", Value::object());
        target = certificate;
      } else {
        if (later_signatures == nullptr) later_signatures = &certificate->set("signatures", Value::array());
        target = &later_signatures->push(Value::object());
      }
      all_valid = read_signature(image, security.rva, blob, *target, problems) && all_valid;
      ++signatures;
    }
    at += (static_cast<size_t>(*length) + 7) / 8 * 8;
  }
  if (certificate == nullptr) {
    add_validation(entry, "Authenticode", "signature", false,
                   problems.empty() ? std::vector<std::string>{"certificate table holds no signature"} : problems);
    return true;
  }
  // digest_valid on the top level speaks for every signature in the table.
  certificate->set("digest_valid", all_valid);
  if (!all_valid) {
    entry.indicators.push_back(Indicator{kIndicatorPeSignatureMismatch, 6, kCategoryEvasion,
                                         "The Authenticode signature does not match the file", 8,
                                         {{kCategoryEvasion, "signed and computed digests differ", false}}});
  }
  add_validation(entry, "Authenticode", "signature", all_valid, std::move(problems));
  return true;
}

}  // namespace assay
