#include "store/catalog.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "base/strings.h"
#include "store/parallel.h"

namespace sparkenv::store {
namespace {

// Manifests read in parallel: manifests[i] or errors[i] for ids[i].
struct Manifests {
  std::vector<std::optional<env::Manifest>> manifests;
  std::vector<std::optional<Error>> errors;
};

Manifests ReadManifests(Backend& backend, const std::vector<std::string>& ids, int jobs) {
  Manifests out;
  out.manifests.resize(ids.size());
  out.errors.resize(ids.size());
  ParallelFor(ids.size(), jobs, [&](size_t i) {
    auto m = ReadManifest(backend, ids[i]);
    if (m.ok()) {
      out.manifests[i] = std::move(m).value();
    } else {
      out.errors[i] = m.error();
    }
  });
  return out;
}

// Tags read in parallel: records[i] (nullopt: gone meanwhile) or errors[i].
struct Tags {
  std::vector<std::optional<TagRecord>> records;
  std::vector<std::optional<Error>> errors;
};

Tags ReadTags(Backend& backend, const std::vector<TagEntry>& entries, int jobs) {
  Tags out;
  out.records.resize(entries.size());
  out.errors.resize(entries.size());
  ParallelFor(entries.size(), jobs, [&](size_t i) {
    auto t = ReadTag(backend, entries[i].tag);
    if (t.ok()) {
      out.records[i] = *t;
    } else {
      out.errors[i] = t.error();
    }
  });
  return out;
}

std::string Marker(const env::Manifest& m, const char* key) {
  auto it = m.target_markers.find(key);
  return it == m.target_markers.end() ? std::string() : it->second;
}

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<StoreListing> ListStore(Backend& backend, int jobs) {
  Status s = RequireStore(backend);
  if (!s.ok()) return s.error();
  StoreListing out;
  out.url = backend.DisplayUrl();
  size_t ignored_envs = 0;
  size_t ignored_tags = 0;
  auto envs = ListEnvs(backend, &ignored_envs);
  if (!envs.ok()) return envs.error();
  auto tags = ListTags(backend, {}, &ignored_tags);
  if (!tags.ok()) return tags.error();
  auto blobs = backend.List(kBlobsPrefix);
  if (!blobs.ok()) return blobs.error();

  std::vector<std::string> ids;
  for (const EnvEntry& e : *envs) ids.push_back(e.env_id);
  Manifests manifests = ReadManifests(backend, ids, jobs);
  Tags records = ReadTags(backend, *tags, jobs);

  std::map<std::string, uint64_t> stored;  // sha256 -> size
  size_t foreign_blobs = 0;
  for (const ObjectInfo& o : *blobs) {
    if (auto sha = BlobFromKey(o.key)) {
      stored[*sha] = o.size;
    } else {
      ++foreign_blobs;
    }
  }
  out.blobs = stored.size();
  for (const auto& [sha, size] : stored) out.blob_bytes += size;

  std::map<std::string, size_t> env_index;  // id -> index in out.envs
  std::set<std::string> referenced;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!manifests.manifests[i]) {
      if (manifests.errors[i]->kind() != ErrorKind::kNotFound) {  // else: removed meanwhile
        out.warnings.push_back("skipped an environment: " + manifests.errors[i]->message());
      }
      continue;
    }
    const env::Manifest& m = *manifests.manifests[i];
    StoreListing::Env e;
    e.env_id = m.env_id;
    e.pushed_ms = (*envs)[i].mtime_ms;
    e.python = Marker(m, "python_full_version");
    if (e.python.empty()) e.python = Marker(m, "python_version");
    e.platform = Marker(m, "sys_platform");
    const std::string machine = Marker(m, "platform_machine");
    if (!machine.empty()) e.platform += (e.platform.empty() ? "" : " ") + machine;
    e.packages = m.layers.size();
    for (const env::Layer& l : m.layers) {
      e.size += l.size;
      e.installed_bytes += l.installed_bytes;
      referenced.insert(l.sha256);
      if (stored.count(l.sha256) == 0) ++e.missing_blobs;
    }
    env_index[e.env_id] = out.envs.size();
    out.envs.push_back(std::move(e));
  }
  for (const auto& [sha, size] : stored) {
    if (referenced.count(sha) == 0) {
      ++out.unreferenced_blobs;
      out.unreferenced_bytes += size;
    }
  }
  for (size_t i = 0; i < tags->size(); ++i) {
    StoreListing::Tag t;
    t.tag = (*tags)[i].tag;
    if (records.errors[i]) {
      out.warnings.push_back("skipped a tag: " + records.errors[i]->message());
      continue;
    }
    if (!records.records[i]) continue;  // removed meanwhile
    t.env_id = records.records[i]->env_id;
    t.updated = records.records[i]->updated;
    auto it = env_index.find(t.env_id);
    t.env_present = it != env_index.end();
    if (t.env_present) out.envs[it->second].tags.push_back(t.tag);
    out.tags.push_back(std::move(t));
  }
  std::stable_sort(out.envs.begin(), out.envs.end(),
                   [](const StoreListing::Env& a, const StoreListing::Env& b) {
                     return a.pushed_ms > b.pushed_ms;
                   });
  if (ignored_envs > 0) {
    out.warnings.push_back("ignored " + std::to_string(ignored_envs) + " object(s) under " +
                           out.url + "/" + kEnvsPrefix + " that are not manifests");
  }
  if (ignored_tags > 0) {
    out.warnings.push_back("ignored " + std::to_string(ignored_tags) + " object(s) under " +
                           out.url + "/" + kTagsPrefix + " that are not tags");
  }
  if (foreign_blobs > 0) {
    out.warnings.push_back("ignored " + std::to_string(foreign_blobs) + " object(s) under " +
                           out.url + "/" + kBlobsPrefix + " that are not blobs");
  }
  return out;
}

