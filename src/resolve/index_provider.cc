#include "resolve/index_provider.h"

#include <algorithm>

#include "base/strings.h"
#include "spec/name.h"

namespace sparkenv::resolve {

struct IndexProvider::Task {
  enum class State { kQueued, kRunning, kDone };
  explicit Task(index::DistFile f) : file(std::move(f)) {}
  index::DistFile file;
  State state = State::kQueued;
  Result<spec::Metadata> result = Error("not fetched", ErrorKind::kInternal);
};

IndexProvider::IndexProvider(index::IndexClient& client, const index::MetadataSource& metadata,
                             spec::Target target, int workers)
    : client_(client), metadata_(metadata), target_(std::move(target)) {
  if (auto it = target_.markers().find("python_full_version"); it != target_.markers().end()) {
    if (auto v = spec::Version::Parse(it->second); v.ok()) python_ = *v;
  }
  max_workers_ = std::max(workers, 0);
}

IndexProvider::~IndexProvider() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  work_cv_.notify_all();
  // workers_ changes only under mu_ on the caller's thread, which is this one.
  for (std::thread& t : workers_) t.join();
}

void IndexProvider::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_workers_;
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_workers_;
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    std::shared_ptr<Task> task = std::move(job.task);
    if (task == nullptr) {
      RunPageJob(job.project, lock);
      continue;
    }
    if (task->state != Task::State::kQueued) continue;  // taken over by the caller
    task->state = Task::State::kRunning;
    ++prefetched_;
    lock.unlock();
    Result<spec::Metadata> result = metadata_.Fetch(task->file);
    lock.lock();
    task->result = std::move(result);
    task->state = Task::State::kDone;
    done_cv_.notify_all();
  }
}

void IndexProvider::WakeWorker() {
  if (idle_workers_ >= queue_.size()) {
    work_cv_.notify_one();
    return;
  }
  if (static_cast<int>(workers_.size()) < max_workers_) {
    workers_.emplace_back([this] { WorkerLoop(); });
  } else {
    work_cv_.notify_one();
  }
}

void IndexProvider::RunPageJob(const std::string& name, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  // By reference: a popular project's page holds thousands of files.
  auto future = client_.FetchProject(name);
  const Result<index::ProjectPage>& page = future.get();
  std::shared_ptr<Task> task;
  if (page.ok()) {
    // The caller may have built it already (it asked before this job ran).
    std::shared_ptr<const Project> shared;
    {
      std::lock_guard<std::mutex> guard(*lock.mutex());
      if (auto b = built_.find(name); b != built_.end()) shared = b->second;
    }
    if (shared == nullptr) {
      shared = std::make_shared<const Project>(MakeProject(name, *page, target_));
      std::lock_guard<std::mutex> guard(*lock.mutex());
      shared = built_.emplace(name, shared).first->second;
    }
    const Project& project = *shared;
    const CandidateVersion* newest = nullptr;
    const DistributionFile* file = nullptr;
    for (const CandidateVersion& c : project.versions.versions) {
      if (c.version.is_prerelease() || (newest != nullptr && c.version < newest->version)) {
        continue;
      }
      if (const DistributionFile* f = PreferredFile(c); f != nullptr) {
        newest = &c;
        file = f;
      }
    }
    if (file != nullptr) {
      lock.lock();
      bool created = false;
      task = TaskFor(*project.files.at(file->url), &created);
      if (!created || task->state != Task::State::kQueued) task = nullptr;
      if (task != nullptr) {
        task->state = Task::State::kRunning;
        ++prefetched_;
      }
      lock.unlock();
    }
  }
  if (task != nullptr) {
    Result<spec::Metadata> result = metadata_.Fetch(task->file);
    lock.lock();
    task->result = std::move(result);
    task->state = Task::State::kDone;
    done_cv_.notify_all();
    return;
  }
  lock.lock();
}

