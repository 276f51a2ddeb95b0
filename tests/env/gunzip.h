// Test helper: a gzip file's content read with zlib (not the code under
// test), member after member, as every gzip reader joins them. Header-only;
// used by src/env/*_test.cc.
#pragma once

#include <zlib.h>

#include <optional>
#include <string>

namespace sparkenv::env::testing {

// The content of every member of `gz` in order, or nothing when a member is
// corrupt or cut short (a wrong CRC-32 or size in a trailer included).
// `members`, when given, counts the complete members.
inline std::optional<std::string> Gunzip(const std::string& gz, int* members = nullptr) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  int count = 0;
  bool ok = true;
  while (true) {
    char buf[1 << 16];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_STREAM_END) {
      ++count;
      if (z.avail_in == 0) break;
      inflateReset(&z);
    } else if (rc != Z_OK) {
      ok = false;  // corrupt, or Z_BUF_ERROR: the input ended inside a member
      break;
    }
  }
  inflateEnd(&z);
  if (members != nullptr) *members = count;
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace sparkenv::env::testing
