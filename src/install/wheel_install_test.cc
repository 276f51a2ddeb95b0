#include "install/wheel_install.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "install/record.h"
#include "tests/install/zip_builder.h"

namespace sparkenv::install {
namespace {

namespace fs = std::filesystem;
using testing::BuildWheel;
using testing::BuildZip;
using testing::Sha256Record;
using testing::WheelItems;
using testing::WheelSpec;
using testing::ZipItem;

const char kWheel[] = "demo-1.0-py3-none-any.whl";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class WheelInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sparkenv-install-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.python_version = "3.11";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<InstallReport> Install(const std::string& bytes, const std::string& filename = kWheel,
                                const std::string& name = "demo",
                                const std::string& version = "1.0") {
    std::ofstream(dir_ / filename, std::ios::binary) << bytes;
    return InstallWheel((dir_ / filename).string(), *spec::PackageName::Parse(name),
                        *spec::Version::Parse(version), options_, out().string());
  }
  fs::path out() const { return dir_ / "layer"; }

  // Installs `bytes` expecting failure; returns the message and checks that
  // nothing but the wheel itself is left in the folder.
  std::string Refused(const std::string& bytes, const std::string& filename = kWheel) {
    auto r = Install(bytes, filename);
    EXPECT_FALSE(r.ok());
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename());
    EXPECT_EQ(left, std::vector<std::string>{filename});
    return r.ok() ? "" : r.error().message();
  }
  std::string RefusedWheel(std::vector<ZipItem> files) {
    WheelSpec spec;
    spec.files = std::move(files);
    return Refused(BuildWheel(spec));
  }

  fs::path dir_;
  InstallOptions options_;
};

