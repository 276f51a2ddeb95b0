// Runs the test tables of pypa/packaging 26.3 tests/test_tags.py
// (tests/fixtures/packaging/tags.json) against spec/tags, spec/platform and
// spec/target. Every table in the file is either run here or listed in
// kNotApplicable with the reason (docs/targets.md repeats the list); a table
// that is neither fails the suite, so a new extraction cannot be skipped
// silently.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "spec/platform.h"
#include "spec/tags.h"
#include "spec/target.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using testing::LoadPackagingExpected;
using testing::LoadPackagingFile;
using testing::LoadPackagingTable;

constexpr const char* kFile = "tags";

// Tables about detecting the *running* interpreter and host (sysconfig,
// sys.maxsize, ELF headers, platform.mac_ver, the _manylinux module). A
// declared target has no host to detect: the user states these facts.
const std::map<std::string, std::string> kNotApplicable = {
    {"TestBitness.test_32bit_interpreter", "host detection (sys.maxsize, pointer size)"},
    {"TestCPythonABI.test_wide_unicode", "Python 3.2 'u' ABI: targets start at 3.7"},
    {"TestGenericTags.test__generic_abi_cpython_missing_version", "host EXT_SUFFIX"},
    {"TestGenericTags.test__generic_abi_error", "host EXT_SUFFIX"},
    {"TestGenericTags.test_abi_unspecified", "host EXT_SUFFIX (generic_tags)"},
    {"TestMacOSPlatforms.test_arch_detection", "host detection (platform.mac_ver)"},
    {"TestMacOSPlatforms.test_architectures", "host detection (32-bit interpreter on macOS)"},
    {"TestManylinuxPlatform.test_linux_platforms_32_64bit_on_64bit_os",
     "host detection (32-bit interpreter on a 64-bit kernel)"},
    {"TestManylinuxPlatform.test_linux_platforms_manylinux2014_armhf_abi",
     "host detection (ELF header of sys.executable)"},
    {"TestManylinuxPlatform.test_linux_platforms_not_manylinux_abi",
     "host detection (ELF header of sys.executable)"},
    {"TestSysTags.test_interpreter_name", "host detection (sys.implementation.name)"},
    {"TestSysTags.test_linux_platforms_not_manylinux_abi",
     "host detection (ELF header of sys.executable)"},
    {"TestSysTags.test_linux_use_manylinux_compatible", "host's _manylinux module override"},
    {"test_platform_tags", "host detection (platform.system dispatch)"},
};

std::vector<std::string> Strings(const std::vector<Tag>& tags) {
  std::vector<std::string> out;
  for (const Tag& tag : tags) out.push_back(tag.ToString());
  return out;
}

// The set of tags a fixture value {"$type": "set", "value": [{"$type": "Tag",
// "value": "..."}]} holds.
std::set<std::string> TagSet(const json& value) {
  std::set<std::string> out;
  for (const json& tag : value.at("value")) out.insert(tag.at("value").get<std::string>());
  return out;
}

void ExpectParseError(const std::string& table) {
  const json cases = LoadPackagingTable(kFile, table);
  const json expected = LoadPackagingExpected(kFile, table);
  ASSERT_EQ(cases.size(), expected.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string tag = cases[i][0];
    SCOPED_TRACE(tag);
    ASSERT_TRUE(expected[i]["result"].contains("error"));  // packaging rejects it too
    EXPECT_FALSE(Tag::ParseSet(tag).ok());
    EXPECT_FALSE(Tag::Parse(tag).ok());
  }
}

// The CPython ABIs (not abi3/none) of a declared target, in tag order.
std::vector<std::string> DeclaredAbis(const std::string& python, const std::string& abi) {
  TargetOptions o;
  o.python = python;
  o.platforms = {"linux_x86_64"};
  o.abi = abi;
  auto target = Target::Declare(o);
  EXPECT_TRUE(target.ok()) << target.error().message();
  std::vector<std::string> abis;
  if (!target.ok()) return abis;
  for (const Tag& tag : target->tags()) {
    if (tag.interpreter() != "cp" + std::string(1, python[0]) + python.substr(2)) continue;
    if (tag.abi() == "abi3" || tag.abi() == "abi3t" || tag.abi() == "none") continue;
    if (std::find(abis.begin(), abis.end(), tag.abi()) == abis.end()) abis.push_back(tag.abi());
  }
  return abis;
}

std::string PythonOf(const json& version) {
  return std::to_string(version[0].get<int>()) + "." + std::to_string(version[1].get<int>());
}

