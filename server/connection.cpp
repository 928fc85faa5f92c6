// connection.cpp: see connection.h.
#include "connection.h"

#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "http_util.h"

namespace worker {
namespace {

Io tls_outcome(SSL* ssl, int result, bool& broken) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ: return Io::WantRead;
    case SSL_ERROR_WANT_WRITE: return Io::WantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::Eof;  // the peer's close_notify
    default:
      broken = true;  // no SSL_shutdown after a fatal error
      return Io::Error;
  }
}

void address_of(const sockaddr_storage& address, socklen_t length, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof host, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

}  // namespace

std::string tidy_closing_head(std::string_view head) {
  std::string out;
  out.reserve(head.size());
  bool said_close = false;
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find("\r\n", start);
    end = end == std::string_view::npos ? head.size() : end + 2;
    const std::string_view line = head.substr(start, end - start);
    start = end;
    if (equals_ignoring_case(line.substr(0, 11), "keep-alive:")) continue;
    if (line == "Connection: close\r\n") {
      if (said_close) continue;
      said_close = true;
    }
    out.append(line);
  }
  return out;
}

Connection::Connection(int socket, SSL* tls, std::string peer_address)
    : fd(socket), ssl(tls), peer(std::move(peer_address)), handshake_done(tls == nullptr) {}

Connection::~Connection() {
  if (ssl != nullptr) {
    if (handshake_done && !tls_broken && !tls_shut) {
      ERR_clear_error();
      SSL_shutdown(ssl);  // a close_notify if it fits now; never waited for
    }
    SSL_free(ssl);
  }
  ::close(fd);
}

Io Connection::receive(char* data, size_t size, size_t& n) {
  if (ssl == nullptr) {
    for (;;) {
      const ssize_t r = ::recv(fd, data, size, 0);
      if (r > 0) {
        n = static_cast<size_t>(r);
        return Io::Done;
      }
      if (r == 0) return Io::Eof;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantRead : Io::Error;
    }
  }
  if (tls_broken) return Io::Error;
  ERR_clear_error();  // SSL_get_error reads this thread's queue: nothing older may be in it
  const int r = SSL_read_ex(ssl, data, size, &n);
  return r == 1 ? Io::Done : tls_outcome(ssl, r, tls_broken);
}

Io Connection::send(const char* data, size_t size, size_t& n) {
  if (ssl == nullptr) {
    for (;;) {
      const ssize_t r = ::send(fd, data, size, MSG_NOSIGNAL);
      if (r >= 0) {
        n = static_cast<size_t>(r);
        return Io::Done;
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantWrite : Io::Error;
    }
  }
  if (tls_broken) return Io::Error;
  ERR_clear_error();
  const int r = SSL_write_ex(ssl, data, size, &n);
  return r == 1 ? Io::Done : tls_outcome(ssl, r, tls_broken);
}

Io Connection::handshake() {
  if (handshake_done) return Io::Done;
  if (tls_broken) return Io::Error;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl);
  if (r == 1) {
    handshake_done = true;
    return Io::Done;
  }
  return tls_outcome(ssl, r, tls_broken);
}

void Connection::send_and_shut(const std::string& data) {
  size_t offset = 0;
  while (offset < data.size()) {
    size_t n = 0;
    if (send(data.data() + offset, data.size() - offset, n) != Io::Done) break;
    offset += n;
  }
  if (ssl != nullptr && handshake_done && !tls_broken && !tls_shut) {
    ERR_clear_error();
    SSL_shutdown(ssl);
    tls_shut = true;
  }
  ::shutdown(fd, SHUT_WR);
}

void Connection::take_decrypted() {
  while (ssl != nullptr && !tls_broken && SSL_pending(ssl) > 0) {
    const size_t old = buffer.size();
    buffer.resize(old + static_cast<size_t>(SSL_pending(ssl)));
    size_t n = 0;
    const bool got = receive(buffer.data() + old, buffer.size() - old, n) == Io::Done;
    buffer.resize(old + (got ? n : 0));
    if (!got) return;
  }
}

void Connection::compact() {
  buffer.erase(0, consumed);
  consumed = 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::clamp<int64_t>(left + 1, 0, INT_MAX)));
    if (r > 0) return true;  // ready, or an error the next transfer reports
    if (r == 0) return false;
    if (errno != EINTR) return true;
  }
}

namespace {
thread_local const ConnectionStream* stream_serving = nullptr;  // the request this thread serves
}  // namespace

bool request_body_timed_out() { return stream_serving != nullptr && stream_serving->body_timed_out(); }

ConnectionStream::ConnectionStream(Connection& connection, const ConnectionLimits& limits, const RequestFraming& framing)
    : connection_(connection), limits_(limits), framing_(framing), started_(Clock::now()) {
  stream_serving = this;
}

ConnectionStream::~ConnectionStream() {
  if (stream_serving == this) stream_serving = nullptr;
}

bool ConnectionStream::is_readable() const {
  return connection_.pending() > 0 || wait_for(connection_.fd, POLLIN, Clock::now() + limits_.read_timeout);
}

