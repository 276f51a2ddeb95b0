// The target: the cluster's Python interpreter, described without having it.
//
// A Target is two facts that everything downstream needs: the PEP 508 marker
// environment (to evaluate markers in requirements and metadata) and the
// ordered list of wheel tags the interpreter accepts, best first (to choose
// wheels). It comes from one of two places:
//
//   Declare(options)  implementation + Python version + platform tags, as on
//                     the command line (--python 3.11 --platform
//                     manylinux_2_28_x86_64). Markers and tags are derived
//                     exactly as packaging 26.3 would on such a machine; see
//                     docs/targets.md for every default.
//   FromJson(text)    a target file: sparkenv's own format (what
//                     `sparkenv target show --json` prints), or the output of
//                     `pex3 interpreter inspect --markers --tags`.
//
// Targets are immutable values; all methods are const and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/environment.h"
#include "spec/platform.h"
#include "spec/tags.h"

namespace sparkenv::spec {

// What a user can say about a target (the --python, --implementation,
// --platform, --abi and --target options). Empty fields were not given.
struct TargetOptions {
  std::string python;                  // "3.11" or "3.11.9"
  std::string implementation;          // "cp" (the default when empty)
  std::vector<std::string> platforms;  // ordered, best first
  std::string abi;                     // "cp311" (default), "cp37m", "cp313t"
  std::string target_file;             // a JSON target file; excludes the rest
};

class Target {
 public:
  // The oldest Python version a declared target may name.
  static constexpr int kMinPythonMinor = 7;

  // Builds the target the options describe: from the target file when
  // options.target_file is set (then no other field may be), else declared.
  // Reads the file; every error names the option or file and the rule.
  static Result<Target> FromOptions(const TargetOptions& options);

  // A CPython interpreter of version options.python on options.platforms.
  static Result<Target> Declare(const TargetOptions& options);

  // Parses a target file's text. `source` names it in error messages.
  static Result<Target> FromJson(std::string_view text, std::string_view source);

  // Reads and parses a target file.
  static Result<Target> Load(const std::string& path);

  // A target from explicit parts (tags best first; duplicates dropped).
  Target(MarkerEnvironment markers, std::vector<Tag> tags)
      : markers_(std::move(markers)), tags_(std::move(tags)) {}

  const MarkerEnvironment& markers() const { return markers_; }
  const std::vector<Tag>& tags() const { return tags_.tags(); }
  const RankedTags& ranked_tags() const { return tags_; }

  // The index of `tag` in tags() (0 is best), or nullopt if unsupported.
  std::optional<size_t> Rank(const Tag& tag) const { return tags_.Rank(tag); }

  // sparkenv's target file format: {"markers": {...}, "tags": [...]}, keys
  // sorted, tags best first. FromJson(ToJson()) gives an equal target.
  // `indent` spaces per level; a negative indent prints one line.
  std::string ToJson(int indent = 2) const;

 private:
  MarkerEnvironment markers_;
  RankedTags tags_;
};

}  // namespace sparkenv::spec
