#include "spec/version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <unordered_set>

namespace sparkenv::spec {
namespace {

Version V(std::string_view text) {
  auto v = Version::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : *Version::Parse("0");
}

std::string Norm(std::string_view text) {
  auto v = Version::Parse(text);
  return v.ok() ? v->ToString() : "ERROR: " + v.error().message();
}

TEST(VersionTest, NormalizesSpellings) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"1.0", "1.0"},
      {"v1.0", "1.0"},
      {"V1.0", "1.0"},
      {"  1.0\t\n", "1.0"},
      {"\xc2\xa0"
       "1.0"
       "\xe3\x80\x80",
       "1.0"},  // U+00A0 and U+3000 count as space
      {"\x1c"
       "1.0",
       "1.0"},
      {"01!02.003", "1!2.3"},
      {"0!1.0", "1.0"},
      {"1.0alpha1", "1.0a1"},
      {"1.0-A-1", "1.0a1"},
      {"1.0.beta_2", "1.0b2"},
      {"1.0c1", "1.0rc1"},
      {"1.0pre", "1.0rc0"},
      {"1.0preview2", "1.0rc2"},
      {"1.0RC", "1.0rc0"},
      {"1.0a-", "1.0a0"},
      {"1.0-1", "1.0.post1"},
      {"1.0-r1", "1.0.post1"},
      {"1.0rev", "1.0.post0"},
      {"1.0_post_1_dev_2", "1.0.post1.dev2"},
      {"1.0.post.dev1", "1.0.post0.dev1"},
      {"1.0a1post", "1.0a1.post0"},
      {"1.0dev", "1.0.dev0"},
      {"1.0-dev", "1.0.dev0"},
      {"1.0a1-1", "1.0a1.post1"},
      {"1.0+01.AB_c-d", "1.0+1.ab.c.d"},
      {"1.0a.+loc", "1.0a0+loc"},
      {"1!2.0rc1.post3.dev4+ubuntu.1", "1!2.0rc1.post3.dev4+ubuntu.1"},
      {"0000", "0"},
  };
  for (const Case& c : cases) EXPECT_EQ(Norm(c.in), c.out) << c.in;
}

TEST(VersionTest, Parts) {
  Version v = V("2!1.2.3rc4.post5.dev6+abc.7");
  EXPECT_EQ(v.epoch(), 2u);
  EXPECT_EQ(v.release(), (std::vector<uint64_t>{1, 2, 3}));
  ASSERT_TRUE(v.pre().has_value());
  EXPECT_EQ(v.pre()->first, PreKind::kRc);
  EXPECT_EQ(v.pre()->second, 4u);
  EXPECT_EQ(v.post(), 5u);
  EXPECT_EQ(v.dev(), 6u);
  EXPECT_EQ(v.local(), (std::vector<LocalSegment>{std::string("abc"), uint64_t{7}}));
  EXPECT_TRUE(v.is_prerelease());
  EXPECT_TRUE(v.is_postrelease());
  EXPECT_TRUE(v.is_devrelease());
  EXPECT_TRUE(v.has_local());
  EXPECT_EQ(v.Public().ToString(), "2!1.2.3rc4.post5.dev6");
  EXPECT_EQ(v.Base().ToString(), "2!1.2.3");
  EXPECT_FALSE(V("1.0.post1").is_prerelease());
  EXPECT_TRUE(V("1.0.dev1").is_prerelease());
}

TEST(VersionTest, ErrorsNameTheTextAndTheRule) {
  struct Case {
    const char* in;
    const char* error;
  } cases[] = {
      {"", "invalid version '': empty string"},
      {"   ", "invalid version '   ': empty string"},
      {"foo",
       "invalid version 'foo': expected a release number such as '1.0' at the start (PEP 440)"},
      {"1!", "invalid version '1!': expected a release number after the epoch '1!'"},
      {"1.0.", "invalid version '1.0.': expected a number after '.'"},
      {"1.0.x", "invalid version '1.0.x': expected a number after '.'"},
      {"1.0+", "invalid version '1.0+': empty local version label after '+'"},
      {"1.0+a..b", "invalid version '1.0+a..b': empty segment in local version label 'a..b'"},
      {"1.0+a b",
       "invalid version '1.0+a b': invalid character ' ' in local version label "
       "(allowed: letters, digits, '.', '-', '_')"},
      {"1.0re", "invalid version '1.0re': unexpected 'e' after '1.0r'"},
      {"1.0.post1-1", "invalid version '1.0.post1-1': unexpected '-1' after '1.0.post1'"},
      {"1.0-1-1", "invalid version '1.0-1-1': unexpected '-1' after '1.0-1'"},
      {"vv1",
       "invalid version 'vv1': expected a release number such as '1.0' at the start (PEP 440)"},
      {"v 1.0",
       "invalid version 'v 1.0': expected a release number such as '1.0' at the start (PEP 440)"},
  };
  for (const Case& c : cases) {
    auto v = Version::Parse(c.in);
    ASSERT_FALSE(v.ok()) << c.in;
    EXPECT_EQ(v.error().message(), c.error);
    EXPECT_EQ(v.error().kind(), ErrorKind::kInvalidInput);
  }
  EXPECT_FALSE(Version::Parse("\xd9\xa1.0").ok());  // ARABIC-INDIC DIGIT ONE is no digit
  EXPECT_TRUE(Version::Parse("1.0.0 ").ok());
}

