// An in-memory Provider: projects, versions, files and metadata held in maps.
// Used by the resolver's tests and the packse scenario suite; also a reference
// for what an index-backed provider must answer. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "resolve/provider.h"

namespace sparkenv::resolve {

class MemoryProvider : public Provider {
 public:
  // Adds (or replaces) version `version` of `name` (any spelling) with its
  // files and metadata.
  void Add(const std::string& name, CandidateVersion candidate, VersionMetadata metadata);

  Result<ProjectVersions> ListVersions(const std::string& name) override;
  Result<VersionMetadata> GetMetadata(const std::string& name, const spec::Version& version,
                                      const DistributionFile& file) override;
  void PrefetchVersions(const std::vector<std::string>& names) override;
  void Prefetch(const std::string& name, const std::vector<spec::Version>& versions) override;

  // What was asked, for tests of the resolver's use of the interface.
  int list_calls() const { return list_calls_; }
  int metadata_calls() const { return metadata_calls_; }
  int prefetch_hints() const { return prefetch_hints_; }

 private:
  struct Entry {
    CandidateVersion candidate;
    VersionMetadata metadata;
  };
  std::map<std::string, std::vector<Entry>> projects_;
  int list_calls_ = 0;
  int metadata_calls_ = 0;
  int prefetch_hints_ = 0;
};

}  // namespace sparkenv::resolve