Result<RemoveReport> RemoveRef(Backend& backend, const EnvRef& ref, bool force, int jobs) {
  if (ref.kind == EnvRef::Kind::kLocalDir) {
    return Error(Quote(ref.local_dir) +
                     " is a local environment folder: rm removes a tag (STORE/NAME:TAG) or an "
                     "environment (STORE@ENVID) from a store",
                 ErrorKind::kInvalidInput);
  }
  Status s = RequireStore(backend);
  if (!s.ok()) return s.error();
  const std::string url = Quote(backend.DisplayUrl());
  RemoveReport report;
  if (ref.kind == EnvRef::Kind::kTag) {
    report.tag = TagName{ref.name, ref.tag};
    const std::string key = TagKey(ref.name, ref.tag);
    auto info = backend.Stat(key);
    if (!info.ok()) return info.error();
    if (!info->has_value()) {
      return Error("no tag " + Quote(report.tag.ToString()) + " in store " + url,
                   ErrorKind::kNotFound);
    }
    auto record = ReadTag(backend, report.tag);
    // An invalid tag file is removed all the same: rm is how one cleans it.
    if (record.ok() && record->has_value()) report.env_id = (*record)->env_id;
    s = backend.Remove(key);
    if (!s.ok()) return s.error();
    return report;
  }

  // An environment: the full id, then the tags naming it.
  auto found = FindEnvId(backend, ref.env_id);
  if (!found.ok()) return found.error();
  const std::string env_id = std::move(found).value();
  report.removed_env = true;
  report.env_id = env_id;
  auto tags = ListTags(backend);
  if (!tags.ok()) return tags.error();
  Tags records = ReadTags(backend, *tags, jobs);
  std::vector<TagName> naming;
  for (size_t i = 0; i < tags->size(); ++i) {
    if (records.records[i] && records.records[i]->env_id == env_id) {
      naming.push_back((*tags)[i].tag);
    }
  }
  if (!naming.empty() && !force) {
    std::vector<std::string> names;
    names.reserve(naming.size());
    for (const TagName& t : naming) names.push_back(t.ToString());
    return Error("environment " + env_id.substr(0, 12) + " in store " + url + " is named by " +
                     (naming.size() == 1 ? "the tag " : "the tags ") + Join(names, ", ") +
                     ": remove " + (naming.size() == 1 ? "it" : "them") +
                     " first, or use --force to remove " + (naming.size() == 1 ? "it" : "them") +
                     " with the environment",
                 ErrorKind::kInvalidInput);
  }
  // Tags first: a tag never names a removed environment.
  for (const TagName& t : naming) {
    s = backend.Remove(TagKey(t.name, t.tag));
    if (!s.ok()) return s.error();
    report.tags.push_back(t);
  }
  s = backend.Remove(EnvKey(env_id));
  if (!s.ok()) return s.error();
  return report;
}

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Error("invalid --grace " + Quote(text) +
                 ": expected a duration such as 30m, 24h, 7d or 1h30m (units s, m, h, d, w)");
  };
  if (text == "0") return int64_t{0};
  if (text.empty()) return bad();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < text.size() && IsAsciiDigit(text[i])) {
      if (n > 1'000'000'000) return bad();
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start || i == text.size()) return bad();
    int64_t unit = 0;
    switch (text[i]) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = 60'000;
        break;
      case 'h':
        unit = 3'600'000;
        break;
      case 'd':
        unit = 86'400'000;
        break;
      case 'w':
        unit = 7 * 86'400'000LL;
        break;
      default:
        return bad();
    }
    ++i;
    total += n * unit;
    if (total > 100LL * 365 * 86'400'000) return bad();
  }
  return total;
}

