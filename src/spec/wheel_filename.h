// Distribution filenames: wheels (packaging.python.org:
// binary-distribution-format, PEP 427) and source distributions
// (source-distribution-format). packaging.utils.parse_wheel_filename and
// parse_sdist_filename 26.3 are the reference; docs/targets.md lists the
// deliberate differences.
//
//   {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl
//
// name      letters, digits, '_' and '.' (never "__"); normalized like a
//           project name ("Some_Package" -> "some-package")
// version   a PEP 440 version (Version::Parse)
// build     optional; starts with a digit; sorts by (number, rest)
// tags      a possibly compressed tag set (Tag::ParseSet)
//
// Immutable values; ToString() returns the filename as given, so
// Parse(f.ToString()) == f. Thread-safe: all methods are const.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/tags.h"
#include "spec/version.h"

namespace sparkenv::spec {

class Target;

// A wheel build tag: leading digits as a number, then the rest ("1000abc" ->
// 1000, "abc"). Orders by number, then by the rest as a string.
struct BuildTag {
  uint64_t number = 0;
  std::string suffix;

  std::string ToString() const { return std::to_string(number) + suffix; }
  auto operator<=>(const BuildTag&) const = default;
  bool operator==(const BuildTag&) const = default;
};

class WheelFilename {
 public:
  // Parses a wheel filename (no directories). With `validate_order`, each
  // compressed tag set must be sorted (PEP 425). The error names the filename
  // and the rule it broke.
  static Result<WheelFilename> Parse(std::string_view filename, bool validate_order = false);

  // The normalized project name ("some-package").
  const std::string& name() const { return name_; }
  const Version& version() const { return version_; }
  const std::optional<BuildTag>& build() const { return build_; }
  // The expanded tags, in expansion order, without duplicates.
  const std::vector<Tag>& tags() const { return tags_; }

  // The index of the wheel's best tag in the target's ordered tag list (0 is
  // best), or nullopt when the wheel does not install on the target.
  std::optional<size_t> Rank(const RankedTags& supported) const {
    return supported.BestRank(tags_);
  }
  std::optional<size_t> Rank(const Target& target) const;

  // The filename exactly as parsed.
  const std::string& ToString() const { return filename_; }

  bool operator==(const WheelFilename& other) const { return filename_ == other.filename_; }

 private:
  WheelFilename(std::string filename, std::string name, Version version,
                std::optional<BuildTag> build, std::vector<Tag> tags)
      : filename_(std::move(filename)),
        name_(std::move(name)),
        version_(std::move(version)),
        build_(std::move(build)),
        tags_(std::move(tags)) {}

  std::string filename_;
  std::string name_;
  Version version_;
  std::optional<BuildTag> build_;
  std::vector<Tag> tags_;
};

enum class SdistFormat { kTarGz, kZip };

// {name}-{version}.tar.gz or .zip. The version is what follows the last '-'
// (a PEP 440 version has none); the name is normalized but, as in packaging,
// not validated (old sdists have names such as "Foo Bar").
class SdistFilename {
 public:
  static Result<SdistFilename> Parse(std::string_view filename);

  const std::string& name() const { return name_; }
  const Version& version() const { return version_; }
  SdistFormat format() const { return format_; }
  const std::string& ToString() const { return filename_; }

  bool operator==(const SdistFilename& other) const { return filename_ == other.filename_; }

 private:
  SdistFilename(std::string filename, std::string name, Version version, SdistFormat format)
      : filename_(std::move(filename)),
        name_(std::move(name)),
        version_(std::move(version)),
        format_(format) {}

  std::string filename_;
  std::string name_;
  Version version_;
  SdistFormat format_;
};

}  // namespace sparkenv::spec
