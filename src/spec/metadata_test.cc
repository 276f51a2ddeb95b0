#include "spec/metadata.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sparkenv::spec {
namespace {

constexpr char kRequestsMetadata[] =
    "Metadata-Version: 2.1\n"
    "Name: requests\n"
    "Version: 2.31.0\n"
    "Summary: Python HTTP for Humans.\n"
    "Home-page: https://requests.readthedocs.io\n"
    "Classifier: Programming Language :: Python :: 3\n"
    "Requires-Python: >=3.7\n"
    "License-File: LICENSE\n"
    "Requires-Dist: charset-normalizer (<4,>=2)\n"
    "Requires-Dist: idna (<4,>=2.5)\n"
    "Requires-Dist: urllib3 (<3,>=1.21.1)\n"
    "Requires-Dist: certifi (>=2017.4.17)\n"
    "Provides-Extra: security\n"
    "Provides-Extra: socks\n"
    "Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'\n"
    "Provides-Extra: use_chardet_on_py3\n"
    "Requires-Dist: chardet (<6,>=3.0.2) ; extra == 'use_chardet_on_py3'\n"
    "\n"
    "# Requests\n"
    "\n"
    "**Requests** is a simple, yet elegant, HTTP library.\n";

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

TEST(MetadataTest, ParsesARealMetadataFile) {
  Result<Metadata> m = Metadata::Parse(kRequestsMetadata);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->metadata_version(), "2.1");
  EXPECT_EQ(m->name(), "requests");
  EXPECT_EQ(m->version().ToString(), "2.31.0");
  EXPECT_EQ(m->summary().value_or(""), "Python HTTP for Humans.");
  ASSERT_TRUE(m->requires_python().has_value());
  EXPECT_EQ(m->requires_python()->ToString(), ">=3.7");
  ASSERT_EQ(m->requires_dist().size(), 6u);
  EXPECT_EQ(m->requires_dist()[0].ToString(), "charset-normalizer<4,>=2");
  EXPECT_EQ(m->requires_dist()[4].ToString(), R"(PySocks!=1.5.7,>=1.5.6; extra == "socks")");
  EXPECT_EQ(m->provides_extra(),
            (std::vector<std::string>{"security", "socks", "use-chardet-on-py3"}));
  EXPECT_EQ(m->description().value_or(""),
            "# Requests\n\n**Requests** is a simple, yet elegant, HTTP library.\n");
  EXPECT_EQ(m->raw().GetAll("classifier"),
            (std::vector<std::string>{"Programming Language :: Python :: 3"}));

  Result<std::vector<Requirement>> base = m->RequirementsFor(Py311());
  ASSERT_TRUE(base.ok()) << base.error().message();
  EXPECT_EQ(base->size(), 4u);
  Result<std::vector<Requirement>> socks = m->RequirementsFor(Py311(), {"SOCKS"});
  ASSERT_TRUE(socks.ok());
  ASSERT_EQ(socks->size(), 5u);
  EXPECT_EQ((*socks)[4].normalized_name(), "pysocks");
  Result<std::vector<Requirement>> chardet = m->RequirementsFor(Py311(), {"use-chardet-on-py3"});
  ASSERT_TRUE(chardet.ok());
  EXPECT_EQ(chardet->size(), 5u);
}

TEST(MetadataTest, HeadersFollowPythonsEmailParser) {
  MetadataHeaders h = MetadataHeaders::Parse(
      "Metadata-Version: 2.1\r\n"
      "Name:\tfoo\r\n"
      "Description: first\r\n"
      "        |second\r\n"
      "Keywords: a,b  \r\n"
      "\r\n"
      "body line\r\n");
  ASSERT_EQ(h.headers.size(), 4u);
  EXPECT_EQ(h.headers[1].second, "foo");
  EXPECT_EQ(h.headers[2].second, "first\r\n        |second");  // continuation kept as is
  EXPECT_EQ(h.headers[3].second, "a,b  ");                     // trailing blanks kept
  EXPECT_EQ(h.body, "body line\r\n");
  // A line that is neither a header nor empty starts the body.
  MetadataHeaders no_separator = MetadataHeaders::Parse("Name: foo\nnot a header\nVersion: 1\n");
  ASSERT_EQ(no_separator.headers.size(), 1u);
  EXPECT_EQ(no_separator.body, "not a header\nVersion: 1\n");
  EXPECT_EQ(MetadataHeaders::Parse("hello").body, "hello");
}