Result<GcReport> CollectGarbage(Backend& backend, const GcOptions& options) {
  Status s = RequireStore(backend);
  if (!s.ok()) return s.error();
  const int64_t now = options.now_ms != 0 ? options.now_ms : SystemNowMs();
  const int64_t cutoff = now - options.grace_ms;
  GcReport report;

  std::set<std::string> seen_envs;
  std::set<std::string> referenced;
  // Reads the manifests not read yet; fails on any that cannot be read.
  auto scan_envs = [&]() -> Status {
    auto envs = ListEnvs(backend);
    if (!envs.ok()) return envs.error();
    std::vector<std::string> ids;
    for (const EnvEntry& e : *envs) {
      if (seen_envs.insert(e.env_id).second) ids.push_back(e.env_id);
    }
    Manifests manifests = ReadManifests(backend, ids, options.jobs);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (manifests.errors[i]) {
        if (manifests.errors[i]->kind() == ErrorKind::kNotFound) continue;  // removed meanwhile
        return manifests.errors[i]->Wrap(
            "gc removes nothing while a manifest cannot be read (remove it with 'sparkenv rm "
            "STORE@" +
            ids[i].substr(0, 12) + "' if it is damaged)");
      }
      ++report.envs;
      for (const env::Layer& l : manifests.manifests[i]->layers) referenced.insert(l.sha256);
    }
    return Status();
  };
  s = scan_envs();
  if (!s.ok()) return s.error();

  auto blobs = backend.List(kBlobsPrefix);
  if (!blobs.ok()) return blobs.error();
  auto temps = backend.List(kTmpPrefix);
  if (!temps.ok()) return temps.error();
  auto launchers = backend.List(kLaunchPrefix);
  if (!launchers.ok()) return launchers.error();

  std::vector<GcReport::Item> blob_candidates;
  for (const ObjectInfo& o : *blobs) {
    auto sha = BlobFromKey(o.key);
    if (!sha) {
      ++report.foreign;
    } else if (referenced.count(*sha) != 0) {
      ++report.blobs_referenced;
    } else if (o.mtime_ms >= cutoff) {
      ++report.blobs_young;
    } else {
      blob_candidates.push_back({o.key, o.size, o.mtime_ms});
    }
  }
  std::vector<GcReport::Item> temp_candidates;
  for (const ObjectInfo& o : *temps) {
    if (!ValidKey(o.key) || !StartsWith(o.key, kTmpPrefix)) {
      ++report.foreign;
    } else if (o.mtime_ms >= cutoff) {
      ++report.temps_young;
    } else {
      temp_candidates.push_back({o.key, o.size, o.mtime_ms});
    }
  }

  for (const ObjectInfo& o : *launchers) {
    if (!LaunchFromKey(o.key)) {
      ++report.foreign;
    } else if (o.mtime_ms >= cutoff) {
      ++report.temps_young;
    } else {
      temp_candidates.push_back({o.key, o.size, o.mtime_ms});
    }
  }

  // A manifest written during the scan keeps its blobs.
  s = scan_envs();
  if (!s.ok()) return s.error();
  for (const GcReport::Item& item : blob_candidates) {
    if (referenced.count(*BlobFromKey(item.key)) != 0) {
      ++report.blobs_referenced;
    } else {
      report.removed.push_back(item);
    }
  }
  for (GcReport::Item& item : temp_candidates) report.removed.push_back(std::move(item));
  for (const GcReport::Item& item : report.removed) report.bytes_removed += item.size;
  if (options.dry_run) return report;

  std::mutex mu;
  std::optional<Error> first;  // guarded by mu
  ParallelFor(report.removed.size(), options.jobs, [&](size_t i) {
    Status r = backend.Remove(report.removed[i].key);
    if (!r.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      if (!first) first = r.error();
    }
  });
  if (first) return *first;
  return report;
}

}  // namespace sparkenv::store
