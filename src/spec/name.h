// Project and extra names: PEP 503 normalization, PEP 685 extra normalization
// and the core-metadata rule for a valid `Name`.
//
// Normalization follows packaging.utils.canonicalize_name: every run of '-',
// '_' and '.' becomes one '-', and letters are lowercased. Only ASCII letters
// are lowercased: a valid name is ASCII, and non-ASCII text is left as is.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::spec {

// "Foo.Bar__baz" -> "foo-bar-baz". Does not validate.
std::string NormalizeName(std::string_view name);
// PEP 685: extras normalize exactly like project names.
inline std::string NormalizeExtra(std::string_view extra) { return NormalizeName(extra); }

// Core metadata `Name`: ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$, ASCII, any case.
bool IsValidName(std::string_view name);
// Like IsValidName, with an error naming the text and the broken rule.
Status ValidateName(std::string_view name);
// packaging.utils.is_normalized_name: lowercase ASCII letters and digits in
// runs joined by single '-' (so also a valid name).
bool IsNormalizedName(std::string_view name);

// A valid project name. Immutable; compares, orders and hashes by its
// normalized form, so "Django" == "django". ToString() prints the normalized
// form (what indexes, lock files and URLs use); as_given() keeps the spelling
// from the input for messages.
class PackageName {
 public:
  static Result<PackageName> Parse(std::string_view text);

  const std::string& normalized() const { return normalized_; }
  const std::string& as_given() const { return as_given_; }
  std::string ToString() const { return normalized_; }

  bool operator==(const PackageName& other) const { return normalized_ == other.normalized_; }
  std::strong_ordering operator<=>(const PackageName& other) const {
    return normalized_ <=> other.normalized_;
  }

 private:
  PackageName() = default;
  std::string as_given_;
  std::string normalized_;
};

}  // namespace sparkenv::spec

template <>
struct std::hash<sparkenv::spec::PackageName> {
  size_t operator()(const sparkenv::spec::PackageName& n) const noexcept {
    return std::hash<std::string>()(n.normalized());
  }
};
