#include "spec/requirement.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace sparkenv::spec {
namespace {

MarkerEnvironment Py311() {
  return {{"implementation_name", "cpython"},
          {"implementation_version", "3.11.4"},
          {"os_name", "posix"},
          {"platform_machine", "x86_64"},
          {"platform_python_implementation", "CPython"},
          {"platform_release", "6.1.0"},
          {"platform_system", "Linux"},
          {"platform_version", "#1 SMP"},
          {"python_full_version", "3.11.4"},
          {"python_version", "3.11"},
          {"sys_platform", "linux"}};
}

TEST(RequirementTest, ParsesEveryPart) {
  Result<Requirement> r = Requirement::Parse(
      "requests [Security, tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->name(), "requests");
  EXPECT_EQ(r->extras(), (std::set<std::string>{"Security", "tests"}));
  EXPECT_EQ(r->normalized_extras(), (std::set<std::string>{"security", "tests"}));
  EXPECT_EQ(r->specifier().specifiers().size(), 2u);
  EXPECT_FALSE(r->url().has_value());
  ASSERT_TRUE(r->marker().has_value());
  // Expected strings are str(Requirement(input)) from Python packaging 26.3.
  EXPECT_EQ(r->ToString(), R"(requests[Security,tests]==2.8.*,>=2.8.1; python_version < "2.7")");
}

TEST(RequirementTest, ToStringMatchesPackaging) {
  struct Case {
    const char* input;
    const char* expected;
  };
  const Case cases[] = {
      {"name@ https://x/y.whl ; os_name=='nt'", R"(name @ https://x/y.whl ; os_name == "nt")"},
      {"name[B,a] (>=1.0a , <2)", "name[B,a]<2,>=1.0a"},
      {"Foo_Bar===x", "Foo_Bar===x"},
      {"name>=1,", "name>=1"},
      {"name @ https://x;os_name=='a'",
       "name @ https://x;os_name=='a'"},  // the URL runs to a blank
      {"name==v1.0-1.dev2+Local.7", "name==v1.0-1.dev2+Local.7"},
      {"name>=1.0,>=1.0.0", "name>=1.0"},  // equal clauses once
      {"name[]", "name"},
      {"name()", "name"},
      {"  name  \t", "name"},
      {"mariadb>=1.0.1; extra == \"mariadb_connector\"",
       R"(mariadb>=1.0.1; extra == "mariadb-connector")"},
      {"name==\u202f1.0", "name==1.0"},  // Unicode blanks are blanks inside a clause, as in Python
      {"name===\u00a0x", "name===x"},
  };
  for (const Case& c : cases) {
    Result<Requirement> r = Requirement::Parse(c.input);
    ASSERT_TRUE(r.ok()) << c.input << ": " << r.error().message();
    EXPECT_EQ(r->ToString(), c.expected) << c.input;
    Result<Requirement> again = Requirement::Parse(r->ToString());
    ASSERT_TRUE(again.ok()) << r->ToString();
    EXPECT_EQ(again->ToString(), r->ToString());
    EXPECT_TRUE(*again == *r);
  }
}

TEST(RequirementTest, ErrorsNameTheRequirementTheRuleAndThePosition) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case cases[] = {
      {"",
       "invalid requirement '': expected a package name at the start of the requirement at "
       "position 0"},
      {"==0.0",
       "invalid requirement '==0.0': expected a package name at the start of the requirement at "
       "position 0"},
      {"name[bar baz]",
       "invalid requirement 'name[bar baz]': expected ',' between extra names at position 9"},
      {"foo[a,]", "invalid requirement 'foo[a,]': expected an extra name after ',' at position 6"},
      {"foo[bar",
       "invalid requirement 'foo[bar': expected ']' after the extras (to match the '[' at position "
       "3) at "
       "position 7"},
      {"foo (>=1.0",
       "invalid requirement 'foo (>=1.0': expected ')' after the version specifier (to match the "
       "'(' "
       "at position 4) at position 10"},
      {"foo @ ", "invalid requirement 'foo @ ': expected a URL after '@' at position 6"},
      {"foo @ https://x/y.whl; os_name == 'nt'",
       "invalid requirement 'foo @ https://x/y.whl; os_name == \\'nt\\'': expected ';' (after the "
       "URL and "
       "whitespace) or the end at position 23"},
      {"name >= 1.0 os_name",
       "invalid requirement 'name >= 1.0 os_name': expected ',' (within the version specifier), "
       "';' (after it) or "
       "the end at position 12"},
      {"this is not a valid requirement",
       "invalid requirement 'this is not a valid requirement': expected ';' (after a name with no "
       "version "
       "specifier) or the end at position 5"},
      {"foo>=1.0.*",
       "invalid requirement 'foo>=1.0.*': '.*' can only be used with the == and != operators at "
       "position 9"},
      {"foo==1.0+abc.*",
       "invalid requirement 'foo==1.0+abc.*': '.*' cannot follow a pre-release, post-release, "
       "dev or local version at position 13"},
      {"name <= 1.0+local",
       "invalid requirement 'name <= 1.0+local': a local version label can only be used with "
       "== and != at position 11"},
      {"foo; os_name == \"a\" or",
       "invalid requirement 'foo; os_name == \"a\" or': expected a marker variable or "
       "quoted string at position 22"},
      {"name; os_name == 'a' foo",
       "invalid requirement 'name; os_name == \\'a\\' foo': expected the end of the "
       "requirement at position 21"},
      {"name>=1\n",
       "invalid requirement 'name>=1\\x0a': expected ',' (within the version specifier), ';' "
       "(after "
       "it) or the end at position 7"},
      {"name===a\u202f",
       "invalid requirement 'name===a\u202f': expected ',' (within the version specifier), ';' "
       "(after it) or the end at position 8"},
      {"demo===x,y",
       "invalid requirement 'demo===x,y': invalid specifier 'y': expected an operator (~=, ==, !=, "
       "<=, >=, <, >, ===) before the version (in '===x,y')"},
  };
  for (const Case& c : cases) {
    Result<Requirement> r = Requirement::Parse(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.error().message(), c.message);
  }
}

TEST(RequirementTest, EqualityIsNormalized) {
  auto eq = [](const char* a, const char* b) {
    return *Requirement::Parse(a) == *Requirement::Parse(b);
  };
  EXPECT_TRUE(eq("scikit-learn==1.0.1", "scikit_learn==1.0.1"));
  EXPECT_TRUE(eq("fishtank[all-blue]", "fishtank[all---blue]"));
  EXPECT_TRUE(eq("foo==1.0.0", "foo==1.0.0.0"));
  EXPECT_FALSE(eq("packaging>20.1", "packaging>=20.1"));
  EXPECT_FALSE(eq("a; os_name == 'nt'", "a; os_name == 'posix'"));
  EXPECT_EQ(Requirement::Parse("Foo.Bar_baz")->normalized_name(), "foo-bar-baz");
}

TEST(RequirementTest, EvaluateMarker) {
  EXPECT_TRUE(*Requirement::Parse("six")->EvaluateMarker(Py311()));
  Requirement socks =
      *Requirement::Parse("PySocks>=1.5.6; extra == 'socks' and python_version >= '3'");
  EXPECT_FALSE(*socks.EvaluateMarker(Py311()));
  EXPECT_TRUE(*socks.EvaluateMarker(Py311(), {"SOCKS"}));
  MarkerEnvironment partial = Py311();
  partial.erase("python_version");
  EXPECT_FALSE(socks.EvaluateMarker(partial, {"socks"}).ok());
}

}  // namespace
}  // namespace sparkenv::spec
