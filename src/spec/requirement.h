// PEP 508 dependency specifiers (packaging.python.org: dependency-specifiers).
//
// A Requirement is an immutable value:
//   name [extras] (specifier | @ url) [; marker]
// e.g. `requests[security] >=2.8.1, ==2.8.* ; python_version < "3.8"`,
// `pip @ https://example.com/pip.whl ; os_name == "nt"`. Parse() follows the
// grammar of Python packaging 26.3 (specifiers with or without parentheses,
// the rule that a URL must be followed by whitespace before ';'), and
// ToString() prints the same text as its str(Requirement):
//   name[extra1,extra2]<specifiers> @ url ; marker
// with extras sorted as written, the specifier clauses as written (sorted,
// see specifier_text()) and the marker normalized. The name and extras keep their spelling;
// normalized_name() and normalized_extras() give the PEP 503/685 forms used
// for comparisons (operator== compares those).
// Thread-safe: all methods are const.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/environment.h"
#include "spec/marker.h"
#include "spec/specifier.h"

namespace sparkenv::spec {

class Requirement {
 public:
  // Errors name the requirement, the rule and the character position, e.g.
  //   invalid requirement 'name[bar baz]': expected ',' between extra names at position 9
  static Result<Requirement> Parse(std::string_view text);

  std::string ToString() const;

  // The project name as written, and its PEP 503 normalized form.
  const std::string& name() const { return name_; }
  std::string normalized_name() const;

  // Extras as written (sorted, duplicates removed), and normalized (PEP 685).
  const std::set<std::string>& extras() const { return extras_; }
  std::set<std::string> normalized_extras() const;

  // Empty when the requirement has no version clause (or has a URL).
  const SpecifierSet& specifier() const { return specifier_; }
  // The clauses as written (versions not normalized), sorted, duplicates
  // dropped: packaging's str(requirement.specifier), used by ToString().
  const std::string& specifier_text() const { return specifier_text_; }
  // The direct reference after '@', if any (not validated beyond the grammar).
  const std::optional<std::string>& url() const { return url_; }
  const std::optional<Marker>& marker() const { return marker_; }

  // True when the requirement applies: no marker, or its marker is true in
  // `env` for the given requested extras (see Marker::Evaluate).
  Result<bool> EvaluateMarker(const MarkerEnvironment& env,
                              const std::vector<std::string>& extras = {}) const;

  // Same project, same normalized extras, equal specifiers, URL and marker.
  bool operator==(const Requirement& other) const;

 private:
  Requirement() = default;

  std::string name_;
  std::set<std::string> extras_;
  SpecifierSet specifier_;
  std::string specifier_text_;
  std::optional<std::string> url_;
  std::optional<Marker> marker_;
};

}  // namespace sparkenv::spec
