#include "wheelbuild/source_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sparkenv::wheelbuild {
namespace {

namespace fs = std::filesystem;

struct Entry {
  Entry(std::string n, std::string d, unsigned t = AE_IFREG, unsigned p = 0644)
      : name(std::move(n)), data(std::move(d)), type(t), perm(p) {}
  std::string name;
  std::string data;
  unsigned type = AE_IFREG;
  unsigned perm = 0644;
  std::string link;  // symlink target
  std::string hardlink;
};

Entry Symlink(std::string name, std::string target) {
  Entry e(std::move(name), "", AE_IFLNK);
  e.link = std::move(target);
  return e;
}

Entry Hardlink(std::string name, std::string target) {
  Entry e(std::move(name), "");
  e.hardlink = std::move(target);
  return e;
}

// A pax tar (gzip with `gzip`) written with libarchive, entries exactly as
// given: libarchive's writer does not sanitize names.
std::string Tar(const std::vector<Entry>& entries, bool gzip = true, bool zip = false) {
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    if (gzip) archive_write_add_filter_gzip(a);
  }
  std::vector<char> buf(8 << 20);
  size_t used = 0;
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  for (const Entry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, e.type == AE_IFDIR ? 0755 : e.perm);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
    archive_entry_set_size(entry, e.type == AE_IFREG && e.hardlink.empty()
                                      ? static_cast<la_int64_t>(e.data.size())
                                      : 0);
    archive_write_header(a, entry);
    if (e.type == AE_IFREG && e.hardlink.empty())
      archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SourceArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sparkenv-sdist-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<UnpackedSource> Unpack(const std::string& bytes, const SourceLimits& limits = {}) {
    std::ofstream(dir_ / "demo-1.0.tar.gz", std::ios::binary) << bytes;
    return UnpackSource((dir_ / "demo-1.0.tar.gz").string(), "demo-1.0.tar.gz",
                        (dir_ / "out").string(), limits);
  }
  // Expects a refusal; checks nothing but the archive is left.
  std::string Refused(const std::vector<Entry>& entries, const SourceLimits& limits = {}) {
    auto r = Unpack(Tar(entries), limits);
    EXPECT_FALSE(r.ok());
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename());
    EXPECT_EQ(left, std::vector<std::string>{"demo-1.0.tar.gz"});
    return r.ok() ? "" : r.error().message();
  }

  fs::path dir_;
};

const Entry kTop{"demo-1.0", "", AE_IFDIR};

