// Platform compatibility tags (packaging.python.org: platform-compatibility-tags;
// PEP 425, PEP 600, PEP 656). packaging.tags 26.3 is the reference.
//
// A Tag is one (interpreter, abi, platform) triple such as
// "cp311-cp311-manylinux_2_17_x86_64". Tags are immutable values, always
// stored in lower case: Parse("CP311-None-Any").ToString() == "cp311-none-any".
//
// Wheels may carry a *compressed tag set* ("py2.py3-none-any"): ParseSet()
// expands it into the individual tags.
//
// RankedTags is the ordered list of tags an interpreter accepts, best first;
// Rank() answers "how good is this tag for the target" in O(1).
//
// CpythonTags() and CompatibleTags() generate that ordered list for a CPython
// interpreter exactly as packaging.tags.cpython_tags() and compatible_tags()
// do when given explicit arguments. Thread-safe: everything here is const.
#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace sparkenv::spec {

class Tag {
 public:
  // The limit on how many tags one compressed tag set may expand to
  // (packaging's parse_tag(limit=...)). Real wheels carry a handful.
  static constexpr size_t kMaxSetSize = 4096;

  // Parses exactly one tag "interpreter-abi-platform". Rules (packaging 26.3
  // parse_tag, made stricter): three '-'-separated parts, none empty, no '.'
  // (that would be a compressed set); the interpreter is an identifier
  // (letters, digits, '_', not starting with a digit); abi and platform are
  // ASCII letters, digits and '_'. The error names the text and the rule.
  static Result<Tag> Parse(std::string_view text);

  // Parses a possibly compressed tag set "py2.py3-none-any" and returns its
  // tags in expansion order (interpreters outermost, platforms fastest),
  // without duplicates. Same rules as Parse() for every member. With
  // `validate_order` the members of each component must also be sorted, as
  // PEP 425 requires of wheel builders ("py2.py3", not "py3.py2").
  static Result<std::vector<Tag>> ParseSet(std::string_view text, bool validate_order = false);

  // Builds a tag from parts that are known to be valid (generated tags).
  // Lower-cases them; does not validate.
  Tag(std::string_view interpreter, std::string_view abi, std::string_view platform);

  const std::string& interpreter() const { return interpreter_; }
  const std::string& abi() const { return abi_; }
  const std::string& platform() const { return platform_; }

  // "interpreter-abi-platform"; Parse(ToString()) == *this.
  std::string ToString() const;

  auto operator<=>(const Tag&) const = default;
  bool operator==(const Tag&) const = default;

 private:
  std::string interpreter_;
  std::string abi_;
  std::string platform_;
};

struct TagHash {
  size_t operator()(const Tag& tag) const;
};

// An ordered list of supported tags, best first. A tag that occurs twice keeps
// its first (best) position; later copies are dropped.
class RankedTags {
 public:
  RankedTags() = default;
  explicit RankedTags(std::vector<Tag> ordered);

  const std::vector<Tag>& tags() const;
  size_t size() const { return tags().size(); }
  bool empty() const { return tags().empty(); }

  // The index of `tag` in the list (0 is best), or nullopt if unsupported.
  std::optional<size_t> Rank(const Tag& tag) const;
  // The best (lowest) rank among `tags`, or nullopt if none is supported.
  std::optional<size_t> BestRank(const std::vector<Tag>& tags) const;

 private:
  struct Data {
    std::vector<Tag> tags;
    std::unordered_map<Tag, size_t, TagHash> index;
  };
  // Immutable once built and shared by copies: a target's list is hundreds
  // of tags, and targets are copied (into the resolver, the provider).
  std::shared_ptr<const Data> data_;
};

// packaging.tags.cpython_tags(python_version=(major, minor), abis=abis,
// platforms=platforms): cpXY-<abi>-<plat> for each abi, cpXY-abi3-<plat>
// (abi3t for a free-threaded 't' abi), cpXY-none-<plat>, then
// cp(X)(Y-1..2)-abi3-<plat>. Platforms vary fastest.
std::vector<Tag> CpythonTags(int major, int minor, const std::vector<std::string>& abis,
                             const std::vector<std::string>& platforms);

// packaging.tags.compatible_tags(python_version=(major, minor),
// interpreter=interpreter, platforms=platforms): pyXY, pyX, pyX(Y-1)..pyX0
// with abi none on each platform, then <interpreter>-none-any (skipped when
// `interpreter` is empty), then the same py* tags with none-any.
std::vector<Tag> CompatibleTags(int major, int minor, std::string_view interpreter,
                                const std::vector<std::string>& platforms);

}  // namespace sparkenv::spec
