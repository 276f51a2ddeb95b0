// PEP 508 environment markers (packaging.python.org: dependency-specifiers).
//
// A Marker is an immutable value: Parse() validates the full grammar
// (and/or with "and" binding tighter, parentheses, '...' and "..." strings
// with Python escapes, every variable including the legacy dotted names
// "os.name", "sys.platform", "platform.version", "platform.machine",
// "platform.python_implementation" and setuptools' "python_implementation",
// the operators == != < <= > >= ~= === in "not in", either side a variable).
// ToString() prints the same text as Python packaging 26.3's str(Marker):
// one space around operators, strings in double quotes (single quotes when the
// value holds a double quote), redundant parentheses dropped, the values
// compared with "extra", "extras" and "dependency_groups" normalized (PEP 685).
// Two markers are equal when they print alike.
//
// Evaluation is always against a given MarkerEnvironment (the *target*
// interpreter), never against the host. See docs/spec-markers.md for the
// rules; in short:
//   - version variables (python_version, python_full_version,
//     implementation_version, platform_release, platform_version) compare
//     as PEP 440 versions
//     when "<op><other side>" is a valid specifier (pre-releases included),
//     otherwise as strings;
//   - strings: == and != compare, <= and >= behave as ==, < and > are false,
//     in / not in test substrings, ~= and === are an error;
//   - `extra == "x"` is true when "x" is one of the requested extras
//     (PEP 685 normalized on both sides), `extra != "x"` when it is not;
//     other operators on `extra` are false;
//   - a variable missing from the environment is an error (an "extra" key in
//     the environment is ignored: the extras are an argument).
// Thread-safe: all methods are const.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/environment.h"

namespace sparkenv::spec {

enum class MarkerOp {
  kEqual,         // ==
  kNotEqual,      // !=
  kLess,          // <
  kLessEqual,     // <=
  kGreater,       // >
  kGreaterEqual,  // >=
  kCompatible,    // ~=
  kArbitrary,     // ===
  kIn,            // in
  kNotIn,         // not in
};

std::string_view MarkerOpToString(MarkerOp op);

// One side of a comparison: a variable (canonical name, e.g. "os_name" for
// "os.name") or a string value (unquoted, escapes resolved).
struct MarkerOperand {
  bool is_variable = false;
  std::string text;
};

// `lhs op rhs`, e.g. python_version >= "3.8".
struct MarkerComparison {
  MarkerOperand lhs;
  MarkerOp op = MarkerOp::kEqual;
  MarkerOperand rhs;
};

enum class MarkerBoolOp { kAnd, kOr };

// A parsed expression: either one comparison, or a group of atoms joined by
// and/or exactly as written (a parenthesized group is a nested node).
struct MarkerNode {
  bool is_group = false;
  MarkerComparison comparison;      // when !is_group
  std::vector<MarkerNode> atoms;    // when is_group: at least one
  std::vector<MarkerBoolOp> joins;  // when is_group: atoms.size() - 1
};

class Marker;
namespace detail {
// Wraps a parsed tree (from ParseMarkerAt) as a Marker.
Marker MakeMarker(std::shared_ptr<const MarkerNode> root);
}  // namespace detail

class Marker {
 public:
  // Parses a whole marker expression. Errors read, for example:
  //   invalid marker 'python_version >> "3"': expected a marker variable or
  //   quoted string at position 16
  static Result<Marker> Parse(std::string_view text);

  // Normalized text (see the file comment); Parse(ToString()) == *this.
  std::string ToString() const;

  // Evaluates for a core-metadata or requirement context. `extras` are the
  // extras requested for the distribution whose requirement carries this
  // marker (any spelling; PEP 685 normalization is applied). The PEP 751
  // variables `extras` and `dependency_groups` are undefined here (an error).
  Result<bool> Evaluate(const MarkerEnvironment& env,
                        const std::vector<std::string>& extras = {}) const;

  // Evaluates for a PEP 751 lock file: `"x" in extras` and
  // `"x" in dependency_groups` test the given sets; `extra` is undefined.
  Result<bool> EvaluateForLockFile(const MarkerEnvironment& env,
                                   const std::vector<std::string>& extras,
                                   const std::vector<std::string>& dependency_groups) const;

  // The expression tree (the root is always a group).
  const MarkerNode& root() const { return *root_; }

  // Combines two markers: "(a) and (b)" / "(a) or (b)" with the parentheses
  // each side needs.
  Marker And(const Marker& other) const;
  Marker Or(const Marker& other) const;

  bool operator==(const Marker& other) const { return ToString() == other.ToString(); }

 private:
  explicit Marker(std::shared_ptr<const MarkerNode> root) : root_(std::move(root)) {}
  friend Marker detail::MakeMarker(std::shared_ptr<const MarkerNode> root);

  // Immutable and shared between copies.
  std::shared_ptr<const MarkerNode> root_;
};

// Internal to the spec module: the PEP 508 tokenizer and marker grammar,
// shared with Requirement::Parse so that positions in its errors count from
// the start of the requirement. Not part of the public API.
namespace detail {

// A syntax error: what was expected, and where (0-based character offsets
// into the source, counted in Unicode code points like Python packaging;
// `end` is where the problem was found, `start` where the offending
// construct began).
struct SyntaxError {
  std::string message;
  size_t start = 0;
  size_t end = 0;
};

// True when `s` is well-formed UTF-8 (markers and requirements are text).
bool ValidUtf8(std::string_view s);

// Python's regex \w (for str) at byte offset `pos` of UTF-8 `s`, and for
// the character that ends just before `pos`; non-ASCII is approximated
// (see docs/spec-markers.md).
bool IsWordCharAt(std::string_view s, size_t pos);
bool IsWordCharBefore(std::string_view s, size_t pos);

// Character offset (code points) of byte offset `pos` in `source`.
size_t CharOffset(std::string_view source, size_t pos);

// Formats "invalid <what> <quoted source>: <message> at position <end>".
Error MakeSyntaxError(std::string_view what, std::string_view source, const SyntaxError& e);

// Parses `marker (WS? BOOLOP marker)*` starting at byte offset *pos of
// `source`, advancing *pos past it (and past trailing blanks). On failure
// fills *error and returns nullptr.
std::shared_ptr<const MarkerNode> ParseMarkerAt(std::string_view source, size_t* pos,
                                                SyntaxError* error);

}  // namespace detail

}  // namespace sparkenv::spec
