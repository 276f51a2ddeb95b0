#include "install/zip_file.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/install/zip_builder.h"

namespace sparkenv::install {
namespace {

using testing::BuildZip;
using testing::Put16;
using testing::Put32;
using testing::ZipItem;

Result<std::unique_ptr<ZipFile>> FromBytes(const std::string& bytes) {
  int fd = memfd_create("zip", 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  return ZipFile::FromFd(fd);
}

std::string StreamAll(const ZipFile& zip, const ZipMember& m, Status* status) {
  std::string out;
  *status = zip.Stream(m, [&out](std::string_view chunk) {
    out.append(chunk);
    return Status::Ok();
  });
  return out;
}

TEST(ZipFileTest, ReadsModesAndStreamsLargeMembersInChunks) {
  std::string big(3u << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
  auto zip = FromBytes(BuildZip({{"big.bin", big}, {"run.sh", "#!/bin/sh\n", false, 0100755}}));
  ASSERT_TRUE(zip.ok()) << zip.error().message();
  const auto& members = (*zip)->members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].unix_mode(), 0100755u);
  EXPECT_EQ(members[1].method, 0);
  int chunks = 0;
  std::string out;
  Status s = (*zip)->Stream(members[0], [&](std::string_view chunk) {
    ++chunks;
    out.append(chunk);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(out, big);
  EXPECT_GT(chunks, 4);  // 256 KiB chunks, never the whole member at once
  auto small = (*zip)->ReadAll(members[1], 100);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small, "#!/bin/sh\n");
  auto refused = (*zip)->ReadAll(members[0], 100);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(),
            "invalid zip archive: member 'big.bin' is larger than 100 bytes");
}

TEST(ZipFileTest, ReadsZip64SizesFromTheExtraField) {
  std::string data = "hello";
  std::string z;
  std::string extra;
  Put16(extra, 1);
  Put16(extra, 16);
  Put32(extra, 5);
  Put32(extra, 0);
  Put32(extra, 5);
  Put32(extra, 0);
  auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  Put32(z, 0x04034b50);
  Put16(z, 45);
  Put16(z, 0);
  Put16(z, 0);
  Put32(z, 0);
  Put32(z, crc);
  Put32(z, 0xFFFFFFFF);
  Put32(z, 0xFFFFFFFF);
  Put16(z, 5);
  Put16(z, static_cast<uint32_t>(extra.size()));
  z += "a.txt" + extra + data;
  uint32_t cd = static_cast<uint32_t>(z.size());
  Put32(z, 0x02014b50);
  Put16(z, (3u << 8) | 45);
  Put16(z, 45);
  Put16(z, 0);
  Put16(z, 0);
  Put32(z, 0);
  Put32(z, crc);
  Put32(z, 0xFFFFFFFF);
  Put32(z, 0xFFFFFFFF);
  Put16(z, 5);
  Put16(z, static_cast<uint32_t>(extra.size()));
  Put16(z, 0);
  Put16(z, 0);
  Put16(z, 0);
  Put32(z, 0100644u << 16);
  Put32(z, 0);
  z += "a.txt" + extra;
  uint32_t cd_size = static_cast<uint32_t>(z.size()) - cd;
  Put32(z, 0x06054b50);
  Put16(z, 0);
  Put16(z, 0);
  Put16(z, 1);
  Put16(z, 1);
  Put32(z, cd_size);
  Put32(z, cd);
  Put16(z, 0);
  auto zip = FromBytes(z);
  ASSERT_TRUE(zip.ok()) << zip.error().message();
  const ZipMember& m = (*zip)->members().at(0);
  EXPECT_EQ(m.uncompressed_size, 5u);
  EXPECT_EQ(m.compressed_size, 5u);
  Status s;
  EXPECT_EQ(StreamAll(**zip, m, &s), "hello");
  EXPECT_TRUE(s.ok()) << s.error().message();
}

TEST(ZipFileTest, RefusesBrokenArchives) {
  std::string good = BuildZip({{"a.txt", std::string(1000, 'a')}});
  struct Case {
    std::string bytes;
    std::string error;
  };
  std::string multi = good;
  multi[good.size() - 22 + 4] = 1;  // "number of this disk"
  std::string cd_outside = good;
  cd_outside[good.size() - 22 + 16] = static_cast<char>(0xF0);  // central directory offset
  const Case cases[] = {
      {"PK", "invalid zip archive: too short for an end of central directory record"},
      {std::string(100, 'x'),
       "invalid zip archive: no end of central directory record (truncated, or not a zip file)"},
      {multi, "invalid zip archive: multi-disk archives are not supported"},
      {cd_outside,
       "invalid zip archive: the central directory lies outside the archive (truncated?)"},
  };
  for (const Case& c : cases) {
    auto zip = FromBytes(c.bytes);
    ASSERT_FALSE(zip.ok());
    EXPECT_EQ(zip.error().message(), c.error);
    EXPECT_EQ(zip.error().kind(), ErrorKind::kIo);
  }
}

TEST(ZipFileTest, RefusesMembersWhoseDataLies) {
  ZipItem crc{"a.txt", "hello"};
  crc.claimed_crc = 1234;
  ZipItem stored{"b.txt", "hello", false};
  stored.claimed_size = 4;
  auto zip = FromBytes(BuildZip({crc, stored}));
  ASSERT_TRUE(zip.ok());
  Status s;
  StreamAll(**zip, (*zip)->members()[0], &s);
  EXPECT_EQ(s.error().message(), "invalid zip archive: member 'a.txt': CRC-32 mismatch");
  StreamAll(**zip, (*zip)->members()[1], &s);
  EXPECT_EQ(s.error().message(),
            "invalid zip archive: member 'b.txt': a stored member whose sizes differ");
  ZipMember bogus = (*zip)->members()[0];
  bogus.method = 12;
  StreamAll(**zip, bogus, &s);
  EXPECT_EQ(s.error().message(),
            "invalid zip archive: member 'a.txt': local header and central directory disagree on "
            "the compression method");
  bogus = (*zip)->members()[0];
  bogus.compressed_size = 1u << 20;
  StreamAll(**zip, bogus, &s);
  EXPECT_EQ(s.error().message(),
            "invalid zip archive: member 'a.txt': data runs past the central directory "
            "(truncated?)");
}

}  // namespace
}  // namespace sparkenv::install