IndexProvider::Project IndexProvider::MakeProject(const std::string& name,
                                                  const index::ProjectPage& page,
                                                  const spec::Target& target) {
  Project project;
  project.page_url = page.url;
  project.versions.name = name;
  std::vector<CandidateVersion>& versions = project.versions.versions;
  // Version -> position in `versions` (pages of popular projects list
  // thousands of files over hundreds of versions).
  std::map<spec::Version, size_t> position;
  // Wheels the target cannot install matter to the resolver only as "this
  // version has wheels, none for the target": one per version is kept, the
  // rest (often dozens per release: every Python and platform) dropped.
  std::set<size_t> has_foreign_wheel;
  for (const index::DistFile& f : page.files) {
    if (project.files.count(f.url()) != 0) continue;  // listed twice (index and find-links)
    const bool foreign = f.is_wheel() && !target.ranked_tags().BestRank(f.wheel()->tags());
    if (foreign) {
      auto known = position.find(f.version());
      if (known != position.end() && has_foreign_wheel.count(known->second) != 0) continue;
    }
    DistributionFile d;
    d.filename = f.filename();
    d.is_wheel = f.is_wheel();
    if (f.is_wheel()) d.tags = f.wheel()->tags();
    d.requires_python = f.requires_python();
    d.yanked = f.yanked().has_value();
    d.yanked_reason = f.yanked().value_or("");
    d.url = f.url();
    d.sha256 = f.sha256().value_or("");
    auto [at, added] = position.emplace(f.version(), versions.size());
    if (added) versions.push_back(CandidateVersion{f.version(), {}});
    versions[at->second].files.push_back(std::move(d));
    if (foreign) has_foreign_wheel.insert(at->second);
    project.files.emplace(f.url(), &f);
  }
  return project;
}

Result<ProjectVersions> IndexProvider::ListVersions(const std::string& name) {
  auto known = projects_.find(name);
  if (known != projects_.end()) return known->second->versions;
  ++stats_.pages;
  auto future = client_.FetchProject(name);
  const Result<index::ProjectPage>& page = future.get();
  if (!page.ok()) return page.error();
  std::shared_ptr<const Project> built;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto b = built_.find(name); b != built_.end()) built = b->second;
  }
  if (built == nullptr) {
    // Not built by a page job yet: build it here, and share it with the job.
    built = std::make_shared<const Project>(MakeProject(name, *page, target_));
    std::lock_guard<std::mutex> lock(mu_);
    built = built_.emplace(name, built).first->second;
  }
  auto [it, inserted] = projects_.emplace(name, std::move(built));
  (void)inserted;
  return it->second->versions;
}

void IndexProvider::PrefetchVersions(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (projects_.count(name) != 0 || !page_jobs_.insert(name).second) continue;
    (void)client_.FetchProject(name);  // starts the request now
    if (max_workers_ == 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Job{nullptr, name});
    WakeWorker();
  }
}

const DistributionFile* IndexProvider::PreferredFile(const CandidateVersion& candidate) const {
  const DistributionFile* best = nullptr;
  const DistributionFile* sdist = nullptr;
  size_t best_rank = 0;
  for (const DistributionFile& f : candidate.files) {
    if (f.yanked) continue;
    if (f.requires_python && python_ &&
        !f.requires_python->Contains(*python_, spec::PreReleases::kInclude)) {
      continue;
    }
    if (!f.is_wheel) {
      if (sdist == nullptr) sdist = &f;
      continue;
    }
    auto rank = target_.ranked_tags().BestRank(f.tags);
    if (rank && (best == nullptr || *rank < best_rank)) {
      best = &f;
      best_rank = *rank;
    }
  }
  return best != nullptr ? best : sdist;
}

std::shared_ptr<IndexProvider::Task> IndexProvider::TaskFor(const index::DistFile& file,
                                                            bool* created) {
  *created = false;
  auto it = tasks_.find(file.url());
  if (it != tasks_.end()) return it->second;
  auto task = std::make_shared<Task>(file);
  tasks_.emplace(file.url(), task);
  *created = true;
  return task;
}

