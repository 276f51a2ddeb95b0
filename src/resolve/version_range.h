// Sets of versions: a union of disjoint intervals over the PEP 440 order.
//
// A VersionRange is an immutable value: a sorted list of disjoint, non-empty,
// non-adjacent intervals, each bounded below and above by a version (inclusive
// or exclusive) or unbounded. The set algebra (Intersect, Union, Complement,
// Difference) is exact over the total order of spec::Version.
//
// The resolver does not translate specifiers into intervals by reasoning about
// PEP 440's special cases (`>V` skipping V's post-releases and local labels,
// `<V` skipping V's pre-releases, `==V.*` prefixes, `==V` matching V+local).
// Instead FromCandidates() evaluates a SpecifierSet with spec::Specifier, the
// reference implementation of those rules, against a project's concrete,
// sorted candidate versions and returns the union of *cells* that hold the
// matching candidates: cell i is [c_i, c_{i+1}), the first cell is unbounded
// below and the last unbounded above. Sets built that way are unions of cells,
// and every operation above keeps them so; hence a set is empty exactly when
// it holds no candidate, which is all the resolver needs. ToString() prints
// ">=1.0, <2.0" style text and, given the candidates, "==1.0" for a cell.
// Thread-safe: all methods are const.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/specifier.h"
#include "spec/version.h"

namespace sparkenv::resolve {

// One end of an interval; an absent version means unbounded (-inf below,
// +inf above).
struct Bound {
  std::optional<spec::Version> version;
  bool inclusive = false;

  static Bound Unbounded() { return Bound{}; }
  static Bound Inclusive(spec::Version v) { return Bound{std::move(v), true}; }
  static Bound Exclusive(spec::Version v) { return Bound{std::move(v), false}; }
  bool operator==(const Bound& other) const;
};

struct Interval {
  Bound lower;
  Bound upper;
  bool operator==(const Interval& other) const = default;
};

class VersionRange {
 public:
  // The empty set.
  VersionRange() = default;
  static VersionRange Full();
  static VersionRange Empty() { return VersionRange(); }
  // {v}.
  static VersionRange Exactly(const spec::Version& v);
  // One interval; empty when lower > upper (or equal with an exclusive end).
  static VersionRange Between(Bound lower, Bound upper);

  // The union of the cells of `candidates` (sorted ascending, no duplicates)
  // whose candidate `specifier` contains (pre-releases included: whether a
  // pre-release may be *chosen* is the resolver's preference, not a set rule).
  // An empty specifier gives Full(), whatever the candidates.
  static VersionRange FromCandidates(const std::vector<spec::Version>& candidates,
                                     const spec::SpecifierSet& specifier);
  // The cell of candidates[index] (same convention as FromCandidates).
  static VersionRange Cell(const std::vector<spec::Version>& candidates, size_t index);

  bool empty() const { return intervals_.empty(); }
  bool is_full() const;
  const std::vector<Interval>& intervals() const { return intervals_; }

  bool Contains(const spec::Version& v) const;
  VersionRange Intersect(const VersionRange& other) const;
  VersionRange Union(const VersionRange& other) const;
  VersionRange Complement() const;
  VersionRange Difference(const VersionRange& other) const { return Intersect(other.Complement()); }
  // Same answers as Difference(other).empty() and Intersect(other).empty(),
  // without building a set (the resolver asks these in its inner loop).
  bool IsSubsetOf(const VersionRange& other) const;
  bool IsDisjoint(const VersionRange& other) const;

  // "*" for the full set, "" (empty text) for the empty set, else intervals
  // joined by " | ", each as ">=1.0, <2.0" / ">1.0" / "<=2.0" / "==1.0". With
  // `candidates` (the sorted list the set was built from), a bounded interval
  // that holds exactly one candidate prints as "==candidate" (an unbounded one
  // keeps its bound: "<2.0" reads better than "==1.0" for "every version below
  // 2.0").
  std::string ToString(const std::vector<spec::Version>* candidates = nullptr) const;

  bool operator==(const VersionRange& other) const { return intervals_ == other.intervals_; }

 private:
  explicit VersionRange(std::vector<Interval> intervals) : intervals_(std::move(intervals)) {}
  static VersionRange Normalize(std::vector<Interval> intervals);

  std::vector<Interval> intervals_;
};

}  // namespace sparkenv::resolve
