// PEP 440 version specifiers (packaging.python.org: version-specifiers).
//
// A Specifier is one clause ("~=1.4.2", "==2.*", "!=3.0", "===foo"); a
// SpecifierSet is a comma-separated conjunction of clauses. Both are immutable
// values: Parse() validates, ToString() prints a normalized form that parses
// back to an equal value.
//
// Pre-releases. Contains() takes the decision explicitly:
//   PreReleases::kInclude  - pre-releases match like any version;
//   PreReleases::kExclude  - a pre-release never matches;
//   PreReleases::kDefault  - PEP 440's rule: pre-releases match only when a
//                            clause mentions one ("<2.0rc1", ">=1.0.dev0").
// Filter() implements the resolver rule "exclude pre-releases unless the
// specifier asks for them or nothing else matches".
#pragma once

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
  static Result<Specifier> Parse(std::string_view text);

  std::string ToString() const;

  Operator op() const { return op_; }
  // The version text after the operator, normalized (for === kept as written).
  const std::string& version_text() const { return version_text_; }
  bool wildcard() const { return wildcard_; }
  // True when the clause itself names a pre-release (so the default rule
  // admits pre-releases).
  bool mentions_prerelease() const;

  bool Contains(const Version& v, PreReleases pre = PreReleases::kDefault) const;
  // For === only a string can match; for the other operators the string is
  // parsed as a version first (invalid strings match nothing).
  bool Contains(std::string_view version, PreReleases pre = PreReleases::kDefault) const;

  bool operator==(const Specifier& other) const;

 private:
  Specifier() = default;
  bool ContainsIgnoringPre(const Version& v) const;

  Operator op_ = Operator::kEqual;
  std::string version_text_;
  bool wildcard_ = false;
  std::optional<Version> version_;  // absent only for ===
};

class SpecifierSet {
 public:
  SpecifierSet() = default;
  // Accepts "", ">=1.0", ">=1.0, <2", with arbitrary whitespace.
  static Result<SpecifierSet> Parse(std::string_view text);

  // Clauses joined by "," in a stable order (sorted by their text), so equal
  // sets print alike.
  std::string ToString() const;

  const std::vector<Specifier>& specifiers() const { return specifiers_; }
  bool empty() const { return specifiers_.empty(); }
  bool mentions_prerelease() const;

  bool Contains(const Version& v, PreReleases pre = PreReleases::kDefault) const;
  bool Contains(std::string_view version, PreReleases pre = PreReleases::kDefault) const;

  // Keeps the versions the set contains, in their order. With kDefault,
  // pre-releases are kept only if the set mentions one or if no final release
  // matches (the "nothing else matches" rule of pip and packaging).
  std::vector<Version> Filter(const std::vector<Version>& versions,
                              PreReleases pre = PreReleases::kDefault) const;

  SpecifierSet Intersect(const SpecifierSet& other) const;
  bool operator==(const SpecifierSet& other) const;

 private:
  std::vector<Specifier> specifiers_;
};

}  // namespace sparkenv::spec
