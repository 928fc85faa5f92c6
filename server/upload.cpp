// upload.cpp: POST /api/tiscale/v1/upload.
//
// The multipart body is streamed: cpp-httplib's ContentReader hands over each part's bytes as they
// arrive; the "file" part goes straight to a spool file (through a small buffer) while its SHA-1 is
// computed for integrity_check_hash, so an upload of any size costs a fixed amount of memory. The
// other fields are small and kept, up to max_field_bytes each. The task is recorded (state queued)
// before the answer, so an upload that got its task_url is never lost.
#include <fcntl.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <unistd.h>

#include "admission.h"
#include "app.h"
#include "connection.h"
#include "http_util.h"
#include "json_out.h"
#include "log.h"
#include "routes.h"

namespace worker {
namespace {

constexpr size_t kWriteBuffer = 256 * 1024;
constexpr size_t kMaxTokenLength = 256;

struct Failure {
  int status = 0;
  std::string message;
};

// Everything about one upload in progress; the destructor cleans up whatever was not handed on.
struct Upload {
  App& app;
  int fd = -1;
  std::string spool_name;
  std::string file_name;
  bool have_file = false;
  uint64_t size = 0;
  EVP_MD_CTX* sha1 = EVP_MD_CTX_new();
  std::string buffer;
  std::optional<std::string> user_data, custom_data;
  enum class Part { File, UserData, CustomData, Ignored } part = Part::Ignored;
  Failure failure;
  bool reserved = false;
  bool accepted = false;

  explicit Upload(App& a) : app(a) {
    if (sha1 != nullptr) EVP_DigestInit_ex(sha1, EVP_sha1(), nullptr);
  }
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  ~Upload() {
    EVP_MD_CTX_free(sha1);
    if (fd >= 0) ::close(fd);
    if (!accepted) {
      app.spool.remove(spool_name);
      if (reserved) app.queue.cancel_reservation();
    }
  }

  bool fail(int status, std::string message) {
    if (failure.status == 0) failure = {status, std::move(message)};
    return false;
  }

  bool flush() {
    if (buffer.empty()) return true;
    const bool ok = write_all(fd, buffer.data(), buffer.size());
    buffer.clear();
    return ok || fail(500, "cannot write the upload to the spool directory");
  }

  bool on_header(const httplib::MultipartFormData& header) {
    if (header.name == "file") {
      if (have_file) return fail(400, "more than one \"file\" field");
      have_file = true;
      std::string error;
      fd = app.spool.create("up", spool_name, error);
      if (fd < 0) return fail(500, error);
      // Only the last component of the client's name: it is the report's root name, never a path.
      const size_t slash = header.filename.find_last_of("/\\");
      file_name = slash == std::string::npos ? header.filename : header.filename.substr(slash + 1);
      if (file_name.size() > 1024) file_name.resize(1024);
      buffer.reserve(kWriteBuffer);
      part = Part::File;
    } else if (header.name == "user_data") {
      user_data.emplace();
      part = Part::UserData;
    } else if (header.name == "custom_data") {
      custom_data.emplace();
      part = Part::CustomData;
    } else {
      part = Part::Ignored;  // unknown fields are read and dropped
    }
    return true;
  }

