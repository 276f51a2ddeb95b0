#include "spec/marker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sparkenv::spec {
namespace {

MarkerEnvironment LinuxPy311() {
  return {
      {"implementation_name", "cpython"},
      {"implementation_version", "3.11.4"},
      {"os_name", "posix"},
      {"platform_machine", "x86_64"},
      {"platform_python_implementation", "CPython"},
      {"platform_release", "6.1.0-18-amd64"},
      {"platform_system", "Linux"},
      {"platform_version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1"},
      {"python_full_version", "3.11.4"},
      {"python_version", "3.11"},
      {"sys_platform", "linux"},
  };
}

TEST(MarkerTest, ToStringMatchesPackaging) {
  // Expected strings are str(Marker(input)) from Python packaging 26.3.
  struct Case {
    const char* input;
    const char* expected;
  };
  const Case cases[] = {
      {"python_version == '2.7'", R"(python_version == "2.7")"},
      {"os.name=='posix'", R"(os_name == "posix")"},
      {"'3.8' < python_version", R"("3.8" < python_version)"},
      {"python_implementation=='CPython'", R"(platform_python_implementation == "CPython")"},
      {"(python_version == '2.7')", R"(python_version == "2.7")"},
      {"((python_version < '3.10' or os_name == 'nt')) and (sys_platform == 'linux')",
       R"((python_version < "3.10" or os_name == "nt") and sys_platform == "linux")"},
      {"python_version>='3' and (extra == 'Foo_Bar' or extra=='BAZ')",
       R"(python_version >= "3" and (extra == "foo-bar" or extra == "baz"))"},
      {"'S_P__A_M' in extras", R"("s-p-a-m" in extras)"},
      {R"(os_name == 'a\x27b')", R"(os_name == "a'b")"},
      {R"(os_name == "it's")", R"(os_name == "it's")"},
      {R"(os_name == 'say "hi"')", R"(os_name == 'say "hi"')"},
      {"platform.version in 'Ubuntu'", R"(platform_version in "Ubuntu")"},
      {"python_version not in '3.1, 3.2'", R"(python_version not in "3.1, 3.2")"},
      {R"(os_name == '\u00e9')", "os_name == \"\xc3\xa9\""},
      {"os_name=='x'or(os_name=='y'and(os_name=='z'))",
       R"(os_name == "x" or (os_name == "y" and os_name == "z"))"},
      {"python_version >= \"3\" \t", R"(python_version >= "3")"},
      {"extra == os_name", "extra == os_name"},
  };
  for (const Case& c : cases) {
    Result<Marker> m = Marker::Parse(c.input);
    ASSERT_TRUE(m.ok()) << c.input << ": " << m.error().message();
    EXPECT_EQ(m->ToString(), c.expected) << c.input;
    Result<Marker> again = Marker::Parse(m->ToString());
    ASSERT_TRUE(again.ok()) << m->ToString();
    EXPECT_EQ(again->ToString(), m->ToString());
    EXPECT_TRUE(*again == *m);
  }
}

TEST(MarkerTest, ErrorsNameTheMarkerTheRuleAndThePosition) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case cases[] = {
      {R"(python_version >> "3")",
       R"(invalid marker 'python_version >> "3"': expected a marker variable or quoted string at position 16)"},
      {R"(python_version ~ "3")",
       R"(invalid marker 'python_version ~ "3"': expected a marker operator (one of <=, <, !=, ==, >=, >, ~=, ===, in, not in) at position 15)"},
      {"this_isnt_a_real_variable >= '1.0'",
       "invalid marker 'this_isnt_a_real_variable >= \\'1.0\\'': expected a marker variable or "
       "quoted string at "
       "position 0"},
      {"python_version",
       "invalid marker 'python_version': expected a marker operator (one of <=, <, !=, ==, >=, "
       ">, ~=, ===, in, not in) at position 14"},
      {R"((python_version == "2.7" and os_name == "linux")",
       R"(invalid marker '(python_version == "2.7" and os_name == "linux"': expected ')' after the marker expression (to match the '(' at position 0) at position 47)"},
      {R"((python_version == "2.7") with random text)",
       R"(invalid marker '(python_version == "2.7") with random text': expected 'and', 'or' or the end of the marker at position 26)"},
      {R"(os_name == "C:\")",
       R"(invalid marker 'os_name == "C:\\"': invalid quoted string '"C:\\"' at position 16)"},
      {R"(os_name == "\x")",
       R"(invalid marker 'os_name == "\\x"': invalid quoted string '"\\x"' at position 15)"},
      {R"(os_name not  "a")",
       R"(invalid marker 'os_name not  "a"': expected 'in' after 'not' at position 13)"},
      {R"(os_name not"a")",
       R"(invalid marker 'os_name not"a"': expected whitespace after 'not' at position 11)"},
      {"python_version >= \"3\"\n",
       "invalid marker 'python_version >= \"3\"\\x0a': expected 'and', 'or' or the end of the "
       "marker at position "
       "21"},
      {"", "invalid marker '': expected a marker variable or quoted string at position 0"},
      {"os_name == \"\xff\"",
       "invalid marker 'os_name == \"\xff\"': not valid UTF-8 at position 0"},
      {R"(os_name == 'a"b\x27')",
       R"(invalid marker 'os_name == \'a"b\\x27\'': a quoted string cannot hold both ' and " '\'a"b\\x27\'' at position 20)"},
  };
  for (const Case& c : cases) {
    Result<Marker> m = Marker::Parse(c.input);
    ASSERT_FALSE(m.ok()) << c.input;
    EXPECT_EQ(m.error().message(), c.message);
    EXPECT_EQ(m.error().kind(), ErrorKind::kInvalidInput);
  }
}

TEST(MarkerTest, PositionsCountCharactersNotBytes) {
  Result<Marker> m = Marker::Parse("os_name == \"\xc3\xa9\" xor");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message(),
            "invalid marker 'os_name == \"\xc3\xa9\" xor': expected 'and', 'or' or the end of the "
            "marker at "
            "position 15");
}

