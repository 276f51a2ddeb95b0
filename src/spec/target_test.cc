#include "spec/target.h"

#include <gtest/gtest.h>

namespace sparkenv::spec {
namespace {

TargetOptions Options(std::string python, std::vector<std::string> platforms) {
  TargetOptions o;
  o.python = std::move(python);
  o.platforms = std::move(platforms);
  return o;
}

std::string DeclareError(const TargetOptions& options) {
  auto t = Target::FromOptions(options);
  return t ? "<ok>" : t.error().message();
}

std::string JsonError(std::string_view text) {
  auto t = Target::FromJson(text, "t.json");
  return t ? "<ok>" : t.error().message();
}

TEST(TargetTest, DeclaredMarkers) {
  auto t = Target::Declare(Options("3.11", {"manylinux_2_28_x86_64"}));
  ASSERT_TRUE(t.ok()) << t.error().message();
  MarkerEnvironment expected = {{"implementation_name", "cpython"},
                                {"implementation_version", "3.11.0"},
                                {"os_name", "posix"},
                                {"platform_machine", "x86_64"},
                                {"platform_python_implementation", "CPython"},
                                {"platform_release", ""},
                                {"platform_system", "Linux"},
                                {"platform_version", ""},
                                {"python_full_version", "3.11.0"},
                                {"python_version", "3.11"},
                                {"sys_platform", "linux"}};
  EXPECT_EQ(t->markers(), expected);

  auto mac = Target::Declare(Options("3.12.4", {"macosx_14_0_arm64"}));
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(mac->markers().at("python_full_version"), "3.12.4");
  EXPECT_EQ(mac->markers().at("implementation_version"), "3.12.4");
  EXPECT_EQ(mac->markers().at("sys_platform"), "darwin");
  EXPECT_EQ(mac->markers().at("platform_machine"), "arm64");
}

TEST(TargetTest, DeclaredTagsOrder) {
  auto t = Target::Declare(Options("3.11", {"manylinux_2_17_x86_64"}));
  ASSERT_TRUE(t.ok());
  const auto& tags = t->tags();
  // 14 manylinux tags + 3 legacy aliases... (13 levels 2_17..2_5 + 3 aliases) + linux_x86_64.
  ASSERT_EQ(tags.front().ToString(), "cp311-cp311-manylinux_2_17_x86_64");
  EXPECT_EQ(tags[1].ToString(), "cp311-cp311-manylinux2014_x86_64");
  EXPECT_EQ(tags[16].ToString(), "cp311-cp311-linux_x86_64");
  EXPECT_EQ(tags[17].ToString(), "cp311-abi3-manylinux_2_17_x86_64");
  EXPECT_EQ(tags.back().ToString(), "py30-none-any");
  EXPECT_EQ(t->Rank(*Tag::Parse("cp311-cp311-manylinux_2_17_x86_64")), 0u);
  EXPECT_EQ(t->Rank(*Tag::Parse("cp311-none-any")),
            t->Rank(*Tag::Parse("py311-none-any")).value() - 1);
  EXPECT_EQ(t->Rank(*Tag::Parse("cp312-cp312-manylinux_2_17_x86_64")), std::nullopt);
  EXPECT_EQ(t->Rank(*Tag::Parse("cp311-cp311-manylinux_2_28_x86_64")), std::nullopt);
}

TEST(TargetTest, Python37HasPymallocAbi) {
  auto t = Target::Declare(Options("3.7", {"linux_x86_64"}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tags().front().ToString(), "cp37-cp37m-linux_x86_64");
  auto t38 = Target::Declare(Options("3.8", {"linux_x86_64"}));
  EXPECT_EQ(t38->tags().front().ToString(), "cp38-cp38-linux_x86_64");
}

TEST(TargetTest, DebugAbiAlsoLoadsNormalModules) {
  auto o = Options("3.12", {"linux_x86_64"});
  o.abi = "cp312d";
  auto t = Target::Declare(o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tags()[0].ToString(), "cp312-cp312d-linux_x86_64");
  EXPECT_EQ(t->tags()[1].ToString(), "cp312-cp312-linux_x86_64");
  EXPECT_EQ(t->tags()[2].ToString(), "cp312-abi3-linux_x86_64");
}

TEST(TargetTest, OptionErrors) {
  EXPECT_EQ(DeclareError(Options("3.11.x", {"linux_x86_64"})),
            "invalid Python version '3.11.x': expected MAJOR.MINOR or MAJOR.MINOR.MICRO, e.g. "
            "'3.11' or '3.11.9'");
  EXPECT_EQ(DeclareError(Options("3.6", {"linux_x86_64"})),
            "unsupported Python version '3.6': sparkenv targets CPython 3.7 and later");
  EXPECT_EQ(DeclareError(Options("4.0", {"linux_x86_64"})),
            "unsupported Python version '4.0': sparkenv targets CPython 3.7 and later");
  EXPECT_EQ(DeclareError(Options("3.1234", {"linux_x86_64"})).substr(0, 32),
            "invalid Python version '3.1234':");
  auto o = Options("3.11", {"linux_x86_64"});
  o.implementation = "ironpython";
  EXPECT_EQ(DeclareError(o), "unknown implementation 'ironpython': expected 'cp' (CPython)");
  o.implementation = "CPython";
  EXPECT_EQ(DeclareError(o), "<ok>");
  o.abi = "cp310";
  EXPECT_EQ(DeclareError(o), "invalid ABI 'cp310' for Python 3.11: expected one of cp311, cp311d");
  o = Options("3.11", {"macosx_11_0_arm64", "manylinux_2_17_aarch64"});
  EXPECT_EQ(DeclareError(o),
            "platform 'manylinux_2_17_aarch64' conflicts with 'macosx_11_0_arm64': every "
            "--platform must describe the same machine (macOS arm64 vs Linux aarch64)");
  o = Options("3.11", {"linux_x86_64"});
  o.target_file = "t.json";
  o.abi = "cp311";
  EXPECT_EQ(DeclareError(o),
            "--target cannot be combined with --python, --platform, --abi: the target file "
            "'t.json' already describes the interpreter");
}

TEST(TargetTest, JsonRoundTrip) {
  auto t = Target::Declare(Options("3.12", {"musllinux_1_2_aarch64"}));
  ASSERT_TRUE(t.ok());
  auto back = Target::FromJson(t->ToJson(), "mem");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->markers(), t->markers());
  EXPECT_EQ(back->tags(), t->tags());
  EXPECT_EQ(back->ToJson(-1), t->ToJson(-1));
  EXPECT_EQ(t->ToJson(-1).substr(0, 34), "{\"markers\":{\"implementation_name\":");
}

TEST(TargetTest, PexFormat) {
  std::string text = R"({"path": "/usr/bin/python3", "compatible_tags": ["CP311-cp311-linux_x86_64",
      "py3-none-any", "py3-none-any"], "marker_environment": {"implementation_name": "cpython",
      "implementation_version": "3.11.2", "os_name": "posix", "platform_machine": "x86_64",
      "platform_python_implementation": "CPython", "platform_release": "6.1", "platform_system":
      "Linux", "platform_version": "#1", "python_full_version": "3.11.2", "python_version": "3.11",
      "sys_platform": "linux"}})";
  auto t = Target::FromJson(text, "pex.json");
  ASSERT_TRUE(t.ok()) << t.error().message();
  ASSERT_EQ(t->tags().size(), 2u);
  EXPECT_EQ(t->tags()[0].ToString(), "cp311-cp311-linux_x86_64");
  EXPECT_EQ(t->markers().at("platform_release"), "6.1");
}

