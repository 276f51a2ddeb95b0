#include "resolve/version_range.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sparkenv::resolve {
namespace {

using spec::Version;

Version V(const char* text) { return *Version::Parse(text); }

std::vector<Version> Vs(std::initializer_list<const char*> texts) {
  std::vector<Version> out;
  for (const char* t : texts) out.push_back(V(t));
  return out;
}

VersionRange From(const std::vector<Version>& candidates, const char* specifier) {
  return VersionRange::FromCandidates(candidates, *spec::SpecifierSet::Parse(specifier));
}

std::vector<std::string> Members(const VersionRange& r, const std::vector<Version>& candidates) {
  std::vector<std::string> out;
  for (const Version& v : candidates) {
    if (r.Contains(v)) out.push_back(v.ToString());
  }
  return out;
}

TEST(VersionRange, EmptyAndFull) {
  EXPECT_TRUE(VersionRange().empty());
  EXPECT_TRUE(VersionRange::Full().is_full());
  EXPECT_TRUE(VersionRange::Full().Contains(V("0")));
  EXPECT_FALSE(VersionRange().Contains(V("0")));
  EXPECT_EQ(VersionRange::Full().Complement(), VersionRange());
  EXPECT_EQ(VersionRange().Complement(), VersionRange::Full());
  EXPECT_EQ(VersionRange::Full().ToString(), "*");
}

TEST(VersionRange, BoundsInclusiveAndExclusive) {
  VersionRange r = VersionRange::Between(Bound::Inclusive(V("1.0")), Bound::Exclusive(V("2.0")));
  EXPECT_TRUE(r.Contains(V("1.0")));
  EXPECT_TRUE(r.Contains(V("1.9")));
  EXPECT_FALSE(r.Contains(V("2.0")));
  EXPECT_FALSE(r.Contains(V("0.9")));
  EXPECT_EQ(r.ToString(), ">=1.0, <2.0");
  VersionRange open = VersionRange::Between(Bound::Exclusive(V("1.0")), Bound::Inclusive(V("2.0")));
  EXPECT_FALSE(open.Contains(V("1.0")));
  EXPECT_TRUE(open.Contains(V("2.0")));
  EXPECT_EQ(open.ToString(), ">1.0, <=2.0");
  EXPECT_TRUE(
      VersionRange::Between(Bound::Exclusive(V("1.0")), Bound::Exclusive(V("1.0"))).empty());
  EXPECT_TRUE(
      VersionRange::Between(Bound::Inclusive(V("2.0")), Bound::Inclusive(V("1.0"))).empty());
  EXPECT_EQ(VersionRange::Exactly(V("1.0")).ToString(), "==1.0");
}

TEST(VersionRange, SetAlgebra) {
  VersionRange a = VersionRange::Between(Bound::Inclusive(V("1")), Bound::Exclusive(V("3")));
  VersionRange b = VersionRange::Between(Bound::Inclusive(V("2")), Bound::Exclusive(V("4")));
  EXPECT_EQ(a.Intersect(b).ToString(), ">=2, <3");
  EXPECT_EQ(a.Union(b).ToString(), ">=1, <4");
  EXPECT_EQ(a.Difference(b).ToString(), ">=1, <2");
  EXPECT_EQ(a.Complement().ToString(), "<1 | >=3");
  EXPECT_EQ(a.Complement().Complement(), a);
  // Touching intervals merge; [1,2) u [2,3) = [1,3).
  VersionRange left = VersionRange::Between(Bound::Inclusive(V("1")), Bound::Exclusive(V("2")));
  VersionRange right = VersionRange::Between(Bound::Inclusive(V("2")), Bound::Exclusive(V("3")));
  EXPECT_EQ(left.Union(right), a);
  // (1,2) u (2,3) leaves the point 2 out.
  VersionRange l2 = VersionRange::Between(Bound::Exclusive(V("1")), Bound::Exclusive(V("2")));
  VersionRange r2 = VersionRange::Between(Bound::Exclusive(V("2")), Bound::Exclusive(V("3")));
  EXPECT_FALSE(l2.Union(r2).Contains(V("2")));
  EXPECT_EQ(l2.Union(r2).intervals().size(), 2u);
  EXPECT_TRUE(left.IsDisjoint(right));
  EXPECT_TRUE(left.IsSubsetOf(a));
  EXPECT_FALSE(a.IsSubsetOf(left));
}

// Specifiers evaluated against candidates: PEP 440's corner cases come from
// spec::Specifier, the range only records which cells matched.
TEST(VersionRange, FromCandidatesPep440CornerCases) {
  const std::vector<Version> c =
      Vs({"0.9", "1.0a1", "1.0", "1.0+local", "1.0.post1", "1.1", "2.0rc1", "2.0"});
  // >V excludes V's post-releases and local versions.
  EXPECT_EQ(Members(From(c, ">1.0"), c), (std::vector<std::string>{"1.1", "2.0rc1", "2.0"}));
  // <V excludes V's pre-releases when V is not one.
  EXPECT_EQ(Members(From(c, "<2.0"), c),
            (std::vector<std::string>{"0.9", "1.0a1", "1.0", "1.0+local", "1.0.post1", "1.1"}));
  EXPECT_EQ(
      Members(From(c, "<2.0rc2"), c),
      (std::vector<std::string>{"0.9", "1.0a1", "1.0", "1.0+local", "1.0.post1", "1.1", "2.0rc1"}));
  // ==V matches V's local versions; ==V.* is a prefix.
  EXPECT_EQ(Members(From(c, "==1.0"), c), (std::vector<std::string>{"1.0", "1.0+local"}));
  EXPECT_EQ(Members(From(c, "==1.0.*"), c),
            (std::vector<std::string>{"1.0a1", "1.0", "1.0+local", "1.0.post1"}));
  EXPECT_EQ(Members(From(c, "!=1.0.*"), c),
            (std::vector<std::string>{"0.9", "1.1", "2.0rc1", "2.0"}));
  // Cells: the first is unbounded below, the last unbounded above.
  EXPECT_EQ(From(c, ">=0.9").ToString(), "*");
  EXPECT_EQ(From(c, "<=0.9").ToString(), "<1.0a1");
  EXPECT_EQ(From(c, "<=0.9").ToString(&c), "<1.0a1");
  EXPECT_EQ(From(c, ">=1.1,<2.0").ToString(&c), "==1.1");
  EXPECT_EQ(From(c, ">=1.0,<2.0").ToString(&c), ">=1.0, <2.0rc1");
  EXPECT_TRUE(From(c, ">3").empty());
  EXPECT_TRUE(From(c, "").is_full());
}

TEST(VersionRange, CellsStayAligned) {
  const std::vector<Version> c = Vs({"1", "2", "3"});
  VersionRange two = VersionRange::Cell(c, 1);
  EXPECT_EQ(two.ToString(), ">=2, <3");
  EXPECT_EQ(two.ToString(&c), "==2");
  EXPECT_EQ(two.Complement().ToString(&c), "<2 | >=3");
  EXPECT_EQ(VersionRange::Cell(c, 0).Union(VersionRange::Cell(c, 2)), two.Complement());
  EXPECT_TRUE(VersionRange::Cell(c, 0).Intersect(VersionRange::Cell(c, 1)).empty());
}

// The allocation-free predicates agree with the set operations on every pair
// of cell unions over four candidates, and with open/closed intervals.
TEST(VersionRange, PredicatesAgreeWithSetOperations) {
  const std::vector<Version> c = Vs({"1", "2", "3", "4"});
  std::vector<VersionRange> sets;
  for (int mask = 0; mask < 16; ++mask) {
    VersionRange r;
    for (size_t i = 0; i < 4; ++i) {
      if ((mask & (1 << i)) != 0) r = r.Union(VersionRange::Cell(c, i));
    }
    sets.push_back(r);
  }
  sets.push_back(VersionRange::Between(Bound::Exclusive(V("2")), Bound::Inclusive(V("3"))));
  sets.push_back(VersionRange::Between(Bound::Inclusive(V("2")), Bound::Exclusive(V("3"))));
  sets.push_back(VersionRange::Exactly(V("3")));
  for (const VersionRange& a : sets) {
    for (const VersionRange& b : sets) {
      EXPECT_EQ(a.IsSubsetOf(b), a.Difference(b).empty()) << a.ToString() << " / " << b.ToString();
      EXPECT_EQ(a.IsDisjoint(b), a.Intersect(b).empty()) << a.ToString() << " / " << b.ToString();
    }
  }
}

}  // namespace
}  // namespace sparkenv::resolve