TEST(MarkerTest, ValuesThatPrintRawAmbiguouslyAreEscaped) {
  // packaging prints these raw, which does not read back; we escape.
  struct Case {
    const char* input;
    const char* expected;
  };
  const Case cases[] = {
      {R"(os_name == 'a\\b')", R"(os_name == "a\\b")"},      // value: a, backslash, b
      {R"(os_name == 'a\nb')", R"(os_name == "a\nb")"},      // value: a, line break, b
      {R"(os_name == "a\\nb'")", R"(os_name == "a\\nb'")"},  // value: a, backslash, n, b, quote
      {R"(os_name == 'C:\d')", R"(os_name == "C:\d")"},      // unknown escape: raw reads back
  };
  for (const Case& c : cases) {
    Result<Marker> m = Marker::Parse(c.input);
    ASSERT_TRUE(m.ok()) << c.input << ": " << m.error().message();
    EXPECT_EQ(m->ToString(), c.expected) << c.input;
    Result<Marker> again = Marker::Parse(m->ToString());
    ASSERT_TRUE(again.ok()) << m->ToString();
    EXPECT_EQ(again->root().atoms[0].comparison.rhs.text, m->root().atoms[0].comparison.rhs.text);
  }
}

TEST(MarkerTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(200, '(');
  deep += "os_name == 'a'";
  deep += std::string(200, ')');
  Result<Marker> m = Marker::Parse(deep);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("parentheses nest deeper than 100 levels at position 100"),
            std::string::npos)
      << m.error().message();
  std::string ok(50, '(');
  ok += "os_name == 'a'";
  ok += std::string(50, ')');
  Result<Marker> shallow = Marker::Parse(ok);
  ASSERT_TRUE(shallow.ok()) << shallow.error().message();
  EXPECT_EQ(shallow->ToString(), R"(os_name == "a")");
}

