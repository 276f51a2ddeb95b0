#include "env/layer_archive.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "index/sha256.h"
#include "install/record.h"
#include "tests/env/gunzip.h"
#include "tests/install/zip_builder.h"

namespace sparkenv::env {
namespace {

namespace fs = std::filesystem;
using install::testing::BuildWheel;
using install::testing::WheelSpec;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LayerArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sparkenv-layer-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<install::InstallReport> Stream(const std::string& wheel, const std::string& archive,
                                        const std::string& filename = "demo-1.0-py3-none-any.whl") {
    std::ofstream(dir_ / filename, std::ios::binary) << wheel;
    int fd = open((dir_ / filename).c_str(), O_RDONLY | O_CLOEXEC);
    auto writer = LayerArchiveWriter::Create((dir_ / archive).string());
    if (!writer.ok()) return writer.error();
    install::InstallOptions options;
    options.python_version = "3.11";
    auto r = install::InstallWheelToSink(fd, filename, *spec::PackageName::Parse("demo"),
                                         *spec::Version::Parse("1.0"), options, **writer);
    if (!r.ok()) return r;
    auto packed = (*writer)->Finish();
    if (!packed.ok()) return packed.error();
    last_ = *packed;
    return r;
  }

  fs::path dir_;
  PackedLayer last_;
};

WheelSpec EveryScheme() {
  WheelSpec spec;
  spec.files = {
      {"demo/__init__.py", "VALUE = 1\n"},
      {"demo/cli.py", "def main():\n    return 0\n"},
      {"demo-x/odd.py", "# sorts between 'demo' and 'demo/'\n"},
      {"demo-1.0.data/purelib/demo_pure.py", "X = 2\n"},
      {"demo-1.0.data/platlib/_demo.so", std::string(300000, '\x7f'), true, 0100755},
      {"demo-1.0.data/scripts/tool", "#!python\nprint('tool')\n"},
      {"demo-1.0.data/headers/demo.h", "int demo(void);\n"},
      {"demo-1.0.data/data/share/demo/demo.txt", "data\n", false},
      {"demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"},
      {"demo-1.0.dist-info/entry_points.txt", "[console_scripts]\ndemo-cli = demo.cli:main\n"},
  };
  return spec;
}

TEST_F(LayerArchiveTest, StreamingAWheelGivesTheTarOfItsInstalledFolder) {
  const std::string wheel = BuildWheel(EveryScheme());
  auto streamed = Stream(wheel, "streamed.tar.gz");
  ASSERT_TRUE(streamed.ok()) << streamed.error().message();
  const PackedLayer direct = last_;

  install::InstallOptions options;
  options.python_version = "3.11";
  auto installed = install::InstallWheel(
      (dir_ / "demo-1.0-py3-none-any.whl").string(), *spec::PackageName::Parse("demo"),
      *spec::Version::Parse("1.0"), options, (dir_ / "tree").string());
  ASSERT_TRUE(installed.ok()) << installed.error().message();
  auto packed = PackDirectory((dir_ / "tree").string(), (dir_ / "packed.tar.gz").string());
  ASSERT_TRUE(packed.ok()) << packed.error().message();

  // The same tar. The streamed layer keeps the wheel's deflate stream of
  // the big _demo.so as a gzip member of its own, between the members of
  // the rest; the packed folder is one member.
  int streamed_members = 0;
  int packed_members = 0;
  const auto tar = testing::Gunzip(ReadFile(dir_ / "streamed.tar.gz"), &streamed_members);
  ASSERT_TRUE(tar.has_value());
  ASSERT_FALSE(tar->empty());
  EXPECT_EQ(tar, testing::Gunzip(ReadFile(dir_ / "packed.tar.gz"), &packed_members));
  EXPECT_EQ(streamed_members, 3);
  EXPECT_EQ(packed_members, 1);
  const std::string so_deflated = install::testing::RawDeflate(std::string(300000, '\x7f'));
  EXPECT_NE(ReadFile(dir_ / "streamed.tar.gz").find(so_deflated), std::string::npos);
  EXPECT_EQ(direct.sha256, index::Sha256Hex(ReadFile(dir_ / "streamed.tar.gz")));
  EXPECT_EQ(direct.size, fs::file_size(dir_ / "streamed.tar.gz"));
  EXPECT_EQ(streamed->files, installed->files);
  EXPECT_EQ(streamed->bytes, installed->bytes);

  fs::create_directories(dir_ / "unpacked");
  ASSERT_TRUE(UnpackLayer((dir_ / "streamed.tar.gz").string(), (dir_ / "unpacked").string()).ok());
  EXPECT_EQ(ReadFile(dir_ / "unpacked/bin/tool"), "#!/usr/bin/env python3.11\nprint('tool')\n");
  EXPECT_EQ(ReadFile(dir_ / "unpacked/site-packages/demo-1.0.dist-info/RECORD"),
            ReadFile(dir_ / "tree/site-packages/demo-1.0.dist-info/RECORD"));
}

TEST_F(LayerArchiveTest, ABigMemberWithBytesAfterItsDeflateStreamIsDeflatedAgain) {
  // Such a member's stored bytes are no gzip member body (the bytes after
  // the stream would be read as its trailer): it goes through the tar's own
  // members, and the layer is the same tar.
  WheelSpec spec;
  spec.files = {{"demo/big.bin", std::string(200000, 'z')}};
  spec.files.back().after_deflate = "junk";
  auto streamed = Stream(BuildWheel(spec), "junk.tar.gz");
  ASSERT_TRUE(streamed.ok()) << streamed.error().message();
  int members = 0;
  EXPECT_NE(testing::Gunzip(ReadFile(dir_ / "junk.tar.gz"), &members).value_or(""), "");
  EXPECT_EQ(members, 1);
  fs::create_directories(dir_ / "junk");
  Status unpacked = UnpackLayer((dir_ / "junk.tar.gz").string(), (dir_ / "junk").string());
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message();
  EXPECT_EQ(ReadFile(dir_ / "junk/site-packages/demo/big.bin"), std::string(200000, 'z'));

  // Stored (not deflated) big members go the same way.
  WheelSpec stored;
  stored.files = {{"demo/big.bin", std::string(200000, 's'), false}};
  ASSERT_TRUE(Stream(BuildWheel(stored), "stored.tar.gz").ok());
  EXPECT_NE(testing::Gunzip(ReadFile(dir_ / "stored.tar.gz"), &members).value_or(""), "");
  EXPECT_EQ(members, 1);
}

TEST_F(LayerArchiveTest, ABigMemberIsCheckedBeforeItsDeflateStreamIsKept) {
  WheelSpec spec;
  const std::string big(200000, 'b');
  spec.files = {{"demo/big.bin", big}};
  spec.record = "demo/big.bin," + install::testing::Sha256Record("other") +
                ",200000\ndemo-1.0.dist-info/WHEEL," +
                install::testing::Sha256Record(spec.wheel_file) + ",\n";
  auto r = Stream(BuildWheel(spec), "bad-big.tar.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/big.bin' does not match its "
            "RECORD hash (RECORD has " +
                install::testing::Sha256Record("other") + ", the file has " +
                install::testing::Sha256Record(big) + ")");
  // A CRC-32 that lies is caught too: the gzip member would carry it.
  WheelSpec lying;
  lying.files = {{"demo/big.bin", big}};
  lying.files.back().claimed_crc = 12345;
  auto crc = Stream(BuildWheel(lying), "bad-crc.tar.gz");
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.error().message().find("CRC-32 mismatch"), std::string::npos)
      << crc.error().message();
}

