#include "spec/tags.h"

#include <gtest/gtest.h>

namespace sparkenv::spec {
namespace {

std::vector<std::string> Strings(const std::vector<Tag>& tags) {
  std::vector<std::string> out;
  out.reserve(tags.size());
  for (const Tag& tag : tags) out.push_back(tag.ToString());
  return out;
}

std::string ParseError(std::string_view text) {
  auto tag = Tag::Parse(text);
  return tag ? "<ok>" : tag.error().message();
}

std::string SetError(std::string_view text, bool validate_order = false) {
  auto tags = Tag::ParseSet(text, validate_order);
  return tags ? "<ok>" : tags.error().message();
}

TEST(TagTest, ParseLowercasesAndRoundTrips) {
  auto tag = Tag::Parse("CP311-CP311-ManyLinux_2_17_X86_64");
  ASSERT_TRUE(tag.ok()) << tag.error().message();
  EXPECT_EQ(tag->interpreter(), "cp311");
  EXPECT_EQ(tag->abi(), "cp311");
  EXPECT_EQ(tag->platform(), "manylinux_2_17_x86_64");
  EXPECT_EQ(tag->ToString(), "cp311-cp311-manylinux_2_17_x86_64");
  EXPECT_EQ(*Tag::Parse(tag->ToString()), *tag);
  EXPECT_EQ(Tag("Py3", "NONE", "Any"), *Tag::Parse("py3-none-any"));
}

TEST(TagTest, ParseErrorsNameTheTagAndTheRule) {
  EXPECT_EQ(ParseError("py3-none"),
            "invalid tag 'py3-none': expected INTERPRETER-ABI-PLATFORM, e.g. "
            "'cp311-cp311-manylinux_2_17_x86_64' (it has 2 '-'-separated parts)");
  EXPECT_EQ(ParseError("py3--any"), "invalid tag 'py3--any': empty abi component");
  EXPECT_EQ(ParseError("2-none-any"),
            "invalid tag '2-none-any': the interpreter '2' is not an identifier (ASCII letters, "
            "digits and '_', not starting with a digit)");
  EXPECT_EQ(ParseError("py3-none-any/x"),
            "invalid tag 'py3-none-any/x': the platform 'any/x' may hold only ASCII letters, "
            "digits and '_'");
  EXPECT_EQ(ParseError("py2.py3-none-any"),
            "invalid tag 'py2.py3-none-any': the interpreter 'py2.py3' is a compressed set ('.'); "
            "a single tag was expected");
  EXPECT_EQ(SetError("py3.-none-any"),
            "invalid tag 'py3.-none-any': empty interpreter component in 'py3.'");
}

TEST(TagTest, ParseSetExpandsInOrderWithoutDuplicates) {
  auto tags = Tag::ParseSet("py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(Strings(*tags),
            (std::vector<std::string>{
                "py2-none-manylinux_2_17_x86_64", "py2-none-manylinux2014_x86_64",
                "py3-none-manylinux_2_17_x86_64", "py3-none-manylinux2014_x86_64"}));
  auto dup = Tag::ParseSet("py3.PY3-none-any");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(Strings(*dup), (std::vector<std::string>{"py3-none-any"}));
}

TEST(TagTest, ParseSetValidatesOrderOnRequest) {
  EXPECT_EQ(SetError("py3.py2-none-any"), "<ok>");
  EXPECT_EQ(SetError("py3.py2-none-any", true),
            "invalid tag 'py3.py2-none-any': the compressed interpreter set 'py3.py2' is not in "
            "sorted order (PEP 425)");
  EXPECT_EQ(SetError("py2.py3-none-any", true), "<ok>");
}

TEST(TagTest, ParseSetHasALimit) {
  std::string many;
  for (int i = 0; i < 70; ++i) many += (i ? ".p" : "p") + std::to_string(i);
  std::string text = many + "-" + many + "-any";  // 70 * 70 = 4900 tags
  auto tags = Tag::ParseSet(text);
  ASSERT_FALSE(tags.ok());
  EXPECT_NE(tags.error().message().find("expands to 4900 tags, more than the limit of 4096"),
            std::string::npos);
  EXPECT_TRUE(Tag::ParseSet(many + "-none-any").ok());
}

TEST(RankedTagsTest, RanksFirstOccurrence) {
  RankedTags ranked(
      {Tag("cp311", "cp311", "x"), Tag("py3", "none", "any"), Tag("cp311", "cp311", "x")});
  EXPECT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked.Rank(Tag("cp311", "cp311", "x")), 0u);
  EXPECT_EQ(ranked.Rank(Tag("py3", "none", "any")), 1u);
  EXPECT_EQ(ranked.Rank(Tag("py2", "none", "any")), std::nullopt);
  EXPECT_EQ(ranked.BestRank({Tag("py2", "none", "any"), Tag("py3", "none", "any")}), 1u);
  EXPECT_EQ(ranked.BestRank({Tag("py2", "none", "any")}), std::nullopt);
  EXPECT_EQ(ranked.BestRank({}), std::nullopt);
}

// packaging tests/test_tags.py TestCPythonTags.test_all_args (3.11 and 3.13t).
TEST(CpythonTagsTest, MatchesPackagingAllArgs) {
  std::vector<std::string> expected = {
      "cp311-cp311d-plat1", "cp311-cp311d-plat2", "cp311-cp311-plat1", "cp311-cp311-plat2",
      "cp311-abi3-plat1",   "cp311-abi3-plat2",   "cp311-none-plat1",  "cp311-none-plat2"};
  for (int minor = 10; minor >= 2; --minor) {
    for (const char* plat : {"plat1", "plat2"}) {
      expected.push_back("cp3" + std::to_string(minor) + "-abi3-" + plat);
    }
  }
  EXPECT_EQ(Strings(CpythonTags(3, 11, {"cp311d", "cp311"}, {"plat1", "plat2"})), expected);

  expected = {"cp313-cp313t-platform", "cp313-abi3t-platform", "cp313-none-platform"};
  for (int minor = 12; minor >= 2; --minor) {
    expected.push_back("cp3" + std::to_string(minor) + "-abi3t-platform");
  }
  EXPECT_EQ(Strings(CpythonTags(3, 13, {"cp313t"}, {"platform"})), expected);
  EXPECT_EQ(Strings(CpythonTags(3, 13, {"cp313t", "abi3t"}, {"platform"})), expected);
}

// packaging TestCPythonTags.test_abi3_python33 and test_skip_redundant_abis.
TEST(CpythonTagsTest, OldVersions) {
  EXPECT_EQ(Strings(CpythonTags(3, 3, {"cp33"}, {"plat"})),
            (std::vector<std::string>{"cp33-cp33-plat", "cp33-abi3-plat", "cp33-none-plat",
                                      "cp32-abi3-plat"}));
  for (const auto& abis : std::vector<std::vector<std::string>>{{}, {"abi3"}, {"none"}}) {
    EXPECT_EQ(Strings(CpythonTags(3, 0, abis, {"any"})),
              (std::vector<std::string>{"cp30-none-any"}));
  }
}

// packaging TestCompatibleTags.test_all_args.
TEST(CompatibleTagsTest, MatchesPackagingAllArgs) {
  EXPECT_EQ(Strings(CompatibleTags(3, 3, "cp33", {"plat1", "plat2"})),
            (std::vector<std::string>{
                "py33-none-plat1", "py33-none-plat2", "py3-none-plat1", "py3-none-plat2",
                "py32-none-plat1", "py32-none-plat2", "py31-none-plat1", "py31-none-plat2",
                "py30-none-plat1", "py30-none-plat2", "cp33-none-any", "py33-none-any",
                "py3-none-any", "py32-none-any", "py31-none-any", "py30-none-any"}));
  EXPECT_EQ(Strings(CompatibleTags(3, 1, "", {"plat"})),
            (std::vector<std::string>{"py31-none-plat", "py3-none-plat", "py30-none-plat",
                                      "py31-none-any", "py3-none-any", "py30-none-any"}));
}

}  // namespace
}  // namespace sparkenv::spec
