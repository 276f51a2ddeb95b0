#include "resolve/memory_provider.h"

#include "base/strings.h"
#include "spec/name.h"

namespace sparkenv::resolve {

void MemoryProvider::Add(const std::string& name, CandidateVersion candidate,
                         VersionMetadata metadata) {
  std::vector<Entry>& entries = projects_[spec::NormalizeName(name)];
  for (Entry& e : entries) {
    if (e.candidate.version == candidate.version) {
      e = Entry{std::move(candidate), std::move(metadata)};
      return;
    }
  }
  entries.push_back(Entry{std::move(candidate), std::move(metadata)});
}

Result<ProjectVersions> MemoryProvider::ListVersions(const std::string& name) {
  ++list_calls_;
  auto it = projects_.find(name);
  if (it == projects_.end()) {
    return Error("project " + Quote(name) + " was not found", ErrorKind::kNotFound);
  }
  ProjectVersions out;
  out.name = name;
  for (const Entry& e : it->second) out.versions.push_back(e.candidate);
  return out;
}

Result<VersionMetadata> MemoryProvider::GetMetadata(const std::string& name,
                                                    const spec::Version& version,
                                                    const DistributionFile& file) {
  (void)file;
  ++metadata_calls_;
  auto it = projects_.find(name);
  if (it != projects_.end()) {
    for (const Entry& e : it->second) {
      if (e.candidate.version == version) return e.metadata;
    }
  }
  return Error("no metadata for " + Quote(name + "==" + version.ToString()), ErrorKind::kNotFound);
}

void MemoryProvider::PrefetchVersions(const std::vector<std::string>& names) {
  prefetch_hints_ += static_cast<int>(names.size());
}

void MemoryProvider::Prefetch(const std::string& name, const std::vector<spec::Version>& versions) {
  (void)name;
  prefetch_hints_ += static_cast<int>(versions.size());
}

}  // namespace sparkenv::resolve
