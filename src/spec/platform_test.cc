#include "spec/platform.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sparkenv::spec {
namespace {

std::string ParseError(std::string_view text) {
  auto p = Platform::Parse(text);
  return p ? "<ok>" : p.error().message();
}

bool Has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(PlatformTest, ParsesEveryForm) {
  auto p = Platform::Parse("ManyLinux_2_28_X86_64");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind(), PlatformKind::kManylinux);
  EXPECT_EQ(p->major(), 2);
  EXPECT_EQ(p->minor(), 28);
  EXPECT_EQ(p->arch(), "x86_64");
  EXPECT_EQ(p->ToString(), "manylinux_2_28_x86_64");

  EXPECT_EQ(Platform::Parse("manylinux2014_aarch64")->ToString(), "manylinux_2_17_aarch64");
  EXPECT_EQ(Platform::Parse("manylinux2010_x86_64")->ToString(), "manylinux_2_12_x86_64");
  EXPECT_EQ(Platform::Parse("manylinux1_i686")->ToString(), "manylinux_2_5_i686");
  EXPECT_EQ(Platform::Parse("musllinux_1_2_armv7l")->ToString(), "musllinux_1_2_armv7l");
  EXPECT_EQ(Platform::Parse("linux_s390x")->ToString(), "linux_s390x");
  auto mac = Platform::Parse("macosx_14_0_arm64");
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(mac->ToString(), "macosx_14_0_arm64");
  EXPECT_EQ(mac->sys_platform(), "darwin");
  EXPECT_EQ(mac->platform_system(), "Darwin");
  EXPECT_EQ(mac->LinuxFallback(), "");
  EXPECT_EQ(p->sys_platform(), "linux");
  EXPECT_EQ(p->platform_system(), "Linux");
  EXPECT_EQ(p->LinuxFallback(), "linux_x86_64");
}

TEST(PlatformTest, ErrorsNameTheTagAndTheRule) {
  EXPECT_EQ(ParseError("win_amd64"),
            "unknown platform tag 'win_amd64': expected manylinux_2_<glibc minor>_<arch>, "
            "musllinux_1_<musl minor>_<arch>, linux_<arch> or macosx_<major>_<minor>_<arch>, e.g. "
            "'manylinux_2_28_x86_64'");
  EXPECT_EQ(ParseError("manylinux_2_x86_64").substr(0, 42),
            "unknown platform tag 'manylinux_2_x86_64':");
  EXPECT_EQ(ParseError("manylinux_3_1_x86_64"),
            "unsupported glibc version 3.1 in platform tag 'manylinux_3_1_x86_64': manylinux tags "
            "are manylinux_2_<glibc minor>_<arch>");
  EXPECT_EQ(ParseError("manylinux_2_4_x86_64"),
            "platform tag 'manylinux_2_4_x86_64' is older than manylinux supports on x86_64: the "
            "oldest is manylinux_2_5_x86_64");
  EXPECT_EQ(ParseError("manylinux1_aarch64"),
            "platform tag 'manylinux1_aarch64' does not exist: manylinux for aarch64 starts at "
            "manylinux2014 (glibc 2.17)");
  EXPECT_EQ(ParseError("musllinux_2_0_x86_64"),
            "unsupported musl version 2.0 in platform tag 'musllinux_2_0_x86_64': musllinux tags "
            "are musllinux_1_<musl minor>_<arch>");
  EXPECT_EQ(ParseError("manylinux_2_100_x86_64"),
            "platform tag 'manylinux_2_100_x86_64' has a glibc minor version above 99");
  EXPECT_EQ(ParseError("linux_amd64"),
            "unknown architecture 'amd64' in platform tag 'linux_amd64': expected one of x86_64, "
            "i686, aarch64, armv7l, ppc64, ppc64le, s390x, riscv64, loongarch64");
  EXPECT_EQ(ParseError("macosx_11_0_universal2"),
            "unsupported macOS architecture 'universal2' in platform tag 'macosx_11_0_universal2': "
            "name the machine's own architecture, one of x86_64, arm64");
  EXPECT_EQ(ParseError("macosx_10_3_x86_64"),
            "platform tag 'macosx_10_3_x86_64' is older than wheels support: the oldest is "
            "macosx_10_4_x86_64");
  EXPECT_EQ(ParseError("manylinux_99999_1_x86_64").substr(0, 22), "unknown platform tag '");
  EXPECT_EQ(ParseError(""), ParseError("") /* no crash */);
}

