// PEP 751 lock files (packaging.python.org: pylock-toml): a model, a writer
// and a validating reader.
//
// The writer prints a fixed layout (docs/pylock.md): top-level keys in the
// order of the specification, packages sorted by name then version, wheels
// by file name, dependencies by name then version, hash algorithms and
// [tool.sparkenv] keys sorted, every array one item per line. The same model
// always gives the same bytes, and ReadLock(WriteLock(m)) writes the same
// bytes again.
//
// The reader accepts any lock-version 1.x file (other keys of a newer minor
// version are ignored), reads every source kind (vcs, directory, archive,
// sdist, wheels) and checks the rules of the specification that
// packaging.pylock checks: required keys and their types, normalized names,
// valid versions, markers and specifiers, exactly one kind of source per
// package, at least one hash per file, file names that agree with the
// package's name and version. Every error names the file, and the package
// when there is one:
//   pylock.toml: packages[1] 'numpy': wheels[0]: at least one hash is required
// Thread-safe: the functions keep no state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/marker.h"
#include "spec/specifier.h"
#include "spec/version.h"

namespace sparkenv::lock {

// A UTC time of day and date with microseconds, as PEP 751 upload-time
// (and the simple API's upload-time) records it.
struct Timestamp {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int microsecond = 0;

  // RFC 3339 / ISO 8601 text: "2025-01-25T11:30:10.164985Z", with an
  // offset ("+01:00") converted to UTC and a missing offset taken as UTC;
  // fractions beyond microseconds are truncated (as Python does).
  static Result<Timestamp> Parse(std::string_view text);
  // "2025-01-25T11:30:10.164985Z" (".ffffff" only when microsecond != 0);
  // this is also the TOML offset date-time the writer prints.
  std::string ToString() const;

  auto operator<=>(const Timestamp&) const = default;
};

// A file: a wheel, an sdist or an archive.
struct FileEntry {
  std::string name;  // the file name; may be empty when url or path ends in it
  std::string url;   // one of url and path is required
  std::string path;
  std::optional<int64_t> size;
  std::optional<Timestamp> upload_time;
  std::map<std::string, std::string> hashes;  // algorithm -> hex digest; not empty
  std::string subdirectory;                   // archives only

  // name, else the last component of path or url (percent-decoded).
  std::string FileName() const;
  bool operator==(const FileEntry&) const = default;
};

struct VcsSource {
  std::string type;  // "git", ...
  std::string url;   // one of url and path is required
  std::string path;
  std::string requested_revision;
  std::string commit_id;  // required
  std::string subdirectory;
  bool operator==(const VcsSource&) const = default;
};

struct DirectorySource {
  std::string path;  // required
  std::optional<bool> editable;
  std::string subdirectory;
  bool operator==(const DirectorySource&) const = default;
};

// An entry of [[packages.dependencies]]: enough to find the package entry.
struct DependencyRef {
  std::string name;
  std::string version;  // empty when the name alone is unambiguous
  auto operator<=>(const DependencyRef&) const = default;
};

struct Package {
  std::string name;  // normalized (PEP 503)
  std::optional<spec::Version> version;
  std::optional<spec::Marker> marker;
  std::optional<spec::SpecifierSet> requires_python;
  std::vector<DependencyRef> dependencies;
  std::string index;  // the simple-API base URL the files came from
  // Exactly one kind of source: vcs, directory or archive alone, or an sdist
  // and/or wheels.
  std::optional<VcsSource> vcs;
  std::optional<DirectorySource> directory;
  std::optional<FileEntry> archive;
  std::optional<FileEntry> sdist;
  std::vector<FileEntry> wheels;
};

// sparkenv's own data, in [tool.sparkenv]: what the lock was made for and
// from. Disposable as PEP 751 requires (installers ignore it); `sparkenv
// lock --check` compares it with the current inputs.
struct SparkenvTool {
  // The target interpreter's marker environment (python_version, ...).
  std::map<std::string, std::string> target_markers;
  // The target's ordered tag list: how many, and the sha256 of the tags
  // joined with '\n' (hex), so a changed tag order is noticed.
  int64_t target_tag_count = 0;
  std::string target_tags_sha256;
  // The input requirements as given (normalized text), and constraints.
  std::vector<std::string> requirements;
  std::vector<std::string> constraints;
  // Index URLs used (in order), and find-links locations.
  std::vector<std::string> indexes;
  std::vector<std::string> find_links;
  std::string resolution;  // "highest", "lowest", "lowest-direct"
  bool prereleases = false;
};

struct Lock {
  std::string lock_version = "1.0";
  std::vector<spec::Marker> environments;
  std::optional<spec::SpecifierSet> requires_python;
  // Written only when set (an empty array says "the inputs had none").
  std::optional<std::vector<std::string>> extras;
  std::optional<std::vector<std::string>> dependency_groups;
  std::optional<std::vector<std::string>> default_groups;
  std::string created_by = "sparkenv";
  std::vector<Package> packages;
  std::optional<SparkenvTool> sparkenv;
};

// The layout described above. Fails, without output, when the model breaks
// a rule the reader checks (the same messages, with `source` as file name).
Result<std::string> WriteLock(const Lock& lock, std::string_view source = "pylock.toml");

// Parses and validates a pylock.toml; `source` names the file in errors.
// Unknown keys and other tools' [tool.*] tables are ignored.
Result<Lock> ReadLock(std::string_view text, std::string_view source = "pylock.toml");

// The reader's checks on a model (used by WriteLock).
Status ValidateLock(const Lock& lock, std::string_view source = "pylock.toml");

// TOML basic string for `s` (with quotes), escaping '"', '\\' and control
// characters. `s` must be valid UTF-8.
std::string TomlString(std::string_view s);

}  // namespace sparkenv::lock
