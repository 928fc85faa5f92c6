// hash/digest_task.h: the digests of one large object computed on a helper thread.
//
// The four digests cost about 0.45 s per 100 MB on one core (MD5 and SHA-512 have no hardware help),
// which is half of what a large YARA rule set costs on the same bytes. Computing them on a second
// thread while the scanning thread identifies, analyses and YARA-scans the object hides that time
// from the scan's latency; the CPU spent is the same. A thread's start costs tens of microseconds, so
// this is for objects of megabytes (EngineConfig::parallel_hash_bytes), never for small ones.
//
// Ownership: the task borrows `bytes`; they must outlive it (the destructor joins the thread).
// Thread-safety: one owner thread calls get(); the helper thread only reads the borrowed bytes.
#pragma once

#include <thread>

#include "hash/hasher.h"

namespace assay {

class DigestTask {
 public:
  // Starts hashing `bytes` (without entropy) on a new thread. When no thread can be made (a process
  // at its thread limit, a sandbox that forbids clone), nothing starts and get() hashes inline.
  explicit DigestTask(ByteSpan bytes);
  ~DigestTask();
  DigestTask(const DigestTask&) = delete;
  DigestTask& operator=(const DigestTask&) = delete;

  // Waits for the helper and returns its digests (entropy 0); `inline_hasher` is used when the
  // helper could not run.
  Digests get(Hasher& inline_hasher);

 private:
  ByteSpan bytes_;
  Digests result_;
  bool done_ = false;  // written by the helper before it ends; read after join()
  std::thread thread_;
};

}  // namespace assay
