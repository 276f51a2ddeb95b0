#include "store/hdfs_checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace sparkenv::store {
namespace {

// The bytes the expected values below were written with: an LCG, as
// python: x = (x * 1103515245 + 12345) & 0xFFFFFFFF; byte = (x >> 16) & 0xFF.
std::string Lcg(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    out[i] = static_cast<char>((x >> 16) & 0xFF);
  }
  return out;
}

TEST(Crc32cTest, KnownValues) {
  // RFC 3720 B.4 test vectors and the classic "123456789" check value.
  EXPECT_EQ(Crc32c(0, "123456789", 9), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xFF');
  EXPECT_EQ(Crc32c(0, ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(Crc32(0, "123456789", 9), 0xCBF43926u);
  EXPECT_EQ(Crc32c(0, "", 0), 0u);
}

TEST(Crc32cTest, PiecewiseEqualsWhole) {
  std::string data = Lcg(10007);
  uint32_t whole = Crc32c(0, data.data(), data.size());
  for (size_t cut : {0, 1, 7, 8, 9, 4096, 10006}) {
    uint32_t c = Crc32c(0, data.data(), cut);
    c = Crc32c(c, data.data() + cut, data.size() - cut);
    EXPECT_EQ(c, whole) << cut;
  }
}

struct BedCase {
  size_t size;
  uint64_t block_size;
  HdfsCrcType type;
  uint32_t bytes_per_crc;
  const char* json;  // what the bed's HDFS (Hadoop 3.5.0) answered
};

// Written to the bed's HDFS with WebHDFS CREATE (blocksize=...) or, for
// CRC32, with FsShell -Ddfs.checksum.type=CRC32 -put; then GETFILECHECKSUM.
const BedCase kBedCases[] = {
    {0, 134217728, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-0CRC32","bytes":"00000000000000000000000070bc8f4b72a86921468bf8e8441dce5100000000","length":28}})"},
    {1, 134217728, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"000002000000000000000000425294a324d0d9ea73b1f96128598b2700000000","length":28}})"},
    {511, 134217728, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"00000200000000000000000025818d273edaa99868553e5b2e088e2e00000000","length":28}})"},
    {512, 134217728, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"0000020000000000000000004d50b46d73accb370abcac879373a2b000000000","length":28}})"},
    {513, 1048576, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"000002000000000000000000fd554e2dbf71616990adf984e85e114900000000","length":28}})"},
    {1048576, 1048576, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"000002000000000000000000f06befb9da8978aa2987a75f766f37b000000000","length":28}})"},
    {2621440, 134217728, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"000002000000000000000000e916620c5ba0898d6125263d731f2aa400000000","length":28}})"},
    // Three blocks: 48 bytes of block MD5s in a 64-byte buffer.
    {2621440, 1048576, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-2048MD5-of-512CRC32C","bytes":"000002000000000000000800f61d82294b409e2c80d7eba8065b6df100000000","length":28}})"},
    {3145728, 1048576, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-2048MD5-of-512CRC32C","bytes":"000002000000000000000800be2a5ab9e4b7414a916995e3732b357600000000","length":28}})"},
    // Six blocks (the last of 1 byte): 96 bytes in a 128-byte buffer.
    {5242881, 1048576, HdfsCrcType::kCrc32c, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-2048MD5-of-512CRC32C","bytes":"0000020000000000000008004903161945bc1cc8e3c917eeabf10b9a00000000","length":28}})"},
    {2621440, 1048576, HdfsCrcType::kCrc32, 512,
     R"({"FileChecksum":{"algorithm":"MD5-of-2048MD5-of-512CRC32","bytes":"0000020000000000000008009cade86c346346b96378f6d0a4e685ba00000000","length":28}})"},
    {513, 134217728, HdfsCrcType::kCrc32, 4096,
     R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-4096CRC32","bytes":"000010000000000000000000df3707dd2acb49e1028dd0b5da36834100000000","length":28}})"},
};

TEST(HdfsChecksumTest, MatchesWhatTheBedsHdfsComputed) {
  for (const auto& c : kBedCases) {
    SCOPED_TRACE(std::to_string(c.size) + " bytes, block " + std::to_string(c.block_size));
    auto expected = ParseWebHdfsChecksum(c.json);
    ASSERT_TRUE(expected.ok()) << expected.error().message();
    std::string data = Lcg(c.size);
    ChunkCrcs crcs(c.type, c.bytes_per_crc);
    // Fed in odd pieces: chunk boundaries must not depend on them.
    const size_t pieces[] = {1, 511, 7919, 65536, 3};
    for (size_t at = 0, i = 0; at < data.size(); ++i) {
      size_t n = std::min(pieces[i % 5], data.size() - at);
      crcs.Update(data.data() + at, n);
      at += n;
    }
    HdfsFileChecksum got = crcs.FileChecksum(c.block_size);
    EXPECT_EQ(got.Algorithm(), expected->Algorithm());
    EXPECT_EQ(got.Md5Hex(), expected->Md5Hex());
    EXPECT_EQ(got, *expected);
  }
}

TEST(HdfsChecksumTest, OneByteChangedChangesTheChecksum) {
  std::string data = Lcg(2621440);
  ChunkCrcs a(HdfsCrcType::kCrc32c, 512);
  a.Update(data.data(), data.size());
  data[1048576 + 100] ^= 1;
  ChunkCrcs b(HdfsCrcType::kCrc32c, 512);
  b.Update(data.data(), data.size());
  EXPECT_NE(a.FileChecksum(1048576).Md5Hex(), b.FileChecksum(1048576).Md5Hex());
}

TEST(HdfsChecksumTest, ParseErrors) {
  auto other = ParseWebHdfsChecksum(
      R"({"FileChecksum":{"algorithm":"COMPOSITE-CRC32C","bytes":"d1c5a0a8","length":4}})");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(other.error().message(), "checksum algorithm COMPOSITE-CRC32C is not MD5MD5CRC");

  auto garbage = ParseWebHdfsChecksum("<html>");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind(), ErrorKind::kIo);
  EXPECT_EQ(garbage.error().message(),
            "unexpected GETFILECHECKSUM answer (no FileChecksum object)");

  auto mismatch = ParseWebHdfsChecksum(
      R"({"FileChecksum":{"algorithm":"MD5-of-0MD5-of-512CRC32C","bytes":"000010000000000000000000df3707dd2acb49e1028dd0b5da36834100000000","length":28}})");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().message(),
            "unexpected GETFILECHECKSUM answer (algorithm MD5-of-0MD5-of-512CRC32C does not match "
            "its bytes (MD5-of-0MD5-of-4096CRC32C))");
}

}  // namespace
}  // namespace sparkenv::store
