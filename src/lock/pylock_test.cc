#include "lock/pylock.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sparkenv::lock {
namespace {

spec::Version V(const char* s) { return spec::Version::Parse(s).value(); }

FileEntry Wheel(const std::string& name, int64_t size, const std::string& sha,
                const char* uploaded) {
  FileEntry f;
  f.name = name;
  f.url = "https://files.example/packages/" + name;
  f.size = size;
  f.upload_time = Timestamp::Parse(uploaded).value();
  f.hashes["sha256"] = sha;
  return f;
}

// A small lock, its packages deliberately out of order.
Lock SampleLock() {
  Lock lock;
  lock.requires_python = spec::SpecifierSet::Parse(">=3.11").value();
  lock.environments = {spec::Marker::Parse("sys_platform == 'linux' and platform_machine == "
                                           "'x86_64'")
                           .value()};
  lock.extras = std::vector<std::string>{};
  lock.dependency_groups = std::vector<std::string>{};
  lock.default_groups = std::vector<std::string>{};

  Package six;
  six.name = "six";
  six.version = V("1.16.0");
  six.requires_python = spec::SpecifierSet::Parse("!=3.0.*,>=2.7").value();
  six.index = "https://pypi.org/simple/";
  six.wheels = {Wheel("six-1.16.0-py2.py3-none-any.whl", 11053, std::string(64, '6'),
                      "2021-05-05T14:18:17.123Z")};

  Package pandas;
  pandas.name = "pandas";
  pandas.version = V("2.2.3");
  pandas.requires_python = spec::SpecifierSet::Parse(">=3.9").value();
  pandas.dependencies = {{"six", "1.16.0"}, {"numpy", ""}};
  pandas.index = "https://pypi.org/simple/";
  pandas.wheels = {
      Wheel("pandas-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", 13096245,
            std::string(64, 'b'), "2024-09-20T13:09:44.39+02:00"),
      Wheel("pandas-2.2.3-cp311-cp311-macosx_11_0_arm64.whl", 11302012, std::string(64, 'a'),
            "2024-09-20T13:08:42Z"),
  };

  Package odd;
  odd.name = "odd-sdist";
  odd.version = V("0.1");
  odd.marker = spec::Marker::Parse("python_version < '3.12'").value();
  FileEntry sdist;
  sdist.url = "https://files.example/odd_sdist-0.1.tar.gz";
  sdist.size = 1234;
  sdist.hashes["sha256"] = std::string(64, 'c');
  odd.sdist = sdist;

  lock.packages = {six, pandas, odd};

  SparkenvTool tool;
  tool.target_markers = {{"python_version", "3.11"}, {"sys_platform", "linux"}};
  tool.target_tag_count = 1043;
  tool.target_tags_sha256 = std::string(64, 'f');
  tool.requirements = {"pandas>=2", "odd-sdist; python_version < \"3.12\""};
  tool.indexes = {"https://pypi.org/simple/"};
  tool.resolution = "highest";
  lock.sparkenv = tool;
  return lock;
}

const char* const kSampleToml = R"(lock-version = "1.0"
environments = [
    "sys_platform == \"linux\" and platform_machine == \"x86_64\"",
]
requires-python = ">=3.11"
extras = []
dependency-groups = []
default-groups = []
created-by = "sparkenv"

[[packages]]
name = "odd-sdist"
version = "0.1"
marker = "python_version < \"3.12\""
sdist = { url = "https://files.example/odd_sdist-0.1.tar.gz", size = 1234, hashes = { sha256 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" } }

[[packages]]
name = "pandas"
version = "2.2.3"
requires-python = ">=3.9"
dependencies = [
    { name = "numpy" },
    { name = "six", version = "1.16.0" },
]
index = "https://pypi.org/simple/"
wheels = [
    { name = "pandas-2.2.3-cp311-cp311-macosx_11_0_arm64.whl", upload-time = 2024-09-20T13:08:42Z, url = "https://files.example/packages/pandas-2.2.3-cp311-cp311-macosx_11_0_arm64.whl", size = 11302012, hashes = { sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } },
    { name = "pandas-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", upload-time = 2024-09-20T11:09:44.390000Z, url = "https://files.example/packages/pandas-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", size = 13096245, hashes = { sha256 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" } },
]

[[packages]]
name = "six"
version = "1.16.0"
requires-python = "!=3.0.*,>=2.7"
index = "https://pypi.org/simple/"
wheels = [
    { name = "six-1.16.0-py2.py3-none-any.whl", upload-time = 2021-05-05T14:18:17.123000Z, url = "https://files.example/packages/six-1.16.0-py2.py3-none-any.whl", size = 11053, hashes = { sha256 = "6666666666666666666666666666666666666666666666666666666666666666" } },
]

[tool.sparkenv]
constraints = []
find-links = []
indexes = [
    "https://pypi.org/simple/",
]
prereleases = false
requirements = [
    "pandas>=2",
    "odd-sdist; python_version < \"3.12\"",
]
resolution = "highest"
target-tag-count = 1043
target-tags-sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

[tool.sparkenv.target-markers]
python_version = "3.11"
sys_platform = "linux"
)";

TEST(PylockTest, WritesTheFixedLayout) {
  Result<std::string> text = WriteLock(SampleLock());
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, kSampleToml);
}

TEST(PylockTest, RoundTripGivesTheSameBytes) {
  Result<std::string> first = WriteLock(SampleLock());
  ASSERT_TRUE(first.ok());
  Result<Lock> read = ReadLock(*first);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->packages.size(), 3u);
  EXPECT_EQ(read->packages[1].name, "pandas");
  EXPECT_EQ(read->packages[1].wheels[1].upload_time->ToString(), "2024-09-20T11:09:44.390000Z");
  ASSERT_TRUE(read->sparkenv.has_value());
  EXPECT_EQ(read->sparkenv->target_tag_count, 1043);
  EXPECT_EQ(read->sparkenv->requirements, SampleLock().sparkenv->requirements);
  Result<std::string> second = WriteLock(*read);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(*second, *first);
}

TEST(PylockTest, OrderOfInputDoesNotMatter) {
  Lock a = SampleLock();
  Lock b = SampleLock();
  std::reverse(b.packages.begin(), b.packages.end());
  std::reverse(b.packages[1].wheels.begin(), b.packages[1].wheels.end());
  EXPECT_EQ(WriteLock(a).value(), WriteLock(b).value());
  // Two entries for one version (a lock may list a package more than once):
  // ties are broken by the printed entry (a pylock_fuzz finding).
  Lock c = SampleLock();
  Package twin = c.packages[1];
  twin.wheels.pop_back();
  c.packages[1].wheels.erase(c.packages[1].wheels.begin());
  c.packages.push_back(twin);
  Lock d = c;
  std::swap(d.packages[1], d.packages[3]);
  EXPECT_EQ(WriteLock(c).value(), WriteLock(d).value());
  EXPECT_EQ(WriteLock(ReadLock(WriteLock(c).value()).value()).value(), WriteLock(c).value());
}

TEST(PylockTest, TomlStrings) {
  EXPECT_EQ(TomlString("a\"b\\c\n\t\x01\x7f é"), "\"a\\\"b\\\\c\\n\\t\\u0001\\u007F é\"");
  Lock lock = SampleLock();
  lock.packages[0].index = "https://x/\"quoted\"\\\n";
  Result<Lock> back = ReadLock(WriteLock(lock).value());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->packages[2].index, "https://x/\"quoted\"\\\n");
}

TEST(PylockTest, Timestamps) {
  EXPECT_EQ(Timestamp::Parse("2025-01-25T11:30:10.164985Z")->ToString(),
            "2025-01-25T11:30:10.164985Z");
  EXPECT_EQ(Timestamp::Parse("2025-01-01T00:30:00-01:00")->ToString(), "2025-01-01T01:30:00Z");
  EXPECT_EQ(Timestamp::Parse("2025-01-01T00:30:00+01:00")->ToString(), "2024-12-31T23:30:00Z");
  EXPECT_EQ(Timestamp::Parse("2024-03-01 00:00:00.1234567+00:00")->ToString(),
            "2024-03-01T00:00:00.123456Z");
  EXPECT_EQ(Timestamp::Parse("2025-02-29T00:00:00Z").error().message(),
            "invalid timestamp '2025-02-29T00:00:00Z': no such day in that month");
  EXPECT_EQ(Timestamp::Parse("2025-02-2").error().message(),
            "invalid timestamp '2025-02-2': expected YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
}

TEST(PylockTest, WriterRefusesInvalidModels) {
  Lock lock = SampleLock();
  lock.packages[0].wheels[0].hashes.clear();
  EXPECT_EQ(WriteLock(lock).error().message(),
            "pylock.toml: packages[0] 'six': wheels[0]: at least one hash is required");
  lock = SampleLock();
  lock.packages[1].archive = lock.packages[1].wheels[0];
  EXPECT_EQ(WriteLock(lock).error().message(),
            "pylock.toml: packages[1] 'pandas': 'vcs', 'directory' and 'archive' cannot be "
            "combined with 'sdist' or 'wheels'");
  lock = SampleLock();
  lock.packages[0].name = "Six";
  EXPECT_EQ(WriteLock(lock).error().message(),
            "pylock.toml: packages[0] 'Six': name 'Six' is not normalized (PEP 503)");
}

TEST(PylockTest, ReaderErrorsNameFileLineAndPackage) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::string wheel =
      "wheels = [{ name = \"a-1.0-py3-none-any.whl\", url = \"https://x/a-1.0-py3-none-any.whl\", "
      "hashes = { sha256 = \"00\" } }]\n";
  const std::vector<Case> cases = {
      {"lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n",
       "lock.toml:1: unsupported lock-version '2.0': sparkenv reads lock-version 1.x"},
      {"created-by = \"x\"\npackages = []\n", "lock.toml: 'lock-version' is required"},
      {"lock-version = \"1.0\"\npackages = []\n", "lock.toml: 'created-by' is required"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n", "lock.toml: 'packages' is required"},
      {"lock-version = 1.0\ncreated-by = \"x\"\npackages = []\n",
       "lock.toml:1: 'lock-version': expected a string, not a float"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = [\n",
       "lock.toml:3:14: invalid TOML: Error while parsing array: encountered end-of-file"},
      // toml++ 3.3 asserted on this table header (found by pylock_fuzz).
      {"lock-version = \"1.0\"\n[+packages]]\n",
       "lock.toml:2:2: invalid TOML: Error while parsing key: expected bare key starting "
       "character or string delimiter, saw '+'"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\nversion = "
       "\"1.0\"\n",
       "lock.toml:3: packages[0] 'a': exactly one source is required: 'vcs', 'directory' or "
       "'archive', or 'sdist' and/or 'wheels'"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\n"
       "wheels = [{ url = \"https://x/a-1.0-py3-none-any.whl\", hashes = {} }]\n",
       "lock.toml:3: packages[0] 'a': wheels[0]: at least one hash is required"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\n"
       "wheels = [{ url = \"https://x/a-1.0-py3-none-any.whl\" }]\n",
       "lock.toml:5: packages[0] 'a': wheels[0]: 'hashes' is required"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\nversion = "
       "\"2.0\"\n" +
           wheel,
       "lock.toml:3: packages[0] 'a': wheels[0]: the version in 'a-1.0-py3-none-any.whl' is not "
       "the package's version '2.0'"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"b\"\n" + wheel,
       "lock.toml:3: packages[0] 'b': wheels[0]: the name in 'a-1.0-py3-none-any.whl' is not the "
       "package's name"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\n" + wheel +
           "directory = { path = \".\" }\n",
       "lock.toml:3: packages[0] 'a': 'vcs', 'directory' and 'archive' cannot be combined with "
       "'sdist' or 'wheels'"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"A_b\"\n" + wheel,
       "lock.toml:3: packages[0] 'A_b': name 'A_b' is not normalized (PEP 503)"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nversion = \"1\"\n",
       "lock.toml:3: packages[0] 'name' is required"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\nversion = "
       "\"x.y\"\n",
       "lock.toml:5: packages[0] 'a': invalid version 'x.y': expected a release number such as "
       "'1.0' at the start (PEP 440)"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\nenvironments = [\"os_name = 'a'\"]\npackages = "
       "[]\n",
       "lock.toml:3: environments: invalid marker 'os_name = \\'a\\'': expected a marker operator "
       "(one of <=, <, !=, ==, >=, >, ~=, ===, in, not in) at position 8"},
      {"lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\n"
       "wheels = [{ url = \"https://x/a-1.0-py3-none-any.whl\", upload-time = \"2025\", "
       "hashes = { sha256 = \"00\" } }]\n",
       "lock.toml:5: packages[0] 'a': wheels[0]: 'upload-time': expected a date-time, not a "
       "string"},
  };
  for (const Case& c : cases) {
    Result<Lock> r = ReadLock(c.text, "lock.toml");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message(), c.error) << c.text;
  }
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(SPARKENV_SOURCE_DIR) + "/tests/fixtures/pylock/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Lock files written by pip, uv and the packaging test suite.
TEST(PylockTest, ReadsOtherToolsLocks) {
  const std::vector<std::string> good = {
      "pip/pylock.toml",
      "pip/pylock.full.toml",
      "pip/pylock.withextras.toml",
      "pip/pylock.mixed.toml",
      "pip/pylock.certifi-with-upload_time.toml",
      "pip/pylock.invalidhash.toml",  // a wrong digest is the installer's problem
      "pip/pylock.oldpython.toml",
      "pip/pylock.prerelease-wheel.toml",
      "packaging/pylock.spec-example.toml",
  };
  for (const std::string& name : good) {
    std::string text = ReadFixture(name);
    ASSERT_FALSE(text.empty()) << name;
    Result<Lock> lock = ReadLock(text, name);
    ASSERT_TRUE(lock.ok()) << lock.error().message();
    // What we read, we write and read back the same.
    Result<std::string> written = WriteLock(*lock);
    ASSERT_TRUE(written.ok()) << name << ": " << written.error().message();
    Result<Lock> again = ReadLock(*written);
    ASSERT_TRUE(again.ok()) << name << ": " << again.error().message();
    EXPECT_EQ(WriteLock(*again).value(), *written) << name;
  }
  Result<Lock> full = ReadLock(ReadFixture("pip/pylock.full.toml"));
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->packages.size(), 5u);
  EXPECT_EQ(full->packages[1].archive->path, "../packages/simple2-3.0.tar.gz");
  EXPECT_EQ(full->packages[2].directory->editable, true);
  EXPECT_EQ(full->packages[4].wheels[0].FileName(), "has.script-1.0-py2.py3-none-any.whl");

  Result<Lock> certifi = ReadLock(ReadFixture("pip/pylock.certifi-with-upload_time.toml"));
  ASSERT_TRUE(certifi.ok());
  EXPECT_EQ(certifi->packages[0].sdist->FileName(), "certifi-2026.6.17.tar.gz");
  EXPECT_EQ(certifi->packages[0].wheels[0].upload_time->ToString(), "2026-06-17T10:31:06Z");
  EXPECT_EQ(certifi->packages[0].wheels[0].size, 133289);

  Result<Lock> spec = ReadLock(ReadFixture("packaging/pylock.spec-example.toml"));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->created_by, "mousebender");
  EXPECT_EQ(spec->environments.size(), 2u);
  EXPECT_EQ(spec->packages[2].wheels[1].size, 16116679);
  EXPECT_EQ(spec->packages[1].dependencies[0].name, "attrs");
  EXPECT_FALSE(spec->sparkenv.has_value());

  EXPECT_EQ(
      ReadLock(ReadFixture("pip/pylock.invalid.toml"), "pylock.invalid.toml").error().message(),
      "pylock.invalid.toml: 'lock-version' is required");
}

}  // namespace
}  // namespace sparkenv::lock