TEST_F(SourceArchiveTest, UnpacksFilesFoldersAndModes) {
  auto r = Unpack(Tar({kTop,
                       {"demo-1.0/pyproject.toml", "[build-system]\n"},
                       {"./demo-1.0/src/demo/__init__.py", "X = 1\n"},
                       {"demo-1.0/run.sh", "#!/bin/sh\n", AE_IFREG, 0775}}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->project_dir, (dir_ / "out" / "demo-1.0").string());
  EXPECT_EQ(r->files, 3u);
  EXPECT_EQ(ReadFile(dir_ / "out/demo-1.0/src/demo/__init__.py"), "X = 1\n");
  EXPECT_EQ(fs::status(dir_ / "out/demo-1.0/run.sh").permissions() & fs::perms::all,
            fs::perms(0755));
  EXPECT_EQ(fs::status(dir_ / "out/demo-1.0/pyproject.toml").permissions() & fs::perms::all,
            fs::perms(0644));
}

TEST_F(SourceArchiveTest, UnpacksZipSdists) {
  auto r = Unpack(Tar({kTop, {"demo-1.0/setup.py", "pass\n"}}, false, /*zip=*/true));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(ReadFile(dir_ / "out/demo-1.0/setup.py"), "pass\n");
}

TEST_F(SourceArchiveTest, RefusesUnsafeNames) {
  const std::string p = "cannot unpack 'demo-1.0.tar.gz': entry ";
  EXPECT_EQ(Refused({kTop, {"/etc/evil", "x"}}), p + "'/etc/evil' is an absolute path");
  EXPECT_EQ(Refused({kTop, {"demo-1.0/../../evil", "x"}}),
            p + "'demo-1.0/../../evil' has a '..' component");
  EXPECT_EQ(Refused({kTop, {"demo-1.0\\..\\evil", "x"}}),
            p + "'demo-1.0\\\\..\\\\evil' has a backslash in its name");
  EXPECT_EQ(Refused({kTop, {"demo-1.0/a\nb", "x"}}),
            p + "'demo-1.0/a\\x0ab' has a control character in its name");
}

TEST_F(SourceArchiveTest, RefusesDevicesAndFifos) {
  EXPECT_EQ(Refused({kTop, {"demo-1.0/tty", "", AE_IFCHR}}),
            "cannot unpack 'demo-1.0.tar.gz': entry 'demo-1.0/tty' is a device or special file "
            "(mode 020644)");
  EXPECT_EQ(Refused({kTop, {"demo-1.0/disk", "", AE_IFBLK}}),
            "cannot unpack 'demo-1.0.tar.gz': entry 'demo-1.0/disk' is a device or special file "
            "(mode 060644)");
  EXPECT_EQ(Refused({kTop, {"demo-1.0/fifo", "", AE_IFIFO}}),
            "cannot unpack 'demo-1.0.tar.gz': entry 'demo-1.0/fifo' is a device or special file "
            "(mode 010644)");
}

TEST_F(SourceArchiveTest, RefusesLinksThatLeaveTheTree) {
  const std::string p = "cannot unpack 'demo-1.0.tar.gz': entry ";
  EXPECT_EQ(Refused({kTop, Symlink("demo-1.0/passwd", "/etc/passwd")}),
            p + "'demo-1.0/passwd' is a symbolic link to '/etc/passwd', outside the archive");
  EXPECT_EQ(Refused({kTop, Symlink("demo-1.0/up", "../../x")}),
            p + "'demo-1.0/up' is a symbolic link to '../../x', outside the archive");
  // Through another link: lexically 'demo-1.0/d/a/../../x' is 'demo-1.0/x',
  // but 'd/a' is a link to 'demo-1.0', so the second '..' climbs out.
  EXPECT_EQ(Refused({kTop, Symlink("demo-1.0/d/a", ".."), Symlink("demo-1.0/b", "d/a/../../x")}),
            p + "'demo-1.0/b' is a symbolic link to 'd/a/../../x', outside the archive");
  EXPECT_EQ(Refused({kTop, Hardlink("demo-1.0/h", "../etc/passwd")}),
            p + "'demo-1.0/h' is a hard link to '../etc/passwd', outside the archive");
  EXPECT_EQ(Refused({kTop, Hardlink("demo-1.0/h", "/etc/passwd")}),
            p + "'demo-1.0/h' is a hard link to '/etc/passwd', outside the archive");
  EXPECT_EQ(Refused({kTop, Hardlink("demo-1.0/h", "demo-1.0/none")}),
            p + "'demo-1.0/h' is a hard link to 'demo-1.0/none', not a file of the archive");
  EXPECT_EQ(Refused({kTop, Symlink("demo-1.0/a", "b"), Symlink("demo-1.0/b", "a")}),
            p + "'demo-1.0/b' is a link in a chain of more than 32 links (or a loop)");
  EXPECT_EQ(Refused({kTop, Symlink("demo-1.0/root", "..")}),
            p + "'demo-1.0/root' is a symbolic link to '..', the archive's root (a loop)");
}

TEST_F(SourceArchiveTest, AFileWrittenThroughALinkIsRefused) {
  EXPECT_EQ(Refused({kTop, Symlink("demo-1.0/out", "/tmp"), {"demo-1.0/out/evil", "x"}}),
            "cannot unpack 'demo-1.0.tar.gz': entry 'demo-1.0/out/evil' lies below the link "
            "'demo-1.0/out'");
}

TEST_F(SourceArchiveTest, LinksInsideTheTreeBecomeCopies) {
  auto r = Unpack(Tar({kTop,
                       {"demo-1.0/docs/README", "read me\n"},
                       Symlink("demo-1.0/README", "docs/README"),
                       Hardlink("demo-1.0/README.hard", "demo-1.0/docs/README"),
                       Symlink("demo-1.0/manual", "docs"),
                       Symlink("demo-1.0/dangling", "nothing/here")}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  const fs::path top = dir_ / "out/demo-1.0";
  for (const char* p : {"README", "README.hard", "manual/README"}) {
    EXPECT_FALSE(fs::is_symlink(top / p)) << p;
    EXPECT_EQ(ReadFile(top / p), "read me\n") << p;
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(top / "dangling")));
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "out")) {
    EXPECT_FALSE(e.is_symlink()) << e.path();
  }
}