TEST_F(LayerArchiveTest, AStreamedInstallFailsOnAHashThatDoesNotMatchRecord) {
  WheelSpec spec = EveryScheme();
  spec.record = "demo/__init__.py," + install::testing::Sha256Record("other") +
                ",10\ndemo-1.0.dist-info/WHEEL," + install::testing::Sha256Record(spec.wheel_file) +
                ",\n";
  spec.files = {{"demo/__init__.py", "VALUE = 1\n"}};
  auto r = Stream(BuildWheel(spec), "bad.tar.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/__init__.py' does not match "
            "its RECORD hash (RECORD has " +
                install::testing::Sha256Record("other") + ", the file has " +
                install::testing::Sha256Record("VALUE = 1\n") + ")");
  // Refusals found before streaming write nothing at all.
  WheelSpec evil;
  evil.files = {{"../evil.py", "x"}};
  auto writer = LayerArchiveWriter::Create((dir_ / "none.tar.gz").string());
  ASSERT_TRUE(writer.ok());
  std::ofstream(dir_ / "evil.whl", std::ios::binary) << BuildWheel(evil);
  install::InstallOptions options;
  options.python_version = "3.11";
  auto refused = install::InstallWheelToSink(
      open((dir_ / "evil.whl").c_str(), O_RDONLY | O_CLOEXEC), "demo-1.0-py3-none-any.whl",
      *spec::PackageName::Parse("demo"), *spec::Version::Parse("1.0"), options, **writer);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(),
            "cannot install 'demo-1.0-py3-none-any.whl': entry '../evil.py' has a '..' component");
}

