#include "hash/digest_task.h"

#include <system_error>

namespace assay {

DigestTask::DigestTask(ByteSpan bytes) : bytes_(bytes) {
  try {
    thread_ = std::thread([this] {
      try {
        Hasher hasher;  // per thread: EVP contexts are not shared
        result_ = hasher.digest(bytes_, Hasher::Entropy::Skip);
        done_ = true;
      } catch (...) {
        // No OpenSSL digest or no memory on this thread: get() hashes on the caller's thread.
      }
    });
  } catch (const std::system_error&) {
    // No thread: get() hashes inline.
  }
}

DigestTask::~DigestTask() {
  if (thread_.joinable()) thread_.join();
}

Digests DigestTask::get(Hasher& inline_hasher) {
  if (thread_.joinable()) thread_.join();
  if (!done_) {
    result_ = inline_hasher.digest(bytes_, Hasher::Entropy::Skip);
    done_ = true;
  }
  return result_;
}

}  // namespace assay
