// PEP 440 versions (packaging.python.org: version-specifiers).
//
// A Version is an immutable value. Parse() accepts every spelling PEP 440
// allows (case-insensitive, optional 'v', alternative separators, implicit
// zeros, leading/trailing whitespace) and ToString() prints the normalized
// form, so Parse(v.ToString()) == v. Versions have a total order: the PEP 440
// order, with epochs first and local labels compared segment by segment.
// Thread-safe: all methods are const.
//
// Numbers of any size are accepted, as in Python's `packaging` (PyPI holds
// versions such as "9999999999999999999999999999999999999999"). The numeric
// accessors below return uint64_t and saturate at UINT64_MAX for a number that
// does not fit; ToString(), ordering, equality and Hash() always use the exact
// value. Numbers are limited to kMaxDigits decimal digits (CPython's default
// int conversion limit, where `packaging` fails too).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace sparkenv::spec {

// One segment of a local version label ("ubuntu", 1): numbers sort after strings.
using LocalSegment = std::variant<std::string, uint64_t>;

enum class PreKind { kAlpha, kBeta, kRc };

// Strips what Python's str.strip() and the regex `\s` strip: ASCII whitespace,
// the separators \x1c-\x1f and the Unicode spaces (U+0085, U+00A0, U+2000...,
// U+3000) encoded as UTF-8. `packaging` trims exactly these around versions
// and specifiers.
std::string_view TrimPythonWhitespace(std::string_view s);
// True if `s` contains any character TrimPythonWhitespace would strip.
bool HasPythonWhitespace(std::string_view s);

class Version {
 public:
  static constexpr size_t kMaxDigits = 4300;

  // Parses `text`; on failure the error names the text and what is wrong.
  static Result<Version> Parse(std::string_view text);

  // Normalized PEP 440 form, e.g. "1!2.0rc1.post3.dev4+ubuntu.1".
  std::string ToString() const;

  uint64_t epoch() const { return epoch_; }
  // The release segment exactly as written (trailing zeros kept: "1.0" has two).
  const std::vector<uint64_t>& release() const { return release_; }
  const std::optional<std::pair<PreKind, uint64_t>>& pre() const { return pre_; }
  const std::optional<uint64_t>& post() const { return post_; }
  const std::optional<uint64_t>& dev() const { return dev_; }
  const std::vector<LocalSegment>& local() const { return local_; }

  bool is_prerelease() const { return pre_.has_value() || dev_.has_value(); }
  bool is_postrelease() const { return post_.has_value(); }
  bool is_devrelease() const { return dev_.has_value(); }
  bool has_local() const { return !local_.empty(); }

  // The same version without its local label ("1.0+abc" -> "1.0").
  Version Public() const;
  // Epoch and release only ("1!2.0rc1.post1" -> "1!2.0").
  Version Base() const;
  // Epoch, release and pre-release ("1!2.0rc1.post1.dev2+x" -> "1!2.0rc1").
  Version BaseWithPre() const;

  // True when some number does not fit in uint64_t (its accessor saturates).
  bool has_huge_numbers() const { return huge_ != nullptr; }
  // Decimal text of release()[i], exact even when it saturates.
  std::string ReleaseText(size_t i) const;
  // Compares the epochs exactly.
  std::strong_ordering CompareEpoch(const Version& other) const;
  // Compares release segment i of this and of `other` exactly (missing segments
  // count as 0).
  std::strong_ordering CompareReleaseSegment(size_t i, const Version& other) const;

  // Consistent with ==: equal versions ("1.0", "1.0.0") hash alike.
  size_t Hash() const;

  // PEP 440 ordering; "1.0" == "1.0.0".
  std::strong_ordering operator<=>(const Version& other) const;
  bool operator==(const Version& other) const { return (*this <=> other) == 0; }

 private:
  Version() = default;

  uint64_t epoch_ = 0;
  std::vector<uint64_t> release_;
  std::optional<std::pair<PreKind, uint64_t>> pre_;
  std::optional<uint64_t> post_;
  std::optional<uint64_t> dev_;
  std::vector<LocalSegment> local_;
  // Exact decimal digits of the numbers that saturated; null when none did.
  struct Huge;
  std::shared_ptr<const Huge> huge_;

  friend class VersionParser;
};

// packaging.utils.canonicalize_version: the normalized form, by default with
// trailing zeros of the release stripped (keeping one segment): "1.0.0" -> "1".
std::string CanonicalizeVersion(const Version& v, bool strip_trailing_zero = true);
// The same for text; text that is not a valid version is returned unchanged.
std::string CanonicalizeVersion(std::string_view text, bool strip_trailing_zero = true);

}  // namespace sparkenv::spec

template <>
struct std::hash<sparkenv::spec::Version> {
  size_t operator()(const sparkenv::spec::Version& v) const noexcept { return v.Hash(); }
};
