// Core metadata (packaging.python.org: core-metadata): the METADATA file of a
// wheel, PKG-INFO of an sdist, or a PEP 658 ".metadata" file.
//
// The file is an RFC 822 style message read the way Python's email parser
// (compat32 policy) reads it: "Name: value" header lines, continuation lines
// starting with a space or tab (kept with their line break, as Python does),
// then an empty line and the body, which is the Description. Lines end at
// "\n", "\r\n" or "\r".
//
// Metadata::Parse() keeps every header and validates the fields a resolver
// relies on, with Python packaging 26.3's rules unless docs/spec-markers.md
// lists a deliberate difference (in short: unknown fields and fields newer
// than the declared Metadata-Version are accepted, "2.0" is accepted because
// many published wheels carry it):
//   Metadata-Version  required; 1.0 1.1 1.2 2.0 2.1 2.2 2.3 2.4 2.5 2.6
//   Name              required; a valid project name
//   Version           required; PEP 440
//   Requires-Dist     each a PEP 508 Requirement
//   Requires-Python   a PEP 440 SpecifierSet
//   Provides-Extra    valid names, stored PEP 685 normalized; two that
//                     normalize alike are an error from Metadata-Version 2.3
//   Dynamic           lower-cased; a known field other than Name, Version,
//                     Metadata-Version
//   Summary           one line
// Errors read: `invalid metadata: Requires-Dist 'foo >>1': <why>`; callers
// prefix the file they read.
// Thread-safe: all methods are const.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "spec/environment.h"
#include "spec/requirement.h"
#include "spec/specifier.h"
#include "spec/version.h"

namespace sparkenv::spec {

// The header/body split of an RFC 822 message, nothing validated.
struct MetadataHeaders {
  // In file order; names as written, values with continuation lines joined
  // (their line breaks kept) and the line end removed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Every value of the header `name` (case-insensitive), in file order.
  std::vector<std::string> GetAll(std::string_view name) const;

  static MetadataHeaders Parse(std::string_view text);
};

class Metadata {
 public:
  static Result<Metadata> Parse(std::string_view text);

  const std::string& metadata_version() const { return metadata_version_; }
  // As written, and PEP 503 normalized.
  const std::string& name() const { return name_; }
  std::string normalized_name() const;
  const Version& version() const { return *version_; }
  const std::vector<Requirement>& requires_dist() const { return requires_dist_; }
  const std::optional<SpecifierSet>& requires_python() const { return requires_python_; }
  // Normalized (PEP 685), in file order.
  const std::vector<std::string>& provides_extra() const { return provides_extra_; }
  // Lower-cased field names.
  const std::vector<std::string>& dynamic() const { return dynamic_; }
  const std::optional<std::string>& summary() const { return summary_; }
  // The Description header, or else the message body.
  const std::optional<std::string>& description() const { return description_; }
  const MetadataHeaders& raw() const { return raw_; }

  // The Requires-Dist entries that apply in `env` when `extras` are
  // requested (markers evaluated; errors name the requirement).
  Result<std::vector<Requirement>> RequirementsFor(
      const MarkerEnvironment& env, const std::vector<std::string>& extras = {}) const;

 private:
  Metadata() = default;

  std::string metadata_version_;
  std::string name_;
  std::optional<Version> version_;  // always set after Parse
  std::vector<Requirement> requires_dist_;
  std::optional<SpecifierSet> requires_python_;
  std::vector<std::string> provides_extra_;
  std::vector<std::string> dynamic_;
  std::optional<std::string> summary_;
  std::optional<std::string> description_;
  MetadataHeaders raw_;
};

}  // namespace sparkenv::spec
