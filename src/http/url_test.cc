#include "http/url.h"

#include <gtest/gtest.h>

namespace sparkenv::http {
namespace {

TEST(UrlTest, ResolvesReferencesAsRfc3986Examples) {
  // RFC 3986 section 5.4.1 and 5.4.2, base "http://a/b/c/d;p?q".
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {"g..", "http://a/b/c/g.."},
      {"./../g", "http://a/b/g"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"https://other/x/../y", "https://other/y"},
  };
  for (const auto& [ref, want] : cases) EXPECT_EQ(ResolveUrl(base, ref), want) << ref;
}

TEST(UrlTest, ResolvesMirrorFileLinks) {
  EXPECT_EQ(ResolveUrl("http://127.0.0.1:18888/simple/numpy/",
                       "../../files/numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl#sha256=ab"),
            "http://127.0.0.1:18888/files/"
            "numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl#sha256=ab");
}

TEST(UrlTest, RedactsPasswordsOnly) {
  EXPECT_EQ(RedactUrl("https://user:secret@host/simple/"), "https://user:***@host/simple/");
  EXPECT_EQ(RedactUrl("https://token@host/simple/"), "https://token@host/simple/");
  EXPECT_EQ(RedactUrl("https://host/simple/"), "https://host/simple/");
}

TEST(UrlTest, FileNameIsTheDecodedLastSegment) {
  EXPECT_EQ(UrlFileName("https://h/f/x-1.0.tar.gz?a=1#sha256=00"), "x-1.0.tar.gz");
  EXPECT_EQ(UrlFileName("https://h/f/x%2B1-1.0.tar.gz"), "x+1-1.0.tar.gz");
  EXPECT_EQ(UrlFileName("https://h/f/"), "");
  EXPECT_EQ(PercentDecode("a%2"), "a%2");
  EXPECT_EQ(PercentDecode("%zz%41"), "%zzA");
}

}  // namespace
}  // namespace sparkenv::http