TEST(VersionTest, OrderFollowsPep440) {
  // Strictly increasing (each pair), as in packaging's test_version.py.
  const char* ordered[] = {
      "1.0.dev456",    "1.0a1",         "1.0a2.dev456", "1.0a12.dev456",
      "1.0a12",        "1.0b1.dev456",  "1.0b2",        "1.0b2.post345.dev456",
      "1.0b2.post345", "1.0rc1.dev456", "1.0rc1",       "1.0",
      "1.0+abc.5",     "1.0+abc.7",     "1.0+5",        "1.0.post456.dev34",
      "1.0.post456",   "1.0.15",        "1.1.dev1",     "1!0.1",
  };
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    Version a = V(ordered[i]);
    Version b = V(ordered[i + 1]);
    EXPECT_TRUE(a < b) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_TRUE(b > a) << ordered[i + 1] << " > " << ordered[i];
    EXPECT_NE(a, b);
  }
}

TEST(VersionTest, TrailingZerosAndLocalsCompare) {
  EXPECT_EQ(V("1.0"), V("1.0.0"));
  EXPECT_EQ(V("1"), V("1.0.0.0"));
  EXPECT_EQ(V("1.0").Hash(), V("1.0.0").Hash());
  std::unordered_set<Version> set{V("1.0"), V("1.0.0"), V("1.0+x")};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(V("0"), V("0.0"));
  EXPECT_LT(V("1.0"), V("1.0.1"));
  EXPECT_LT(V("1.0+abc"), V("1.0+1"));  // strings before numbers
  EXPECT_LT(V("1.0+1"), V("1.0+1.0"));  // shorter prefix first
  EXPECT_LT(V("1.0+2"), V("1.0+10"));   // numbers numerically
  EXPECT_EQ(V("1.0+01"), V("1.0+1"));
  EXPECT_EQ(V("1.0+A"), V("1.0+a"));
  EXPECT_LT(V("1.0"), V("1.0+0"));  // no local before any local
  EXPECT_LT(V("1.0.post1.dev1"), V("1.0.post1"));
  EXPECT_GT(V("1.0.post1.dev1"), V("1.0"));
  EXPECT_LT(V("1.0a1.post1"), V("1.0a2.dev1"));
}

TEST(VersionTest, HugeNumbersAreExact) {
  Version a = V("9999999999999999999999999999999999999999");
  EXPECT_TRUE(a.has_huge_numbers());
  EXPECT_EQ(a.release()[0], UINT64_MAX);
  EXPECT_EQ(a.ToString(), "9999999999999999999999999999999999999999");
  EXPECT_EQ(a.ReleaseText(0), "9999999999999999999999999999999999999999");
  Version max = V("18446744073709551615");
  EXPECT_FALSE(max.has_huge_numbers());
  Version above = V("18446744073709551616");
  EXPECT_TRUE(above.has_huge_numbers());
  EXPECT_LT(V("18446744073709551614"), max);
  EXPECT_LT(max, above);
  EXPECT_LT(above, a);
  EXPECT_EQ(V("018446744073709551616"), above);
  EXPECT_EQ(above.CompareReleaseSegment(0, max), std::strong_ordering::greater);
  EXPECT_EQ(V("1.0.post230829038032890382908901890812").ToString(),
            "1.0.post230829038032890382908901890812");
  EXPECT_LT(V("1.0.post230829038032890382908901890812"),
            V("1.0.post230829038032890382908901890813"));
  EXPECT_EQ(V("99999999999999999999999!1+99999999999999999999999.x").ToString(),
            "99999999999999999999999!1+99999999999999999999999.x");
  EXPECT_FALSE(V("1+99999999999999999999999").Public().has_huge_numbers());
  EXPECT_EQ(V("1+99999999999999999999999").Public(), V("1"));
  std::string too_long(Version::kMaxDigits + 1, '1');
  auto r = Version::Parse(too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("number with more than 4300 digits"), std::string::npos);
  EXPECT_TRUE(Version::Parse(std::string(Version::kMaxDigits, '1')).ok());
}

TEST(VersionTest, RoundTrips) {
  for (const char* text : {"1.0", "v1.0-1", "1!2.0RC1.POST3.DEV4+Ubuntu-1", "1.0+abc.5"}) {
    Version v = V(text);
    Version again = V(v.ToString());
    EXPECT_EQ(v, again);
    EXPECT_EQ(v.ToString(), again.ToString());
  }
}

TEST(VersionTest, CanonicalizeVersion) {
  EXPECT_EQ(CanonicalizeVersion(V("1.0.0")), "1");
  EXPECT_EQ(CanonicalizeVersion(V("1.0.0"), false), "1.0.0");
  EXPECT_EQ(CanonicalizeVersion(V("0.0")), "0");
  EXPECT_EQ(CanonicalizeVersion(V("1.4.0.0.0")), "1.4");
  EXPECT_EQ(CanonicalizeVersion(V("2!10.0a1.post0+x.0")), "2!10a1.post0+x.0");
  EXPECT_EQ(CanonicalizeVersion(V("1.10")), "1.10");
  EXPECT_EQ(CanonicalizeVersion(V("1.0.0.dev0")), "1.dev0");
  EXPECT_EQ(CanonicalizeVersion("not a version"), "not a version");
}

}  // namespace
}  // namespace sparkenv::spec
