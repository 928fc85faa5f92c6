// connections.h: every client connection of the HTTP server, from accept to close.
//
// cpp-httplib 0.11 gives each connection a pool thread for as long as it stays open and times out
// single reads only, so slow clients (slowloris: a header byte every few seconds) hold every thread
// and nobody else is served; it also grows a header line without bound while it waits for its end.
// Here cpp-httplib still accepts, parses and routes, but the connections are ours:
//
// - A gate thread (epoll) holds every connection between requests and gathers each request's head,
//   and a body of up to kSmallBody bytes, without a thread of its own. What does not arrive within
//   read_timeout_s of its first byte is answered 408 and closed; a connection idle for
//   keep_alive_timeout_s after a request is closed. Heads over 32 KiB or with a header line over
//   8 KiB (431), request lines over 8 KiB (414) and heads whose body framing is ambiguous or
//   unsupported (400, request_head.h) are answered by the gate without reaching a thread.
// - A complete request goes to one of http_threads threads, which serves it with cpp-httplib's
//   Server::process_request over a ConnectionStream (connection.h), so a larger body must keep up
//   min_body_rate_bytes_s after its first read_timeout_s. Requests with larger bodies (uploads) may
//   use all but a quarter of the threads, so that they never shut out the short requests.
// - Connections the server closes after an answer are half-closed and drained for a moment
//   (lingering close) so that the answer is not destroyed by a reset while the client still sends.
// - At most max_connections are open (the file descriptor limit less 256); beyond it a new
//   connection gets 503 and is closed (over TLS, closed without a word).
//
// Thread-safety: adopt() is called by the listening thread, stop() by it too (through the task
// queue's shutdown); everything else runs on the gate and worker threads owned here.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection.h"

namespace worker {

struct ConnectionSettings {
  ConnectionLimits limits;
  size_t threads = 32;          // requests served at once
  size_t max_connections = 0;   // 0: from RLIMIT_NOFILE
};

// Serves one request over `stream`: cpp-httplib's process_request. `last` asks it to close after.
using ServeRequest = std::function<bool(httplib::Stream& stream, bool last, bool& connection_closed)>;
// An answer the gate gave itself, or a connection it refused at the limit (status, client address,
// why): for the log and the statistics.
using GateAnswered = std::function<void(int status, const std::string& peer, const std::string& why)>;

class Connections {
 public:
  static constexpr size_t kSmallBody = 16 * 1024;   // bodies up to this size are gathered by the gate

  Connections(ConnectionSettings settings, ServeRequest serve, GateAnswered answered);
  ~Connections();
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // Starts the gate and the worker threads (once).
  void start();
  // Takes an accepted socket (`tls`: the context of an HTTPS server, else nullptr).
  void adopt(int socket, SSL_CTX* tls);
  // Closes every waiting connection, lets the requests being served finish, joins the threads.
  void stop();

 private:
  struct Entry;
  enum class Stage { Handshake, Waiting, Ready, Busy, Lingering };

  void gate_loop();
  void worker_loop();
  void on_ready(Entry* entry);
  void gather(Entry* entry, bool eof);
  void dispatch(Entry* entry, const RequestFraming& framing);
  void serve(Entry* entry);
  void refuse(Entry* entry, int status, const std::string& why);
  void close_after(Entry* entry, const std::string& last_words);
  void close(Entry* entry);
  void expire(Clock::time_point now);
  void watch(Entry* entry, uint32_t events, bool add);

  const ConnectionSettings settings_;
  const ServeRequest serve_;
  const GateAnswered answered_;
  size_t max_connections_;
  size_t large_limit_;  // requests with large bodies served at once

  int epoll_ = -1;
  int wake_ = -1;  // eventfd: stop() wakes the gate
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::thread gate_;
  std::vector<std::thread> workers_;

  std::mutex mutex_;  // guards open_, the queues, large_active_ and every entry's stage
  std::condition_variable work_;
  std::unordered_map<int, std::unique_ptr<Entry>> open_;  // by socket
  std::deque<Entry*> ready_small_;
  std::deque<Entry*> ready_large_;
  size_t large_active_ = 0;
};

// cpp-httplib's Server or SSLServer with its connections handed to Connections: its listening loop
// accepts, and each accepted socket goes to adopt() instead of a thread of its own.
template <class Base>
class GatedServer final : public Base {
 public:
  template <class... Args>
  GatedServer(const ConnectionSettings& settings, GateAnswered answered, Args&&... args)
      : Base(std::forward<Args>(args)...),
        connections_(
            settings,
            [this](httplib::Stream& stream, bool last, bool& closed) {
              return this->process_request(stream, last, closed, nullptr);
            },
            std::move(answered)) {
    this->new_task_queue = [this] { return new Handoff(connections_); };
  }

  // Debian's compiled cpp-httplib listens with a backlog of 5, which drops connections in a burst
  // of clients connecting at once: listen again with the system's maximum once bound.
  void widen_backlog() { ::listen(this->svr_sock_, SOMAXCONN); }

 private:
  // The listening loop's "task queue": it runs each accepted socket's task at once on the listening
  // thread (adopt() only registers the socket), and its shutdown at the end of listening stops the
  // connections.
  class Handoff final : public httplib::TaskQueue {
   public:
    explicit Handoff(Connections& connections) : connections_(connections) { connections_.start(); }
    void enqueue(std::function<void()> task) override { task(); }
    void shutdown() override { connections_.stop(); }

   private:
    Connections& connections_;
  };

  // Called (virtually) by the listening loop for each accepted socket.
  bool process_and_close_socket(socket_t socket) override {
    SSL_CTX* tls = nullptr;
    if constexpr (std::is_base_of_v<httplib::SSLServer, Base>) tls = this->ssl_context();
    connections_.adopt(socket, tls);
    return true;
  }

  Connections connections_;
};

}  // namespace worker
