// routes_license.cpp: the License API (/api/license/v1/): the machine id, license files signed with
// Ed25519 (license.h) and the licensing status. The machine id and the applied license are kept in
// the store's settings table, so they survive a restart.
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "app.h"
#include "http_util.h"
#include "json_out.h"
#include "license.h"
#include "log.h"
#include "routes.h"

namespace worker {
namespace {

constexpr const char* kProduct = "tiscale-worker";
constexpr const char* kMachineIdKey = "machine_id";
constexpr const char* kLicenseKey = "license";
constexpr int64_t kWildcardMaxSeconds = 45 * 24 * 60 * 60;

struct LicenseState {
  Pkey key;          // null: no public key configured
  std::mutex mutex;  // one license operation at a time
};

// The process's one license state, shared by the routes and license_status().
LicenseState& the_license_state() {
  static LicenseState state;
  return state;
}

std::string new_machine_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("cannot generate a machine id (RAND_bytes)");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The persisted machine id, generated on first use. Call with the state's mutex held.
std::string machine_id(App& app) {
  if (std::optional<std::string> id = app.store.get_setting(kMachineIdKey)) return *id;
  const std::string id = new_machine_id();
  if (!app.store.put_setting(kMachineIdKey, id)) throw std::runtime_error("cannot record the machine id");
  log_line("license: generated machine id " + id);
  return id;
}

std::optional<LicenseFile> applied_license(App& app) {
  const std::optional<std::string> text = app.store.get_setting(kLicenseKey);
  if (!text) return std::nullopt;
  LicenseFile license;
  std::string error;
  if (!parse_license(*text, true, license, error)) return std::nullopt;
  return license;
}

const char* status_of(LicenseState& state, const std::optional<LicenseFile>& license, const std::string& machine) {
  if (machine.empty()) return "NO_MACHINE_ID";
  if (!license) return "NO_LICENSE";
  std::string error;
  if (!state.key || !verify_license(state.key.get(), *license, error)) return "INVALID";
  if (license->product != kProduct) return "INVALID";
  if (license->license_type == "REGULAR" && license->machine_id != machine) return "INVALID";
  const std::optional<int64_t> expiry = parse_utc(license->expiry_date);
  if (!expiry) return "INVALID";
  if (*expiry <= now_ms() / 1000) return "EXPIRED";
  return "VALID";
}

void get_info(App& app, LicenseState& state, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(state.mutex);
  const std::string machine = machine_id(app);
  const std::optional<LicenseFile> license = applied_license(app);
  const LicenseFile none;
  const LicenseFile& l = license ? *license : none;
  JsonOut j;
  j.begin_object()
      .field("product", kProduct)
      .field("machineId", machine)
      .field("version", l.version)
      .field("serialNumber", l.serial_number)
      .field("licenseType", l.license_type)
      .field("company", l.company)
      .field("expiryDate", l.expiry_date)
      .field("creationDate", l.creation_date)
      .field("status", status_of(state, license, machine))
      .end_object();
  send_json(res, 200, j.take());
}

void get_status(App& app, LicenseState& state, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(state.mutex);
  const std::string machine = machine_id(app);
  JsonOut j;
  j.begin_object().field("status", status_of(state, applied_license(app), machine)).end_object();
  send_json(res, 200, j.take());
}

void generate_machine_id(App& app, LicenseState& state, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(state.mutex);
  const std::string id = new_machine_id();
  if (!app.store.put_setting(kMachineIdKey, id)) return send_error(res, 500, "cannot record the machine id");
  log_line("license: generated machine id " + id);
  JsonOut j;
  j.begin_object().field("machineId", id).end_object();
  send_json(res, 200, j.take());
}

// The reason the license cannot be applied, or "" when it can.
std::string check_license(LicenseState& state, const LicenseFile& l, const std::string& machine) {
  std::string error;
  if (!state.key) return "no license public key is configured (setting license.public_key_pem)";
  if (!verify_license(state.key.get(), l, error)) return error;
  if (l.product != kProduct) return "the license is for product " + printable(l.product, 64) + ", not " + kProduct;
  if (l.license_type != "REGULAR" && l.license_type != "WILDCARD") return "licenseType must be REGULAR or WILDCARD";
  const std::optional<int64_t> creation = parse_utc(l.creation_date);
  const std::optional<int64_t> expiry = parse_utc(l.expiry_date);
  if (!creation) return "creationDate must read YYYY-MM-DDTHH:MM:SSZ";
  if (!expiry) return "expiryDate must read YYYY-MM-DDTHH:MM:SSZ";
  if (*expiry <= *creation) return "expiryDate must be after creationDate";
  if (l.license_type == "REGULAR" && l.machine_id != machine) {
    return "the license is for machine id " + printable(l.machine_id, 64) + ", not this Worker's " + machine;
  }
  if (l.license_type == "WILDCARD" && *expiry - *creation > kWildcardMaxSeconds) {
    return "a WILDCARD license lasts at most 45 days";
  }
  return "";
}

void upload(App& app, LicenseState& state, const httplib::Request& req, httplib::Response& res) {
  if (!req.is_multipart_form_data() || !req.has_file("file")) {
    return send_error(res, 400, "expected multipart/form-data with the license file in the \"file\" field");
  }
  const std::string text = req.get_file_value("file").content;
  LicenseFile license;
  std::string error;
  if (!parse_license(text, true, license, error)) return send_error(res, 400, error);
  std::lock_guard<std::mutex> lock(state.mutex);
  const std::string machine = machine_id(app);
  const std::string reason = check_license(state, license, machine);
  if (!reason.empty()) return send_error(res, 400, reason);
  const std::string stored = signed_license_json(license);
  if (app.store.get_setting(kLicenseKey) == stored) {
    return send_json(res, 200, json_message("License is already applied"));
  }
  if (!app.store.put_setting(kLicenseKey, stored)) return send_error(res, 500, "cannot record the license");
  log_line("license: applied " + printable(license.license_type, 16) + " license " + printable(license.serial_number, 64) +
           " for " + printable(license.company, 128) + ", expires " + printable(license.expiry_date, 32));
  send_json(res, 201, json_message("License is applied"));
}

}  // namespace

bool register_license_routes(RouteTable& server, App& app, std::string& error) {
  static LicenseState& state = the_license_state();  // static: the route lambdas use it uncaptured
  const std::string& path = app.config.license.public_key_pem;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      error = "license.public_key_pem: cannot read " + path;
      return false;
    }
    std::string why;
    state.key = load_public_key(text.str(), why);
    if (!state.key) {
      error = "license.public_key_pem: " + path + ": " + why;
      return false;
    }
  }
  server.Get("/api/license/v1/", [&app](const httplib::Request&, httplib::Response& res) { get_info(app, state, res); });
  server.Get("/api/license/v1", [&app](const httplib::Request&, httplib::Response& res) { get_info(app, state, res); });
  server.Get("/api/license/v1/status/", [&app](const httplib::Request&, httplib::Response& res) { get_status(app, state, res); });
  server.Get("/api/license/v1/status", [&app](const httplib::Request&, httplib::Response& res) { get_status(app, state, res); });
  server.Post("/api/license/v1/machine-id/generate",
              [&app](const httplib::Request&, httplib::Response& res) { generate_machine_id(app, state, res); });
  server.Put("/api/license/v1/upload",
             [&app](const httplib::Request& req, httplib::Response& res) { upload(app, state, req, res); });
  return true;
}

std::string license_status(App& app) {
  LicenseState& state = the_license_state();
  std::lock_guard<std::mutex> lock(state.mutex);
  const std::string machine = machine_id(app);
  return status_of(state, applied_license(app), machine);
}

}  // namespace worker