void IndexProvider::Prefetch(const std::string& name, const std::vector<spec::Version>& versions) {
  if (max_workers_ == 0) return;
  auto project = projects_.find(name);
  if (project == projects_.end()) return;
  if (auto asked = asked_.find(name); asked == asked_.end() || asked->second.size() < 2) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const spec::Version& v : versions) {
      for (const CandidateVersion& c : project->second->versions.versions) {
        if (!(c.version == v)) continue;
        const DistributionFile* file = PreferredFile(c);
        if (file == nullptr) break;
        bool created = false;
        auto task = TaskFor(*project->second->files.at(file->url), &created);
        if (created) {
          queue_.push_back(Job{task, ""});
          WakeWorker();
        }
        break;
      }
    }
  }
}

Result<VersionMetadata> IndexProvider::GetMetadata(const std::string& name,
                                                   const spec::Version& version,
                                                   const DistributionFile& file) {
  const std::string key = name + "==" + version.ToString() + "|" + file.url;
  if (auto it = answers_.find(key); it != answers_.end()) return it->second;
  ++stats_.metadata;
  asked_[name].insert(version.ToString());

  const index::DistFile* entry = FindFile(name, file.url);
  if (entry == nullptr) {
    return Error("internal: " + Quote(file.filename) + " was not listed for " + Quote(name),
                 ErrorKind::kInternal);
  }
  std::shared_ptr<Task> task;
  bool run_here = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    bool created = false;
    task = TaskFor(*entry, &created);
    if (task->state == Task::State::kQueued) {
      task->state = Task::State::kRunning;  // taken over: the queue skips it
      run_here = true;
    } else {
      ++stats_.metadata_waited;
      done_cv_.wait(lock, [&task] { return task->state == Task::State::kDone; });
    }
  }
  if (run_here) {
    Result<spec::Metadata> result = metadata_.Fetch(task->file);
    std::lock_guard<std::mutex> lock(mu_);
    task->result = std::move(result);
    task->state = Task::State::kDone;
  }
  Result<spec::Metadata> metadata = Error("", ErrorKind::kInternal);
  {
    std::lock_guard<std::mutex> lock(mu_);
    metadata = task->result;
  }
  Result<VersionMetadata> answer = Convert(name, version, metadata);
  if (answer.ok()) answers_.emplace(key, *answer);
  return answer;
}

Result<VersionMetadata> IndexProvider::Convert(const std::string& name,
                                               const spec::Version& version,
                                               const Result<spec::Metadata>& metadata) {
  if (!metadata.ok()) return metadata.error();
  VersionMetadata out;
  out.requires_dist = metadata->requires_dist();
  out.requires_python = metadata->requires_python();
  for (const std::string& extra : metadata->provides_extra()) {
    out.provides_extra.push_back(spec::NormalizeExtra(extra));
  }
  requires_python_[name + "==" + version.ToString()] = out.requires_python;
  return out;
}

const index::DistFile* IndexProvider::FindFile(const std::string& name,
                                               const std::string& url) const {
  auto project = projects_.find(name);
  if (project == projects_.end()) return nullptr;
  auto f = project->second->files.find(url);
  return f == project->second->files.end() ? nullptr : f->second;
}

std::string IndexProvider::PageUrl(const std::string& name) const {
  auto project = projects_.find(name);
  return project == projects_.end() ? std::string() : project->second->page_url;
}

std::optional<spec::SpecifierSet> IndexProvider::RequiresPython(
    const std::string& name, const spec::Version& version) const {
  auto it = requires_python_.find(name + "==" + version.ToString());
  return it == requires_python_.end() ? std::nullopt : it->second;
}

IndexProviderStats IndexProvider::stats() const {
  IndexProviderStats s = stats_;
  std::lock_guard<std::mutex> lock(mu_);
  s.metadata_prefetched = prefetched_;
  return s;
}

}  // namespace sparkenv::resolve