TEST(TargetTest, JsonErrors) {
  EXPECT_EQ(JsonError("{\"tags\": [], \"markers\": {}}"),
            "target file 't.json': \"markers\" has no 'implementation_name': every PEP 508 marker "
            "variable must be given (use \"\" when unknown)");
  EXPECT_EQ(JsonError("{\"tags\": [1], \"markers\": {}}")
                .find("target file 't.json': \"markers\" has no '"),
            0u);
  EXPECT_EQ(
      JsonError("\"x\""),
      "target file 't.json' must hold a JSON object, not string: expected sparkenv's format "
      "{\"markers\": {...}, \"tags\": [...]} (as 'sparkenv target show --json' prints) or the "
      "output of 'pex3 interpreter inspect --markers --tags'");
  auto t = Target::Declare(Options("3.11", {"linux_x86_64"}));
  std::string json = t->ToJson(-1);
  std::string empty_tags = json.substr(0, json.find("\"tags\":")) + "\"tags\":[]}";
  EXPECT_EQ(JsonError(empty_tags), "target file 't.json': \"tags\" is empty");
  std::string bad = json.substr(0, json.find("\"tags\":")) + "\"tags\":[\"py3-none-any\", 7]}";
  EXPECT_EQ(JsonError(bad), "target file 't.json': \"tags\"[1] must be a string, not number");
}

}  // namespace
}  // namespace sparkenv::spec
