#include "base/strings.h"

#include <gtest/gtest.h>

namespace sparkenv {
namespace {

TEST(StringsTest, TrimAndLower) {
  EXPECT_EQ(TrimAscii("  a b\t\n"), "a b");
  EXPECT_EQ(TrimAscii(""), "");
  EXPECT_EQ(ToLowerAscii("AbC-1"), "abc-1");
  EXPECT_TRUE(EqualsIgnoreCaseAscii("NumPy", "numpy"));
  EXPECT_FALSE(EqualsIgnoreCaseAscii("numpy", "numpy2"));
}

TEST(StringsTest, SplitKeepsEmptyPieces) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
}

TEST(StringsTest, QuoteEscapes) {
  EXPECT_EQ(Quote("a'b"), "'a\\'b'");
  EXPECT_EQ(Quote(std::string_view("x\ny", 3)), "'x\\x0ay'");
}

TEST(StringsTest, CStringsEndWithANullPointer) {
  const std::vector<std::string> argv = {"spark-submit", "", "app.py"};
  std::vector<char*> c = CStrings(argv);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], argv[0].c_str());
  EXPECT_STREQ(c[1], "");
  EXPECT_STREQ(c[2], "app.py");
  EXPECT_EQ(c[3], nullptr);
  EXPECT_EQ(CStrings({}), std::vector<char*>{nullptr});
}

}  // namespace
}  // namespace sparkenv
