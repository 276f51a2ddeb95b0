#include "spec/wheel_filename.h"

#include <gtest/gtest.h>

#include "spec/target.h"

namespace sparkenv::spec {
namespace {

std::string WheelError(std::string_view filename, bool validate_order = false) {
  auto w = WheelFilename::Parse(filename, validate_order);
  return w ? "<ok>" : w.error().message();
}

std::string SdistError(std::string_view filename) {
  auto s = SdistFilename::Parse(filename);
  return s ? "<ok>" : s.error().message();
}

TEST(WheelFilenameTest, ParsesAllParts) {
  auto w = WheelFilename::Parse(
      "Some_Package-1.0.post1-42abc-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_EQ(w->name(), "some-package");
  EXPECT_EQ(w->version().ToString(), "1.0.post1");
  ASSERT_TRUE(w->build().has_value());
  EXPECT_EQ(w->build()->number, 42u);
  EXPECT_EQ(w->build()->suffix, "abc");
  ASSERT_EQ(w->tags().size(), 2u);
  EXPECT_EQ(w->tags()[0].ToString(), "cp311-cp311-manylinux_2_17_x86_64");
  EXPECT_EQ(
      w->ToString(),
      "Some_Package-1.0.post1-42abc-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  EXPECT_EQ(*WheelFilename::Parse(w->ToString()), *w);

  auto plain = WheelFilename::Parse("foo-2-py2.py3-none-any.whl");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->build().has_value());
  EXPECT_EQ(plain->tags().size(), 2u);
}

TEST(WheelFilenameTest, BuildTagsSortByNumberThenText) {
  BuildTag a{9, ""}, b{10, ""}, c{10, "a"}, d{10, "b"};
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
  EXPECT_EQ(d.ToString(), "10b");
}

TEST(WheelFilenameTest, RankAgainstTarget) {
  TargetOptions o;
  o.python = "3.11";
  o.platforms = {"manylinux_2_28_x86_64"};
  auto target = Target::Declare(o);
  ASSERT_TRUE(target.ok());
  auto rank = [&](std::string_view f) { return WheelFilename::Parse(f)->Rank(*target); };
  auto native = rank("numpy-2.0.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl");
  auto older = rank("numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  auto abi3 = rank("cryptography-42.0.0-cp39-abi3-manylinux_2_28_x86_64.whl");
  auto pure = rank("six-1.16.0-py2.py3-none-any.whl");
  auto local = rank("mylib-1.0-cp311-cp311-linux_x86_64.whl");
  ASSERT_TRUE(native && older && abi3 && pure && local);
  EXPECT_EQ(*native, 0u);
  EXPECT_LT(*native, *older);
  EXPECT_LT(*older, *local);
  EXPECT_LT(*local, *abi3);
  EXPECT_LT(*abi3, *pure);
  EXPECT_EQ(rank("numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl"), std::nullopt);
  EXPECT_EQ(rank("numpy-2.0.0-cp311-cp311-manylinux_2_31_x86_64.whl"), std::nullopt);
  EXPECT_EQ(rank("numpy-2.0.0-cp311-cp311-musllinux_1_1_x86_64.whl"), std::nullopt);
  EXPECT_EQ(rank("numpy-2.0.0-cp311-cp311-win_amd64.whl"), std::nullopt);
}

TEST(WheelFilenameTest, ErrorsNameTheFilenameAndTheRule) {
  EXPECT_EQ(WheelError("foo-1.0-py3-none-any.wheel"),
            "invalid wheel filename 'foo-1.0-py3-none-any.wheel': the extension must be '.whl'");
  EXPECT_EQ(WheelError("foo-1.0.whl"),
            "invalid wheel filename 'foo-1.0.whl': expected NAME-VERSION[-BUILD]-PYTHON-ABI-"
            "PLATFORM.whl, which has 5 or 6 '-'-separated parts, not 2");
  EXPECT_EQ(WheelError("foo__bar-1.0-py3-none-any.whl"),
            "invalid wheel filename 'foo__bar-1.0-py3-none-any.whl': the project name 'foo__bar' "
            "may hold only letters, digits, '_' and '.', and no '__' (binary distribution format)");
  EXPECT_EQ(WheelError("-1.0-py3-none-any.whl"),
            "invalid wheel filename '-1.0-py3-none-any.whl': the project name is empty");
  EXPECT_EQ(WheelError("foo-1.0-abc-py3-none-any.whl"),
            "invalid wheel filename 'foo-1.0-abc-py3-none-any.whl': the build tag 'abc' must "
            "start with a digit");
  EXPECT_EQ(WheelError("foo-1.0-99999999999999999999-py3-none-any.whl"),
            "invalid wheel filename 'foo-1.0-99999999999999999999-py3-none-any.whl': the build "
            "number in '99999999999999999999' is too large");
  EXPECT_EQ(WheelError("foo-1.0-py3.-none-any.whl"),
            "invalid wheel filename 'foo-1.0-py3.-none-any.whl': invalid tag 'py3.-none-any': "
            "empty interpreter component in 'py3.'");
  EXPECT_EQ(
      WheelError("foo-1.0-py3.py2-none-any.whl", true),
      "invalid wheel filename 'foo-1.0-py3.py2-none-any.whl': invalid tag 'py3.py2-none-any': "
      "the compressed interpreter set 'py3.py2' is not in sorted order (PEP 425)");
  std::string version_error = WheelError("foobar-1.x-py3-none-any.whl");
  EXPECT_EQ(version_error.substr(0, 62),
            "invalid wheel filename 'foobar-1.x-py3-none-any.whl': invalid ");
  EXPECT_NE(version_error.find("'1.x'"), std::string::npos) << version_error;
  // Not UTF-8: rejected as a name.
  EXPECT_NE(WheelError("f\xff-1.0-py3-none-any.whl").find("the project name 'f\xff' may hold only"),
            std::string::npos);
  EXPECT_EQ(WheelError("foo_b\xc3\xa1r-1.0-py3-none-any.whl"), "<ok>");
}

TEST(SdistFilenameTest, Parses) {
  auto s = SdistFilename::Parse("Foo.Bar-1.0rc1.tar.gz");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name(), "foo-bar");
  EXPECT_EQ(s->version().ToString(), "1.0rc1");
  EXPECT_EQ(s->format(), SdistFormat::kTarGz);
  auto z = SdistFilename::Parse("my-pkg-2.0.zip");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->name(), "my-pkg");
  EXPECT_EQ(z->format(), SdistFormat::kZip);
  EXPECT_EQ(SdistError("foo-1.0.xz"),
            "invalid sdist filename 'foo-1.0.xz': the extension must be '.tar.gz' or '.zip'");
  EXPECT_EQ(SdistError("foo1.0.tar.gz"),
            "invalid sdist filename 'foo1.0.tar.gz': expected NAME-VERSION.tar.gz or "
            "NAME-VERSION.zip (no '-' found)");
  EXPECT_EQ(SdistError("-1.0.zip"), "invalid sdist filename '-1.0.zip': the project name is empty");
}

}  // namespace
}  // namespace sparkenv::spec
