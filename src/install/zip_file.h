// A zip archive on disk (a wheel), read for installation: the central
// directory is the only source of truth for names, sizes, modes and offsets
// (local headers are checked against it, never trusted over it), and members
// are streamed — read, inflated and handed to a sink chunk by chunk — so a
// member of any size costs a fixed amount of memory.
//
// This reader differs from index/zip_reader.h (which reads one small member
// through HTTP range requests): it keeps every field the safety checks need
// (general-purpose flags, the "version made by" host and the external
// attributes that carry Unix file modes) and never holds a member in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::install {

struct ZipMember {
  std::string name;      // exactly as stored in the central directory
  uint16_t made_by = 0;  // "version made by": host system in the high byte
  uint16_t flags = 0;    // general-purpose bit flags
  uint16_t method = 0;   // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint32_t external_attributes = 0;

  bool is_directory() const { return !name.empty() && name.back() == '/'; }
  // The Unix st_mode (type and permission bits) when the member was written
  // on a Unix host, else 0.
  uint32_t unix_mode() const { return (made_by >> 8) == 3 ? external_attributes >> 16 : 0; }
  bool is_encrypted() const { return (flags & 1) != 0; }
};

// Receives a member's bytes in order; a failed Status stops the stream.
using ChunkSink = std::function<Status(std::string_view chunk)>;

// An open archive. Thread-compatible: one Stream() at a time per instance.
class ZipFile {
 public:
  ~ZipFile();
  ZipFile(const ZipFile&) = delete;
  ZipFile& operator=(const ZipFile&) = delete;

  // Opens `path` and parses its central directory. Errors (kIo) describe a
  // truncated or malformed archive; they do not name the file (callers do).
  static Result<std::unique_ptr<ZipFile>> Open(const std::string& path);
  // The same over an open descriptor, which the ZipFile then owns.
  static Result<std::unique_ptr<ZipFile>> FromFd(int fd);

  const std::vector<ZipMember>& members() const { return members_; }
  uint64_t size() const { return size_; }
  // Where the central directory starts: member data must end before it.
  uint64_t central_directory_offset() const { return cd_offset_; }

  // Streams `member`'s uncompressed bytes to `sink`. Fails (kIo) when the
  // local header disagrees with the central directory, the data lies outside
  // the archive, the deflate stream is corrupt, or the output is not exactly
  // `uncompressed_size` bytes with the recorded CRC-32 (inflation stops as
  // soon as the output would exceed the recorded size).
  // `exact`, when given, is set true for a deflate member whose stream ends
  // exactly at its recorded compressed size (no bytes after the final
  // block): one whose stored bytes may be copied as a deflate stream.
  Status Stream(const ZipMember& member, const ChunkSink& sink, bool* exact = nullptr) const;
  // Streams `member`'s bytes as stored in the archive (the deflate stream of
  // a deflate member), after the same local-header checks as Stream. Checks
  // nothing about the bytes themselves: Stream them first.
  Status StreamStored(const ZipMember& member, const ChunkSink& sink) const;
  // Reads a whole member into memory; refuses members over `max_size`.
  Result<std::string> ReadAll(const ZipMember& member, uint64_t max_size) const;

 private:
  explicit ZipFile(int fd) : fd_(fd) {}
  Status ReadAt(uint64_t offset, size_t length, char* out) const;
  // Where `member`'s stored bytes start, after checking its local header.
  Result<uint64_t> DataStart(const ZipMember& member) const;
  Status Parse();

  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t cd_offset_ = 0;
  std::vector<ZipMember> members_;
};

}  // namespace sparkenv::install
