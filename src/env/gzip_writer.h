// A gzip stream compressed on several cores, the way pigz does it, so that
// packing one big layer is not bound to one core.
//
// The input is cut into fixed blocks (kBlockSize). Each block is deflated
// (Intel ISA-L's igzip, libisal: several times faster than zlib at the same
// ratio) by a worker thread with the previous block's last 32 KiB as its
// dictionary
// (so the ratio is that of one stream) and ends on a byte boundary
// (Z_SYNC_FLUSH; the last one Z_FINISH), so the blocks concatenate into ONE
// deflate stream inside ONE gzip member (RFC 1952; the CRC-32 is combined
// from the blocks'). Any gzip reader reads it. The output depends only on the
// input, the level and zlib -- never on the threads or their timing -- so the
// same tar gives the same bytes, as a content-addressed layer needs.
//
// Workers come from one process-wide pool (as many threads as cores, at most
// 8); a writer keeps at most a few blocks in flight, so memory stays bounded
// (about 2 blocks in and out per pool thread). A writer is used by one thread
// at a time; several writers may run at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::env {

// The header of every gzip member sparkenv writes: no name, no time, OS
// "Unix", so the same input gives the same bytes.
inline constexpr char kGzipHeader[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};

// The trailer that ends a gzip member (RFC 1952): the CRC-32 of its content
// and the content's size modulo 2^32, little-endian.
std::string GzipTrailer(uint32_t crc32, uint64_t size);

class ParallelGzipWriter {
 public:
  static constexpr size_t kBlockSize = 1 << 20;

  // Compressed bytes go to `sink`, in order, from the thread that calls
  // Write or Finish.
  using Sink = std::function<Status(std::string_view)>;
  // `level`: ISA-L's 1 or 2 (2 compresses a little better than zlib's 1).
  explicit ParallelGzipWriter(Sink sink, int level = 2);
  ~ParallelGzipWriter();
  ParallelGzipWriter(const ParallelGzipWriter&) = delete;
  ParallelGzipWriter& operator=(const ParallelGzipWriter&) = delete;

  Status Write(std::string_view data);
  // Compresses what is left and writes the gzip trailer. Call once.
  Status Finish();

  struct State;  // private to gzip_writer.cc

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sparkenv::env
