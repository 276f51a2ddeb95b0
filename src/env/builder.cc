#include "env/builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "base/strings.h"
#include "env/layer_archive.h"
#include "fetch/blob_cache.h"
#include "fetch/fetcher.h"
#include "fetch/worker_pool.h"
#include "http/curl_client.h"
#include "index/cache.h"
#include "index/sha256.h"
#include "install/wheel_install.h"
#include "lock/pylock.h"
#include "spec/name.h"

#ifndef SPARKENV_VERSION
#define SPARKENV_VERSION "dev"
#endif

namespace sparkenv::env {
namespace {

namespace fs = std::filesystem;

constexpr char kLayerCacheFolder[] = "layers-v1";

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 12; ++i) s += kHex[gen() % 16];
  return s;
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot read " + Quote(path) + ": no such file", ErrorKind::kNotFound);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Error("cannot read " + Quote(path), ErrorKind::kIo);
  return out.str();
}

Status WriteWhole(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.flush();
  if (!out) return Error("cannot write " + Quote(path), ErrorKind::kIo);
  return Status();
}

// A removable temporary folder: deleted on destruction unless released.
class TempDir {
 public:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// One wheel of the lock, to become one layer.
struct Work {
  std::string package;
  std::string version;
  lock::FileEntry wheel;
  std::string wheel_sha256;
  std::string key;  // layer cache key
  std::optional<Layer> layer;
  std::string blob_path;   // the layer archive in the blob cache
  std::string wheel_path;  // the fetched wheel (layers to build only)
};

std::string LayerKey(const std::string& wheel_sha256, const std::string& python) {
  return index::Sha256Hex(std::string(kFormat) + "\nlayer of wheel " + wheel_sha256 + "\npython " +
                          python + "\n");
}

std::string LayerIndexPath(const std::string& root, const std::string& key) {
  return root + "/" + kLayerCacheFolder + "/" + key.substr(0, 2) + "/" + key + ".json";
}

std::optional<Layer> LoadCachedLayer(const std::string& root, const Work& w,
                                     const fetch::BlobCache& blobs, std::string* blob_path) {
  auto text = ReadWhole(LayerIndexPath(root, w.key));
  if (!text.ok()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  Layer l;
  try {
    l.sha256 = j.at("sha256").get<std::string>();
    l.size = j.at("size").get<uint64_t>();
    l.files = j.at("files").get<uint64_t>();
    l.installed_bytes = j.at("installed_bytes").get<uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  if (!fetch::IsSha256Hex(l.sha256)) return std::nullopt;
  auto path = blobs.Find(l.sha256);
  if (!path) return std::nullopt;
  std::error_code ec;
  if (fs::file_size(*path, ec) != l.size || ec) return std::nullopt;
  *blob_path = *path;
  l.package = w.package;
  l.version = w.version;
  l.wheel = w.wheel.FileName();
  l.wheel_sha256 = w.wheel_sha256;
  return l;
}

Status StoreCachedLayer(const std::string& root, const std::string& key, const Layer& l) {
  const std::string path = LayerIndexPath(root, key);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Error("cannot create " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  nlohmann::json j = {{"sha256", l.sha256},
                      {"size", l.size},
                      {"files", l.files},
                      {"installed_bytes", l.installed_bytes}};
  const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + RandomSuffix();
  Status s = WriteWhole(tmp, j.dump() + "\n");
  if (s.ok()) {
    fs::rename(tmp, path, ec);
    if (ec) s = Error("cannot write " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  }
  if (!s.ok()) fs::remove(tmp, ec);
  return s;
}

// Installs and packs one layer; fills w.layer and w.blob_path.
Status BuildLayer(Work& w, const std::string& python, const std::string& work_root,
                  const fetch::BlobCache& blobs, const std::string& cache_root) {
  auto name = spec::PackageName::Parse(w.package);
  if (!name.ok()) return name.error();
  auto version = spec::Version::Parse(w.version);
  if (!version.ok()) return version.error();
  const std::string tree = work_root + "/" + w.package;
  install::InstallOptions options;
  options.python_version = python;
  // The blob's path carries no file name: the wheel's comes from the lock.
  int fd = open(w.wheel_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error("cannot read " + Quote(w.wheel_path) + ": " + std::strerror(errno),
                 ErrorKind::kIo);
  }
  auto report = install::InstallWheelFd(fd, w.wheel.FileName(), *name, *version, options, tree);
  if (!report.ok()) return report.error();
  const std::string archive = work_root + "/" + w.package + ".tar.gz";
  auto packed = PackDirectory(tree, archive);
  std::error_code ec;
  fs::remove_all(tree, ec);
  if (!packed.ok()) return packed.error();
  auto temp = blobs.NewTempPath(packed->sha256);
  if (!temp.ok()) return temp.error();
  fs::rename(archive, *temp, ec);
  if (ec) return Error("cannot move " + Quote(archive) + ": " + ec.message(), ErrorKind::kIo);
  auto committed = blobs.Commit(*temp, fetch::BlobSpec{packed->sha256, packed->size});
  if (!committed.ok()) return committed.error();
  Layer l;
  l.sha256 = packed->sha256;
  l.size = packed->size;
  l.package = w.package;
  l.version = w.version;
  l.wheel = w.wheel.FileName();
  l.wheel_sha256 = w.wheel_sha256;
  l.files = report->files;
  l.installed_bytes = report->bytes;
  Status s = StoreCachedLayer(cache_root, w.key, l);
  if (!s.ok()) return s;
  w.layer = l;
  w.blob_path = *committed;
  return Status();
}

Result<std::vector<Work>> PlanFromLock(const lock::Lock& l, const std::string& source) {
  std::vector<Work> out;
  for (const lock::Package& p : l.packages) {
    const std::string what = source + ": package " + Quote(p.name);
    if (p.vcs || p.directory || p.archive) {
      return Error(what +
                       " comes from a VCS, a folder or an archive URL; sparkenv build "
                       "installs wheels only",
                   ErrorKind::kInvalidInput);
    }
    if (p.wheels.empty()) {
      return Error(what + " is locked as an sdist (" +
                       (p.sdist ? Quote(p.sdist->FileName()) : std::string("no file")) +
                       "); sparkenv build cannot build sdists yet: lock with a wheel "
                       "(--only-binary) or build the wheel yourself and use --find-links",
                   ErrorKind::kInvalidInput);
    }
    if (p.wheels.size() != 1) {
      return Error(what + " lists " + std::to_string(p.wheels.size()) +
                       " wheels; sparkenv build needs the one wheel for the target, as "
                       "'sparkenv lock' writes",
                   ErrorKind::kInvalidInput);
    }
    if (!p.version) return Error(what + " has no version", ErrorKind::kInvalidInput);
    const lock::FileEntry& f = p.wheels.front();
    auto sha = f.hashes.find("sha256");
    if (sha == f.hashes.end()) {
      return Error(what + ": wheel " + Quote(f.FileName()) + " has no sha256 hash",
                   ErrorKind::kInvalidInput);
    }
    if (f.url.empty()) {
      return Error(what + ": wheel " + Quote(f.FileName()) + " has no url",
                   ErrorKind::kInvalidInput);
    }
    Work w;
    w.package = p.name;
    w.version = p.version->ToString();
    w.wheel = f;
    w.wheel_sha256 = sha->second;
    out.push_back(std::move(w));
  }
  std::sort(out.begin(), out.end(),
            [](const Work& a, const Work& b) { return a.package < b.package; });
  return out;
}

Status LinkOrCopy(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return Error("cannot copy " + Quote(from) + " to " + Quote(to) + ": " + ec.message(),
                 ErrorKind::kIo);
  return Status();
}

// Moves `staging` onto `output`: replaces a previous environment, refuses
// anything else that is there.
Status Publish(const std::string& staging, const std::string& output) {
  std::error_code ec;
  if (fs::exists(output, ec)) {
    const bool empty_dir = fs::is_directory(output, ec) && fs::is_empty(output, ec);
    const bool previous = fs::exists(fs::path(output) / "manifest.json", ec);
    if (!empty_dir && !previous) {
      return Error("output folder " + Quote(output) +
                       " exists and is not a sparkenv environment: remove it or choose another -o",
                   ErrorKind::kInvalidInput);
    }
    const std::string old = output + ".old-" + RandomSuffix();
    fs::rename(output, old, ec);
    if (ec) return Error("cannot replace " + Quote(output) + ": " + ec.message(), ErrorKind::kIo);
    fs::rename(staging, output, ec);
    if (ec) {
      std::error_code ignored;
      fs::rename(old, output, ignored);
      return Error("cannot replace " + Quote(output) + ": " + ec.message(), ErrorKind::kIo);
    }
    fs::remove_all(old, ec);
    return Status();
  }
  fs::rename(staging, output, ec);
  if (ec) return Error("cannot create " + Quote(output) + ": " + ec.message(), ErrorKind::kIo);
  return Status();
}

}  // namespace

Result<BuildReport> Build(const BuildOptions& options) {
  if (!options.format.empty() && options.format != "dir" && options.format != "tar.gz" &&
      options.format != "zip") {
    return Error("invalid --format " + Quote(options.format) + ": expected dir, tar.gz or zip",
                 ErrorKind::kInvalidInput);
  }
  if (options.output_dir.empty()) {
    return Error("no output folder: give -o DIR", ErrorKind::kInvalidInput);
  }
  // 1. The lock.
  auto text = ReadWhole(options.lock_path);
  if (!text.ok()) return text.error();
  auto l = lock::ReadLock(*text, options.lock_path);
  if (!l.ok()) return l.error();
  if (!l->sparkenv || l->sparkenv->target_markers.empty()) {
    return Error(options.lock_path +
                     ": no [tool.sparkenv] target: sparkenv build needs a lock written by "
                     "'sparkenv lock', which records the target it was resolved for",
                 ErrorKind::kInvalidInput);
  }
  Manifest m;
  m.lock_sha256 = index::Sha256Hex(*text);
  m.created_by = std::string("sparkenv ") + SPARKENV_VERSION;
  m.target_markers = l->sparkenv->target_markers;
  m.target_tags_sha256 = l->sparkenv->target_tags_sha256;
  m.env_id = EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256);
  const std::string python = m.PythonVersion();
  if (python.empty()) {
    return Error(options.lock_path + ": [tool.sparkenv.target-markers] has no python_version",
                 ErrorKind::kInvalidInput);
  }
  auto plan = PlanFromLock(*l, options.lock_path);
  if (!plan.ok()) return plan.error();
  std::vector<Work>& work = *plan;

  std::string root = options.cache_dir;
  if (root.empty()) {
    auto def = index::DefaultCacheRoot();
    if (!def.ok()) return def.error();
    root = *def;
  }
  fetch::BlobCache blobs(root);
  BuildReport report;

  // 2. Layers built before.
  std::vector<Work*> missing;
  for (Work& w : work) {
    w.key = LayerKey(w.wheel_sha256, python);
    w.layer = LoadCachedLayer(root, w, blobs, &w.blob_path);
    if (w.layer) {
      ++report.layers_cached;
    } else {
      missing.push_back(&w);
    }
  }

  // Staging: a sibling of the output, so the final rename stays on one
  // file system.
  fs::path out_path = fs::absolute(options.output_dir);
  std::error_code ec;
  if (!fs::is_directory(out_path.parent_path(), ec)) {
    return Error("cannot create " + Quote(options.output_dir) + ": its parent folder " +
                     Quote(out_path.parent_path().string()) + " does not exist",
                 ErrorKind::kNotFound);
  }
  TempDir staging(out_path.string() + ".tmp-" + RandomSuffix());
  fs::create_directories(fs::path(staging.path()) / "layers", ec);
  if (ec)
    return Error("cannot create " + Quote(staging.path()) + ": " + ec.message(), ErrorKind::kIo);

  // 3. Fetch the wheels still needed.
  if (!missing.empty()) {
    std::vector<fetch::FetchItem> items;
    for (Work* w : missing) {
      fetch::FetchItem item;
      item.url = w->wheel.url;
      item.sha256 = w->wheel_sha256;
      if (w->wheel.size) item.size = static_cast<uint64_t>(*w->wheel.size);
      item.name = w->wheel.FileName();
      items.push_back(std::move(item));
    }
    auto curl = http::CurlClient::Create();
    if (!curl.ok()) return curl.error();
    fetch::FetchOptions fo;
    fo.progress = options.progress;
    fetch::Fetcher fetcher(**curl, blobs, fo);
    fetch::FetchStats stats;
    auto paths = fetcher.Fetch(items, &stats);
    if (!paths.ok()) return paths.error();
    for (size_t i = 0; i < missing.size(); ++i) missing[i]->wheel_path = (*paths)[i];
    report.wheels_downloaded = stats.downloaded;
    report.bytes_downloaded = stats.bytes;

    // 4. Install and pack, in parallel.
    const std::string work_root = staging.path() + "/work";
    fs::create_directories(work_root, ec);
    if (ec) return Error("cannot create " + Quote(work_root) + ": " + ec.message(), ErrorKind::kIo);
    int threads = options.jobs > 0 ? options.jobs : fetch::WorkerPool::DefaultThreads(8);
    std::vector<Status> results(missing.size());
    {
      fetch::WorkerPool pool(threads);
      for (size_t i = 0; i < missing.size(); ++i) {
        pool.Post([&, i] { results[i] = BuildLayer(*missing[i], python, work_root, blobs, root); });
      }
    }  // joins
    std::vector<std::string> errors;
    for (const Status& s : results) {
      if (!s.ok()) errors.push_back(s.error().message());
    }
    if (!errors.empty()) {
      ErrorKind kind = ErrorKind::kIo;
      for (const Status& s : results) {
        if (!s.ok() && s.error().kind() == ErrorKind::kInvalidInput)
          kind = ErrorKind::kInvalidInput;
      }
      return Error(Join(errors, "\n"), kind);
    }
    report.layers_built = missing.size();
    fs::remove_all(work_root, ec);
  }

  // 5. Lay out the environment.
  for (const Work& w : work) {
    m.layers.push_back(*w.layer);
    Status s = LinkOrCopy(w.blob_path, staging.path() + "/" + Manifest::LayerPath(*w.layer));
    if (!s.ok()) return s.error();
  }
  if (!options.format.empty()) {
    const std::string merged = staging.path() + "/env";
    fs::create_directories(merged, ec);
    if (ec) return Error("cannot create " + Quote(merged) + ": " + ec.message(), ErrorKind::kIo);
    for (const Layer& layer : m.layers) {
      Status s = UnpackLayer(staging.path() + "/" + Manifest::LayerPath(layer), merged);
      if (!s.ok()) return s.error();
    }
    if (options.format != "dir") {
      const std::string archive = staging.path() + "/env." + options.format;
      auto packed = PackDirectory(
          merged, archive, options.format == "zip" ? ArchiveFormat::kZip : ArchiveFormat::kTarGz);
      if (!packed.ok()) return packed.error();
      fs::remove_all(merged, ec);
    }
  }
  Status s = WriteWhole(staging.path() + "/manifest.json", ToJson(m));
  if (!s.ok()) return s.error();
  s = Publish(staging.path(), out_path.string());
  if (!s.ok()) return s.error();
  staging.Release();
  report.manifest = std::move(m);
  return report;
}

}  // namespace sparkenv::env
