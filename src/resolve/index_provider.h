// A Provider backed by package indexes: the resolver's view of
// index::IndexClient (project pages) and index::MetadataSource (core
// metadata from the cheapest source).
//
// Work ahead: PrefetchVersions() starts fetching project pages (the index
// client's requests run concurrently on the http::Client) and queues, for
// each, a job that waits for the page and fetches the metadata of its newest
// final release -- the version the resolver will most likely ask about
// first (as uv does); once the resolver has asked about a second version of
// a project (it is backtracking on it), Prefetch() queues
// metadata fetches of the likely next candidates on a small pool of worker
// threads (MetadataSource blocks per call, so parallelism comes from
// threads). GetMetadata() waits for a fetch already running, takes over one
// still queued, or fetches on the calling thread -- so a hint never delays
// an answer the resolver needs now.
//
// The file prefetched for a version is the one the resolver would choose
// (the best-ranked wheel for the target that is not yanked and whose
// Requires-Python admits the target, else an sdist); if the resolver asks
// for another file, that file is fetched then.
//
// Besides answering the resolver, the provider remembers the index's own
// description of every file it listed (DistFile: hashes, size, upload time)
// and each version's Requires-Python, which the lock writer needs.
// Provider calls come from one thread (see provider.h); the worker threads
// only touch the metadata task table, under a mutex.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "index/index_client.h"
#include "index/metadata_source.h"
#include "resolve/provider.h"
#include "spec/target.h"

namespace sparkenv::resolve {

struct IndexProviderStats {
  int pages = 0;                // project pages asked for
  int metadata = 0;             // metadata answers given
  int metadata_waited = 0;      // ... that were fetched ahead (ready or running)
  int metadata_prefetched = 0;  // prefetch tasks started by the workers
};

class IndexProvider : public Provider {
 public:
  // Up to `workers` threads fetch metadata in the background (0: none,
  // every fetch on the calling thread); they start when work is queued and
  // no started one is idle. `client` and `metadata` must outlive the
  // provider (it refers to the client's pages rather than copying them).
  IndexProvider(index::IndexClient& client, const index::MetadataSource& metadata,
                spec::Target target, int workers = 8);
  ~IndexProvider() override;
  IndexProvider(const IndexProvider&) = delete;
  IndexProvider& operator=(const IndexProvider&) = delete;

  Result<ProjectVersions> ListVersions(const std::string& name) override;
  Result<VersionMetadata> GetMetadata(const std::string& name, const spec::Version& version,
                                      const DistributionFile& file) override;
  void PrefetchVersions(const std::vector<std::string>& names) override;
  void Prefetch(const std::string& name, const std::vector<spec::Version>& versions) override;

  // The index's entry for a file listed by ListVersions(name), by URL.
  const index::DistFile* FindFile(const std::string& name, const std::string& url) const;
  // The URL of the page that listed `name` (after redirects), if listed.
  std::string PageUrl(const std::string& name) const;
  // The Requires-Python of the metadata read for name==version, if read.
  std::optional<spec::SpecifierSet> RequiresPython(const std::string& name,
                                                   const spec::Version& version) const;

  IndexProviderStats stats() const;

 private:
  struct Task;
  struct Project {
    std::string page_url;
    // By URL: the entries of the index client's page, which outlives the
    // provider (see the constructor); not copies.
    std::map<std::string_view, const index::DistFile*> files;
    ProjectVersions versions;
  };

  // Work for the pool: a metadata fetch, or (task == nullptr) waiting for
  // the page of `project` and then fetching its newest version's metadata.
  struct Job {
    std::shared_ptr<Task> task;
    std::string project;
  };

  static Project MakeProject(const std::string& name, const index::ProjectPage& page,
                             const spec::Target& target);
  // Under mu_: the task of `file`, made (and *created set) when new.
  std::shared_ptr<Task> TaskFor(const index::DistFile& file, bool* created);
  void WorkerLoop();
  // Under mu_, after queueing a job: wakes one idle worker, or starts a new
  // one when none is idle and fewer than max_workers_ run.
  void WakeWorker();
  void RunPageJob(const std::string& name, std::unique_lock<std::mutex>& lock);
  const DistributionFile* PreferredFile(const CandidateVersion& candidate) const;
  Result<VersionMetadata> Convert(const std::string& name, const spec::Version& version,
                                  const Result<spec::Metadata>& metadata);

  index::IndexClient& client_;
  const index::MetadataSource& metadata_;
  spec::Target target_;
  std::optional<spec::Version> python_;

  // Caller-thread state.
  // Shared with built_ (a page job's work is not copied).
  std::map<std::string, std::shared_ptr<const Project>> projects_;
  std::map<std::string, VersionMetadata> answers_;                            // "name==version|url"
  std::map<std::string, std::optional<spec::SpecifierSet>> requires_python_;  // "name==version"
  IndexProviderStats stats_;
  std::set<std::string> page_jobs_;  // projects whose page job was queued
  // Versions whose metadata the resolver asked for, per project: hints for
  // older versions are followed only once the resolver has moved past the
  // first version it tried (it is backtracking there), so a resolution
  // without conflicts fetches nothing it does not use.
  std::map<std::string, std::set<std::string>> asked_;

  // Shared with the workers.
  mutable std::mutex mu_;
  // Workers wait on work_cv_ for jobs (one wake-up per job queued); the
  // caller waits on done_cv_ for a task a worker runs. Two variables, so a
  // finished task does not wake every idle worker, nor a new job the caller.
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::map<std::string, std::shared_ptr<Task>> tasks_;  // by file URL
  // Projects a page job has already turned into candidates.
  std::map<std::string, std::shared_ptr<const Project>> built_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  int prefetched_ = 0;
  // Threads start on demand (a warm lock whose jobs finish quickly needs
  // few), up to max_workers_.
  int max_workers_ = 0;
  size_t idle_workers_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace sparkenv::resolve