void WriteTree(const fs::path& root,
               const std::vector<std::pair<std::string, std::string>>& files) {
  for (const auto& [path, data] : files) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path, std::ios::binary) << data;
  }
}

TEST_F(LayerArchiveTest, MergingLayersGivesTheArchiveOfTheMergedFolder) {
  WriteTree(dir_ / "a", {{"site-packages/ns/__init__.py", ""},
                         {"site-packages/a/__init__.py", "A = 1\n"},
                         {"bin/tool-a", "#!/bin/sh\n"}});
  fs::permissions(dir_ / "a/bin/tool-a", fs::perms(0755));
  WriteTree(dir_ / "b", {{"site-packages/ns/__init__.py", ""},
                         {"site-packages/b-1.0.dist-info/RECORD", "x"},
                         {"site-packages/b/big.bin", std::string(3 << 20, 'b')}});
  ASSERT_TRUE(PackDirectory((dir_ / "a").string(), (dir_ / "a.tar.gz").string()).ok());
  ASSERT_TRUE(PackDirectory((dir_ / "b").string(), (dir_ / "b.tar.gz").string()).ok());
  std::vector<LayerInput> inputs = {{(dir_ / "a.tar.gz").string(), "'a'"},
                                    {(dir_ / "b.tar.gz").string(), "'b'"}};
  for (ArchiveFormat format : {ArchiveFormat::kTarGz, ArchiveFormat::kZip}) {
    auto merged = MergeLayers(inputs, (dir_ / "merged").string(), format);
    ASSERT_TRUE(merged.ok()) << merged.error().message();
    fs::remove_all(dir_ / "both");
    fs::create_directories(dir_ / "both");
    ASSERT_TRUE(UnpackLayer((dir_ / "a.tar.gz").string(), (dir_ / "both").string()).ok());
    ASSERT_TRUE(UnpackLayer((dir_ / "b.tar.gz").string(), (dir_ / "both").string()).ok());
    auto packed = PackDirectory((dir_ / "both").string(), (dir_ / "packed").string(), format);
    ASSERT_TRUE(packed.ok()) << packed.error().message();
    EXPECT_EQ(merged->sha256, packed->sha256);
    EXPECT_EQ(ReadFile(dir_ / "merged"), ReadFile(dir_ / "packed"));
  }

  WriteTree(dir_ / "c", {{"site-packages/ns/__init__.py", "# not empty\n"}});
  ASSERT_TRUE(PackDirectory((dir_ / "c").string(), (dir_ / "c.tar.gz").string()).ok());
  inputs.push_back({(dir_ / "c.tar.gz").string(), "'c'"});
  auto conflict = MergeLayers(inputs, (dir_ / "merged").string(), ArchiveFormat::kTarGz);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().message(),
            "cannot merge the layers: 'site-packages/ns/__init__.py' is in the layers of 'a' and "
            "'c' with different content");
}

}  // namespace
}  // namespace sparkenv::env
