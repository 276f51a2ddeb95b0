#include "spec/specifier.h"

#include <gtest/gtest.h>

namespace sparkenv::spec {
namespace {

Specifier S(std::string_view text) {
  auto s = Specifier::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message());
  return s.ok() ? *s : *Specifier::Parse("===x");
}

SpecifierSet SS(std::string_view text) {
  auto s = SpecifierSet::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message());
  return s.ok() ? *s : SpecifierSet();
}

TEST(SpecifierTest, ParsesAndNormalizes) {
  EXPECT_EQ(S(">= 1.0").ToString(), ">=1.0");
  EXPECT_EQ(S("  ~=1.0dev ").ToString(), "~=1.0.dev0");
  EXPECT_EQ(S("== v1.0.*").ToString(), "==1.0.*");
  EXPECT_EQ(S("==1.0+Local_1").ToString(), "==1.0+local.1");
  EXPECT_EQ(S("===Foo").ToString(), "===Foo");
  EXPECT_EQ(S("=== ").ToString(), "===");
  EXPECT_EQ(S("<2").op(), Operator::kLess);
  EXPECT_TRUE(S("!=1.*").wildcard());
  EXPECT_EQ(S(">1.0a1").version()->ToString(), "1.0a1");
}

TEST(SpecifierTest, ErrorsNameTheTextAndTheRule) {
  struct Case {
    const char* in;
    const char* error;
  } cases[] = {
      {"", "invalid specifier '': empty specifier"},
      {"1.0",
       "invalid specifier '1.0': expected an operator (~=, ==, !=, <=, >=, <, >, ===) "
       "before the version"},
      {">=", "invalid specifier '>=': expected a version after '>='"},
      {">=foo",
       "invalid specifier '>=foo': invalid version 'foo': expected a release number "
       "such as '1.0' at the start (PEP 440)"},
      {"~=1",
       "invalid specifier '~=1': ~= needs a release with at least two numbers, such as "
       "'~=1.0' (PEP 440)"},
      {">=1.0+local",
       "invalid specifier '>=1.0+local': a local version label ('+...') is only "
       "allowed with == and != (PEP 440)"},
      {"<1.0.*",
       "invalid specifier '<1.0.*': a wildcard '.*' is only allowed with == and != "
       "(PEP 440)"},
      {"==1.0a1.*",
       "invalid specifier '==1.0a1.*': a wildcard '.*' may only follow a release "
       "such as '1.0' (no pre-, post-, dev-release or local part; PEP 440)"},
      {"===a b", "invalid specifier '===a b': === takes a string without whitespace, ';' or ')'"},
  };
  for (const Case& c : cases) {
    auto s = Specifier::Parse(c.in);
    ASSERT_FALSE(s.ok()) << c.in;
    EXPECT_EQ(s.error().message(), c.error);
  }
  auto set = SpecifierSet::Parse(">=1.0, <2, ~=3");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message(),
            "invalid specifier '~=3': ~= needs a release with at least two numbers, such as "
            "'~=1.0' (PEP 440) (in '>=1.0, <2, ~=3')");
}

