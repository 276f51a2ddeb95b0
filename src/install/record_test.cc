#include "install/record.h"

#include <gtest/gtest.h>

namespace sparkenv::install {
namespace {

std::string Sha256(std::string_view data) {
  Hasher h("sha256");
  h.Update(data);
  return h.Finish();
}

TEST(RecordTest, HashIsUrlsafeBase64WithoutPadding) {
  // Known vectors: SHA-256 of "" and of "abc" as pip writes them.
  EXPECT_EQ(RecordHash("sha256", Sha256("")), "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_EQ(RecordHash("sha256", Sha256("abc")),
            "sha256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  EXPECT_EQ(UrlsafeBase64NoPad(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(UrlsafeBase64NoPad("f"), "Zg");
  EXPECT_EQ(UrlsafeBase64NoPad("fo"), "Zm8");
  EXPECT_EQ(UrlsafeBase64NoPad("foo"), "Zm9v");
}

TEST(RecordTest, ParsesRowsWithQuotingAndEmptyFields) {
  auto rows = ParseRecord(
      "demo/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n"
      "\"demo/a,b \"\"c\"\".py\",sha256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=,3\n"
      "\n"
      "demo-1.0.dist-info/RECORD,,\n");
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].path, "demo/__init__.py");
  EXPECT_EQ((*rows)[0].algorithm, "sha256");
  EXPECT_EQ((*rows)[0].digest, Sha256(""));
  EXPECT_EQ((*rows)[0].size, 0u);
  EXPECT_EQ((*rows)[1].path, "demo/a,b \"c\".py");
  EXPECT_EQ((*rows)[1].digest, Sha256("abc"));
  EXPECT_EQ((*rows)[2].path, "demo-1.0.dist-info/RECORD");
  EXPECT_EQ((*rows)[2].algorithm, "");
  EXPECT_FALSE((*rows)[2].size.has_value());
}

TEST(RecordTest, LineQuotesOnlyWhenNeeded) {
  EXPECT_EQ(RecordLine("a/b.py", "sha256=x", "3"), "a/b.py,sha256=x,3\n");
  EXPECT_EQ(RecordLine("a,\"b\".py", "", ""), "\"a,\"\"b\"\".py\",,\n");
  auto back = ParseRecord(RecordLine("a,\"b\".py", "", ""));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[0].path, "a,\"b\".py");
}

TEST(RecordTest, RefusesMalformedRows) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"a.py,sha256=x\n", "RECORD line 1 has 2 fields, expected 3 (path,hash,size)"},
      {"ok,,\na.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0\n",
       "RECORD line 2: hash algorithm 'md5' is not accepted (sha256, sha384 or sha512)"},
      {"a.py,sha256,0\n", "RECORD line 1: hash 'sha256' is not '<algorithm>=<digest>'"},
      {"a.py,sha256=abc,0\n", "RECORD line 1: hash 'sha256=abc' is not a valid sha256 digest"},
      {"a.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,1x\n",
       "RECORD line 1: size '1x' is not a number"},
      {"\"a.py,,\n", "RECORD line 1 has an unterminated quote"},
      {",,\n", "RECORD line 1 has an empty path"},
  };
  for (const Case& c : cases) {
    auto rows = ParseRecord(c.text);
    ASSERT_FALSE(rows.ok()) << c.text;
    EXPECT_EQ(rows.error().message(), c.error);
  }
}

}  // namespace
}  // namespace sparkenv::install