  bool on_data(const char* data, size_t length) {
    switch (part) {
      case Part::File:
        size += length;
        if (size > app.config.max_upload_bytes) {
          return fail(413, "the file is larger than the limit of " + std::to_string(app.config.max_upload_bytes) + " bytes");
        }
        EVP_DigestUpdate(sha1, data, length);
        if (buffer.size() + length > kWriteBuffer && !flush()) return false;
        if (length >= kWriteBuffer) return write_all(fd, data, length) || fail(500, "cannot write the upload");
        buffer.append(data, length);
        return true;
      case Part::UserData:
      case Part::CustomData: {
        std::string& field = part == Part::UserData ? *user_data : *custom_data;
        if (field.size() + length > app.config.max_field_bytes) {
          return fail(413, std::string(part == Part::UserData ? "user_data" : "custom_data") + " is larger than " +
                               std::to_string(app.config.max_field_bytes) + " bytes");
        }
        field.append(data, length);
        return true;
      }
      case Part::Ignored:
        return true;
    }
    return true;
  }
};

std::string hex_digest(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  return s;
}

void handle_upload(App& app, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  // Paused, not healthy, or no valid license (admission.h).
  if (const std::optional<Refusal> refusal = refuse_new_files(app, true)) {
    return send_error_closing(res, refusal->status, refusal->message);
  }
  if (!req.is_multipart_form_data()) {
    return send_error_closing(res, 400, "expected a multipart/form-data body with a \"file\" field");
  }
  std::string filter_token;
  if (req.has_header("X-TiScale-Token")) {
    filter_token = strip_token_prefix(req.get_header_value("X-TiScale-Token"));
    if (filter_token.size() > kMaxTokenLength) return send_error_closing(res, 400, "X-TiScale-Token is longer than 256 characters");
  }
  Upload up(app);
  if (!app.queue.reserve()) return send_error_closing(res, 503, "the analysis queue is full; try again later");
  up.reserved = true;

  const bool read = reader([&](const httplib::MultipartFormData& header) { return up.on_header(header); },
                           [&](const char* data, size_t length) { return up.on_data(data, length); });
  if (read && up.have_file) up.flush();
  if (up.failure.status != 0) return send_error_closing(res, up.failure.status, up.failure.message);
  if (!read) {
    if (res.status == 413) {
      return send_error_closing(res, 413, "the request body is larger than the limit of " +
                                              std::to_string(app.config.max_upload_bytes) + " bytes");
    }
    if (request_body_timed_out()) return send_error_closing(res, 408, slow_body_message(app));
    return send_error_closing(res, 400, "malformed or incomplete multipart/form-data body");  // or the client left
  }
  if (!up.have_file) return send_error(res, 400, "the \"file\" field is missing");

  simdjson::dom::parser parser;
  if (up.user_data) {
    simdjson::dom::element ignored;
    const auto error = parser.parse(*up.user_data).get(ignored);
    if (error != simdjson::SUCCESS) {
      return send_error(res, 400, std::string("user_data is not valid JSON: ") + simdjson::error_message(error));
    }
  }
  // user_data.callback: its shape, report type and view, and the address policy for its URL.
  if (const std::string refusal = app.callbacks->check_submission(up.user_data); !refusal.empty()) {
    return send_error(res, 400, refusal);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_length = 0;
  if (up.sha1 == nullptr || EVP_DigestFinal_ex(up.sha1, digest, &digest_length) != 1) {
    return send_error(res, 500, "cannot compute the upload's SHA-1");
  }
  if (up.custom_data) {
    simdjson::dom::element data;
    if (parser.parse(*up.custom_data).get(data) != simdjson::SUCCESS) {
      up.custom_data.reset();  // the seed: custom_data that is not valid JSON is left out of the report
    } else if (data.is_object() && data["integrity_check_hash"].error() == simdjson::SUCCESS) {
      std::string_view expected;
      if (data["integrity_check_hash"].get_string().get(expected) != simdjson::SUCCESS) {
        return send_error(res, 400, "custom_data.integrity_check_hash must be a string (the file's SHA-1 in hex)");
      }
      const std::string calculated = hex_digest(digest, digest_length);
      if (lower(std::string(expected)) != calculated) {
        return send_error(res, 400, "ERROR: Upload: failed to accept upload integrity check failed, calculated hash " +
                                    calculated + " differs from the one passed in custom data " + std::string(expected) + ".");
      }
    }
  }
  if (app.config.durable_sync && ::fsync(up.fd) != 0) return send_error(res, 500, "cannot sync the spooled upload");
  ::close(up.fd);
  up.fd = -1;

  NewTask task;
  task.source = "upload";
  task.spool_name = up.spool_name;
  task.file_name = up.file_name;
  task.size = up.size;
  task.filter_token = filter_token;
  task.custom_data = up.custom_data;
  task.user_data = up.user_data;
  task.direct_sender = req.remote_addr;
  task.forwarded_for = forwarded_for_json(req);
  std::string error;
  const int64_t id = app.store.insert(task, now_ms(), error);
  if (id == 0) return send_error(res, 500, "cannot record the task: " + error);
  up.accepted = true;
  app.queue.push_reserved(id);
  app.stats.record(Counter::FilesSubmitted);
  app.stats.record(Counter::BytesSubmitted, static_cast<int64_t>(up.size));

  send_task_url(app, req, res, id);
}

}  // namespace

void register_upload_route(RouteTable& server, App& app) {
  server.Post("/api/tiscale/v1/upload",
              [&app](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                handle_upload(app, req, res, reader);
              });
}

}  // namespace worker
