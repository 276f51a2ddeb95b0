// Reads one member of a zip archive (a wheel) through a random-access byte
// source, touching as few bytes as possible: the end of the archive (end of
// central directory record, Zip64 locator), the central directory, then the
// member's local header and data. The same code serves HTTP range requests
// (metadata_source.h), local files and bytes in memory.
//
// Supported: stored (0) and deflate (8) members, Zip64 sizes and offsets.
// Limits (kMaxMemberSize, kMaxCentralDirectory) keep hostile archives from
// exhausting memory; every offset is bounds-checked.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::index {

inline constexpr uint64_t kMaxMemberSize = 64ull << 20;
inline constexpr uint64_t kMaxCentralDirectory = 64ull << 20;
// How much of the end of the archive the first read takes: the EOCD record
// (22 bytes plus a comment of up to 65535) and, for most wheels, the whole
// central directory.
inline constexpr uint64_t kZipTailBytes = 64ull * 1024;

// Reads `length` bytes at `offset` (the caller guarantees the range lies in
// the archive). Errors pass through unchanged.
using ReadAt = std::function<Result<std::string>(uint64_t offset, uint64_t length)>;

struct ZipEntry {
  std::string name;
  uint16_t method = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint32_t crc32 = 0;
};

// Parses the central directory of an archive of `size` bytes. `tail` holds
// the archive's last tail.size() bytes (already read); more is read through
// `read` only when the central directory starts before the tail.
Result<std::vector<ZipEntry>> ReadCentralDirectory(uint64_t size, std::string_view tail,
                                                   const ReadAt& read);

// Reads and decompresses one member (CRC-32 checked).
Result<std::string> ReadZipMember(uint64_t size, const ZipEntry& entry, const ReadAt& read);

// The wheel's "<name>-<version>.dist-info/METADATA" entry: a top-level
// *.dist-info folder; when there are several, the one whose folder name
// starts with the normalized project name (as uv does).
std::optional<ZipEntry> FindWheelMetadata(const std::vector<ZipEntry>& entries,
                                          std::string_view project);

}  // namespace sparkenv::index