TEST(MetadataTest, OlderVersionsAreReadLeniently) {
  // Metadata-Version 2.0 was written by many wheels on PyPI; fields newer
  // than the declared version are used rather than rejected.
  Result<Metadata> m = Metadata::Parse(
      "Metadata-Version: 2.0\nName: six\nVersion: 1.10.0\nProvides-Extra: Test\n"
      "Requires-Dist: pytest; extra == 'test'\n");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->provides_extra(), std::vector<std::string>{"test"});
  Result<Metadata> old =
      Metadata::Parse("Metadata-Version: 1.0\nName: old\nVersion: 0.1\nRequires-Dist: six\n");
  ASSERT_TRUE(old.ok()) << old.error().message();
  EXPECT_EQ(old->requires_dist().size(), 1u);
  // Duplicate extras after normalization: tolerated (first kept) before 2.3.
  Result<Metadata> dup = Metadata::Parse(
      "Metadata-Version: 2.2\nName: a\nVersion: 1\nProvides-Extra: A_B\nProvides-Extra: a-b\n");
  ASSERT_TRUE(dup.ok()) << dup.error().message();
  EXPECT_EQ(dup->provides_extra(), std::vector<std::string>{"a-b"});
}

TEST(MetadataTest, ErrorsNameTheFieldAndTheValue) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::string head = "Metadata-Version: 2.3\nName: demo\nVersion: 1.0\n";
  const Case cases[] = {
      {head + "Requires-Dist: foo >>1\n",
       "invalid metadata: Requires-Dist 'foo >>1': expected ';' (after a name with no version "
       "specifier) or the end "
       "at position 4"},
      {head + "Requires-Dist: foo; python_version >> '3'\n",
       "invalid metadata: Requires-Dist 'foo; python_version >> \\'3\\'': expected a marker "
       "variable or quoted "
       "string at position 21"},
      {"Name: demo\nVersion: 1.0\n", "invalid metadata: missing required field Metadata-Version"},
      {"Metadata-Version: 2.1\nVersion: 1.0\n", "invalid metadata: missing required field Name"},
      {"Metadata-Version: 2.1\nName: demo\n", "invalid metadata: missing required field Version"},
      {"Metadata-Version: 3.0\nName: demo\nVersion: 1.0\n",
       "invalid metadata: unknown Metadata-Version '3.0' (known: 1.0, 1.1, 1.2, 2.0, 2.1, 2.2, "
       "2.3, 2.4, 2.5, 2.6)"},
      {"Metadata-Version: 2.1\nName: -demo\nVersion: 1.0\n",
       "invalid metadata: Name '-demo' is not a valid project name (ASCII letters, digits, '.', "
       "'_' and '-', "
       "starting and ending with a letter or digit)"},
      {"Metadata-Version: 2.1\nName: demo\nName: other\nVersion: 1.0\n",
       "invalid metadata: Name appears 2 times; it may appear only once"},
      {head + "Provides-Extra: Foo_Bar\nProvides-Extra: foo.bar\n",
       "invalid metadata: Provides-Extra 'foo.bar' duplicates another extra after normalization "
       "('foo-bar')"},
      {head + "Provides-Extra: -x\n",
       "invalid metadata: Provides-Extra '-x' is not a valid extra name (ASCII letters, digits, "
       "'.', '_' and '-', "
       "starting and ending with a letter or digit)"},
      {head + "Dynamic: Version\n",
       "invalid metadata: Dynamic 'Version': Name, Version and Metadata-Version cannot be dynamic"},
      {head + "Dynamic: Colour\n",
       "invalid metadata: Dynamic 'Colour' is not a core metadata field"},
      {"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nDynamic: Summary\n",
       "invalid metadata: Dynamic appears in Metadata-Version 2.1 but was introduced in 2.2"},
      {head + "Summary: one\n two\n",
       "invalid metadata: Summary 'one\\x0a two' must be a single line"},
      {head + "Description: in the header\n\nand in the body\n",
       "invalid metadata: the Description is given both as a header and as the message body"},
  };
  for (const Case& c : cases) {
    Result<Metadata> m = Metadata::Parse(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.error().message(), c.message);
  }
}

}  // namespace
}  // namespace sparkenv::spec
