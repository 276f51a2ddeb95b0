// libFuzzer target: ReadLock on arbitrary bytes. A lock that reads must
// write, and what it writes must read back and write the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lock/pylock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sparkenv::lock::Lock;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sparkenv::Result<Lock> lock = sparkenv::lock::ReadLock(text, "fuzz.toml");
  if (!lock.ok()) {
    if (lock.error().message().empty()) std::abort();
    return 0;
  }
  sparkenv::Result<std::string> written = sparkenv::lock::WriteLock(*lock);
  if (!written.ok()) std::abort();
  sparkenv::Result<Lock> again = sparkenv::lock::ReadLock(*written);
  if (!again.ok()) std::abort();
  sparkenv::Result<std::string> rewritten = sparkenv::lock::WriteLock(*again);
  if (!rewritten.ok() || *rewritten != *written) std::abort();
  return 0;
}
