// PEP 440 versions (packaging.python.org: version-specifiers).
//
// A Version is an immutable value. Parse() accepts every spelling PEP 440
// allows (case-insensitive, optional 'v', alternative separators, implicit
// zeros, leading/trailing whitespace) and ToString() prints the normalized
// form, so Parse(v.ToString()) == v. Versions have a total order: the PEP 440
// order, with epochs first and local labels compared segment by segment.
// Thread-safe: all methods are const.
#pragma once

#include <compare>
#include <cstdint>
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

class Version {
 public:
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
};

}  // namespace sparkenv::spec