namespace sparkenv::lock {
namespace {

// toml++ 3.3 reached __builtin_unreachable() for some non-ASCII code points
// outside strings and in keys (found by pylock_fuzz); see toml_guard.h.
TEST(PylockTest, NonAsciiTextIsSafe) {
  Result<Lock> bad = ReadLock("lock-version = \"1.0\"\n[packages\xD2\x84sdist]\n", "lock.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().substr(0, 28), "lock.toml:2:10: invalid TOML");
  EXPECT_NE(bad.error().message().find("\xD2\x84"), std::string::npos) << bad.error().message();

  const std::string text =
      "lock-version = \"1.0\"\ncreated-by = \"t\u00e9st \u0484 \u3001\"\n"
      "[[packages]]\nname = \"a\"\nindex = \"https://x/\u00f1\"\n"
      "wheels = [{ url = \"https://x/a-1.0-py3-none-any.whl\", hashes = { \"sh\u00e4\" = \"00\" } "
      "}]\n"
      "[tool.sparkenv.target-markers]\n\"m\u00e9\" = \"v\u00e9\"\n";
  Result<Lock> lock = ReadLock(text);
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  EXPECT_EQ(lock->created_by, "t\u00e9st \u0484 \u3001");
  EXPECT_EQ(lock->packages[0].index, "https://x/\u00f1");
  EXPECT_EQ(lock->packages[0].wheels[0].hashes.count("sh\u00e4"), 1u);
  EXPECT_EQ(lock->sparkenv->target_markers.at("m\u00e9"), "v\u00e9");
  Result<Lock> again = ReadLock(WriteLock(*lock).value());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(WriteLock(*again).value(), WriteLock(*lock).value());
  EXPECT_EQ(ReadLock("x = \"\xF3\xB0\x82\xA1\"\n", "p.toml").error().message(),
            "p.toml: invalid TOML: private-use code points of plane 15 are not supported");
}

}  // namespace
}  // namespace sparkenv::lock
