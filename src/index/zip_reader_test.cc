#include "index/zip_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace sparkenv::index {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kTestdata = std::string(SPARKENV_SOURCE_DIR) + "/src/index/testdata/";

class ZipReaderTest : public ::testing::Test {
 protected:
  std::string wheel_ = ReadFile(kTestdata + "example-1.0-py3-none-any.whl");
  std::string expected_ = ReadFile(kTestdata + "METADATA.expected");
  int reads_ = 0;
  ReadAt read_ = [this](uint64_t offset, uint64_t length) -> Result<std::string> {
    ++reads_;
    return wheel_.substr(offset, length);
  };
};

TEST_F(ZipReaderTest, ReadsMetadataFromTheTail) {
  ASSERT_GT(wheel_.size(), 40000u);
  auto entries = ReadCentralDirectory(wheel_.size(), wheel_, read_);
  ASSERT_TRUE(entries.ok()) << entries.error().message();
  EXPECT_EQ(entries->size(), 304u);
  EXPECT_EQ(reads_, 0);
  auto entry = FindWheelMetadata(*entries, "Example");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->name, "example-1.0.dist-info/METADATA");
  EXPECT_EQ(entry->method, 8);
  auto text = ReadZipMember(wheel_.size(), *entry, read_);
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, expected_);
  EXPECT_EQ(reads_, 1);
}

TEST_F(ZipReaderTest, CentralDirectoryBeforeTheTailIsRead) {
  std::string_view tail = std::string_view(wheel_).substr(wheel_.size() - 200);
  auto entries = ReadCentralDirectory(wheel_.size(), tail, read_);
  ASSERT_TRUE(entries.ok()) << entries.error().message();
  EXPECT_EQ(entries->size(), 304u);
  EXPECT_EQ(reads_, 1);
}

TEST_F(ZipReaderTest, OtherDistInfoIsAFallbackOnly) {
  auto entries = ReadCentralDirectory(wheel_.size(), wheel_, read_);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(FindWheelMetadata(*entries, "other")->name, "other-2.0.dist-info/METADATA");
  EXPECT_EQ(FindWheelMetadata(*entries, "unknown")->name, "other-2.0.dist-info/METADATA");
  EXPECT_FALSE(FindWheelMetadata({}, "x"));
}

TEST_F(ZipReaderTest, CorruptionIsAnError) {
  auto entries = ReadCentralDirectory(wheel_.size(), wheel_, read_);
  ASSERT_TRUE(entries.ok());
  ZipEntry entry = *FindWheelMetadata(*entries, "example");
  ZipEntry bad_crc = entry;
  bad_crc.crc32 ^= 1;
  EXPECT_EQ(ReadZipMember(wheel_.size(), bad_crc, read_).error().message(),
            "invalid zip archive: member 'example-1.0.dist-info/METADATA': CRC-32 mismatch");
  ZipEntry far = entry;
  far.local_header_offset = wheel_.size() + 10;
  EXPECT_EQ(ReadZipMember(wheel_.size(), far, read_).error().message(),
            "invalid zip archive: member 'example-1.0.dist-info/METADATA': local header outside "
            "the archive");
  EXPECT_EQ(ReadCentralDirectory(10, "0123456789", read_).error().message(),
            "invalid zip archive: too short for an end of central directory record");
  std::string no_eocd(100, 'x');
  EXPECT_EQ(ReadCentralDirectory(no_eocd.size(), no_eocd, read_).error().message(),
            "invalid zip archive: no end of central directory record");
  std::string truncated = wheel_.substr(0, wheel_.size() - 30);
  EXPECT_FALSE(ReadCentralDirectory(truncated.size(), truncated, read_).ok());
}

}  // namespace
}  // namespace sparkenv::index
