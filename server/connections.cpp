// connections.cpp: see connections.h. The gate (one epoll thread) and the request threads.
#include "connections.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "json_out.h"
#include "request_head.h"

namespace worker {
namespace {

constexpr auto kLinger = std::chrono::seconds(2);         // draining a closed connection's input ...
constexpr size_t kLingerBytes = 4u << 20;                 // ... for at most this long and this much
constexpr auto kSweepEvery = std::chrono::milliseconds(100);
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kRefusedLingering = 64;  // connections refused at the limit that may linger meanwhile
constexpr size_t kGathered = kMaxHeadBytes + Connections::kSmallBody;  // most the gate buffers

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// A complete answer from the gate itself: JSON {"message"} like every other error, and the
// connection closes after it.
std::string gate_answer(int status, const std::string& why) {
  const std::string body = json_message(why);
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

std::string peer_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  char host[NI_MAXHOST];
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) {
    return "?";
  }
  return host;
}

// Connections that may be open: what the file descriptor limit leaves after a reserve for the
// database, the spool, downloads and callbacks.
size_t connections_allowed() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 512;
  const uint64_t fds = limit.rlim_cur == RLIM_INFINITY ? 1u << 20 : limit.rlim_cur;
  return static_cast<size_t>(std::min<uint64_t>(fds > 512 ? fds - 256 : fds / 2, 16384));
}

// A keep-alive client usually sends its next request as soon as it has read the answer (a client
// polling its task does so every millisecond or two). Handing the connection back to the gate and
// from there to a thread again costs two wake-ups per request, about a tenth of the Worker's
// throughput with small requests on two cores; so the thread that served a request waits this long
// for the next one itself. A slow client gains nothing: after this the gate holds the connection.
constexpr auto kNextRequestWait = std::chrono::milliseconds(2);

// Reads what arrives within kNextRequestWait into the connection's buffer (a request thread, after
// an answer, with nothing pending).
void read_next_soon(Connection& c) {
  if (!wait_for(c.fd, POLLIN, Clock::now() + kNextRequestWait)) return;
  for (;;) {
    const size_t old = c.buffer.size();
    if (c.pending() >= kGathered) return;
    c.buffer.resize(old + kReadChunk);
    size_t n = 0;
    const Io io = c.receive(c.buffer.data() + old, kReadChunk, n);
    c.buffer.resize(old + (io == Io::Done ? n : 0));
    if (io != Io::Done) return;  // WantRead: all there is for now; EOF or an error: the gate sees it
  }
}

}  // namespace

struct Connections::Entry {
  std::unique_ptr<Connection> connection;
  Stage stage = Stage::Waiting;
  Clock::time_point deadline;
  bool idle = false;     // between requests, no byte of the next one yet: its deadline is keep-alive's
  bool watched = false;  // registered with epoll
  bool large = false;    // its request's body is not gathered by the gate
  RequestFraming framing;
  size_t drained = 0;    // bytes discarded while lingering
};

Connections::Connections(ConnectionSettings settings, ServeRequest serve, GateAnswered answered)
    : settings_(std::move(settings)), serve_(std::move(serve)), answered_(std::move(answered)) {
  max_connections_ = settings_.max_connections > 0 ? settings_.max_connections : connections_allowed();
  const size_t threads = std::max<size_t>(1, settings_.threads);
  large_limit_ = threads > 1 ? threads - std::max<size_t>(1, threads / 4) : 1;
}

Connections::~Connections() { stop(); }

void Connections::start() {
  if (started_.exchange(true)) return;
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.ptr = nullptr;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &wake);
  gate_ = std::thread([this] { gate_loop(); });
  for (size_t i = 0; i < std::max<size_t>(1, settings_.threads); ++i) workers_.emplace_back([this] { worker_loop(); });
}

void Connections::stop() {
  if (!started_.load() || stopping_.exchange(true)) return;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(wake_, &one, sizeof one);
  {
    std::lock_guard<std::mutex> lock(mutex_);  // no worker may miss the flag between its check and its wait
  }
  work_.notify_all();
  for (std::thread& t : workers_) t.join();  // each finishes the request it serves
  gate_.join();
  std::unordered_map<int, std::unique_ptr<Entry>> rest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rest.swap(open_);
    ready_small_.clear();
    ready_large_.clear();
  }
  rest.clear();  // closes them
  ::close(epoll_);
  ::close(wake_);
}

