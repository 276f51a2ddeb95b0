#include "spark/materialize.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include "base/strings.h"
#include "env/layer_archive.h"
#include "fetch/blob_cache.h"
#include "fetch/worker_pool.h"
#include "index/sha256.h"
#include "spark/boot.h"
#include "store/open.h"

namespace sparkenv::spark {

namespace fs = std::filesystem;

namespace {

std::string TempName(const fs::path& final_path) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return final_path.string() + ".tmp." + std::to_string(getpid()) + "." +
         std::to_string(rng() % 1000000007ULL);
}

// The layer's archive on this machine, verified.
Result<std::string> LocalArchive(const store::ResolvedEnv& env, size_t i,
                                 const std::string& cache_root, store::Backend* backend) {
  const env::Layer& layer = env.manifest.layers[i];
  const std::string& url = env.layer_urls[i];
  if (StartsWith(url, "file://")) {
    const std::string path = url.substr(7);
    auto sha = index::Sha256File(path);
    if (!sha.ok()) return sha.error();
    if (*sha != layer.sha256) {
      return Error("layer " + Quote(path) + " of " + layer.package + " " + layer.version +
                       ": sha256 mismatch: expected " + layer.sha256 + ", got " + *sha,
                   ErrorKind::kIo);
    }
    return path;
  }
  fetch::BlobCache cache(cache_root);
  if (auto hit = cache.Find(layer.sha256)) return *hit;
  if (backend == nullptr) {
    return Error("cannot read " + Quote(url) + ": no store to read it from", ErrorKind::kInternal);
  }
  auto tmp = cache.NewTempPath(layer.sha256);
  if (!tmp.ok()) return tmp.error();
  Status s = backend->Download("blobs/" + layer.sha256 + ".tar.gz", *tmp);
  if (!s.ok()) {
    std::error_code ec;
    fs::remove(*tmp, ec);
    return s.error();
  }
  return cache.Commit(*tmp, {layer.sha256, layer.size});
}

Status Unpack(const std::string& archive, const fs::path& target) {
  const fs::path tmp = TempName(target);
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec)
    return Error("cannot create " + Quote(tmp.string()) + ": " + ec.message(), ErrorKind::kIo);
  Status s = env::UnpackLayer(archive, tmp.string());
  if (!s.ok()) {
    fs::remove_all(tmp, ec);
    return s;
  }
  if (rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    fs::remove_all(tmp, ec);
    // Another process unpacked the same layer first: same content.
    if (!fs::is_directory(target, ec)) {
      return Error("cannot write " + Quote(target.string()) + ": " + std::strerror(err),
                   ErrorKind::kIo);
    }
  }
  return Status();
}

}  // namespace

Result<Materialized> MaterializeLayers(const store::ResolvedEnv& env, const std::string& cache_root,
                                       const store::OpenOptions& options, int jobs) {
  const fs::path root = fs::path(cache_root) / kSparkCacheFolder / "layers";
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec)
    return Error("cannot create " + Quote(root.string()) + ": " + ec.message(), ErrorKind::kIo);

  Materialized out;
  std::vector<size_t> missing;
  for (size_t i = 0; i < env.manifest.layers.size(); ++i) {
    const fs::path dir = root / env.manifest.layers[i].sha256;
    out.site_dirs.push_back((dir / "site-packages").string());
    if (!fs::is_directory(dir, ec)) missing.push_back(i);
  }
  if (missing.empty()) return out;

  std::unique_ptr<store::Backend> backend;
  bool remote = false;
  for (size_t i : missing) remote = remote || !StartsWith(env.layer_urls[i], "file://");
  if (remote) {
    auto opened = store::OpenBackend(env.ref.store_url, options);
    if (!opened.ok()) return opened.error();
    backend = std::move(opened).value();
  }
  std::mutex mu;
  std::vector<std::string> errors;
  {
    fetch::WorkerPool pool(jobs > 0 ? jobs : fetch::WorkerPool::DefaultThreads());
    for (size_t i : missing) {
      pool.Post([&, i] {
        auto archive = LocalArchive(env, i, cache_root, backend.get());
        Status s = archive.ok() ? Unpack(*archive, root / env.manifest.layers[i].sha256)
                                : Status(archive.error());
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          errors.push_back(s.error().message());
        }
      });
    }
  }
  if (!errors.empty()) {
    std::sort(errors.begin(), errors.end());
    return Error(
        "cannot unpack the environment's layers for the driver:\n  " + Join(errors, "\n  "),
        ErrorKind::kIo);
  }
  out.unpacked = static_cast<int>(missing.size());
  return out;
}

}  // namespace sparkenv::spark
