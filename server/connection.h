// connection.h: one client connection and the httplib::Stream that one request is served over.
//
// cpp-httplib 0.11 serves a connection on one pool thread for its whole life and times out only
// single reads, so a client that sends a byte now and then holds a thread for ever: a few dozen
// such clients (slowloris) take every thread and the Worker stops answering. connections.h takes
// the connections out of cpp-httplib's hands: a gate thread gathers each request's head without a
// thread of its own, and only then is the request served, over the ConnectionStream below, by
// cpp-httplib's own request parser and routing (Server::process_request).
//
// The stream enforces what cpp-httplib does not: the request's body is framed exactly as its head
// declares (no reading past Content-Length, and no body at all without Content-Length or chunked
// encoding, as RFC 9112 says, where cpp-httplib would read until the client closes), reads and
// writes have deadlines as a whole (a minimum average rate after the first timeout), and after the
// answer it tells whether the connection can carry another request.
//
// Ownership and threads: a Connection belongs to one thread at a time (the gate, or the worker
// serving it); it closes its socket and frees its TLS session when destroyed. A ConnectionStream
// borrows its Connection for one request on the worker's thread.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace worker {

using Clock = std::chrono::steady_clock;

// What the configuration says about time on a connection.
struct ConnectionLimits {
  std::chrono::milliseconds read_timeout{30000};        // one read; and the head (plus a small body) as a whole
  std::chrono::milliseconds write_timeout{30000};       // one write
  std::chrono::milliseconds keep_alive_timeout{5000};   // idle between requests
  size_t keep_alive_max_requests = 1000;
  // Bodies (the request's, then the answer's) must average at least this many bytes per second
  // once their first read_timeout (write_timeout) has passed; 0: no minimum, single reads only.
  uint64_t min_body_rate = 0;
};

// How a request's body is delimited, from its head (connections.cpp reads the head).
struct RequestFraming {
  size_t head_bytes = 0;        // the request line and headers, blank line included
  bool chunked = false;         // Transfer-Encoding: chunked
  uint64_t content_length = 0;  // without chunked: the body's length (0 when there is none)
  bool expect_continue = false; // Expect: 100-continue: the client sends the body only after a 100
};

// The outcome of one non-blocking transfer.
enum class Io { Done, WantRead, WantWrite, Eof, Error };

struct Connection {
  Connection(int socket, SSL* tls, std::string peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Non-blocking transfers on the socket (through TLS when there is a session); `n` is set on Done.
  Io receive(char* data, size_t size, size_t& n);
  Io send(const char* data, size_t size, size_t& n);
  // Advances the TLS handshake; Done once it is complete (at once without TLS).
  Io handshake();
  // Sends what it can of `data` without waiting (a refusal from the gate), then half-closes.
  void send_and_shut(const std::string& data);
  // Moves into the buffer what TLS has already decrypted but not handed over: epoll cannot see it
  // (the socket is empty), so a pipelined request would wait there for ever.
  void take_decrypted();

  // Received bytes not yet consumed by a request.
  size_t pending() const { return buffer.size() - consumed; }
  const char* pending_data() const { return buffer.data() + consumed; }
  // Forgets the consumed bytes.
  void compact();

  const int fd;
  SSL* const ssl;           // nullptr: plain HTTP
  const std::string peer;   // the client's address, for logs
  bool handshake_done;
  bool tls_broken = false;  // a fatal TLS error: no close_notify may follow
  bool tls_shut = false;    // our close_notify went out
  std::string buffer;
  size_t consumed = 0;
  size_t requests = 0;      // requests answered on this connection
};

// Waits until `fd` is ready for `events` (POLLIN, POLLOUT) or `deadline` passes; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline);

// A final response head (status line and header lines, each ending in CRLF, without the blank line)
// that says "Connection: close", with its "Keep-Alive" lines and any repeated "Connection: close" left
// out.
std::string tidy_closing_head(std::string_view head);

// Whether the body of the request being served on this thread stopped arriving in time (read_timeout_s,
// or slower than min_body_rate_bytes_s): what read the body answers 408 then, not 400.
bool request_body_timed_out();

class ConnectionStream final : public httplib::Stream {
 public:
  // One request on `connection`, whose pending bytes start with the request's whole head.
  ConnectionStream(Connection& connection, const ConnectionLimits& limits, const RequestFraming& framing);
  ~ConnectionStream() override;
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* data, size_t size) override;
  ssize_t write(const char* data, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return connection_.fd; }

  // After the request was answered: whether the next bytes on the connection begin a new request,
  // i.e. cpp-httplib read the whole head and the whole body (or the client, having asked for a
  // 100 Continue it did not get, never sent one) and the answer did not say "Connection: close".
  bool reusable() const;
  bool body_timed_out() const { return timed_out_ && head_read_ >= framing_.head_bytes; }

 private:
  ssize_t receive_waiting(char* data, size_t size, Clock::time_point deadline);
  Clock::time_point read_deadline() const;
  Clock::time_point write_deadline() const;
  // Notes what a write of a response head says; true when it began the final (non-1xx) head.
  bool note_response_head(const char* data, size_t size);

  Connection& connection_;
  const ConnectionLimits& limits_;
  const RequestFraming framing_;
  const Clock::time_point started_;
  uint64_t head_read_ = 0;     // bytes of the head consumed
  uint64_t body_read_ = 0;     // bytes of the body consumed
  bool body_ended_ = false;    // a chunked body ended with EOF (a read returned 0)
  bool timed_out_ = false;     // a read gave up at its deadline
  uint64_t written_ = 0;
  Clock::time_point first_write_{};
  bool sent_continue_ = false;         // an interim "100 Continue" went out
  bool final_response_started_ = false;
  bool response_closes_ = false;       // the answer said "Connection: close"
};

}  // namespace worker