TEST_F(SourceArchiveTest, RefusesDuplicatesAndConflicts) {
  const std::string p = "cannot unpack 'demo-1.0.tar.gz': ";
  EXPECT_EQ(Refused({kTop, {"demo-1.0/a.py", "1"}, {"demo-1.0/a.py", "2"}}),
            p + "entry 'demo-1.0/a.py' appears twice in the archive");
  EXPECT_EQ(Refused({kTop, {"demo-1.0/a", "1"}, {"demo-1.0/a/b.py", "2"}}),
            p + "entry 'demo-1.0/a' is a file, but 'demo-1.0/a/b.py' needs it to be a folder");
  EXPECT_EQ(Refused({kTop, {"demo-1.0/a/b.py", "1"}, {"demo-1.0/a", "2"}}),
            p + "entry 'demo-1.0/a' is a file or link, but an earlier entry needs it to be a "
                "folder");
  EXPECT_EQ(Refused({kTop, {"other-1.0/x", "1"}}),
            p + "it has two top-level entries ('demo-1.0' and 'other-1.0'); an sdist holds one "
                "folder");
  EXPECT_EQ(Refused({{"setup.py", "1"}}),
            p + "entry 'setup.py' is not a folder; an sdist holds one top-level folder");
}

TEST_F(SourceArchiveTest, RefusesBombs) {
  // 8 MiB of zeros compress to a few KiB.
  SourceLimits limits;
  limits.min_ratio_size = 1 << 20;
  std::string msg = Refused({kTop, {"demo-1.0/zeros", std::string(8 << 20, '\0')}}, limits);
  EXPECT_EQ(msg.rfind("cannot unpack 'demo-1.0.tar.gz': its entries inflate to more than 200 "
                      "times the archive's ",
                      0),
            0u)
      << msg;
  EXPECT_NE(msg.find(" bytes (the limit against archive bombs)"), std::string::npos) << msg;

  limits = SourceLimits();
  limits.max_total_size = 1000;
  EXPECT_EQ(
      Refused({kTop, {"demo-1.0/a", std::string(600, 'a')}, {"demo-1.0/b", std::string(600, 'b')}},
              limits),
      "cannot unpack 'demo-1.0.tar.gz': its entries inflate to more than the limit of 1000 "
      "bytes (the limit against archive bombs)");
  // Links count: a link copied many times is a bomb too.
  EXPECT_EQ(
      Refused({kTop, {"demo-1.0/a", std::string(600, 'a')}, Symlink("demo-1.0/l1", "a")}, limits),
      "cannot unpack 'demo-1.0.tar.gz': its entries inflate to more than the limit of 1000 "
      "bytes (the limit against archive bombs)");

  limits = SourceLimits();
  limits.max_entries = 2;
  EXPECT_EQ(Refused({kTop, {"demo-1.0/a", "1"}, {"demo-1.0/b", "2"}}, limits),
            "cannot unpack 'demo-1.0.tar.gz': it has more than 2 entries (the limit against "
            "archive bombs)");
}

TEST_F(SourceArchiveTest, RefusesTruncatedAndForeignArchives) {
  std::string good = Tar({kTop, {"demo-1.0/big", std::string(100000, 'x') + "tail"}});
  auto r = Unpack(good.substr(0, good.size() / 2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kIo);
  EXPECT_EQ(r.error().message().rfind("cannot unpack 'demo-1.0.tar.gz': ", 0), 0u)
      << r.error().message();
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  r = Unpack("this is not an archive at all, just some text");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

// Found by source_archive_fuzz: a zip header libarchive rejects without an
// error text (archive_error_string() is NULL).
TEST_F(SourceArchiveTest, RefusesAHeaderLibarchiveGivesNoErrorTextFor) {
  const std::string crash(
      "\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x1d\x75\x84\x5d\x96\x92"
      "\x1a\x0e\x05\x00\x00\x00\x05\x00\x00\x00\x11\x00\x00\x00\x64\x65"
      "\x6d\x6f\x2d\x31\x2e\x30\x64\x65\x6d\x6f\x2d\x31\x2e\x30\x2f\x73"
      "\x64\x65\x6d\x6f\x2d\x31\x2e\x30\x2f\x73\x65\x74\x75\x70\x2e\x01"
      "\x00\x01\x00\x3f\x00\x00\x00\x34\x00\x00\x00\x00\x00",
      77);
  auto r = Unpack(crash);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("cannot unpack 'demo-1.0.tar.gz': ", 0), 0u)
      << r.error().message();
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(SourceArchiveTest, RefusesAnExistingOutputFolder) {
  fs::create_directories(dir_ / "out");
  std::ofstream(dir_ / "out" / "keep") << "keep";
  auto r = Unpack(Tar({kTop, {"demo-1.0/a", "1"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ReadFile(dir_ / "out" / "keep"), "keep");
}

}  // namespace
}  // namespace sparkenv::wheelbuild
