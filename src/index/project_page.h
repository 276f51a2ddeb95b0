// The simple repository API's answer for one project, as immutable values
// (packaging.python.org: simple-repository-api; PEP 503 HTML, PEP 691 JSON,
// PEP 592 yanked, PEP 658/714 core metadata, PEP 700 size/upload-time).
//
// Both parsers (simple_html.h, simple_json.h) and the --find-links folder
// reader (find_links.h) produce a ProjectPage, so the resolver never sees
// which format or source a file came from.
//
// What the parsers do with imperfect entries (the rules pip and uv follow):
//   - a file whose name is neither a wheel nor an sdist filename, or names
//     another project, is left out and listed in `skipped` with the reason;
//   - an invalid requires-python value is ignored (the file stays, as if it
//     had none) and listed in `warnings`: pip does the same
//     (LinkEvaluator logs "Ignoring invalid Requires-Python").
// Thread-safe: all values are immutable after parsing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/specifier.h"
#include "spec/version.h"
#include "spec/wheel_filename.h"

namespace sparkenv::index {

// Hash algorithm name (lowercase, e.g. "sha256") -> lowercase hex digest.
using Hashes = std::map<std::string, std::string>;

// One distribution file listed for a project.
class DistFile {
 public:
  // Builds an entry from already validated parts; `filename` must parse as a
  // wheel or sdist (Make() returns an error naming it otherwise).
  static Result<DistFile> Make(std::string filename, std::string url);

  const std::string& filename() const { return filename_; }
  // Absolute URL without the "#hash" fragment.
  const std::string& url() const { return url_; }
  bool is_wheel() const { return wheel_.has_value(); }
  // Set for wheels / sdists respectively.
  const std::optional<spec::WheelFilename>& wheel() const { return wheel_; }
  const std::optional<spec::SdistFilename>& sdist() const { return sdist_; }
  // The normalized project name and version from the filename.
  const std::string& name() const;
  const spec::Version& version() const;

  const Hashes& hashes() const { return hashes_; }
  // The sha256 digest, when the source gave one.
  std::optional<std::string> sha256() const;
  // The requires-python text as published (nullopt when absent or invalid).
  const std::optional<spec::SpecifierSet>& requires_python() const { return requires_python_; }
  // PEP 592: nullopt when not yanked; otherwise the reason (possibly empty).
  const std::optional<std::string>& yanked() const { return yanked_; }
  // PEP 658/714: the index serves "<url>.metadata"; its hashes when given.
  bool has_core_metadata() const { return core_metadata_; }
  const Hashes& core_metadata_hashes() const { return core_metadata_hashes_; }
  // PEP 700 (JSON only): size in bytes and upload time as published
  // ("2024-01-01T00:00:00.000000Z").
  const std::optional<uint64_t>& size() const { return size_; }
  const std::optional<std::string>& upload_time() const { return upload_time_; }

  // Setters used by the parsers while building the value.
  DistFile& set_hashes(Hashes h) {
    hashes_ = std::move(h);
    return *this;
  }
  DistFile& set_requires_python(std::optional<spec::SpecifierSet> r) {
    requires_python_ = std::move(r);
    return *this;
  }
  DistFile& set_yanked(std::optional<std::string> y) {
    yanked_ = std::move(y);
    return *this;
  }
  DistFile& set_core_metadata(bool available, Hashes h) {
    core_metadata_ = available;
    core_metadata_hashes_ = std::move(h);
    return *this;
  }
  DistFile& set_size(std::optional<uint64_t> s) {
    size_ = s;
    return *this;
  }
  DistFile& set_upload_time(std::optional<std::string> t) {
    upload_time_ = std::move(t);
    return *this;
  }

 private:
  DistFile() = default;

  std::string filename_;
  std::string url_;
  std::optional<spec::WheelFilename> wheel_;
  std::optional<spec::SdistFilename> sdist_;
  Hashes hashes_;
  std::optional<spec::SpecifierSet> requires_python_;
  std::optional<std::string> yanked_;
  bool core_metadata_ = false;
  Hashes core_metadata_hashes_;
  std::optional<uint64_t> size_;
  std::optional<std::string> upload_time_;
};

// A file the parser left out, and why.
struct SkippedFile {
  std::string filename;
  std::string reason;
};

struct ProjectPage {
  std::string name;  // the normalized project name asked for
  std::string url;   // the page's URL (after redirects)
  // "1.1" from meta.api-version / pypi:repository-version; "1.0" when absent.
  std::string api_version = "1.0";
  std::vector<DistFile> files;  // in page order
  // PEP 700 `versions` (JSON only), as published.
  std::vector<std::string> versions;
  std::vector<SkippedFile> skipped;
  std::vector<std::string> warnings;
};

// What a parser remembers while it reads one page: the files of a release
// share one requires-python text, parsed once.
struct PageParseMemo {
  std::map<std::string, Result<spec::SpecifierSet>, std::less<>> requires_python;
};

// Applies the shared rules to one entry: parses `filename`, checks it names
// `project` (normalized), parses requires-python (through `memo` when
// given). On a skip, appends to page.skipped and returns nullopt. Used by
// both parsers.
std::optional<DistFile> MakeEntry(ProjectPage& page, const std::string& filename,
                                  const std::string& url,
                                  const std::optional<std::string>& requires_python,
                                  PageParseMemo* memo = nullptr);

// Checks a PEP 629 api version string: major must be 1. A newer minor is
// accepted (and noted in page.warnings by the caller).
Status CheckApiVersion(const std::string& version, const std::string& url);

// Parses "sha256=abc..." (a hash fragment or data-core-metadata value).
// Returns nullopt if it is not "<name>=<hex>".
std::optional<std::pair<std::string, std::string>> ParseHashPair(std::string_view text);

}  // namespace sparkenv::index
