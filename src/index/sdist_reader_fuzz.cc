// libFuzzer target: PkgInfoFromTarGz streams untrusted archives; arbitrary
// bytes (and arbitrary tar headers inside valid gzip) must never crash it.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "index/sdist_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  (void)sparkenv::index::PkgInfoFromTarGz(raw);
  // The same bytes as the tar stream inside a valid gzip member.
  uLongf bound = compressBound(static_cast<uLong>(size)) + 32;
  std::string gz(bound, '\0');
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  int rc = deflate(&z, Z_FINISH);
  gz.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return 0;
  auto found = sparkenv::index::PkgInfoFromTarGz(gz);
  if (found.ok() && found->has_value()) (void)sparkenv::index::CheckPkgInfoIsReliable(**found);
  return 0;
}
