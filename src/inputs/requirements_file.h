// pip's requirements-file format, read the way pip reads it
// (pip/_internal/req/req_file.py): see docs/inputs.md for the full list.
//
// In order, each file is
//   1. split into lines (Python's str.splitlines; a UTF-8 BOM is dropped);
//   2. joined where a line ends in '\' (the joined line keeps the number of
//      its first line; a comment line ends the continuation);
//   3. stripped of comments: from a '#' at the start of the line or after
//      whitespace to the end of the line; blank lines are dropped;
//   4. expanded: ${NAME} (NAME of A-Z, 0-9, _) becomes the variable's value
//      when it is set and not empty, and is left as written otherwise;
//   5. split into a requirement part (the ' '-separated words before the
//      first word that starts with '-') and options (split like a POSIX
//      shell, as shlex.split does).
// A line is a requirement (PEP 508, a URL, or a path to a wheel or sdist)
// with per-requirement options (--hash), or a line of options only.
//
// Nested files (-r/--requirement, -c/--constraint) are read relative to the
// folder of the file that names them. As in pip, -r inside a constraints file
// adds requirements. A file that includes itself, directly or not, is an
// error; the same file included twice from different places is not.
//
// Decisions that differ from pip (all stricter, all documented in
// docs/inputs.md): editable requirements (-e) are an error; --hash on a line
// without a requirement is an error (pip warns); options that only pip's
// build step uses (--config-settings, --global-option) are errors; URLs of
// requirements files (-r https://...) are an error.
//
// Every error starts with "<file>:<line>: " and names the offending text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "inputs/file_system.h"
#include "spec/requirement.h"

namespace sparkenv::inputs {

// Where an input came from: a file and a 1-based line (the first line of a
// continued line), or a description such as "command line" with line 0.
struct Origin {
  std::string file;
  int line = 0;

  // "requirements.txt:3", or just the file when line is 0.
  std::string ToString() const;
  bool operator==(const Origin&) const = default;
};

// One requirement line of a requirements or constraints file.
struct RequirementLine {
  spec::Requirement requirement;
  Origin origin;
  // Allowed digests from --hash options, "algorithm:hexdigest" with the
  // algorithm one of sha256, sha384, sha512 and the digest in lowercase;
  // in the order written, duplicates dropped.
  std::vector<std::string> hashes;
  // For a line that named a local file ("./dist/pkg-1.0-py3-none-any.whl"),
  // the path as written; the requirement then refers to it with an absolute
  // file: URL.
  std::string local_path;
};

// Options that change where and how distributions are found. Lines are
// applied in file order: --index-url replaces the index, --extra-index-url
// and --find-links append (each value once).
struct IndexOptions {
  std::optional<std::string> index_url;
  std::vector<std::string> extra_index_urls;
  // As written, except that a relative path that exists relative to the
  // requirements file's folder is joined with that folder (as pip does).
  std::vector<std::string> find_links;
  bool no_index = false;
  bool pre = false;
  bool prefer_binary = false;
  bool require_hashes = false;
  bool no_require_hashes = false;
  // --no-binary / --only-binary values in order: ":all:", ":none:" or a
  // normalized project name (comma-separated lists are split).
  std::vector<std::string> no_binary;
  std::vector<std::string> only_binary;
  // --all-releases / --only-final (pip 26's pre-release control), the same
  // way: ":all:", ":none:" or normalized names, in order.
  std::vector<std::string> all_releases;
  std::vector<std::string> only_final;
  std::vector<std::string> trusted_hosts;
};

// Everything read from one or more requirements files.
struct RequirementsInput {
  std::vector<RequirementLine> requirements;
  std::vector<RequirementLine> constraints;
  IndexOptions index;
  // Every file read, in the order first read (as the path that was opened).
  std::vector<std::string> files;
};

// Reads requirements files into a RequirementsInput. One reader may read
// several files (the CLI's -r a.txt -r b.txt -c c.txt); each call adds to the
// same result. Not thread-safe.
class RequirementsFileReader {
 public:
  RequirementsFileReader(const FileSystem& fs, const Environment& env) : fs_(fs), env_(env) {}

  // Reads `path` (and the files it includes) as a requirements file, or as
  // a constraints file when `constraint` is true.
  Status Read(const std::string& path, bool constraint = false);

  // Reads `content` as if it were the file `path` (nested paths are
  // relative to `path`'s folder). Used by tests and fuzzers.
  Status ReadText(const std::string& path, std::string_view content, bool constraint = false);

  const RequirementsInput& result() const { return result_; }
  RequirementsInput Take() { return std::move(result_); }

 private:
  Status ReadFile(const std::string& path, bool constraint, const Origin* included_from);
  Status ReadContent(const std::string& path, std::string_view content, bool constraint);
  Status HandleLine(const std::string& path, int line_number, const std::string& line,
                    bool constraint);

  const FileSystem& fs_;
  const Environment& env_;
  RequirementsInput result_;
  // The chain of files being read (for cycle detection): absolute normal
  // path and the path as opened.
  std::vector<std::pair<std::string, std::string>> stack_;
};

// Reads one requirements file with its includes.
Result<RequirementsInput> ReadRequirementsFile(const std::string& path, const FileSystem& fs,
                                               const Environment& env);

// Parses the requirement part of a line (or a command-line argument): a
// PEP 508 requirement, a URL ("https://host/pkg-1.0-py3-none-any.whl",
// optionally "#egg=name", "; marker" after "; "), or a local path to a wheel
// or sdist (made absolute with `fs`). Errors name the text and the rule.
Result<RequirementLine> ParseRequirementText(std::string_view text, const Origin& origin,
                                             const FileSystem& fs);

namespace detail {
// The steps of reading a file, exposed for tests: logical lines with their
// line numbers after joining, comment removal and variable expansion.
std::vector<std::pair<int, std::string>> PreprocessLines(std::string_view content,
                                                         const Environment& env);
// shlex.split (POSIX mode, no comments). Errors on an unclosed quote or a
// trailing backslash.
Result<std::vector<std::string>> ShellSplit(std::string_view text);
}  // namespace detail

}  // namespace sparkenv::inputs
