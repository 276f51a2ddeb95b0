#include "index/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"
#include "spec/name.h"

namespace sparkenv::index {

namespace {

constexpr uint32_t kEocdSignature = 0x06054b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kZip64EocdSignature = 0x06064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;

uint16_t U16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               (static_cast<uint8_t>(b[at + 1]) << 8));
}
uint32_t U32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(U16(b, at)) | (static_cast<uint32_t>(U16(b, at + 2)) << 16);
}
uint64_t U64(std::string_view b, size_t at) {
  return static_cast<uint64_t>(U32(b, at)) | (static_cast<uint64_t>(U32(b, at + 4)) << 32);
}

Error Bad(const std::string& why) { return Error("invalid zip archive: " + why, ErrorKind::kIo); }

// Applies a Zip64 extended information extra field (id 1) to the values
// that are 0xFFFFFFFF in the central header, in the order the format fixes.
void ApplyZip64(std::string_view extra, ZipEntry& e, bool size_max, bool csize_max,
                bool offset_max) {
  size_t pos = 0;
  while (pos + 4 <= extra.size()) {
    uint16_t id = U16(extra, pos);
    uint16_t len = U16(extra, pos + 2);
    size_t data = pos + 4;
    if (data + len > extra.size()) return;
    if (id == 1) {
      size_t at = data;
      size_t end = data + len;
      if (size_max && at + 8 <= end) {
        e.uncompressed_size = U64(extra, at);
        at += 8;
      }
      if (csize_max && at + 8 <= end) {
        e.compressed_size = U64(extra, at);
        at += 8;
      }
      if (offset_max && at + 8 <= end) e.local_header_offset = U64(extra, at);
      return;
    }
    pos = data + len;
  }
}

}  // namespace

Result<std::vector<ZipEntry>> ReadCentralDirectory(uint64_t size, std::string_view tail,
                                                   const ReadAt& read) {
  if (tail.size() > size) return Bad("more tail bytes than the archive has");
  if (tail.size() < kEocdSize) return Bad("too short for an end of central directory record");
  uint64_t tail_start = size - tail.size();
  // The EOCD record is the last one with its signature (a comment follows it).
  size_t eocd = std::string_view::npos;
  for (size_t i = tail.size() - kEocdSize + 1; i-- > 0;) {
    if (U32(tail, i) == kEocdSignature) {
      eocd = i;
      break;
    }
    if (tail.size() - i > kEocdSize + 65535) break;
  }
  if (eocd == std::string_view::npos) return Bad("no end of central directory record");
  uint64_t entries = U16(tail, eocd + 10);
  uint64_t cd_size = U32(tail, eocd + 12);
  uint64_t cd_offset = U32(tail, eocd + 16);
  if (cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF || entries == 0xFFFF) {
    if (eocd < 20 || U32(tail, eocd - 20) != kZip64LocatorSignature) {
      return Bad("Zip64 values without a Zip64 locator");
    }
    uint64_t z64_offset = U64(tail, eocd - 20 + 8);
    if (z64_offset < tail_start || z64_offset - tail_start + 56 > tail.size()) {
      return Bad("the Zip64 end of central directory record is out of reach");
    }
    size_t at = z64_offset - tail_start;
    if (U32(tail, at) != kZip64EocdSignature) return Bad("bad Zip64 end record signature");
    entries = U64(tail, at + 32);
    cd_size = U64(tail, at + 40);
    cd_offset = U64(tail, at + 48);
  }
  if (cd_size > kMaxCentralDirectory) return Bad("central directory larger than the limit");
  if (cd_offset > size || cd_size > size - cd_offset) {
    return Bad("central directory outside the archive");
  }
  std::string before;
  std::string_view cd;
  if (cd_offset >= tail_start) {
    uint64_t at = cd_offset - tail_start;
    if (at + cd_size > tail.size()) return Bad("central directory outside the archive");
    cd = tail.substr(at, cd_size);
  } else {
    auto more = read(cd_offset, cd_size);
    if (!more.ok()) return more.error();
    before = std::move(more).value();
    if (before.size() != cd_size) return Bad("short read of the central directory");
    cd = before;
  }
  std::vector<ZipEntry> out;
  size_t pos = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    if (pos + kCentralHeaderSize > cd.size() || U32(cd, pos) != kCentralSignature) {
      return Bad("central directory entry " + std::to_string(i) + " is malformed");
    }
    ZipEntry e;
    e.method = U16(cd, pos + 10);
    e.crc32 = U32(cd, pos + 16);
    e.compressed_size = U32(cd, pos + 20);
    e.uncompressed_size = U32(cd, pos + 24);
    size_t name_len = U16(cd, pos + 28);
    size_t extra_len = U16(cd, pos + 30);
    size_t comment_len = U16(cd, pos + 32);
    e.local_header_offset = U32(cd, pos + 42);
    size_t next = pos + kCentralHeaderSize + name_len + extra_len + comment_len;
    if (next > cd.size()) return Bad("central directory entry " + std::to_string(i) + " overruns");
    e.name = std::string(cd.substr(pos + kCentralHeaderSize, name_len));
    ApplyZip64(cd.substr(pos + kCentralHeaderSize + name_len, extra_len), e,
               e.uncompressed_size == 0xFFFFFFFF, e.compressed_size == 0xFFFFFFFF,
               e.local_header_offset == 0xFFFFFFFF);
    out.push_back(std::move(e));
    pos = next;
  }
  return out;
}