bool ConnectionStream::is_writable() const {
  return wait_for(connection_.fd, POLLOUT, Clock::now() + limits_.write_timeout);
}

ssize_t ConnectionStream::read(char* data, size_t size) {
  const bool in_head = head_read_ < framing_.head_bytes;
  if (in_head) {
    size = std::min<uint64_t>(size, framing_.head_bytes - head_read_);
  } else if (!framing_.chunked) {
    // The body is exactly Content-Length bytes, none without one; what follows is the next request.
    size = std::min<uint64_t>(size, framing_.content_length - body_read_);
  }
  if (size == 0) return 0;
  size_t n = 0;
  if (connection_.pending() > 0) {
    n = std::min(size, connection_.pending());
    std::memcpy(data, connection_.pending_data(), n);
    connection_.consumed += n;
  } else {
    const ssize_t r = receive_waiting(data, size, read_deadline());
    if (r <= 0) {
      if (r == 0 && !in_head) body_ended_ = true;
      return r;
    }
    n = static_cast<size_t>(r);
  }
  (in_head ? head_read_ : body_read_) += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::receive_waiting(char* data, size_t size, Clock::time_point deadline) {
  for (;;) {
    size_t n = 0;
    const Io io = connection_.receive(data, size, n);
    if (io == Io::Done) return static_cast<ssize_t>(n);
    if (io == Io::Eof) return 0;
    if (io == Io::Error) return -1;
    if (!wait_for(connection_.fd, io == Io::WantWrite ? POLLOUT : POLLIN, deadline)) {
      timed_out_ = true;  // too slow
      return -1;
    }
  }
}

Clock::time_point ConnectionStream::read_deadline() const {
  const Clock::time_point single = Clock::now() + limits_.read_timeout;
  if (head_read_ < framing_.head_bytes) return std::min(single, started_ + limits_.read_timeout);
  if (limits_.min_body_rate == 0) return single;
  const auto earned = std::chrono::milliseconds(body_read_ * 1000 / limits_.min_body_rate);
  return std::min(single, started_ + limits_.read_timeout + earned);
}

Clock::time_point ConnectionStream::write_deadline() const {
  const Clock::time_point single = Clock::now() + limits_.write_timeout;
  if (limits_.min_body_rate == 0) return single;
  const auto earned = std::chrono::milliseconds(written_ * 1000 / limits_.min_body_rate);
  return std::min(single, first_write_ + limits_.write_timeout + earned);
}

ssize_t ConnectionStream::write(const char* data, size_t size) {
  if (size == 0) return 0;
  std::string_view out(data, size);
  std::string tidied;
  if (note_response_head(data, size) && response_closes_) {
    // cpp-httplib adds "Keep-Alive: timeout=..." to a response whose handler said "Connection: close",
    // and a second "Connection: close" when the request asked to close too: the head that goes out
    // says close, once.
    const size_t end = out.find("\r\n\r\n");
    if (end != std::string_view::npos) {
      tidied = tidy_closing_head(out.substr(0, end + 2));
      tidied.append(out.substr(end + 2));
      out = tidied;
    }
  }
  if (first_write_ == Clock::time_point{}) first_write_ = Clock::now();
  size_t total = 0;
  while (total < out.size()) {
    size_t n = 0;
    const Io io = connection_.send(out.data() + total, out.size() - total, n);
    if (io == Io::Done) {
      total += n;
      written_ += n;
      continue;
    }
    const bool failed = io == Io::Eof || io == Io::Error ||
                        !wait_for(connection_.fd, io == Io::WantRead ? POLLIN : POLLOUT, write_deadline());
    if (failed) return total > 0 && tidied.empty() ? static_cast<ssize_t>(total) : -1;
  }
  return static_cast<ssize_t>(size);  // all of the caller's bytes, whatever the tidied head's length
}

// cpp-httplib writes each response head with one write: an interim "100 Continue" (after which the
// client sends the body), then the final head, whose Connection header says whether it closes.
bool ConnectionStream::note_response_head(const char* data, size_t size) {
  if (final_response_started_) return false;
  const std::string_view text(data, size);
  if (text.rfind("HTTP/1.1 1", 0) == 0) {
    sent_continue_ = true;
    return false;
  }
  final_response_started_ = true;
  const size_t end = text.find("\r\n\r\n");
  const std::string_view head = end == std::string_view::npos ? text : text.substr(0, end + 2);
  response_closes_ = head.find("\r\nConnection: close\r\n") != std::string_view::npos;
  return true;
}

bool ConnectionStream::reusable() const {
  if (!final_response_started_ || response_closes_ || head_read_ < framing_.head_bytes) return false;
  if (framing_.expect_continue && !sent_continue_) return true;  // refused before the body: none was sent
  if (framing_.chunked) return body_read_ > 0 && !body_ended_;  // handlers that stop early say "close"
  return body_read_ == framing_.content_length;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(connection_.fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) address_of(address, length, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(connection_.fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) address_of(address, length, ip, port);
}

}  // namespace worker
