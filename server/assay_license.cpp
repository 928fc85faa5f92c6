// assay_license.cpp: assay-license, the tool that makes license files for the Worker's License API.
//
//   assay-license keygen --private KEY.pem --public PUB.pem   a new Ed25519 key pair (PEM)
//   assay-license sign --key KEY.pem --in license.json --out signed.json
//
// sign reads a license JSON object (the fields of license.h, any "signature" ignored) and writes it
// in canonical form with "signature" added. OpenSSL only.
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "license.h"

namespace {

using namespace worker;

int usage() {
  std::fputs(
      "usage: assay-license keygen --private KEY.pem --public PUB.pem\n"
      "       assay-license sign --key KEY.pem --in license.json --out signed.json\n",
      stderr);
  return 2;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "assay-license: %s\n", message.c_str());
  return 1;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  out = text.str();
  return static_cast<bool>(in);
}

bool write_file(const std::string& path, const std::string& text, mode_t mode) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  ::chmod(path.c_str(), mode);
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

std::string pem_of(EVP_PKEY* key, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  const int ok = private_key ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                             : PEM_write_bio_PUBKEY(bio, key);
  std::string out;
  if (ok == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

int keygen(const std::map<std::string, std::string>& opts) {
  if (opts.count("--private") == 0 || opts.count("--public") == 0) return usage();
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  EVP_PKEY* raw = nullptr;
  const bool made = ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &raw) == 1;
  EVP_PKEY_CTX_free(ctx);
  Pkey key(raw);
  if (!made) return fail("cannot generate an Ed25519 key");
  const std::string private_pem = pem_of(key.get(), true);
  const std::string public_pem = pem_of(key.get(), false);
  if (private_pem.empty() || public_pem.empty()) return fail("cannot write the keys as PEM");
  if (!write_file(opts.at("--private"), private_pem, 0600)) return fail("cannot write " + opts.at("--private"));
  if (!write_file(opts.at("--public"), public_pem, 0644)) return fail("cannot write " + opts.at("--public"));
  return 0;
}

int sign(const std::map<std::string, std::string>& opts) {
  if (opts.count("--key") == 0 || opts.count("--in") == 0 || opts.count("--out") == 0) return usage();
  std::string pem, text, error;
  if (!read_file(opts.at("--key"), pem)) return fail("cannot read " + opts.at("--key"));
  Pkey key = load_private_key(pem, error);
  if (!key) return fail(opts.at("--key") + ": " + error);
  if (!read_file(opts.at("--in"), text)) return fail("cannot read " + opts.at("--in"));
  LicenseFile license;
  if (!parse_license(text, false, license, error)) return fail(opts.at("--in") + ": " + error);
  if (!sign_license(key.get(), license, error)) return fail(error);
  if (!write_file(opts.at("--out"), signed_license_json(license) + "\n", 0644)) return fail("cannot write " + opts.at("--out"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::map<std::string, std::string> opts;
  for (int i = 2; i < argc; i += 2) {  // --name value pairs
    if (std::strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) return usage();
    opts[argv[i]] = argv[i + 1];
  }
  const std::string command = argv[1];
  if (command == "keygen") return keygen(opts);
  if (command == "sign") return sign(opts);
  return usage();
}
