// libFuzzer target: the zip reader gets bytes from the network (range
// responses), so arbitrary archives must never crash it or make it read out
// of bounds, whatever their offsets and sizes claim.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "index/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string archive(reinterpret_cast<const char*>(data), size);
  auto read = [&archive](uint64_t offset, uint64_t length) -> sparkenv::Result<std::string> {
    if (offset > archive.size() || length > archive.size() - offset) std::abort();
    return archive.substr(offset, length);
  };
  // The whole archive as the tail, and a short tail that forces a read.
  for (size_t tail_len : {archive.size(), std::min<size_t>(archive.size(), 64)}) {
    std::string_view tail = std::string_view(archive).substr(archive.size() - tail_len);
    auto entries = sparkenv::index::ReadCentralDirectory(archive.size(), tail, read);
    if (!entries.ok()) continue;
    int n = 0;
    for (const auto& e : *entries) {
      if (++n > 8) break;
      auto member = sparkenv::index::ReadZipMember(archive.size(), e, read);
      if (member.ok() && member->size() != e.uncompressed_size) std::abort();
    }
    (void)sparkenv::index::FindWheelMetadata(*entries, "example");
  }
  return 0;
}
