// license.h: license files (License API) and their Ed25519 signatures, shared by the Worker and the
// assay-license tool.
//
// A license file is one JSON object with the fields below; "signature" is base64 of an Ed25519
// signature over the canonical bytes: the same object without "signature", keys sorted, no spaces,
// strings escaped as Python's json.dumps(obj, sort_keys=True, separators=(",", ":")) does (non-ASCII
// as \uXXXX). Every field is a string except version (an integer).
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace worker {

struct LicenseFile {
  std::string product, machine_id, serial_number, license_type, company, expiry_date, creation_date;
  int64_t version = 0;
  std::string signature;  // base64; empty when the file has none
};

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Parses a license file. `require_signature` false accepts a file without one (the signing tool).
// False with `error` set when the text is not such an object (unknown fields are refused).
bool parse_license(std::string_view text, bool require_signature, LicenseFile& out, std::string& error);
// The canonical bytes that are signed.
std::string canonical_license(const LicenseFile& license);
// The canonical bytes plus "signature", as stored and as the tool writes it.
std::string signed_license_json(const LicenseFile& license);

// "YYYY-MM-DDTHH:MM:SSZ" -> Unix seconds.
std::optional<int64_t> parse_utc(std::string_view text);

// Keys from PEM text; nullptr (with `error`) when the PEM is not an Ed25519 key.
Pkey load_public_key(const std::string& pem, std::string& error);
Pkey load_private_key(const std::string& pem, std::string& error);

bool verify_license(EVP_PKEY* key, const LicenseFile& license, std::string& error);
// Fills license.signature.
bool sign_license(EVP_PKEY* key, LicenseFile& license, std::string& error);

}  // namespace worker
