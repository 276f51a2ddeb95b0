#include "env/lock_target.h"

#include <gtest/gtest.h>

namespace sparkenv::env {
namespace {

lock::SparkenvTool ToolFor(const spec::Target& t) {
  lock::SparkenvTool tool;
  tool.target_markers.insert(t.markers().begin(), t.markers().end());
  tool.target_tag_count = static_cast<int64_t>(t.tags().size());
  tool.target_tags_sha256 = TagsSha256(t);
  return tool;
}

spec::Target Declared(const std::string& python, std::vector<std::string> platforms,
                      const std::string& abi = "") {
  spec::TargetOptions o;
  o.python = python;
  o.platforms = std::move(platforms);
  o.abi = abi;
  auto t = spec::Target::Declare(o);
  EXPECT_TRUE(t.ok()) << t.error().message();
  return *t;
}

spec::WheelFilename Wheel(const std::string& name) { return *spec::WheelFilename::Parse(name); }

TEST(LockTargetTest, RecoversTargetsDeclaredWithOnePlatform) {
  for (const spec::Target& t :
       {Declared("3.11", {"manylinux_2_28_x86_64"}), Declared("3.12.4", {"musllinux_1_2_aarch64"}),
        Declared("3.13", {"manylinux_2_17_x86_64"}, "cp313t"),
        Declared("3.12", {"macosx_11_0_arm64"}), Declared("3.9", {"linux_x86_64"})}) {
    auto recovered = RecoverTarget(ToolFor(t));
    ASSERT_TRUE(recovered) << t.ToJson(-1).substr(0, 200);
    EXPECT_EQ(recovered->tags(), t.tags());
  }
  // Two platforms: not recoverable.
  EXPECT_FALSE(
      RecoverTarget(ToolFor(Declared("3.11", {"manylinux_2_28_x86_64", "musllinux_1_2_x86_64"}))));
}

TEST(LockTargetTest, WheelsFitByTheirTags) {
  const lock::SparkenvTool tool = ToolFor(Declared("3.11", {"manylinux_2_28_x86_64"}));
  auto fits = [&](const std::string& name) {
    auto r = WheelFitsTarget(Wheel(name), tool, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() && *r;
  };
  EXPECT_TRUE(fits("demo-1.0-py3-none-any.whl"));
  EXPECT_TRUE(fits("demo-1.0-py2.py3-none-any.whl"));
  EXPECT_TRUE(fits("demo-1.0-cp311-none-any.whl"));
  EXPECT_FALSE(fits("demo-1.0-py2-none-any.whl"));
  EXPECT_FALSE(fits("demo-1.0-cp312-none-any.whl"));
  EXPECT_TRUE(fits("demo-1.0-cp311-cp311-linux_x86_64.whl"));  // a local build (targets.md)
  EXPECT_TRUE(fits("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"));
  EXPECT_FALSE(fits("demo-1.0-cp312-cp312-linux_x86_64.whl"));
  EXPECT_FALSE(fits("demo-1.0-cp311-cp311-linux_aarch64.whl"));
  EXPECT_FALSE(fits("demo-1.0-cp311-cp311-manylinux_2_34_x86_64.whl"));

  // Not pure and not recoverable: the error asks for the target.
  const lock::SparkenvTool two =
      ToolFor(Declared("3.11", {"manylinux_2_28_x86_64", "musllinux_1_2_x86_64"}));
  auto r = WheelFitsTarget(Wheel("demo-1.0-cp311-cp311-linux_x86_64.whl"), two, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot tell whether 'demo-1.0-cp311-cp311-linux_x86_64.whl' fits the lock's target "
            "CPython 3.11 on linux x86_64: the lock records only a hash of the target's tags, "
            "and they are not those of a target declared with one --platform; give the target "
            "to 'sparkenv build' as to 'sparkenv lock' (--target FILE, or --python and "
            "--platform)");
  // With the target given, it is decided.
  auto given = Declared("3.11", {"manylinux_2_28_x86_64", "musllinux_1_2_x86_64"});
  EXPECT_TRUE(CheckGivenTarget(given, two).ok());
  r = WheelFitsTarget(Wheel("demo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl"), two, given);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
}

TEST(LockTargetTest, AGivenTargetMustBeTheLocks) {
  const lock::SparkenvTool tool = ToolFor(Declared("3.11", {"manylinux_2_28_x86_64"}));
  Status s = CheckGivenTarget(Declared("3.12", {"manylinux_2_28_x86_64"}), tool);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "the target given is not the lock's: implementation_version is '3.12.0', the lock's "
            "is '3.11.0'");
  s = CheckGivenTarget(Declared("3.11", {"manylinux_2_17_x86_64"}), tool);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "the target given is not the lock's: its 439 tags are not the lock's 714");
  EXPECT_EQ(DescribeTarget(Declared("3.11", {"manylinux_2_28_x86_64"}).markers()),
            "CPython 3.11 on linux x86_64");
}

}  // namespace
}  // namespace sparkenv::env
