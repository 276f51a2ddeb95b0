#include "store/push.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "base/strings.h"
#include "env/manifest.h"
#include "fetch/progress.h"
#include "index/sha256.h"
#include "store/parallel.h"
#include "store/store.h"

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;

// The first error of parallel jobs; later ones are dropped.
class FirstError {
 public:
  void Set(const Error& e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = e;
    failed_ = true;
  }
  bool failed() const { return failed_; }
  std::optional<Error> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<Error> error_;  // guarded by mu_
  std::atomic<bool> failed_{false};
};

// One distinct blob of the environment.
struct Blob {
  const env::Layer* layer = nullptr;  // the first layer with this sha256
  std::string local_path;
  bool present = false;
};

struct LocalEnv {
  std::string manifest_json;
  env::Manifest manifest;
  std::vector<Blob> blobs;
};

Result<LocalEnv> LoadLocal(const std::string& dir_text) {
  const fs::path dir(dir_text);
  const std::string manifest_path = (dir / "manifest.json").string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error("environment folder " + Quote(dir_text) +
                     " does not exist (build one with 'sparkenv build LOCK -o DIR')",
                 ErrorKind::kInvalidInput);
  }
  std::ifstream in(manifest_path, std::ios::binary);
  if (!in) {
    return Error(Quote(dir_text) +
                     " is not an environment folder: it has no manifest.json (build one with "
                     "'sparkenv build LOCK -o DIR')",
                 ErrorKind::kInvalidInput);
  }
  std::ostringstream text;
  text << in.rdbuf();
  LocalEnv out;
  out.manifest_json = text.str();
  auto manifest = env::FromJson(out.manifest_json, manifest_path);
  if (!manifest.ok()) return manifest.error();
  out.manifest = std::move(manifest).value();
  std::set<std::string> seen;
  for (const env::Layer& layer : out.manifest.layers) {
    if (!seen.insert(layer.sha256).second) continue;
    const std::string path = (dir / env::Manifest::LayerPath(layer)).string();
    const std::string what =
        "layer " + Quote(path) + " (" + layer.package + " " + Printable(layer.version) + ")";
    auto size = fs::file_size(path, ec);
    if (ec) {
      return Error(
          "environment folder " + Quote(dir_text) + " is incomplete: " + what + " is missing",
          ErrorKind::kInvalidInput);
    }
    if (size != layer.size) {
      return Error(what + " has " + std::to_string(size) + " bytes, the manifest says " +
                       std::to_string(layer.size) + ": rebuild the environment",
                   ErrorKind::kInvalidInput);
    }
    out.blobs.push_back(Blob{&layer, path, false});
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Stats the blobs at `indexes`; sets Blob::present (a blob of another size
// is not present: it is uploaded again, replacing it).
Status StatBlobs(Backend& backend, std::vector<Blob>& blobs, const std::vector<size_t>& indexes,
                 int jobs) {
  FirstError first;
  ParallelFor(indexes.size(), jobs, [&](size_t i) {
    if (first.failed()) return;
    Blob& blob = blobs[indexes[i]];
    auto info = backend.Stat(BlobKey(blob.layer->sha256));
    if (!info.ok()) {
      first.Set(info.error());
      return;
    }
    blob.present = info->has_value() && (*info)->size == blob.layer->size;
  });
  if (auto e = first.get()) return *e;
  return Status();
}

// Uploads the blobs at `indexes`, each verified locally first.
Status UploadBlobs(Backend& backend, const std::vector<Blob>& blobs,
                   const std::vector<size_t>& indexes, const PushOptions& options) {
  FirstError first;
  std::atomic<size_t> done{0};
  uint64_t total = 0;
  for (size_t i : indexes) total += blobs[i].layer->size;
  const uint64_t sent_before = backend.counters().bytes_sent;
  const auto start = std::chrono::steady_clock::now();
  std::optional<fetch::ProgressBar> bar;
  if (options.progress) bar.emplace(stderr);
  WriteOptions write;
  write.world_readable = options.world_readable;
  ParallelFor(
      indexes.size(), options.jobs,
      [&](size_t i) {
        if (first.failed()) return;
        const Blob& blob = blobs[indexes[i]];
        const env::Layer& layer = *blob.layer;
        auto sha = index::Sha256File(blob.local_path);
        if (!sha.ok()) {
          first.Set(sha.error());
          return;
        }
        if (*sha != layer.sha256) {
          first.Set(Error("layer " + Quote(blob.local_path) + " (" + layer.package + " " +
                              Printable(layer.version) + ") is corrupt: its sha256 is " + *sha +
                              ", the manifest says " + layer.sha256 + "; rebuild the environment",
                          ErrorKind::kInvalidInput));
          return;
        }
        if (options.throttle_bps > 0) {
          std::this_thread::sleep_for(
              std::chrono::microseconds(layer.size * 1000000 / options.throttle_bps));
        }
        WriteOptions w = write;
        w.sha256 = layer.sha256;
        Status s = backend.Upload(blob.local_path, BlobKey(layer.sha256), w);
        if (!s.ok()) {
          first.Set(s.error());
          return;
        }
        ++done;
      },
      [&] {
        if (!bar) return;
        fetch::ProgressState state;
        state.bytes_done = std::min(backend.counters().bytes_sent - sent_before, total);
        state.bytes_total = total;
        state.files_done = done;
        state.files_total = indexes.size();
        state.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        bar->Update(state);
      });
  if (bar) bar->Finish();
  if (auto e = first.get()) return *e;
  return Status();
}

}  // namespace

Result<PushReport> Push(Backend& backend, const PushOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const uint64_t sent_before = backend.counters().bytes_sent;
  for (const TagName& t : options.tags) {
    if (!ValidName(t.name) || !ValidName(t.tag)) {
      return Error("invalid tag " + Quote(t.ToString()), ErrorKind::kInvalidInput);
    }
  }
  auto local = LoadLocal(options.env_dir);
  if (!local.ok()) return local.error();
  LocalEnv& env = *local;
  PushReport report;
  report.env_id = env.manifest.env_id;
  report.packages = env.manifest.layers.size();
  report.size = env.manifest.TotalSize();
  report.blobs = env.blobs.size();

  WriteOptions write;
  write.world_readable = options.world_readable;

  // 1. The store marker.
  auto marker = backend.Read(kMarkerKey);
  if (marker.ok()) {
    Status s = CheckMarker(*marker, backend.DisplayUrl());
    if (!s.ok()) return s.error();
  } else if (marker.error().kind() == ErrorKind::kNotFound) {
    Status s = backend.Write(kMarkerKey, MarkerJson(), write);
    if (!s.ok()) return s.error();
    report.store_created = true;
  } else {
    return marker.error();
  }

  // 2. The blobs the store lacks.
  std::vector<size_t> all(env.blobs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (!report.store_created) {
    Status s = StatBlobs(backend, env.blobs, all, options.jobs);
    if (!s.ok()) return s.error();
  }
  std::vector<size_t> missing;
  std::vector<size_t> present;
  for (size_t i : all) (env.blobs[i].present ? present : missing).push_back(i);
  Status s = UploadBlobs(backend, env.blobs, missing, options);
  if (!s.ok()) return s.error();
  report.blobs_uploaded = missing.size();
  report.blobs_present = present.size();
  for (size_t i : missing) report.blob_bytes_uploaded += env.blobs[i].layer->size;

  // 3. The manifest, only after every blob it names is there.
  const std::string env_key = EnvKey(env.manifest.env_id);
  auto existing = backend.Read(env_key);
  if (!existing.ok() && existing.error().kind() != ErrorKind::kNotFound) {
    return existing.error();
  }
  if (!existing.ok() || *existing != env.manifest_json) {
    s = backend.Write(env_key, env.manifest_json, write);
    if (!s.ok()) return s.error();
    report.manifest_written = true;
  }
  // A gc may have removed an old unreferenced blob this push counted as
  // present before the manifest referenced it: check those again.
  if (!present.empty()) {
    s = StatBlobs(backend, env.blobs, present, options.jobs);
    if (!s.ok()) return s.error();
    std::vector<size_t> vanished;
    for (size_t i : present) {
      if (!env.blobs[i].present) vanished.push_back(i);
    }
    s = UploadBlobs(backend, env.blobs, vanished, options);
    if (!s.ok()) return s.error();
    report.blobs_uploaded += vanished.size();
    report.blobs_present -= vanished.size();
    for (size_t i : vanished) report.blob_bytes_uploaded += env.blobs[i].layer->size;
  }

  // 4. The tags, each replaced atomically.
  for (const TagName& t : options.tags) {
    PushReport::TagChange change;
    change.tag = t;
    auto old = ReadTag(backend, t);
    // An unreadable old tag is replaced: this push owns the name now.
    if (old.ok() && old->has_value()) change.previous_env_id = (*old)->env_id;
    if (change.previous_env_id != env.manifest.env_id) {
      TagRecord record{t.name, t.tag, env.manifest.env_id, Rfc3339Utc(NowMs())};
      s = backend.Write(TagKey(t.name, t.tag), TagToJson(record), write);
      if (!s.ok()) return s.error();
      change.moved = true;
    }
    report.tags.push_back(std::move(change));
  }
  report.bytes_sent = backend.counters().bytes_sent - sent_before;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace sparkenv::store
