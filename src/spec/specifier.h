// PEP 440 version specifiers (packaging.python.org: version-specifiers).
//
// A Specifier is one clause ("~=1.4.2", "==2.*", "!=3.0", "===foo"); a
// SpecifierSet is a comma-separated conjunction of clauses. Both are immutable
// values: Parse() validates, ToString() prints a normalized form that parses
// back to an equal value. Matching follows Python's `packaging` 26.3.
//
// Pre-releases. Contains() and Filter() take the decision explicitly:
//   PreReleases::kInclude  - pre-releases match like any version;
//   PreReleases::kExclude  - a pre-release never matches;
//   PreReleases::kDefault  - `packaging`'s prereleases=None:
//     * Contains(): the version range alone decides, so a pre-release inside
//       the range matches (packaging >= 26; packaging <= 25 and PEP 440's
//       wording excluded it unless a clause mentioned a pre-release). Ask for
//       kExclude to get the old answer for versions that a user did not ask
//       for explicitly.
//     * Filter(): the resolver rule "exclude pre-releases unless a clause
//       mentions one (mentions_prerelease()) or nothing else matches".
// `packaging`'s per-object `prereleases=` setting and the `installed=` flag
// are the caller's business: pass kInclude/kExclude instead.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/version.h"

namespace sparkenv::spec {

enum class Operator {
  kCompatible,    // ~=
  kEqual,         // ==   (also prefix match when wildcard() is true)
  kNotEqual,      // !=   (also prefix exclusion when wildcard() is true)
  kLessEqual,     // <=
  kGreaterEqual,  // >=
  kLess,          // <
  kGreater,       // >
  kArbitrary,     // ===
};

enum class PreReleases { kDefault, kInclude, kExclude };

std::string_view OperatorToString(Operator op);

class Specifier {
 public:
  // Whitespace around the clause and after the operator is ignored.
  static Result<Specifier> Parse(std::string_view text);

  // Operator + version_text(), e.g. ">=1.0.dev0", "==2.1.*", "===Foo".
  std::string ToString() const;

  Operator op() const { return op_; }
  // The version text after the operator, normalized ("1.0.*" for a wildcard;
  // for === kept as written).
  const std::string& version_text() const { return version_text_; }
  bool wildcard() const { return wildcard_; }
  // The version after the operator (without ".*"); for === the text parsed
  // as a version if it is one.
  const std::optional<Version>& version() const { return version_; }
  // True when the clause itself names a pre-release (so Filter()'s default
  // admits pre-releases). False for != and ==X.* whatever X is.
  bool mentions_prerelease() const;

  bool Contains(const Version& v, PreReleases pre = PreReleases::kDefault) const;
  // For === only a string can match; for the other operators the string is
  // parsed as a version first (invalid strings match nothing).
  bool Contains(std::string_view version, PreReleases pre = PreReleases::kDefault) const;

  // Keeps the items this clause contains, in their order (see the pre-release
  // rule above). Strings that are not versions match only ===.
  std::vector<Version> Filter(const std::vector<Version>& versions,
                              PreReleases pre = PreReleases::kDefault) const;
  std::vector<std::string> Filter(const std::vector<std::string>& versions,
                                  PreReleases pre = PreReleases::kDefault) const;

  // The range test alone, pre-release rules ignored: `parsed` is `text`
  // parsed as a version, or null if it is not one (then only === can match).
  bool MatchesIgnoringPre(const Version* parsed, std::string_view text) const;

  // Same operator and same version up to trailing zeros ("==1.0" ==
  // "==1.0.0"; for ~= the zeros count; === compares the text exactly).
  bool operator==(const Specifier& other) const;

 private:
  Specifier() = default;
  bool ContainsIgnoringPre(const Version& v) const;

  Operator op_ = Operator::kEqual;
  std::string version_text_;
  bool wildcard_ = false;
  std::optional<Version> version_;     // absent only for === with a non-version
  std::optional<Version> less_bound_;  // for <: V, or V.dev0 when V is final
};

class SpecifierSet {
 public:
  SpecifierSet() = default;
  // Accepts "", ">=1.0", ">=1.0, <2", with arbitrary whitespace; empty
  // clauses (",,") are skipped as in `packaging`.
  static Result<SpecifierSet> Parse(std::string_view text);

  // Clauses joined by "," in a stable order (sorted by their text, equal
  // clauses once), so equal sets print alike.
  std::string ToString() const;

  const std::vector<Specifier>& specifiers() const;
  bool empty() const { return specifiers().empty(); }
  bool mentions_prerelease() const;

  bool Contains(const Version& v, PreReleases pre = PreReleases::kDefault) const;
  // A string that is not a version matches only a set whose every clause is
  // "===" with that text, or the empty set (as in `packaging`).
  bool Contains(std::string_view version, PreReleases pre = PreReleases::kDefault) const;

  // Keeps the versions the set contains, in their order. With kDefault,
  // pre-releases are kept only if the set mentions one or if no final release
  // matches (the "nothing else matches" rule of pip and packaging).
  std::vector<Version> Filter(const std::vector<Version>& versions,
                              PreReleases pre = PreReleases::kDefault) const;
  std::vector<std::string> Filter(const std::vector<std::string>& versions,
                                  PreReleases pre = PreReleases::kDefault) const;

  // The conjunction of both sets.
  SpecifierSet Intersect(const SpecifierSet& other) const;

  // True when no version can satisfy every clause, e.g. ">=2,<1",
  // ">1.0,<1.0.post1", "===a,===b", "===foo,>=1" (packaging's
  // is_unsatisfiable()). With kExclude, a set that only pre-releases satisfy
  // counts as unsatisfiable too (packaging's prereleases=False). The empty
  // set is satisfiable.
  bool IsUnsatisfiable(PreReleases pre = PreReleases::kDefault) const;

  // Relations between the sets of versions two sets allow (packaging's
  // is_subset/is_superset/is_disjoint; pre-releases count like any version).
  // Sets with === clauses have no version range: an error, as in packaging.
  // The empty set also admits strings that are not versions, so it is a
  // subset only of another empty set.
  Result<bool> IsSubsetOf(const SpecifierSet& other) const;
  Result<bool> IsSupersetOf(const SpecifierSet& other) const;
  Result<bool> IsDisjointFrom(const SpecifierSet& other) const;
  // Equal when the sorted, de-duplicated clauses are pairwise equal.
  bool operator==(const SpecifierSet& other) const;

 private:
  std::vector<Specifier> Canonical() const;
  bool has_arbitrary() const;

  // Immutable once parsed and shared by copies (every file of a page, every
  // candidate of the resolver holds a Requires-Python); null when empty.
  std::shared_ptr<const std::vector<Specifier>> specifiers_;
};

}  // namespace sparkenv::spec
