#include "spec/name.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace sparkenv::spec {
namespace {

TEST(NameTest, Normalizes) {
  EXPECT_EQ(NormalizeName("Django"), "django");
  EXPECT_EQ(NormalizeName("oslo.concurrency"), "oslo-concurrency");
  EXPECT_EQ(NormalizeName("Foo.-_Bar__baz"), "foo-bar-baz");
  EXPECT_EQ(NormalizeName("_not_legal"), "-not-legal");  // not validated
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeExtra("Dev_Tools"), "dev-tools");
}

TEST(NameTest, Validity) {
  for (const char* ok : {"a", "A", "0", "foo", "Foo.Bar", "a-b_c.d", "a..b", "1a"}) {
    EXPECT_TRUE(IsValidName(ok)) << ok;
  }
  for (const char* bad : {"", "-a", "a-", "_a", "a.", "a b", "a+b", "caf\xc3\xa9"}) {
    EXPECT_FALSE(IsValidName(bad)) << bad;
  }
  auto err = [](std::string_view s) { return ValidateName(s).error().message(); };
  EXPECT_EQ(err(""), "invalid project name '': empty name");
  EXPECT_EQ(err("a b"),
            "invalid project name 'a b': invalid character ' ' (allowed: ASCII letters, digits, "
            "'.', '-', '_')");
  EXPECT_EQ(err("-a"),
            "invalid project name '-a': must start and end with an ASCII letter or digit");
}

TEST(NameTest, IsNormalizedName) {
  for (const char* yes : {"a", "foo", "foo-bar", "1-2-3"})
    EXPECT_TRUE(IsNormalizedName(yes)) << yes;
  for (const char* no : {"", "Foo", "foo_bar", "foo.bar", "foo--bar", "-foo", "foo-"}) {
    EXPECT_FALSE(IsNormalizedName(no)) << no;
  }
}

TEST(NameTest, PackageNameComparesNormalized) {
  auto a = PackageName::Parse("Django_Rest.Framework");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->as_given(), "Django_Rest.Framework");
  EXPECT_EQ(a->normalized(), "django-rest-framework");
  EXPECT_EQ(a->ToString(), "django-rest-framework");
  auto b = PackageName::Parse(a->ToString());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  std::unordered_set<PackageName> set{*a};
  EXPECT_EQ(set.count(*b), 1u);
  EXPECT_LT(*PackageName::Parse("abc"), *PackageName::Parse("ABD"));
  auto bad = PackageName::Parse("foo bar");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace sparkenv::spec