TEST_F(WheelInstallTest, LaysOutEverySchemeAndRewritesRecord) {
  WheelSpec spec;
  spec.files = {
      {"demo/", ""},
      {"demo/__init__.py", "VALUE = 1\n"},
      {"demo/cli.py", "def main():\n    return 0\n"},
      {"demo-1.0.data/purelib/demo_pure.py", "X = 2\n"},
      {"demo-1.0.data/platlib/_demo.so", std::string(5000, '\x7f'), true, 0100755},
      {"demo-1.0.data/scripts/tool", "#!python\nprint('tool')\n"},
      {"demo-1.0.data/scripts/toolw", "#!pythonw -u\nprint('w')\n"},
      {"demo-1.0.data/scripts/plain.sh", "#!/bin/sh\necho hi\n"},
      {"demo-1.0.data/headers/demo.h", "int demo(void);\n"},
      {"demo-1.0.data/data/share/demo/demo.txt", "data\n", false},
      {"demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"},
      {"demo-1.0.dist-info/entry_points.txt",
       "[console_scripts]\ndemo-cli = demo.cli:main\n\n[gui_scripts]\ndemo-gui = demo:App.run "
       "[gui]\n\n[demo.plugins]\nx = y:z\n"},
      {"demo-1.0.dist-info/RECORD.jws", "signature"},
  };
  spec.unrecorded = {"demo-1.0.dist-info/RECORD.jws"};
  auto r = Install(BuildWheel(spec));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->dist_info, "demo-1.0.dist-info");
  EXPECT_TRUE(r->warnings.empty());

  fs::path site = out() / "site-packages";
  EXPECT_EQ(ReadFile(site / "demo/__init__.py"), "VALUE = 1\n");
  EXPECT_EQ(ReadFile(site / "demo_pure.py"), "X = 2\n");
  EXPECT_EQ(ReadFile(site / "_demo.so"), std::string(5000, '\x7f'));
  EXPECT_EQ(ReadFile(out() / "bin/tool"), "#!/usr/bin/env python3.11\nprint('tool')\n");
  EXPECT_EQ(ReadFile(out() / "bin/toolw"), "#!/usr/bin/env python3.11\nprint('w')\n");
  EXPECT_EQ(ReadFile(out() / "bin/plain.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(ReadFile(out() / "include/demo/demo.h"), "int demo(void);\n");
  EXPECT_EQ(ReadFile(out() / "data/share/demo/demo.txt"), "data\n");
  EXPECT_EQ(ReadFile(site / "demo-1.0.dist-info/INSTALLER"), "sparkenv\n");
  EXPECT_EQ(ReadFile(out() / "bin/demo-cli"),
            "#!/usr/bin/env python3.11\n"
            "# -*- coding: utf-8 -*-\n"
            "import re\n"
            "import sys\n"
            "from demo.cli import main\n"
            "if __name__ == \"__main__\":\n"
            "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n"
            "    sys.exit(main())\n");
  EXPECT_NE(ReadFile(out() / "bin/demo-gui").find("from demo import App\n"), std::string::npos);
  EXPECT_NE(ReadFile(out() / "bin/demo-gui").find("    sys.exit(App.run())\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(out() / "bin/x"));
  EXPECT_FALSE(fs::exists(site / "demo-1.0.data"));
  EXPECT_FALSE(fs::exists(site / "demo-1.0.dist-info/RECORD.jws"));
  auto perms = [](const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; };
  EXPECT_EQ(perms(out() / "bin/tool"), static_cast<fs::perms>(0755));
  EXPECT_EQ(perms(out() / "bin/demo-cli"), static_cast<fs::perms>(0755));
  EXPECT_EQ(perms(site / "_demo.so"), static_cast<fs::perms>(0755));
  EXPECT_EQ(perms(site / "demo/__init__.py"), static_cast<fs::perms>(0644));
  // Only the layer is left: no temporary folder.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);

  // RECORD: paths relative to site-packages, every hash and size right.
  std::string record = ReadFile(site / "demo-1.0.dist-info/RECORD");
  EXPECT_NE(record.find("../bin/tool," +
                        Sha256Record("#!/usr/bin/env python3.11\nprint('tool')\n") + ",40\n"),
            std::string::npos)
      << record;
  EXPECT_NE(record.find("demo-1.0.dist-info/INSTALLER," + Sha256Record("sparkenv\n") + ",9\n"),
            std::string::npos);
  EXPECT_NE(record.find("demo-1.0.dist-info/RECORD,,\n"), std::string::npos);
  auto rows = ParseRecord(record);
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> paths;
  for (const RecordRow& row : *rows) {
    paths.push_back(row.path);
    if (row.algorithm.empty()) continue;
    std::string content = ReadFile(site / row.path);
    EXPECT_EQ(RecordHash(row.algorithm, row.digest), Sha256Record(content)) << row.path;
    EXPECT_EQ(row.size, content.size()) << row.path;
  }
  EXPECT_EQ(paths,
            (std::vector<std::string>{
                "../bin/demo-cli", "../bin/demo-gui", "../bin/plain.sh", "../bin/tool",
                "../bin/toolw", "../data/share/demo/demo.txt", "../include/demo/demo.h", "_demo.so",
                "demo-1.0.dist-info/INSTALLER", "demo-1.0.dist-info/METADATA",
                "demo-1.0.dist-info/WHEEL", "demo-1.0.dist-info/entry_points.txt",
                "demo/__init__.py", "demo/cli.py", "demo_pure.py", "demo-1.0.dist-info/RECORD"}));
  EXPECT_EQ(r->files, paths.size());
}

TEST_F(WheelInstallTest, RefusesUnsafeNames) {
  struct Case {
    std::string name;
    std::string reason;
  };
  const Case cases[] = {
      {"../evil.py", "has a '..' component"},
      {"demo/../../evil.py", "has a '..' component"},
      {"/etc/evil.py", "is an absolute path"},
      {"demo\\..\\evil.py", "has a backslash in its name"},
      {"C:/evil.py", "starts with a drive letter"},
      {"demo/./x.py", "has a '.' component"},
      {"demo//x.py", "has an empty path component"},
      {"demo/x\n.py", "has a control character in its name"},
      {"demo/\xff.py", "has a name that is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RefusedWheel({{c.name, "x"}}), "cannot install 'demo-1.0-py3-none-any.whl': entry " +
                                                 Quote(c.name) + " " + c.reason);
  }
}

TEST_F(WheelInstallTest, RefusesLinksAndSpecialFiles) {
  EXPECT_EQ(RefusedWheel({{"demo/link", "/etc/passwd", false, 0120777}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/link' is a symbolic link "
            "(sparkenv refuses links in wheels)");
  EXPECT_EQ(RefusedWheel({{"demo/tty", "", false, 0020644}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/tty' is a device or special "
            "file (mode 020644)");
  EXPECT_EQ(RefusedWheel({{"demo/fifo", "", false, 0010644}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/fifo' is a device or special "
            "file (mode 010644)");
}

TEST_F(WheelInstallTest, RefusesDuplicates) {
  EXPECT_EQ(RefusedWheel({{"demo/a.py", "1"}, {"demo/a.py", "2"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/a.py' appears twice in the "
            "archive");
  EXPECT_EQ(RefusedWheel({{"demo/A.py", "1"}, {"demo/a.py", "2"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entries 'demo/A.py' and 'demo/a.py' "
            "differ only in case");
  EXPECT_EQ(RefusedWheel({{"demo/x", "1"}, {"demo/x/y.py", "2"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/x' is a file, but "
            "'demo/x/y.py' needs it to be a folder");
  EXPECT_EQ(
      RefusedWheel({{"demo/__init__.py", "1"}, {"demo-1.0.data/purelib/demo/__init__.py", "2"}}),
      "cannot install 'demo-1.0-py3-none-any.whl': entries 'demo-1.0.data/purelib/demo/"
      "__init__.py' and 'demo/__init__.py' install to the same path "
      "'site-packages/demo/__init__.py'");
}

TEST_F(WheelInstallTest, RefusesArchiveBombs) {
  // 4 MiB of zeros deflate to about 4 KiB: a ratio near 1000.
  std::string zeros(4u << 20, '\0');
  std::string msg = RefusedWheel({{"demo/zeros.bin", zeros}});
  EXPECT_EQ(msg.rfind("cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/zeros.bin' "
                      "inflates ",
                      0),
            0u)
      << msg;
  EXPECT_NE(msg.find(" bytes to 4194304, more than 200 times (the limit against archive bombs)"),
            std::string::npos)
      << msg;

  options_.limits.max_total_size = 1000;
  EXPECT_EQ(
      RefusedWheel({{"demo/a.bin", std::string(600, 'a')}, {"demo/b.bin", std::string(600, 'b')}}),
      "cannot install 'demo-1.0-py3-none-any.whl': the entries inflate to more than the "
      "limit of 1000 bytes (the limit against archive bombs)");
  options_.limits = InstallLimits();

  options_.limits.max_entries = 3;
  EXPECT_EQ(RefusedWheel({{"demo/a.py", "a"}, {"demo/b.py", "b"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': the archive has 4 entries, over the "
            "limit of 3");
  options_.limits = InstallLimits();

  // Every central record points at the same data (overlapping members).
  WheelSpec spec;
  spec.files = {{"demo/a.py", "same"}, {"demo/b.py", "same"}};
  EXPECT_EQ(Refused(BuildZip(WheelItems(spec), /*point_all_at_first=*/true)),
            "cannot install 'demo-1.0-py3-none-any.whl': entries 'demo/a.py' and 'demo/b.py' "
            "overlap in the archive");
}

TEST_F(WheelInstallTest, RefusesMembersThatInflateBeyondTheirRecordedSize) {
  WheelSpec spec;
  ZipItem liar{"demo/a.py", std::string(1000, 'a')};
  liar.claimed_size = 10;
  spec.files = {liar};
  spec.record = "demo/a.py," + Sha256Record(liar.data) + ",\ndemo-1.0.dist-info/WHEEL," +
                Sha256Record(spec.wheel_file) + ",\ndemo-1.0.dist-info/RECORD,,\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': invalid zip archive: member 'demo/a.py': "
            "inflates to more than its recorded size of 10 bytes");
}

TEST_F(WheelInstallTest, RefusesRecordProblems) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", "real"}};
  spec.record = "demo/a.py," + Sha256Record("fake") + ",4\ndemo-1.0.dist-info/WHEEL," +
                Sha256Record(spec.wheel_file) + ",\ndemo-1.0.dist-info/RECORD,,\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/a.py' does not match its "
            "RECORD hash (RECORD has " +
                Sha256Record("fake") + ", the file has " + Sha256Record("real") + ")");

  spec.record = "demo/a.py," + Sha256Record("real") + ",5\ndemo-1.0.dist-info/WHEEL," +
                Sha256Record(spec.wheel_file) + ",\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/a.py' is 4 bytes, but RECORD "
            "says 5");

  spec.record = "demo/a.py,,4\ndemo-1.0.dist-info/WHEEL," + Sha256Record(spec.wheel_file) + ",\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/a.py' has no hash in RECORD");

  spec.record = std::nullopt;
  spec.unrecorded = {"demo/a.py"};
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/a.py' is not listed in "
            "RECORD");

  spec.unrecorded.clear();
  spec.record = "demo/gone.py," + Sha256Record("x") + ",1\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': RECORD lists 'demo/gone.py', which is not "
            "in the archive");

  spec.record = "demo/a.py,md5=xx,4\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': RECORD line 1: hash algorithm 'md5' is "
            "not accepted (sha256, sha384 or sha512)");
}

TEST_F(WheelInstallTest, AppliesWheelVersionRules) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", "a"}};
  spec.wheel_file = "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': WHEEL has Wheel-Version 2.0; sparkenv "
            "installs Wheel-Version 1.x only");
  spec.wheel_file = "Root-Is-Purelib: true\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': WHEEL has Wheel-Version '', expected "
            "'<major>.<minor>'");
  spec.wheel_file = "Wheel-Version: 1.0\n";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': WHEEL has Root-Is-Purelib '', expected "
            "'true' or 'false'");
  spec.wheel_file = "Wheel-Version: 1.9\nRoot-Is-Purelib: false\n";
  auto r = Install(BuildWheel(spec));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->warnings, std::vector<std::string>{"demo-1.0-py3-none-any.whl: WHEEL has "
                                                  "Wheel-Version 1.9, newer than the 1.0 sparkenv "
                                                  "knows"});
}

TEST_F(WheelInstallTest, ChecksNamesAndVersionsAgainstTheLock) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", "a"}};
  spec.dist_info = "other-1.0.dist-info";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': the .dist-info folder "
            "'other-1.0.dist-info' is not for demo 1.0");
  spec.dist_info = "demo-1.0.dist-info";
  spec.files.push_back({"other-1.0.dist-info/METADATA", "x"});
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': the archive has several .dist-info "
            "folders ('demo-1.0.dist-info' and 'other-1.0.dist-info')");
  spec.files = {{"demo/a.py", "a"}, {"demo-2.0.data/purelib/x.py", "x"}};
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': the .data folder 'demo-2.0.data' does "
            "not match the .dist-info folder 'demo-1.0.dist-info'");
  spec.files = {{"demo/a.py", "a"}, {"demo-1.0.data/lib/x.py", "x"}};
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo-1.0.data/lib/x.py' is in the "
            "unknown .data scheme 'lib' (purelib, platlib, scripts, headers or data)");
  spec.files = {{"demo/a.py", "a"}};
  auto r = Install(BuildWheel(spec), "demo-1.0-py3-none-any.whl", "demo", "2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot install 'demo-1.0-py3-none-any.whl': the file name is for demo 1.0, but the "
            "lock expects demo 2.0");
  r = Install(BuildWheel(spec), "demo-1.0-py3-none-any.whl", "Other", "1.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot install 'demo-1.0-py3-none-any.whl': the file name is for demo 1.0, but the "
            "lock expects other 1.0");
}

TEST_F(WheelInstallTest, RefusesTruncatedAndCorruptArchives) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", std::string(3000, 'a') + "tail"}};
  std::string good = BuildWheel(spec);
  EXPECT_EQ(Refused(good.substr(0, good.size() / 2)),
            "cannot install 'demo-1.0-py3-none-any.whl': invalid zip archive: no end of central "
            "directory record (truncated, or not a zip file)");
  EXPECT_EQ(Refused(""),
            "cannot install 'demo-1.0-py3-none-any.whl': invalid zip archive: too short for an end "
            "of central directory record");
  std::string corrupt = good;
  corrupt[45] = static_cast<char>(corrupt[45] ^ 0x55);  // inside demo/a.py's deflate data
  std::string msg = Refused(corrupt);
  EXPECT_EQ(msg.rfind("cannot install 'demo-1.0-py3-none-any.whl': invalid zip archive: member "
                      "'demo/a.py': ",
                      0),
            0u)
      << msg;
  auto r = Install(good);
  EXPECT_TRUE(r.ok()) << r.error().message();
}

TEST_F(WheelInstallTest, RefusesOddMembers) {
  ZipItem encrypted{"demo/a.py", "a"};
  encrypted.flags = 1;
  EXPECT_EQ(RefusedWheel({encrypted}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry 'demo/a.py' is encrypted");
  ZipItem renamed{"demo/a.py", "a"};
  renamed.local_name = "demo/b.py";
  EXPECT_EQ(RefusedWheel({renamed}),
            "cannot install 'demo-1.0-py3-none-any.whl': invalid zip archive: member 'demo/a.py': "
            "the local header names it 'demo/b.py'");
  EXPECT_EQ(RefusedWheel({{"demo/a.py", "a"},
                          {"demo-1.0.dist-info/entry_points.txt",
                           "[console_scripts]\n../evil = demo:main\n"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry_points.txt line 2: script name "
            "'../evil' is not a plain file name (letters, digits, '.', '_', '-', '+')");
  EXPECT_EQ(RefusedWheel({{"demo/a.py", "a"},
                          {"demo-1.0.dist-info/entry_points.txt",
                           "[console_scripts]\nx = os;os.system('x'):main\n"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry_points.txt line 2: "
            "'os;os.system(\\'x\\'):main' is not 'module:attr' with Python identifiers");
}

TEST_F(WheelInstallTest, RefusesAnExistingOutputFolder) {
  fs::create_directory(out());
  std::ofstream(out() / "keep") << "mine";
  WheelSpec spec;
  spec.files = {{"demo/a.py", "a"}};
  auto r = Install(BuildWheel(spec));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "cannot install 'demo-1.0-py3-none-any.whl': the output folder " +
                                     Quote(out().string()) + " already exists");
  EXPECT_EQ(ReadFile(out() / "keep"), "mine");
}

TEST_F(WheelInstallTest, InstallsIntoAFolderNamedWithATrailingSlash) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", "a"}};
  std::ofstream(dir_ / kWheel, std::ios::binary) << BuildWheel(spec);
  auto r = InstallWheel((dir_ / kWheel).string(), *spec::PackageName::Parse("demo"),
                        *spec::Version::Parse("1.0"), options_, out().string() + "//");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(ReadFile(out() / "site-packages/demo/a.py"), "a");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

TEST_F(WheelInstallTest, AcceptsStrongerRecordHashesAndRewritesThemAsSha256) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", "abc"}};
  Hasher h("sha512");
  h.Update("abc");
  spec.record = "demo/a.py," + RecordHash("sha512", h.Finish()) + ",3\ndemo-1.0.dist-info/WHEEL," +
                Sha256Record(spec.wheel_file) + ",\ndemo-1.0.dist-info/RECORD,,\n";
  auto r = Install(BuildWheel(spec));
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::string record = ReadFile(out() / "site-packages/demo-1.0.dist-info/RECORD");
  EXPECT_NE(record.find("demo/a.py," + Sha256Record("abc") + ",3\n"), std::string::npos) << record;
}

TEST_F(WheelInstallTest, RefusesBadOptionsAndFileNames) {
  WheelSpec spec;
  spec.files = {{"demo/a.py", "a"}};
  options_.python_version = "3";
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': the target Python version '3' is not "
            "'X.Y'");
  options_.python_version = "3.11";
  auto r = Install(BuildWheel(spec), "demo-1.0.zip");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("cannot install 'demo-1.0.zip': ", 0), 0u)
      << r.error().message();
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(WheelInstallTest, RefusesAnEntryPointThatCollidesWithAScript) {
  EXPECT_EQ(RefusedWheel(
                {{"demo-1.0.data/scripts/demo", "#!python\n"},
                 {"demo-1.0.dist-info/entry_points.txt", "[console_scripts]\ndemo = demo:main\n"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entries 'demo-1.0.data/scripts/demo' "
            "and 'entry point demo' install to the same path 'bin/demo'");
  EXPECT_EQ(RefusedWheel({{"demo-1.0.dist-info/entry_points.txt", "[console_scripts]\ndemo\n"}}),
            "cannot install 'demo-1.0-py3-none-any.whl': entry_points.txt line 2 is not 'name = "
            "module:attr'");
}

TEST_F(WheelInstallTest, RefusesOversizedMetadata) {
  options_.limits.max_metadata_size = 10;
  WheelSpec spec;
  spec.files = {{"demo/a.py", "a"}};
  EXPECT_EQ(Refused(BuildWheel(spec)),
            "cannot install 'demo-1.0-py3-none-any.whl': invalid zip archive: member "
            "'demo-1.0.dist-info/WHEEL' is larger than 10 bytes");
}

TEST_F(WheelInstallTest, DiskErrorsNameTheWheel) {
  WheelSpec spec;
  spec.files = {{"demo/" + std::string(300, 'x') + ".py", "a"}};  // over NAME_MAX
  std::string msg = Refused(BuildWheel(spec));
  EXPECT_EQ(msg.rfind("cannot install 'demo-1.0-py3-none-any.whl': cannot create '", 0), 0u) << msg;
  EXPECT_NE(msg.find("File name too long"), std::string::npos) << msg;
}

TEST(UnsafeNameReasonTest, AcceptsOrdinaryNames) {
  for (const char* name : {"a.py", "demo/", "demo/sub/x.py", "demo-1.0.dist-info/RECORD",
                           "d\xc3\xa9mo/caf\xc3\xa9.py", "demo/a..b.py", "demo/.hidden"}) {
    EXPECT_EQ(UnsafeNameReason(name), "") << name;
  }
}

}  // namespace
}  // namespace sparkenv::install
