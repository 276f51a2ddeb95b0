// HDFS file checksums computed locally, to verify an upload against what the
// DataNodes stored without reading the bytes back (docs/store-hdfs.md).
//
// WebHDFS GETFILECHECKSUM answers Hadoop's default MD5MD5CRC checksum
// (dfs.checksum.combine.mode=MD5MD5CRC): every chunk of bytes_per_crc bytes
// (dfs.bytes-per-checksum, 512) has a CRC (dfs.checksum.type, CRC32C by
// default; the last chunk of a block may be shorter); each block's MD5 is the
// MD5 of its chunk CRCs (4 bytes big-endian each); the file's MD5 is the MD5
// of the block MD5s followed by zero bytes up to the capacity of the Java
// buffer that collected them (32 bytes, doubled as needed: a quirk of
// FileChecksumHelper's DataOutputBuffer.getData(), which we must repeat).
// An empty file has the MD5 of 32 zero bytes, with bytes_per_crc 0.
//
// Pure functions and a value type; thread-compatible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::store {

// CRC-32C (Castagnoli, iSCSI) and CRC-32 (gzip) of `n` bytes, continuing
// from `crc` (0 to start), as zlib's crc32() does for CRC-32.
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);
uint32_t Crc32(uint32_t crc, const void* data, size_t n);

enum class HdfsCrcType { kCrc32, kCrc32c };

// A checksum as WebHDFS returns it, decoded: the MD5MD5CRC kind only.
struct HdfsFileChecksum {
  HdfsCrcType crc_type = HdfsCrcType::kCrc32c;
  uint32_t bytes_per_crc = 0;
  uint64_t crc_per_block = 0;  // 0 for files of one block (Hadoop's choice)
  std::array<uint8_t, 16> md5{};

  // "MD5-of-0MD5-of-512CRC32C".
  std::string Algorithm() const;
  // The md5 as 32 hex digits.
  std::string Md5Hex() const;
  bool operator==(const HdfsFileChecksum&) const = default;
};

// Parses the body of a GETFILECHECKSUM answer:
// {"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"<hex>","length":28}}.
// Another algorithm (COMPOSITE-CRC32C, a striped file's) is an error of kind
// kNotFound, which callers take as "verify another way"; a malformed body is
// kIo.
Result<HdfsFileChecksum> ParseWebHdfsChecksum(std::string_view json);

// The chunk CRCs of a byte stream, fed in pieces of any size.
class ChunkCrcs {
 public:
  ChunkCrcs(HdfsCrcType type, uint32_t bytes_per_crc);
  void Update(const void* data, size_t n);
  uint64_t size() const { return size_; }
  HdfsCrcType type() const { return type_; }
  uint32_t bytes_per_crc() const { return bytes_per_crc_; }

  // The checksum HDFS reports for these bytes stored with `block_size`
  // (a multiple of bytes_per_crc, as HDFS requires).
  HdfsFileChecksum FileChecksum(uint64_t block_size) const;

 private:
  uint32_t Crc(uint32_t crc, const void* data, size_t n) const;

  HdfsCrcType type_;
  uint32_t bytes_per_crc_;
  uint64_t size_ = 0;
  std::vector<uint32_t> crcs_;  // complete chunks
  uint32_t partial_crc_ = 0;    // of the chunk being filled
  uint32_t partial_size_ = 0;
};

}  // namespace sparkenv::store