void Connections::adopt(int socket, SSL_CTX* tls) {
  if (stopping_.load()) {
    ::close(socket);
    return;
  }
  ::fcntl(socket, F_SETFL, ::fcntl(socket, F_GETFL, 0) | O_NONBLOCK);
  const int yes = 1;
  ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // small JSON answers must not wait for Nagle
  std::string peer = peer_of(socket);
  size_t open = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open = open_.size();
  }
  const bool full = open >= max_connections_;
  const std::string why = "too many open connections (" + std::to_string(max_connections_) + "); try again later";
  // Beyond the limit a plain connection still gets its 503, lingering like every refusal (a reset
  // would destroy the answer), while a few of the descriptors kept in reserve allow it.
  if (full && (tls != nullptr || open >= max_connections_ + kRefusedLingering)) {
    ::close(socket);
    answered_(503, peer, why);
    return;
  }
  SSL* ssl = nullptr;
  if (tls != nullptr) {
    ssl = SSL_new(tls);
    if (ssl == nullptr || SSL_set_fd(ssl, socket) != 1) {
      SSL_free(ssl);
      ::close(socket);
      return;
    }
    SSL_set_accept_state(ssl);
  }
  auto entry = std::make_unique<Entry>();
  entry->connection = std::make_unique<Connection>(socket, ssl, std::move(peer));
  entry->stage = ssl != nullptr ? Stage::Handshake : Stage::Waiting;
  entry->deadline = Clock::now() + settings_.limits.read_timeout;  // the first request, from connecting
  Entry* e = entry.get();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_.emplace(socket, std::move(entry));
    if (!full) watch(e, EPOLLIN, true);
  }
  if (full) refuse(e, 503, why);
}

// With mutex_ held: registers (or re-registers) the entry's socket with epoll.
void Connections::watch(Entry* entry, uint32_t events, bool add) {
  epoll_event event{};
  event.events = events;
  event.data.ptr = entry;
  ::epoll_ctl(epoll_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, entry->connection->fd, &event);
  entry->watched = true;
}

void Connections::gate_loop() {
  epoll_event events[64];
  Clock::time_point next_sweep = Clock::now() + kSweepEvery;
  while (!stopping_.load()) {
    const int n = ::epoll_wait(epoll_, events, 64, static_cast<int>(kSweepEvery.count()));
    for (int i = 0; i < n && !stopping_.load(); ++i) {
      if (events[i].data.ptr == nullptr) continue;  // stop()'s wake-up
      on_ready(static_cast<Entry*>(events[i].data.ptr));
    }
    const Clock::time_point now = Clock::now();
    if (now >= next_sweep) {
      expire(now);
      next_sweep = now + kSweepEvery;
    }
  }
}

// The gate thread: an entry it holds (handshaking, waiting for a request, lingering) is ready.
void Connections::on_ready(Entry* e) {
  Stage stage;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stage = e->stage;
  }
  Connection& c = *e->connection;
  if (stage == Stage::Lingering) {
    char scratch[kReadChunk];
    for (;;) {
      size_t n = 0;
      const Io io = c.receive(scratch, sizeof scratch, n);
      if (io == Io::WantRead) return;
      if (io != Io::Done || (e->drained += n) > kLingerBytes) return close(e);
    }
  }
  if (stage == Stage::Handshake) {
    const Io io = c.handshake();
    if (io == Io::WantRead || io == Io::WantWrite) {
      std::lock_guard<std::mutex> lock(mutex_);
      return watch(e, io == Io::WantRead ? EPOLLIN : EPOLLOUT, false);
    }
    if (io != Io::Done) return close(e);
    std::lock_guard<std::mutex> lock(mutex_);
    e->stage = Stage::Waiting;
    watch(e, EPOLLIN, false);
  } else if (stage != Stage::Waiting) {
    return;  // not the gate's (cannot happen: an entry leaves epoll before it leaves the gate)
  }
  bool eof = false;
  while (c.pending() < kGathered) {
    const size_t old = c.buffer.size();
    const size_t want = std::min(kReadChunk, kGathered - c.pending());
    c.buffer.resize(old + want);
    size_t n = 0;
    const Io io = c.receive(c.buffer.data() + old, want, n);
    c.buffer.resize(old + (io == Io::Done ? n : 0));
    if (io == Io::Done) continue;
    if (io == Io::WantRead) break;
    if (io != Io::Eof) return close(e);  // an error, or TLS renegotiation, which HTTP/1.1 never needs
    eof = true;
    break;
  }
  gather(e, eof);
}

// The gate thread: decides whether the bytes gathered so far make a request to serve.
void Connections::gather(Entry* e, bool eof) {
  Connection& c = *e->connection;
  skip_empty_lines(c);
  if (c.pending() == 0) {
    if (eof) close(e);
    return;
  }
  if (e->idle) {  // the next request began: it has read_timeout from now
    e->idle = false;
    std::lock_guard<std::mutex> lock(mutex_);
    e->deadline = Clock::now() + settings_.limits.read_timeout;
  }
  const HeadScan scan = scan_head(std::string_view(c.pending_data(), c.pending()));
  if (scan.state == HeadScan::State::Refused) return refuse(e, scan.status, scan.why);
  if (scan.state == HeadScan::State::Incomplete) {
    if (eof) refuse(e, 400, "the connection ended inside a request head");
    return;
  }
  const RequestFraming& f = scan.framing;
  const bool gathered_body = !f.chunked && !f.expect_continue && f.content_length <= kSmallBody;
  if (gathered_body && c.pending() < f.head_bytes + f.content_length && !eof) return;  // the rest is coming
  dispatch(e, f);
}