TEST(PlatformTest, ManylinuxExpansion) {
  auto tags = Platform::Parse("manylinux_2_28_aarch64")->Compatible();
  ASSERT_EQ(tags.size(), 13u);
  EXPECT_EQ(tags.front(), "manylinux_2_28_aarch64");
  EXPECT_EQ(tags[11], "manylinux_2_17_aarch64");
  EXPECT_EQ(tags[12], "manylinux2014_aarch64");

  tags = Platform::Parse("manylinux_2_17_x86_64")->Compatible();
  std::vector<std::string> expected;
  for (int minor = 17; minor >= 5; --minor) {
    expected.push_back("manylinux_2_" + std::to_string(minor) + "_x86_64");
    if (minor == 17) expected.push_back("manylinux2014_x86_64");
    if (minor == 12) expected.push_back("manylinux2010_x86_64");
    if (minor == 5) expected.push_back("manylinux1_x86_64");
  }
  EXPECT_EQ(tags, expected);
  EXPECT_FALSE(Has(tags, "linux_x86_64"));
}

TEST(PlatformTest, ManylinuxAcrossGlibcMajors) {
  // packaging assumes 50 minors for an older glibc major.
  auto tags = ManylinuxPlatforms(3, 1, {"aarch64"});
  EXPECT_EQ(tags[0], "manylinux_3_1_aarch64");
  EXPECT_EQ(tags[1], "manylinux_3_0_aarch64");
  EXPECT_EQ(tags[2], "manylinux_2_50_aarch64");
  EXPECT_EQ(tags.back(), "manylinux2014_aarch64");
  EXPECT_TRUE(ManylinuxPlatforms(2, 16, {"aarch64"}).empty());
}

TEST(PlatformTest, MusllinuxExpansion) {
  EXPECT_EQ(Platform::Parse("musllinux_1_2_x86_64")->Compatible(),
            (std::vector<std::string>{"musllinux_1_2_x86_64", "musllinux_1_1_x86_64",
                                      "musllinux_1_0_x86_64"}));
  EXPECT_EQ(MusllinuxPlatforms(1, 1, {"armv8l", "armv7l"}),
            (std::vector<std::string>{"musllinux_1_1_armv8l", "musllinux_1_0_armv8l",
                                      "musllinux_1_1_armv7l", "musllinux_1_0_armv7l"}));
}

// packaging tests/test_tags.py TestMacOSPlatforms.test_mac_platforms.
TEST(PlatformTest, MacPlatformsMatchPackaging) {
  EXPECT_EQ(MacPlatforms(10, 5, "x86_64"),
            (std::vector<std::string>{
                "macosx_10_5_x86_64", "macosx_10_5_intel", "macosx_10_5_fat64", "macosx_10_5_fat3",
                "macosx_10_5_universal2", "macosx_10_5_universal", "macosx_10_4_x86_64",
                "macosx_10_4_intel", "macosx_10_4_fat64", "macosx_10_4_fat3",
                "macosx_10_4_universal2", "macosx_10_4_universal"}));
  EXPECT_EQ(MacPlatforms(10, 17, "x86_64").size(), 14u * 6u);
  EXPECT_TRUE(MacPlatforms(10, 0, "x86_64").empty());
}

TEST(PlatformTest, MacArm64) {
  auto tags = Platform::Parse("macosx_11_0_arm64")->Compatible();
  std::vector<std::string> expected = {"macosx_11_0_arm64", "macosx_11_0_universal2"};
  for (int minor = 16; minor >= 4; --minor) {
    expected.push_back("macosx_10_" + std::to_string(minor) + "_universal2");
  }
  EXPECT_EQ(tags, expected);
  // Minor releases after 11 are mid-year updates: 12.3 generates 12_0 and 11_0.
  tags = Platform::Parse("macosx_12_3_arm64")->Compatible();
  EXPECT_EQ(tags[0], "macosx_12_0_arm64");
  EXPECT_EQ(tags[2], "macosx_11_0_arm64");
  EXPECT_FALSE(Has(tags, "macosx_12_3_arm64"));
}

}  // namespace
}  // namespace sparkenv::spec
