// What the resolver asks about packages: the Provider interface.
//
// The resolver never talks to an index, a cache or the network itself. It
// asks a Provider two questions:
//
//   ListVersions(name)       every version a project offers, with per-file
//                            facts needed to choose among them (which files
//                            exist: wheel tags or sdist; each file's
//                            Requires-Python; yanked + reason);
//   GetMetadata(name, v, f)  the core metadata (Requires-Dist,
//                            Requires-Python, Provides-Extra) of one version,
//                            read from file `f` (the one the resolver would
//                            install).
//
// and gives hints that let an implementation work ahead:
//
//   PrefetchVersions(names)  these projects will probably be listed soon;
//   Prefetch(name, versions) metadata of these versions will probably be
//                            asked for soon (the next candidates, best first).
//
// Contract:
// - `name` is always a normalized project name (spec::NormalizeName).
// - ListVersions: versions in any order, each listed once (the provider merges
//   the files of "1.0" and "1.0.0"); a version with no files may be listed.
//   An unknown project is an Error with ErrorKind::kNotFound (the resolver turns
//   it into "b was not found in the package index"); any other error stops the
//   resolution and is reported as is.
// - GetMetadata: called only for a version ListVersions returned, with one of
//   its files. An error stops the resolution.
// - Answers must be stable during one resolution: asking twice gives the same
//   answer (implementations cache).
// - Calls come from one thread at a time and may block. Prefetch hints never
//   block and may be ignored; an implementation that fetches in the background
//   (a libcurl-multi loop, a thread pool) starts the work there and lets the
//   blocking call wait for it. This keeps the resolver synchronous today and
//   lets the index client overlap its requests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "spec/requirement.h"
#include "spec/specifier.h"
#include "spec/tags.h"
#include "spec/version.h"

namespace sparkenv::resolve {

// One distribution file of a version, as the index describes it.
struct DistributionFile {
  std::string filename;  // "a-1.0-py3-none-any.whl", "a-1.0.tar.gz"
  bool is_wheel = false;
  // For a wheel, its expanded tag set ("py2.py3-none-any" gives two tags).
  std::vector<spec::Tag> tags;
  // The file's data-requires-python, when the index gives one.
  std::optional<spec::SpecifierSet> requires_python;
  bool yanked = false;
  std::string yanked_reason;  // may be empty
  std::string url;            // for the lock file; opaque to the resolver
  std::string sha256;         // hex, may be empty
};

struct CandidateVersion {
  spec::Version version;
  std::vector<DistributionFile> files;
};

struct ProjectVersions {
  std::string name;  // normalized
  std::vector<CandidateVersion> versions;
};

// The parts of core metadata the resolver uses.
struct VersionMetadata {
  std::vector<spec::Requirement> requires_dist;
  std::optional<spec::SpecifierSet> requires_python;
  std::vector<std::string> provides_extra;  // normalized extra names
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual Result<ProjectVersions> ListVersions(const std::string& name) = 0;
  virtual Result<VersionMetadata> GetMetadata(const std::string& name, const spec::Version& version,
                                              const DistributionFile& file) = 0;

  // Hints; the default implementations ignore them.
  virtual void PrefetchVersions(const std::vector<std::string>& names) { (void)names; }
  virtual void Prefetch(const std::string& name, const std::vector<spec::Version>& versions) {
    (void)name;
    (void)versions;
  }
};

}  // namespace sparkenv::resolve