void Connections::dispatch(Entry* e, const RequestFraming& framing) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, e->connection->fd, nullptr);
    e->watched = false;
    e->framing = framing;
    e->large = framing.chunked || framing.content_length > kSmallBody;
    e->stage = Stage::Ready;
    (e->large ? ready_large_ : ready_small_).push_back(e);
  }
  work_.notify_one();
}

void Connections::worker_loop() {
  for (;;) {
    Entry* e = nullptr;
    bool large = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [this] {
        return stopping_.load() || !ready_small_.empty() || (!ready_large_.empty() && large_active_ < large_limit_);
      });
      if (stopping_.load()) return;
      // Short requests first; large bodies only within their share of the threads.
      if (!ready_small_.empty()) {
        e = ready_small_.front();
        ready_small_.pop_front();
      } else {
        e = ready_large_.front();
        ready_large_.pop_front();
        large = true;
        ++large_active_;
      }
      e->stage = Stage::Busy;
    }
    serve(e);  // may close and free `e`
    if (large) {
      std::lock_guard<std::mutex> lock(mutex_);
      --large_active_;
    }
    work_.notify_one();
  }
}

// A request thread: serves the entry's request, and those pipelined behind it, then hands the
// connection back to the gate or closes it.
void Connections::serve(Entry* e) {
  Connection& c = *e->connection;
  RequestFraming framing = e->framing;
  for (;;) {
    const bool last = c.requests + 1 >= settings_.limits.keep_alive_max_requests || stopping_.load();
    bool closed = false;
    bool ok = false;
    bool reusable = false;
    try {
      ConnectionStream stream(c, settings_.limits, framing);
      ok = serve_(stream, last, closed);
      reusable = stream.reusable();
    } catch (...) {
      ok = false;  // cpp-httplib catches the handlers' exceptions; anything else ends the connection
    }
    ++c.requests;
    if (!ok || closed || last || !reusable || stopping_.load()) return close_after(e, "");
    c.compact();
    c.take_decrypted();
    skip_empty_lines(c);
    if (c.pending() == 0) read_next_soon(c);
    if (c.pending() > 0) {
      const HeadScan next = scan_head(std::string_view(c.pending_data(), c.pending()));
      if (next.state == HeadScan::State::Complete) {
        framing = next.framing;  // pipelined: its head is here already
        continue;
      }
      if (next.state == HeadScan::State::Refused) return refuse(e, next.status, next.why);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    e->idle = c.pending() == 0;
    e->deadline = Clock::now() + (e->idle ? settings_.limits.keep_alive_timeout : settings_.limits.read_timeout);
    e->stage = Stage::Waiting;
    watch(e, EPOLLIN, true);  // from here on the gate's: not touched again on this thread
    return;
  }
}

void Connections::refuse(Entry* e, int status, const std::string& why) {
  answered_(status, e->connection->peer, why);
  close_after(e, gate_answer(status, why));
}

// Sends `last_words`, half-closes, and drains what the client still sends for a moment before
// closing, so that a reset does not destroy the answer before the client has read it.
void Connections::close_after(Entry* e, const std::string& last_words) {
  e->connection->send_and_shut(last_words);
  if (stopping_.load()) return close(e);
  std::lock_guard<std::mutex> lock(mutex_);
  e->stage = Stage::Lingering;
  e->deadline = Clock::now() + kLinger;
  watch(e, EPOLLIN, !e->watched);
}

void Connections::close(Entry* e) {
  std::unique_ptr<Entry> gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (e->watched) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, e->connection->fd, nullptr);
    const auto it = open_.find(e->connection->fd);
    if (it == open_.end()) return;
    gone = std::move(it->second);
    open_.erase(it);
  }
}  // `gone` closes the socket here, outside the lock

// The gate thread: what has outlived its deadline. A request that began and did not arrive gets
// 408; an idle or handshaking connection, or one that lingered long enough, is just closed.
void Connections::expire(Clock::time_point now) {
  std::vector<Entry*> due;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [fd, e] : open_) {
      const bool gates = e->stage == Stage::Handshake || e->stage == Stage::Waiting || e->stage == Stage::Lingering;
      if (gates && e->deadline <= now) due.push_back(e.get());
    }
  }
  const std::string timeout = std::to_string(settings_.limits.read_timeout.count() / 1000);
  for (Entry* e : due) {
    if (e->stage == Stage::Waiting && e->connection->pending() > 0) {
      refuse(e, 408, "the request did not arrive within read_timeout_s (" + timeout + " s)");
    } else {
      close(e);
    }
  }
}

}  // namespace worker