Result<std::string> ReadZipMember(uint64_t size, const ZipEntry& entry, const ReadAt& read) {
  const std::string what = "member " + Quote(entry.name);
  if (entry.uncompressed_size > kMaxMemberSize || entry.compressed_size > kMaxMemberSize) {
    return Bad(what + " is larger than the limit");
  }
  if (entry.local_header_offset > size || size - entry.local_header_offset < kLocalHeaderSize) {
    return Bad(what + ": local header outside the archive");
  }
  // Read the header and, guessing that the local extra field is as long as
  // the central one (usually), the data in the same request.
  uint64_t guess = kLocalHeaderSize + entry.name.size() + 1024 + entry.compressed_size;
  guess = std::min(guess, size - entry.local_header_offset);
  auto head = read(entry.local_header_offset, guess);
  if (!head.ok()) return head.error();
  std::string bytes = std::move(head).value();
  if (bytes.size() < kLocalHeaderSize || U32(bytes, 0) != kLocalSignature) {
    return Bad(what + ": bad local header");
  }
  uint64_t data_start = kLocalHeaderSize + U16(bytes, 26) + U16(bytes, 28);
  uint64_t data_end = data_start + entry.compressed_size;
  if (entry.local_header_offset + data_end > size) return Bad(what + ": data outside the archive");
  if (data_end > bytes.size()) {
    auto rest = read(entry.local_header_offset + bytes.size(), data_end - bytes.size());
    if (!rest.ok()) return rest.error();
    bytes += rest.value();
    if (bytes.size() < data_end) return Bad(what + ": short read");
  }
  std::string_view data = std::string_view(bytes).substr(data_start, entry.compressed_size);
  std::string out;
  if (entry.method == 0) {
    out = std::string(data);
  } else if (entry.method == 8) {
    out.resize(entry.uncompressed_size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Bad(what + ": zlib init failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    uint64_t produced = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != entry.uncompressed_size) {
      return Bad(what + ": deflate data does not decompress to its recorded size");
    }
  } else {
    return Bad(what + ": compression method " + std::to_string(entry.method) +
               " is not supported (only stored and deflate)");
  }
  if (out.size() != entry.uncompressed_size) return Bad(what + ": size mismatch");
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  if (crc != entry.crc32) return Bad(what + ": CRC-32 mismatch");
  return out;
}

std::optional<ZipEntry> FindWheelMetadata(const std::vector<ZipEntry>& entries,
                                          std::string_view project) {
  std::optional<ZipEntry> found;
  std::string want = spec::NormalizeName(project);
  for (const auto& e : entries) {
    size_t slash = e.name.find('/');
    if (slash == std::string::npos || e.name.substr(slash) != "/METADATA") continue;
    std::string_view dir = std::string_view(e.name).substr(0, slash);
    if (!EndsWith(dir, ".dist-info")) continue;
    std::string_view stem = dir.substr(0, dir.size() - 10);
    std::string_view dist = stem.substr(0, stem.rfind('-'));
    if (spec::NormalizeName(dist) == want) return e;
    if (!found) found = e;
  }
  return found;
}

}  // namespace sparkenv::index
