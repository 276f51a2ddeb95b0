#include "store/hdfs_checksum.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sparkenv::store {

namespace {

constexpr uint32_t kCastagnoli = 0x82F63B78;  // reflected polynomial

// Slicing-by-8 tables for the software CRC-32C.
struct Crc32cTables {
  uint32_t t[8][256];
  Crc32cTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoli : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

const Crc32cTables& Tables() {
  static const Crc32cTables tables;
  return tables;
}

uint32_t Crc32cSoftware(uint32_t crc, const unsigned char* p, size_t n) {
  const auto& t = Tables().t;
  crc = ~crc;
  while (n >= 8) {
    uint32_t lo = 0;
    uint32_t hi = 0;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= crc;  // little-endian hosts only (x86_64, aarch64)
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t crc, const unsigned char* p,
                                                       size_t n) {
  uint64_t c = ~crc & 0xFFFFFFFFu;
  while (n >= 8) {
    uint64_t word = 0;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool HaveSse42() {
  static const bool have = __builtin_cpu_supports("sse4.2");
  return have;
}
#endif

void Md5(const void* data, size_t n, uint8_t out[16]) {
  unsigned int size = 0;
  EVP_Digest(data, n, out, &size, EVP_md5(), nullptr);
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xF];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (HaveSse42()) return Crc32cSse42(crc, p, n);
#endif
  return Crc32cSoftware(crc, p, n);
}

uint32_t Crc32(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {
    auto piece = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = static_cast<uint32_t>(crc32(crc, p, piece));
    p += piece;
    n -= piece;
  }
  return crc;
}

std::string HdfsFileChecksum::Algorithm() const {
  return "MD5-of-" + std::to_string(crc_per_block) + "MD5-of-" + std::to_string(bytes_per_crc) +
         (crc_type == HdfsCrcType::kCrc32c ? "CRC32C" : "CRC32");
}

std::string HdfsFileChecksum::Md5Hex() const { return Hex(md5.data(), md5.size()); }

Result<HdfsFileChecksum> ParseWebHdfsChecksum(std::string_view json) {
  auto bad = [&](const std::string& why) {
    return Error("unexpected GETFILECHECKSUM answer (" + why + ")", ErrorKind::kIo);
  };
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("FileChecksum") || !doc["FileChecksum"].is_object()) {
    return bad("no FileChecksum object");
  }
  const auto& fc = doc["FileChecksum"];
  if (!fc.contains("algorithm") || !fc["algorithm"].is_string() || !fc.contains("bytes") ||
      !fc["bytes"].is_string()) {
    return bad("no algorithm or bytes");
  }
  std::string algorithm = fc["algorithm"].get<std::string>();
  std::string hex = fc["bytes"].get<std::string>();
  HdfsFileChecksum out;
  if (algorithm.ends_with("CRC32C")) {
    out.crc_type = HdfsCrcType::kCrc32c;
  } else if (algorithm.ends_with("CRC32")) {
    out.crc_type = HdfsCrcType::kCrc32;
  }
  if (!algorithm.starts_with("MD5-of-") ||
      !(algorithm.ends_with("CRC32C") || algorithm.ends_with("CRC32"))) {
    return Error("checksum algorithm " + algorithm + " is not MD5MD5CRC", ErrorKind::kNotFound);
  }
  // bytes: int bytesPerCRC, long crcPerBlock, 16 bytes of MD5 (Java
  // DataOutput, big-endian), possibly followed by buffer padding.
  if (hex.size() < 56) return bad("bytes too short: " + std::to_string(hex.size() / 2));
  uint8_t raw[28];
  for (size_t i = 0; i < 28; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return bad("bytes are not hex");
    raw[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  for (int i = 0; i < 4; ++i) out.bytes_per_crc = (out.bytes_per_crc << 8) | raw[i];
  for (int i = 4; i < 12; ++i) out.crc_per_block = (out.crc_per_block << 8) | raw[i];
  std::memcpy(out.md5.data(), raw + 12, 16);
  if (out.Algorithm() != algorithm) {
    return bad("algorithm " + algorithm + " does not match its bytes (" + out.Algorithm() + ")");
  }
  return out;
}

ChunkCrcs::ChunkCrcs(HdfsCrcType type, uint32_t bytes_per_crc)
    : type_(type), bytes_per_crc_(bytes_per_crc == 0 ? 512 : bytes_per_crc) {}

uint32_t ChunkCrcs::Crc(uint32_t crc, const void* data, size_t n) const {
  return type_ == HdfsCrcType::kCrc32c ? Crc32c(crc, data, n) : Crc32(crc, data, n);
}

void ChunkCrcs::Update(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  size_ += n;
  if (partial_size_ > 0) {
    size_t take = std::min<size_t>(n, bytes_per_crc_ - partial_size_);
    partial_crc_ = Crc(partial_crc_, p, take);
    partial_size_ += static_cast<uint32_t>(take);
    p += take;
    n -= take;
    if (partial_size_ < bytes_per_crc_) return;
    crcs_.push_back(partial_crc_);
    partial_crc_ = 0;
    partial_size_ = 0;
  }
  while (n >= bytes_per_crc_) {
    crcs_.push_back(Crc(0, p, bytes_per_crc_));
    p += bytes_per_crc_;
    n -= bytes_per_crc_;
  }
  if (n > 0) {
    partial_crc_ = Crc(0, p, n);
    partial_size_ = static_cast<uint32_t>(n);
  }
}

HdfsFileChecksum ChunkCrcs::FileChecksum(uint64_t block_size) const {
  HdfsFileChecksum out;
  if (size_ == 0) {
    // Hadoop's "magic" answer for an empty file (FileChecksumHelper).
    out.crc_type = HdfsCrcType::kCrc32;
    uint8_t zeros[32] = {};
    Md5(zeros, sizeof zeros, out.md5.data());
    return out;
  }
  out.crc_type = type_;
  out.bytes_per_crc = bytes_per_crc_;
  std::vector<uint32_t> all = crcs_;
  if (partial_size_ > 0) all.push_back(partial_crc_);
  uint64_t per_block = block_size / bytes_per_crc_;
  if (per_block == 0) per_block = 1;
  uint64_t blocks = (size_ + block_size - 1) / block_size;
  // crcPerBlock is reported only for files of more than one block: the
  // number of CRCs of the first (full) block.
  out.crc_per_block = blocks > 1 ? per_block : 0;
  std::vector<uint8_t> md5s;
  std::vector<uint8_t> crc_bytes;
  for (uint64_t b = 0; b < blocks; ++b) {
    size_t first = static_cast<size_t>(b * per_block);
    size_t last = std::min(all.size(), static_cast<size_t>((b + 1) * per_block));
    crc_bytes.clear();
    for (size_t i = first; i < last; ++i) {
      uint32_t c = all[i];
      crc_bytes.push_back(static_cast<uint8_t>(c >> 24));
      crc_bytes.push_back(static_cast<uint8_t>(c >> 16));
      crc_bytes.push_back(static_cast<uint8_t>(c >> 8));
      crc_bytes.push_back(static_cast<uint8_t>(c));
    }
    uint8_t md5[16];
    Md5(crc_bytes.data(), crc_bytes.size(), md5);
    md5s.insert(md5s.end(), md5, md5 + 16);
  }
  // The Java buffer's capacity: 32 bytes, doubled until the MD5s fit.
  size_t capacity = 32;
  while (capacity < md5s.size()) capacity *= 2;
  md5s.resize(capacity, 0);
  Md5(md5s.data(), md5s.size(), out.md5.data());
  return out;
}

}  // namespace sparkenv::store