TEST(SpecifierTest, Operators) {
  struct Case {
    const char* spec;
    const char* version;
    bool contains;
  } cases[] = {
      {"~=2.2", "2.3", true},
      {"~=2.2", "3.0", false},
      {"~=2.2.0", "2.3", false},
      {"~=2.2.post3", "2.2.post4", true},
      {"~=1!2.2", "2.2", false},
      {"==1.0", "1.0.0", true},
      {"==1.0", "1.0+local", true},
      {"==1.0+local", "1.0", false},
      {"==1.0.*", "1.0.5a1", true},
      {"==1.0.*", "1", true},
      {"==1.0.*", "1.1.dev0", false},
      {"!=1.0.*", "1.1", true},
      {"!=1.0", "1.0+x", false},
      {"<=1.0", "1.0+x", true},
      {">=1.0", "1.0+x", true},
      {"<1.0", "1.0a1", false},
      {"<1.0", "0.9+x", true},
      {"<1.0rc1", "1.0a1", true},
      {"<1.0.post1", "1.0.post1.dev0", false},
      {"<1.0.post1", "1.0", true},
      {">1.0", "1.0.post1", false},
      {">1.0", "1.0+x", false},
      {">1.0", "1.0.1", true},
      {">1.0a1", "1.0a1.post1", false},
      {">1.0a1", "1.0a2", true},
      {">1.0.post1", "1.0.post1+x", false},
      {">1.0.post1", "1.0.post2", true},
      {">1.0.dev1", "1.0.dev1+x", false},
      {">1.0.dev1", "1.0.dev2", true},
      {"===1.0", "1.0", true},
      {"===1.0", "1.0.0", false},
      {"===FOO", "foo", true},
      {"==99999999999999999999999.*", "99999999999999999999999.1", true},
      {"==99999999999999999999999.*", "99999999999999999999998.1", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(S(c.spec).Contains(c.version, PreReleases::kInclude), c.contains)
        << c.spec << " contains " << c.version;
  }
  EXPECT_FALSE(S(">=1.0").Contains("not a version"));
}

TEST(SpecifierTest, PreReleaseRules) {
  // packaging 26: the range decides Contains() by default.
  EXPECT_TRUE(S(">=1.0").Contains("2.0a1"));
  EXPECT_FALSE(S(">=1.0").Contains("2.0a1", PreReleases::kExclude));
  EXPECT_TRUE(S(">=1.0a1").mentions_prerelease());
  EXPECT_FALSE(S("!=1.0a1").mentions_prerelease());
  EXPECT_FALSE(S("==1.*").mentions_prerelease());
  std::vector<std::string> versions = {"1.5a1", "1.5", "2.0b1"};
  EXPECT_EQ(S(">=1.0").Filter(versions), (std::vector<std::string>{"1.5"}));
  EXPECT_EQ(S(">=1.0").Filter(versions, PreReleases::kInclude), versions);
  EXPECT_EQ(S(">=1.9").Filter(versions), (std::vector<std::string>{"2.0b1"}));  // nothing else
  EXPECT_EQ(S(">=1.0a1").Filter(versions), versions);  // the clause asks for them
  EXPECT_EQ(SS(">=1.0,!=1.5").Filter(versions), (std::vector<std::string>{"1.5a1", "2.0b1"}));
  EXPECT_EQ(SS("").Filter(versions), (std::vector<std::string>{"1.5"}));
}

TEST(SpecifierSetTest, ParsePrintAndCompare) {
  EXPECT_EQ(SS("").ToString(), "");
  EXPECT_TRUE(SS(" , ").empty());
  EXPECT_EQ(SS("<2 , >=1.0").ToString(), "<2,>=1.0");
  EXPECT_EQ(SS("==1.0.0, ==1.0, >=2").ToString(), "==1.0,>=2");
  EXPECT_EQ(SS("==1.0.0,==1.0"), SS("==1.0"));
  EXPECT_EQ(SS(">=1,<2"), SS("<2,>=1"));
  EXPECT_FALSE(SS(">=1") == SS(">=1,<2"));
  EXPECT_EQ(S("~=1.0") == S("~=1.0.0"), false);
  EXPECT_EQ(S("==1.0") == S("==1.0.0"), true);
  EXPECT_EQ(S("===Foo") == S("===foo"), false);
  auto set = SS(">=1.0").Intersect(SS("<2"));
  EXPECT_EQ(set.ToString(), "<2,>=1.0");
  EXPECT_TRUE(set.Contains("1.5"));
  EXPECT_FALSE(set.Contains("2.0"));
  auto round = SpecifierSet::Parse(set.ToString());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(*round, set);
}

TEST(SpecifierSetTest, Contains) {
  EXPECT_TRUE(SS("").Contains("1.0a1"));
  EXPECT_TRUE(SS("").Contains("not a version"));  // as packaging does
  EXPECT_FALSE(SS(">=1").Contains("not a version"));
  EXPECT_TRUE(SS("===foo").Contains("FOO"));
  EXPECT_FALSE(SS("===foo,>=1").Contains("foo"));
  EXPECT_TRUE(SS(">=1.0,<2").Contains(*Version::Parse("1.5")));
  EXPECT_FALSE(SS(">=1.0,<2").Contains(*Version::Parse("1.5a1"), PreReleases::kExclude));
}

TEST(SpecifierSetTest, IsUnsatisfiable) {
  for (const char* sat :
       {"", ">=1.0,<2.0", ">1.0,<=1.0.1", "==1.0,>=1.0", ">1.0a1,<1.0b1", "~=1.4,!=1.4.*", "===foo",
        "===1.0,>=1", "<1.0,>=0.9.dev0", ">1.0,<1.0.0.1"}) {
    EXPECT_FALSE(SS(sat).IsUnsatisfiable()) << sat;
  }
  for (const char* unsat :
       {">=2,<1", "<0", "<0.dev0", ">1.0,<1.0.post1", "==1.0,!=1.0", "==1.*,!=1.*",
        "==1.0+a,!=1.0+a", "===a,===b", "===foo,>=1", "~=1.4.2,<1.4.2",
        ">=1.0.post1,<1.0.post1.dev0", ">1.0a1,<1.0", "<1.0,>=1.0.dev0"}) {
    EXPECT_TRUE(SS(unsat).IsUnsatisfiable()) << unsat;
  }
  // Only pre-releases satisfy it.
  EXPECT_FALSE(SS(">=1.0a1,<1.0b1").IsUnsatisfiable());
  EXPECT_TRUE(SS(">=1.0a1,<1.0b1").IsUnsatisfiable(PreReleases::kExclude));
  EXPECT_FALSE(SS(">=1.0a1,<=1.0").IsUnsatisfiable(PreReleases::kExclude));
}

TEST(SpecifierSetTest, Relations) {
  EXPECT_TRUE(*SS(">=1.5,<1.8").IsSubsetOf(SS(">=1,<2")));
  EXPECT_FALSE(*SS(">=1,<2").IsSubsetOf(SS(">=1.5,<1.8")));
  EXPECT_TRUE(*SS(">=1,<2").IsSupersetOf(SS("==1.5")));
  EXPECT_TRUE(*SS(">1.0").IsSubsetOf(SS("!=1.0.post1")));  // >1.0 excludes 1.0's post-releases
  EXPECT_TRUE(*SS("<1").IsDisjointFrom(SS(">=1")));
  EXPECT_FALSE(*SS("<=1").IsDisjointFrom(SS(">=1")));
  EXPECT_TRUE(*SS(">=2,<1").IsSubsetOf(SS("==7")));  // the empty range is a subset of all
  EXPECT_FALSE(*SS("").IsSubsetOf(SS(">=0.dev0")));  // the empty set admits any string too
  EXPECT_TRUE(*SS(">=0.dev0").IsSubsetOf(SS("")));
  auto err = SS("===1.0").IsSubsetOf(SS("==1.0"));
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message(), "set relations do not support === clauses: '===1.0', '==1.0'");
}

}  // namespace
}  // namespace sparkenv::spec