TEST(MarkerTest, PythonEscapes) {
  struct Case {
    const char* input;
    std::string value;
  };
  const Case cases[] = {
      {R"(os_name == 'a\tb')", "a\tb"},
      {R"(os_name == 'a\\b')", "a\\b"},
      {R"(os_name == 'a\db')", "a\\db"},  // unknown escapes stay
      {R"(os_name == '\101\0')", std::string("A\0", 2)},
      {R"(os_name == '\U0001F600')", "\xf0\x9f\x98\x80"},
      {"os_name == 'a\\\nb'", "ab"},  // line continuation
  };
  for (const Case& c : cases) {
    Result<Marker> m = Marker::Parse(c.input);
    ASSERT_TRUE(m.ok()) << c.input << ": " << m.error().message();
    EXPECT_EQ(m->root().atoms[0].comparison.rhs.text, c.value) << c.input;
  }
  for (const char* bad : {"os_name == 'a\nb'", R"(os_name == '\N{DASH}')", R"(os_name == '\ud800')",
                          R"(os_name == '\x4')", R"(os_name == '\U00110000')"}) {
    EXPECT_FALSE(Marker::Parse(bad).ok()) << bad;
  }
}

TEST(MarkerTest, EvaluatesAgainstTheTargetEnvironment) {
  struct Case {
    const char* marker;
    bool expected;
  };
  const Case cases[] = {
      {"python_version >= '3.8'", true},
      {"python_version < '3.10'", false},  // versions, not strings
      {"'3.10' <= python_version", true},
      {"python_full_version > '3.11.4rc1'", true},
      {"python_full_version == '3.11.*'", true},
      {"python_version ~= '3.9'", true},
      {"python_version === '3.11'", true},
      {"sys_platform == 'linux' and platform_machine == 'x86_64'", true},
      {"sys_platform == 'win32' or os_name == 'posix' and platform_system == 'Linux'", true},
      {"(sys_platform == 'win32' or os_name == 'posix') and platform_system == 'Darwin'", false},
      {"os_name < 'zzz'", false},    // strings: < and > are false
      {"os_name <= 'posix'", true},  // <= and >= are ==
      {"os_name >= 'pos'", false},
      {"'pos' in os_name", true},
      {"'x86' not in platform_machine", false},
      {"'Debian' in platform_version", true},
      {"platform_release >= '6.1'", false},  // '6.1.0-18-amd64' is no version: >= is ==
      {"implementation_name == 'cpython'", true},
      {"'SMP' in platform_version", true},
  };
  for (const Case& c : cases) {
    Result<Marker> m = Marker::Parse(c.marker);
    ASSERT_TRUE(m.ok()) << c.marker << ": " << m.error().message();
    Result<bool> r = m->Evaluate(LinuxPy311());
    ASSERT_TRUE(r.ok()) << c.marker << ": " << r.error().message();
    EXPECT_EQ(*r, c.expected) << c.marker;
  }
}

TEST(MarkerTest, ExtraIsMembershipInTheRequestedExtras) {
  Marker m = *Marker::Parse("extra == 'Socks_Proxy'");
  EXPECT_FALSE(*m.Evaluate(LinuxPy311()));
  EXPECT_TRUE(*m.Evaluate(LinuxPy311(), {"socks-proxy"}));
  EXPECT_TRUE(*m.Evaluate(LinuxPy311(), {"security", "SOCKS.proxy"}));
  EXPECT_FALSE(*m.Evaluate(LinuxPy311(), {"security"}));
  Marker both = *Marker::Parse("extra == 'a' and extra == 'b'");
  EXPECT_TRUE(*both.Evaluate(LinuxPy311(), {"a", "b"}));
  EXPECT_FALSE(*both.Evaluate(LinuxPy311(), {"a"}));
  // Other operators on `extra` are undefined: false (dependency-specifiers).
  EXPECT_FALSE(*Marker::Parse("extra >= 'a'")->Evaluate(LinuxPy311(), {"a"}));
  EXPECT_FALSE(*Marker::Parse("'a' in extra")->Evaluate(LinuxPy311(), {"a"}));
  Marker ne = *Marker::Parse("extra != 'a'");
  EXPECT_TRUE(*ne.Evaluate(LinuxPy311()));
  EXPECT_FALSE(*ne.Evaluate(LinuxPy311(), {"A"}));
  // Extras look like versions but are names, never compared as versions.
  Marker v2 = *Marker::Parse("extra == 'v2'");
  EXPECT_FALSE(*v2.Evaluate(LinuxPy311(), {"v2a3"}));
  EXPECT_TRUE(*v2.Evaluate(LinuxPy311(), {"v2"}));
}