const std::map<std::string, std::function<void(const std::string&)>>& Handlers() {
  static const auto* handlers = new std::map<std::string, std::function<void(const std::string&)>>{
      {"TestParseTag.test_empty_component_raises", ExpectParseError},
      {"TestParseTag.test_invalid_component_count_raises", ExpectParseError},
      {"TestParseTag.test_invalid_interpreter_raises", ExpectParseError},
      {"TestParseTag.test_identifier_interpreter_is_valid",
       [](const std::string& table) {
         const json cases = LoadPackagingTable(kFile, table);
         const json expected = LoadPackagingExpected(kFile, table);
         ASSERT_EQ(cases.size(), expected.size());
         for (size_t i = 0; i < cases.size(); ++i) {
           const std::string text = cases[i][0].get<std::string>() + "-none-any";
           auto tags = Tag::ParseSet(text);
           ASSERT_TRUE(tags.ok()) << tags.error().message();
           auto strings = Strings(*tags);
           EXPECT_EQ(std::set<std::string>(strings.begin(), strings.end()),
                     TagSet(expected[i]["result"]["value"]));
         }
       }},
      {"TestCPythonTags.test_skip_redundant_abis",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           auto abis = row[0].get<std::vector<std::string>>();
           EXPECT_EQ(Strings(CpythonTags(3, 0, abis, {"any"})),
                     (std::vector<std::string>{"cp30-none-any"}));
         }
       }},
      // _cpython_abis for a build configuration <-> the ABI a declared
      // target states (--abi); the default ABI is the default build's.
      {"TestCPythonABI.test__debug_cp38",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           const bool debug = row[0].get<bool>();
           EXPECT_EQ(DeclaredAbis("3.8", debug ? "cp38d" : ""),
                     row[1].get<std::vector<std::string>>());
         }
       }},
      {"TestCPythonABI.test_debug",  // 3.7 built without pymalloc
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           const bool debug = row[2].get<bool>();
           EXPECT_EQ(DeclaredAbis("3.7", debug ? "cp37d" : "cp37"),
                     (std::vector<std::string>{debug ? "cp37d" : "cp37"}));
         }
       }},
      {"TestCPythonABI.test_pymalloc",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           const bool pymalloc_off = !row[0].is_null() && row[0].get<int>() == 0;
           const std::string python = PythonOf(row[1]);
           const std::string base = "cp" + std::string(1, python[0]) + python.substr(2);
           const bool result = row[2].get<bool>();
           SCOPED_TRACE(row.dump());
           // pymalloc on (1) or unknown (None) is the default build.
           EXPECT_EQ(DeclaredAbis(python, pymalloc_off ? base : ""),
                     (std::vector<std::string>{result ? base + "m" : base}));
         }
       }},
      {"TestInterpreterVersion.test_sys_version_info",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           const int major = row[0][0], minor = row[0][1];
           const std::string nodot = row[1];
           EXPECT_EQ(CompatibleTags(major, minor, "", {"any"})[0].interpreter(), "py" + nodot);
           EXPECT_EQ(CpythonTags(major, minor, {}, {"any"})[0].interpreter(), "cp" + nodot);
         }
       }},
      {"TestMacOSPlatforms.test_binary_formats",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           SCOPED_TRACE(row.dump());
           EXPECT_EQ(MacBinaryFormats(row[0][0], row[0][1], row[1].get<std::string>()),
                     row[2].get<std::vector<std::string>>());
         }
       }},
      {"TestMacOSPlatforms.test_macos_11",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           const int major = row[0], minor = row[1];
           SCOPED_TRACE(row.dump());
           auto has = [](const std::vector<std::string>& list, const char* item) {
             return std::find(list.begin(), list.end(), item) != list.end();
           };
           auto x86 = MacPlatforms(major, minor, "x86_64");
           EXPECT_FALSE(has(x86, "macosx_11_0_arm64"));
           EXPECT_TRUE(has(x86, "macosx_11_0_x86_64"));
           EXPECT_FALSE(has(x86, "macosx_11_3_x86_64"));
           EXPECT_TRUE(has(x86, "macosx_11_0_universal"));
           EXPECT_TRUE(has(x86, "macosx_11_0_universal2"));
           EXPECT_TRUE(has(x86, "macosx_10_16_x86_64"));
           EXPECT_TRUE(has(x86, "macosx_10_15_x86_64"));
           EXPECT_TRUE(has(x86, "macosx_10_15_universal2"));
           EXPECT_TRUE(has(x86, "macosx_10_4_x86_64"));
           EXPECT_FALSE(has(x86, "macosx_10_3_x86_64"));
           if (major >= 12) {
             EXPECT_TRUE(has(x86, "macosx_12_0_x86_64"));
             EXPECT_TRUE(has(x86, "macosx_12_0_universal"));
             EXPECT_TRUE(has(x86, "macosx_12_0_universal2"));
           }
           auto arm = MacPlatforms(major, minor, "arm64");
           EXPECT_TRUE(has(arm, "macosx_11_0_arm64"));
           EXPECT_FALSE(has(arm, "macosx_11_3_arm64"));
           EXPECT_FALSE(has(arm, "macosx_11_0_universal"));
           EXPECT_TRUE(has(arm, "macosx_11_0_universal2"));
           EXPECT_TRUE(has(arm, "macosx_10_15_universal2"));
           EXPECT_FALSE(has(arm, "macosx_10_15_x86_64"));
           EXPECT_FALSE(has(arm, "macosx_10_4_x86_64"));
           EXPECT_FALSE(has(arm, "macosx_10_3_x86_64"));
           if (major >= 12) {
             EXPECT_TRUE(has(arm, "macosx_12_0_arm64"));
             EXPECT_TRUE(has(arm, "macosx_12_0_universal2"));
           }
           // The same through a declared platform tag.
           auto declared = Platform::Parse("macosx_" + std::to_string(major) + "_" +
                                           std::to_string(minor) + "_arm64");
           ASSERT_TRUE(declared.ok());
           EXPECT_EQ(declared->Compatible(), arm);
         }
       }},
      // The musllinux part of _linux_platforms; the test's stacked decorators
      // (native_arch, cross32_arch, musl_version) x (cross32) are combined here.
      {"TestManylinuxPlatform.test_linux_platforms_musllinux[native_arch,cross32_arch,musl_"
       "version]",
       [](const std::string& table) {
         const json cross = LoadPackagingTable(
             kFile, "TestManylinuxPlatform.test_linux_platforms_musllinux[cross32]");
         ASSERT_EQ(cross.size(), 2u);
         for (const json& row : LoadPackagingTable(kFile, table)) {
           for (const json& c : cross) {
             const bool cross32 = c[0].get<bool>();
             const std::string arch = cross32 ? row[1] : row[0];
             std::vector<std::string> archs = {arch};
             if (arch == "armv8l") archs = {"armv8l", "armv7l"};
             const int major = row[2][0], minor = row[2][1];
             std::vector<std::string> expected;
             for (const std::string& a : archs) {
               for (int m = minor; m >= 0; --m) {
                 expected.push_back("musllinux_" + std::to_string(major) + "_" + std::to_string(m) +
                                    "_" + a);
               }
             }
             EXPECT_EQ(MusllinuxPlatforms(major, minor, archs), expected) << row.dump();
           }
         }
       }},
      {"TestManylinuxPlatform.test_linux_platforms_musllinux[cross32]",
       [](const std::string&) { /* combined with the table above */ }},
      {"test_create_compatible_tags_selector",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           SCOPED_TRACE(row.dump());
           std::vector<Tag> supported;
           for (const std::string t : row[0]) supported.emplace_back("py3", "none", t);
           RankedTags ranked(supported);
           std::vector<std::pair<size_t, std::string>> ranked_things;
           for (const std::string t : row[1]) {
             auto tags = Tag::ParseSet("py3-none-" + t);
             ASSERT_TRUE(tags.ok());
             if (auto rank = ranked.BestRank(*tags)) ranked_things.emplace_back(*rank, t);
           }
           std::stable_sort(ranked_things.begin(), ranked_things.end(),
                            [](const auto& a, const auto& b) { return a.first < b.first; });
           std::vector<std::string> selected;
           for (const auto& [rank, t] : ranked_things) selected.push_back(t);
           EXPECT_EQ(selected, row[2].get<std::vector<std::string>>());
         }
       }},
      {"test_pickle_tag_roundtrip",
       [](const std::string& table) {
         for (const json& row : LoadPackagingTable(kFile, table)) {
           Tag tag(row[0].get<std::string>(), row[1].get<std::string>(), row[2].get<std::string>());
           auto back = Tag::Parse(tag.ToString());
           ASSERT_TRUE(back.ok()) << back.error().message();
           EXPECT_EQ(*back, tag);
           EXPECT_EQ(back->interpreter(), row[0].get<std::string>());
         }
       }},
  };
  return *handlers;
}

TEST(PackagingTagsFixtures, EveryTableIsRunOrExplained) {
  const json& doc = LoadPackagingFile(kFile);
  ASSERT_FALSE(doc.is_null());
  size_t run = 0;
  for (const auto& [name, table] : doc["tables"].items()) {
    const bool handled = Handlers().contains(name);
    const bool skipped = kNotApplicable.contains(name);
    EXPECT_TRUE(handled != skipped)
        << "table " << name << " must be either run or listed as not applicable";
    if (handled) ++run;
  }
  EXPECT_EQ(run, Handlers().size()) << "a handler names a table that is not in tags.json";
}

TEST(PackagingTagsFixtures, RunEveryApplicableTable) {
  for (const auto& [name, handler] : Handlers()) {
    SCOPED_TRACE(name);
    handler(name);
  }
}

}  // namespace
}  // namespace sparkenv::spec