TEST(MarkerTest, LockFileSetsAreOnlyDefinedInLockFiles) {
  Marker m = *Marker::Parse("'Dev_Tools' in dependency_groups or 'gpu' in extras");
  EXPECT_TRUE(*m.EvaluateForLockFile(LinuxPy311(), {}, {"dev-tools"}));
  EXPECT_TRUE(*m.EvaluateForLockFile(LinuxPy311(), {"GPU"}, {}));
  EXPECT_FALSE(*m.EvaluateForLockFile(LinuxPy311(), {"cpu"}, {"docs"}));
  Result<bool> r = m.Evaluate(LinuxPy311(), {"gpu"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      R"(cannot evaluate marker '"dev-tools" in dependency_groups or "gpu" in extras': marker variable 'dependency_groups' is not defined in the target environment)");
  Result<bool> extra = Marker::Parse("extra == 'a'")->EvaluateForLockFile(LinuxPy311(), {"a"}, {});
  ASSERT_FALSE(extra.ok());
}

TEST(MarkerTest, MissingVariableIsAnErrorNotTheHostValue) {
  MarkerEnvironment env = LinuxPy311();
  env.erase("platform_machine");
  // Also when the other side of an `or` would decide the result.
  Marker m = *Marker::Parse("os_name == 'posix' or platform_machine == 'aarch64'");
  Result<bool> r = m.Evaluate(env);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      R"(cannot evaluate marker 'os_name == "posix" or platform_machine == "aarch64"': marker variable 'platform_machine' is not defined in the target environment)");
}

TEST(MarkerTest, UndefinedComparisonsAreErrors) {
  Result<bool> r = Marker::Parse("os_name ~= '2.7.0'")->Evaluate(LinuxPy311());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      R"(cannot evaluate marker 'os_name ~= "2.7.0"': undefined comparison 'posix' ~= '2.7.0': ~= needs PEP 440 versions on both sides)");
  EXPECT_FALSE(Marker::Parse("sys_platform === 'linux'")->Evaluate(LinuxPy311()).ok());
}

TEST(MarkerTest, PlatformVersionIsAVersionWhereItParses) {
  MarkerEnvironment env = LinuxPy311();
  env["platform_version"] = "13";                                         // e.g. Android
  EXPECT_TRUE(*Marker::Parse("platform_version >= '9'")->Evaluate(env));  // as a string: false
  env["platform_version"] = "#1 SMP";
  EXPECT_FALSE(*Marker::Parse("platform_version >= '9'")->Evaluate(env));
}

TEST(MarkerTest, UntaggedPythonBuildsStillCompare) {
  MarkerEnvironment env = LinuxPy311();
  env["python_full_version"] = "3.11.1+";
  EXPECT_TRUE(*Marker::Parse("python_full_version < '3.12'")->Evaluate(env));
}

TEST(MarkerTest, AndOrKeepPrecedence) {
  Marker a = *Marker::Parse("os_name == 'nt' or os_name == 'posix'");
  Marker b = *Marker::Parse("python_version >= '3.12'");
  EXPECT_EQ(a.And(b).ToString(),
            R"((os_name == "nt" or os_name == "posix") and python_version >= "3.12")");
  EXPECT_EQ(a.Or(b).ToString(),
            R"((os_name == "nt" or os_name == "posix") or python_version >= "3.12")");
  EXPECT_FALSE(*a.And(b).Evaluate(LinuxPy311()));
  EXPECT_TRUE(*a.Or(b).Evaluate(LinuxPy311()));
  EXPECT_TRUE(Marker::Parse(a.And(b).ToString()).ok());
}

}  // namespace
}  // namespace sparkenv::spec
