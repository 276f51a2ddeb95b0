#include "env/builder.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "base/strings.h"
#include "env/layer_archive.h"
#include "env/lock_target.h"
#include "fetch/blob_cache.h"
#include "fetch/fetcher.h"
#include "fetch/worker_pool.h"
#include "http/curl_client.h"
#include "index/cache.h"
#include "index/sha256.h"
#include "install/wheel_install.h"
#include "install/zip_file.h"
#include "lock/pylock.h"
#include "spec/metadata.h"
#include "spec/name.h"
#include "spec/wheel_filename.h"
#include "wheelbuild/interpreter.h"
#include "wheelbuild/process.h"
#include "wheelbuild/source_archive.h"
#include "wheelbuild/wheel_builder.h"

#ifndef SPARKENV_VERSION
#define SPARKENV_VERSION "dev"
#endif

namespace sparkenv::env {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLayerCacheFolder = fetch::kLayerIndexFolder;
constexpr const char* kBuiltCacheFolder = fetch::kBuiltIndexFolder;
constexpr const char* kMergedCacheFolder = fetch::kMergedIndexFolder;
constexpr char kDefaultBuildPython[] = "python3";

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

// Writes `content` to `path` through a temporary file and a rename.
Status WriteAtomically(const std::string& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Error("cannot create " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + RandomSuffix();
  Status s = WriteWhole(tmp, content);
  if (s.ok()) {
    fs::rename(tmp, path, ec);
    if (ec) s = Error("cannot write " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  }
  if (!s.ok()) fs::remove(tmp, ec);
  return s;
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

enum class Source { kWheel, kSdist, kApp };

// One package of the lock (or the application), to become one layer.
struct Work {
  Source source = Source::kWheel;
  std::string package;
  std::string version;
  lock::FileEntry file;     // the lock's wheel or sdist
  std::string file_sha256;  // from the lock
  // The wheel to install: the lock's, or the one built from the sdist or
  // the application.
  std::string wheel_name;
  std::string wheel_sha256;
  std::string wheel_path;
  std::string sdist_path;  // the fetched sdist
  std::string built_key;   // built-wheel cache key (sdists)
  std::string key;         // layer cache key
  std::optional<Layer> layer;
  std::string blob_path;  // the layer archive in the blob cache
};

std::string LayerKey(const std::string& wheel_sha256, const std::string& python) {
  return index::Sha256Hex(std::string(kFormat) + "\nlayer of wheel " + wheel_sha256 + "\npython " +
                          python + "\n");
}

std::string CachePath(const std::string& root, const char* folder, const std::string& key) {
  return root + "/" + folder + "/" + key.substr(0, 2) + "/" + key + ".json";
}

// What decides the wheel a backend builds from an sdist: the sdist, the
// interpreter (implementation, version, platform, ABI and libc through its
// tags) and, for the fit check, the target.
std::string BuiltKey(const std::string& sdist_sha256, const wheelbuild::Interpreter& python,
                     const std::string& target_tags_sha256) {
  std::string text = "sparkenv built wheel 1\nsdist " + sdist_sha256 + "\n";
  for (const char* key :
       {"implementation_name", "python_full_version", "sys_platform", "platform_machine"}) {
    auto it = python.target.markers().find(key);
    text += std::string(key) + "=" + (it == python.target.markers().end() ? "" : it->second) + "\n";
  }
  text += "interpreter tags " + TagsSha256(python.target) + "\ntarget " + target_tags_sha256 + "\n";
  return index::Sha256Hex(text);
}

Layer LayerOf(const Work& w) {
  Layer l;
  l.package = w.package;
  l.version = w.version;
  l.wheel = w.wheel_name;
  l.wheel_sha256 = w.wheel_sha256;
  if (w.source == Source::kSdist) {
    l.sdist = w.file.FileName();
    l.sdist_sha256 = w.file_sha256;
  }
  return l;
}

std::optional<Layer> LoadCachedLayer(const std::string& root, const Work& w,
                                     const fetch::BlobCache& blobs, std::string* blob_path) {
  auto text = ReadWhole(CachePath(root, kLayerCacheFolder, w.key));
  if (!text.ok()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  Layer l = LayerOf(w);
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
  return l;
}

Status StoreCachedLayer(const std::string& root, const std::string& key, const Layer& l) {
  nlohmann::json j = {{"sha256", l.sha256},
                      {"size", l.size},
                      {"files", l.files},
                      {"installed_bytes", l.installed_bytes}};
  return WriteAtomically(CachePath(root, kLayerCacheFolder, key), j.dump() + "\n");
}

// A wheel built from this sdist before: fills the wheel fields of `w`.
bool LoadBuiltWheel(const std::string& root, const fetch::BlobCache& blobs, Work& w) {
  auto text = ReadWhole(CachePath(root, kBuiltCacheFolder, w.built_key));
  if (!text.ok()) return false;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  std::string name;
  std::string sha;
  uint64_t size = 0;
  try {
    name = j.at("wheel").get<std::string>();
    sha = j.at("sha256").get<std::string>();
    size = j.at("size").get<uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  if (!fetch::IsSha256Hex(sha) || !spec::WheelFilename::Parse(name).ok()) return false;
  auto path = blobs.Find(sha);
  std::error_code ec;
  if (!path || fs::file_size(*path, ec) != size || ec) return false;
  w.wheel_name = name;
  w.wheel_sha256 = sha;
  w.wheel_path = *path;
  return true;
}

// Moves a built wheel into the blob cache; returns its path there.
Result<std::string> CommitWheel(const std::string& path, const fetch::BlobCache& blobs,
                                std::string* sha256) {
  auto sha = index::Sha256File(path);
  if (!sha.ok()) return sha.error();
  std::error_code ec;
  uint64_t size = fs::file_size(path, ec);
  if (ec) return Error("cannot read " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  auto temp = blobs.NewTempPath(*sha);
  if (!temp.ok()) return temp.error();
  fs::rename(path, *temp, ec);
  if (ec) return Error("cannot move " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  *sha256 = *sha;
  return blobs.Commit(*temp, fetch::BlobSpec{*sha, size});
}

// Installs one wheel straight into its layer archive (no folder on disk:
// install::InstallWheelToSink), commits it to the blob cache and records it
// in the layer cache; fills w.layer and w.blob_path.
Status BuildLayer(Work& w, const std::string& python, const std::string& work_root,
                  const fetch::BlobCache& blobs, const std::string& cache_root) {
  auto name = spec::PackageName::Parse(w.package);
  if (!name.ok()) return name.error();
  auto version = spec::Version::Parse(w.version);
  if (!version.ok()) return version.error();
  install::InstallOptions options;
  options.python_version = python;
  // The blob's path carries no file name: the wheel's comes from the lock.
  int fd = open(w.wheel_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error("cannot read " + Quote(w.wheel_path) + ": " + std::strerror(errno),
                 ErrorKind::kIo);
  }
  const std::string archive = work_root + "/layer-" + w.package + ".tar.gz";
  auto writer = LayerArchiveWriter::Create(archive);
  if (!writer.ok()) {
    close(fd);
    return writer.error();
  }
  auto report = install::InstallWheelToSink(fd, w.wheel_name, *name, *version, options, **writer);
  if (!report.ok()) return report.error();
  auto packed = (*writer)->Finish();
  if (!packed.ok()) return packed.error();
  auto temp = blobs.NewTempPath(packed->sha256);
  if (!temp.ok()) return temp.error();
  std::error_code ec;
  fs::rename(archive, *temp, ec);
  if (ec) return Error("cannot move " + Quote(archive) + ": " + ec.message(), ErrorKind::kIo);
  auto committed = blobs.CommitWritten(*temp, fetch::BlobSpec{packed->sha256, packed->size});
  if (!committed.ok()) return committed.error();
  Layer l = LayerOf(w);
  l.sha256 = packed->sha256;
  l.size = packed->size;
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
                       "installs wheels and sdists from an index only",
                   ErrorKind::kInvalidInput);
    }
    if (p.wheels.size() > 1) {
      return Error(what + " lists " + std::to_string(p.wheels.size()) +
                       " wheels; sparkenv build needs the one wheel for the target, as "
                       "'sparkenv lock' writes",
                   ErrorKind::kInvalidInput);
    }
    if (p.wheels.empty() && !p.sdist) {
      return Error(what + " has neither a wheel nor an sdist", ErrorKind::kInvalidInput);
    }
    if (!p.version) return Error(what + " has no version", ErrorKind::kInvalidInput);
    Work w;
    w.source = p.wheels.empty() ? Source::kSdist : Source::kWheel;
    w.package = p.name;
    w.version = p.version->ToString();
    w.file = p.wheels.empty() ? *p.sdist : p.wheels.front();
    const char* kind = w.source == Source::kSdist ? "sdist" : "wheel";
    auto sha = w.file.hashes.find("sha256");
    if (sha == w.file.hashes.end()) {
      return Error(what + ": " + kind + " " + Quote(w.file.FileName()) + " has no sha256 hash",
                   ErrorKind::kInvalidInput);
    }
    if (w.file.url.empty()) {
      return Error(what + ": " + kind + " " + Quote(w.file.FileName()) + " has no url",
                   ErrorKind::kInvalidInput);
    }
    w.file_sha256 = ToLowerAscii(sha->second);
    if (w.source == Source::kWheel) {
      w.wheel_name = w.file.FileName();
      w.wheel_sha256 = w.file_sha256;
    }
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
Status Publish(const std::string& staging, const std::string& output, const std::string& old_name) {
  std::error_code ec;
  if (fs::exists(output, ec)) {
    const bool empty_dir = fs::is_directory(output, ec) && fs::is_empty(output, ec);
    const bool previous = fs::exists(fs::path(output) / "manifest.json", ec);
    if (!empty_dir && !previous) {
      return Error("output folder " + Quote(output) +
                       " exists and is not a sparkenv environment: remove it or choose another -o",
                   ErrorKind::kInvalidInput);
    }
    fs::rename(output, old_name, ec);
    if (ec) return Error("cannot replace " + Quote(output) + ": " + ec.message(), ErrorKind::kIo);
    fs::rename(staging, output, ec);
    if (ec) {
      std::error_code ignored;
      fs::rename(old_name, output, ignored);
      return Error("cannot replace " + Quote(output) + ": " + ec.message(), ErrorKind::kIo);
    }
    fs::remove_all(old_name, ec);
    return Status();
  }
  fs::rename(staging, output, ec);
  if (ec) return Error("cannot create " + Quote(output) + ": " + ec.message(), ErrorKind::kIo);
  return Status();
}

// Removes "<output>.tmp-<pid>-<hex>" and "<output>.old-<pid>-<hex>" folders
// that a killed build left: those whose process no longer exists.
void RemoveAbandonedSiblings(const fs::path& output) {
  std::error_code ec;
  const std::string base = output.filename().string();
  for (const auto& e : fs::directory_iterator(output.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    for (const char* kind : {".tmp-", ".old-"}) {
      const std::string prefix = base + kind;
      if (!StartsWith(name, prefix)) continue;
      std::vector<std::string> parts = Split(name.substr(prefix.size()), '-');
      if (parts.size() != 2 || parts[0].empty() || parts[0].size() > 9 ||
          !std::all_of(parts[0].begin(), parts[0].end(), IsAsciiDigit)) {
        continue;
      }
      const pid_t pid = static_cast<pid_t>(std::stol(parts[0]));
      if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
      std::error_code ignored;
      fs::remove_all(e.path(), ignored);
    }
  }
}

// The application's own requirements (its wheel's Requires-Dist, markers
// evaluated for the target) must be met by the lock: an environment that
// lacks one would fail at import time on the cluster.
Status CheckAppRequirements(const std::string& what, const std::string& wheel_path,
                            const lock::SparkenvTool& tool, const std::vector<Work>& locked) {
  auto zip = install::ZipFile::Open(wheel_path);
  if (!zip.ok()) return zip.error().Wrap(what);
  const install::ZipMember* metadata = nullptr;
  for (const install::ZipMember& m : (*zip)->members()) {
    const size_t slash = m.name.find('/');
    if (slash != std::string::npos && EndsWith(m.name.substr(0, slash), ".dist-info") &&
        m.name.substr(slash + 1) == "METADATA") {
      metadata = &m;
    }
  }
  if (metadata == nullptr) return Error(what + ": its wheel has no METADATA");
  auto text = (*zip)->ReadAll(*metadata, 64u << 20);
  if (!text.ok()) return text.error().Wrap(what);
  auto parsed = spec::Metadata::Parse(*text);
  if (!parsed.ok()) return parsed.error().Wrap(what + ": its METADATA");
  const spec::MarkerEnvironment env(tool.target_markers.begin(), tool.target_markers.end());
  for (const spec::Requirement& r : parsed->requires_dist()) {
    if (r.marker()) {
      auto applies = r.marker()->Evaluate(env);
      if (!applies.ok()) return applies.error().Wrap(what + ": requirement " + Quote(r.ToString()));
      if (!*applies) continue;
    }
    const std::string name = spec::NormalizeName(r.name());
    auto it = std::find_if(locked.begin(), locked.end(),
                           [&](const Work& w) { return w.package == name; });
    if (it == locked.end()) {
      return Error(what + " requires " + Quote(r.ToString()) + ", but the lock has no " +
                       Quote(name) +
                       ": lock the application's dependencies too (e.g. "
                       "'sparkenv lock -r pyproject.toml')",
                   ErrorKind::kInvalidInput);
    }
    auto version = spec::Version::Parse(it->version);
    if (!version.ok() || !r.specifier().Contains(*version, spec::PreReleases::kInclude)) {
      return Error(what + " requires " + Quote(r.ToString()) + ", but the lock has " + name + " " +
                       it->version,
                   ErrorKind::kInvalidInput);
    }
  }
  return Status::Ok();
}

// The build interpreter and what builds wheels with it.
struct Builders {
  std::unique_ptr<wheelbuild::WheelBuilder> builder;
  bool given = false;  // --build-python (promised to match the target)
};

// The index options for build requirements (see BuildOptions).
index::IndexOptions BuildIndexes(const BuildOptions& options, const lock::SparkenvTool& tool) {
  index::IndexOptions out;
  out.index_urls = options.index_urls ? *options.index_urls : tool.indexes;
  if (options.no_index) out.index_urls.clear();
  out.find_links = tool.find_links;
  for (const std::string& f : options.find_links) {
    if (std::find(out.find_links.begin(), out.find_links.end(), f) == out.find_links.end()) {
      out.find_links.push_back(f);
    }
  }
  return out;
}

class EnvBuilder {
 public:
  EnvBuilder(const BuildOptions& options) : options_(options) {}
  Result<BuildReport> Run();

 private:
  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }
  Status StartInterpreter(const lock::SparkenvTool& tool);
  Status BuildSdist(Work& w, const lock::SparkenvTool& tool);
  Result<Work> BuildApp(const lock::SparkenvTool& tool, const std::vector<Work>& locked);
  Status CheckFit(const std::string& what, const spec::WheelFilename& wheel,
                  const lock::SparkenvTool& tool);
  Status WriteMerged(const Manifest& m, const std::string& staging);

  const BuildOptions& options_;
  std::string root_;
  std::unique_ptr<fetch::BlobCache> blobs_;
  std::string work_root_;
  std::string python_;  // target X.Y
  std::optional<spec::Target> given_;
  Builders builders_;
  BuildReport report_;
};

Status EnvBuilder::StartInterpreter(const lock::SparkenvTool& tool) {
  const std::string name =
      options_.build_python.empty() ? kDefaultBuildPython : options_.build_python;
  auto python = wheelbuild::ProbeInterpreter(name, wheelbuild::CurrentEnvironment());
  if (!python.ok()) return python.error();
  builders_.given = !options_.build_python.empty();
  if (builders_.given) {
    const std::string mismatch = wheelbuild::MarkerMismatch(
        python->target.markers(),
        spec::MarkerEnvironment(tool.target_markers.begin(), tool.target_markers.end()));
    if (!mismatch.empty()) {
      return Error("--build-python " + Quote(options_.build_python) + " is " + python->Describe() +
                       ", which does not match the lock's target: " + mismatch,
                   ErrorKind::kInvalidInput);
    }
  }
  wheelbuild::WheelBuilderOptions wo;
  wo.index = BuildIndexes(options_, tool);
  wo.cache_dir = root_;
  wo.progress = options_.progress;
  builders_.builder = std::make_unique<wheelbuild::WheelBuilder>(*python, std::move(wo));
  return Status::Ok();
}

Status EnvBuilder::CheckFit(const std::string& what, const spec::WheelFilename& wheel,
                            const lock::SparkenvTool& tool) {
  auto fits = WheelFitsTarget(wheel, tool, given_);
  if (!fits.ok()) return fits.error().Wrap(what);
  if (*fits) return Status::Ok();
  std::vector<std::string> tags;
  for (const spec::Tag& t : wheel.tags()) tags.push_back(t.ToString());
  const wheelbuild::Interpreter& py = builders_.builder->interpreter();
  std::string message = what + ": the wheel built is " + Quote(wheel.ToString()) + " (tags " +
                        Join(tags, ", ") + "), which does not fit the lock's target " +
                        DescribeTarget(spec::MarkerEnvironment(tool.target_markers.begin(),
                                                               tool.target_markers.end())) +
                        "; it was built with " + Quote(py.path) + " (" + py.Describe() + ")";
  if (!builders_.given) {
    message += ": give --build-python with an interpreter that matches the target";
  }
  return Error(message, ErrorKind::kInvalidInput);
}

// env.tar.gz / env.zip: streamed from the layers (no folder on disk) and
// kept in the cache under the list of layers, so a rebuild links it.
Status EnvBuilder::WriteMerged(const Manifest& m, const std::string& staging) {
  const std::string target = staging + "/env." + options_.format;
  std::string key_text = std::string(kFormat) + "\nmerged " + options_.format + "\n";
  for (const Layer& layer : m.layers) key_text += layer.sha256 + "\n";
  const std::string key = index::Sha256Hex(key_text);
  const std::string record_path = CachePath(root_, kMergedCacheFolder, key);
  if (auto text = ReadWhole(record_path); text.ok()) {
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains("sha256") && j["sha256"].is_string() && j.contains("size") &&
        j["size"].is_number_unsigned()) {
      const std::string sha = j["sha256"].get<std::string>();
      std::error_code ec;
      auto blob = fetch::IsSha256Hex(sha) ? blobs_->Find(sha) : std::nullopt;
      if (blob && fs::file_size(*blob, ec) == j["size"].get<uint64_t>() && !ec) {
        return LinkOrCopy(*blob, target);
      }
    }
  }
  std::vector<LayerInput> inputs;
  for (const Layer& layer : m.layers) {
    inputs.push_back(LayerInput{staging + "/" + Manifest::LayerPath(layer), Quote(layer.package)});
  }
  const std::string work = work_root_ + "/env." + options_.format;
  std::error_code ec;
  fs::create_directories(work_root_, ec);
  auto merged = MergeLayers(inputs, work,
                            options_.format == "zip" ? ArchiveFormat::kZip : ArchiveFormat::kTarGz);
  if (!merged.ok()) return merged.error();
  auto temp = blobs_->NewTempPath(merged->sha256);
  if (!temp.ok()) return temp.error();
  fs::rename(work, *temp, ec);
  if (ec) return Error("cannot move " + Quote(work) + ": " + ec.message(), ErrorKind::kIo);
  fs::remove_all(work_root_, ec);
  auto committed = blobs_->CommitWritten(*temp, fetch::BlobSpec{merged->sha256, merged->size});
  if (!committed.ok()) return committed.error();
  nlohmann::json record = {{"sha256", merged->sha256}, {"size", merged->size}};
  if (Status s = WriteAtomically(record_path, record.dump() + "\n"); !s.ok()) return s;
  return LinkOrCopy(*committed, target);
}

Status EnvBuilder::BuildSdist(Work& w, const lock::SparkenvTool& tool) {
  const std::string filename = w.file.FileName();
  const wheelbuild::Interpreter& py = builders_.builder->interpreter();
  Log("Building " + w.package + " " + w.version + " from " + filename + " with " + py.Describe());
  const std::string dir = work_root_ + "/sdist-" + w.package;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error("cannot create " + Quote(dir) + ": " + ec.message(), ErrorKind::kIo);
  auto unpacked =
      wheelbuild::UnpackSource(w.sdist_path, filename, dir + "/src", wheelbuild::SourceLimits());
  if (!unpacked.ok()) return unpacked.error().Wrap("package " + Quote(w.package));
  wheelbuild::BuildRequest request;
  request.source_dir = unpacked->project_dir;
  request.what = Quote(filename);
  request.work_dir = dir + "/build";
  auto built = builders_.builder->Build(request);
  if (!built.ok()) return built.error();
  auto wheel = spec::WheelFilename::Parse(built->filename);
  if (!wheel.ok()) return wheel.error();
  const std::string what = "package " + Quote(w.package) + " " + w.version;
  if (wheel->name() != w.package || !(wheel->version() == *spec::Version::Parse(w.version))) {
    return Error(what + ": its sdist " + Quote(filename) + " built " + Quote(built->filename) +
                     ", not a wheel of " + w.package + " " + w.version,
                 ErrorKind::kInvalidInput);
  }
  if (Status s = CheckFit(what, *wheel, tool); !s.ok()) return s;
  std::string sha;
  auto path = CommitWheel(built->path, *blobs_, &sha);
  if (!path.ok()) return path.error();
  nlohmann::json record = {
      {"wheel", built->filename}, {"sha256", sha}, {"size", fs::file_size(*path, ec)}};
  if (Status s =
          WriteAtomically(CachePath(root_, kBuiltCacheFolder, w.built_key), record.dump() + "\n");
      !s.ok()) {
    return s;
  }
  fs::remove_all(dir, ec);
  w.wheel_name = built->filename;
  w.wheel_sha256 = sha;
  w.wheel_path = *path;
  ++report_.sdists_built;
  return Status::Ok();
}

Result<Work> EnvBuilder::BuildApp(const lock::SparkenvTool& tool, const std::vector<Work>& locked) {
  const wheelbuild::Interpreter& py = builders_.builder->interpreter();
  Log("Building the application " + options_.app_dir + " with " + py.Describe());
  std::error_code ec;
  if (!fs::is_directory(options_.app_dir, ec)) {
    return Error("--app " + Quote(options_.app_dir) + " is not a folder", ErrorKind::kInvalidInput);
  }
  if (!fs::exists(fs::path(options_.app_dir) / "pyproject.toml", ec) &&
      !fs::exists(fs::path(options_.app_dir) / "setup.py", ec)) {
    return Error("--app " + Quote(options_.app_dir) +
                     " has neither pyproject.toml nor setup.py: it is not a Python project",
                 ErrorKind::kInvalidInput);
  }
  wheelbuild::BuildRequest request;
  request.source_dir = options_.app_dir;
  request.what = "the application " + Quote(options_.app_dir);
  request.work_dir = work_root_ + "/app";
  auto built = builders_.builder->Build(request);
  if (!built.ok()) return built.error();
  auto wheel = spec::WheelFilename::Parse(built->filename);
  if (!wheel.ok()) return wheel.error();
  const std::string what = "the application " + Quote(options_.app_dir);
  for (const Work& w : locked) {
    if (w.package == wheel->name()) {
      return Error(what + " is the project " + Quote(wheel->name()) +
                       ", which the lock also has (" + w.package + " " + w.version +
                       "): an environment holds one version of each project",
                   ErrorKind::kInvalidInput);
    }
  }
  if (Status s = CheckFit(what, *wheel, tool); !s.ok()) return s.error();
  if (Status s = CheckAppRequirements(what, built->path, tool, locked); !s.ok()) return s.error();
  auto sha = index::Sha256File(built->path);
  if (!sha.ok()) return sha.error();
  Work w;
  w.source = Source::kApp;
  w.package = wheel->name();
  w.version = wheel->version().ToString();
  w.wheel_name = built->filename;
  w.wheel_sha256 = *sha;
  w.wheel_path = built->path;
  return w;
}

Result<BuildReport> EnvBuilder::Run() {
  if (!options_.format.empty() && options_.format != "dir" && options_.format != "tar.gz" &&
      options_.format != "zip") {
    return Error("invalid --format " + Quote(options_.format) + ": expected dir, tar.gz or zip",
                 ErrorKind::kInvalidInput);
  }
  if (options_.output_dir.empty()) {
    return Error("no output folder: give -o DIR", ErrorKind::kInvalidInput);
  }
  // 1. The lock.
  auto text = ReadWhole(options_.lock_path);
  if (!text.ok()) return text.error();
  auto l = lock::ReadLock(*text, options_.lock_path);
  if (!l.ok()) return l.error();
  if (!l->sparkenv || l->sparkenv->target_markers.empty()) {
    return Error(options_.lock_path +
                     ": no [tool.sparkenv] target: sparkenv build needs a lock written by "
                     "'sparkenv lock', which records the target it was resolved for",
                 ErrorKind::kInvalidInput);
  }
  const lock::SparkenvTool& tool = *l->sparkenv;
  Manifest m;
  m.lock_sha256 = index::Sha256Hex(*text);
  m.created_by = std::string("sparkenv ") + SPARKENV_VERSION;
  m.target_markers = tool.target_markers;
  m.target_tags_sha256 = tool.target_tags_sha256;
  python_ = m.PythonVersion();
  if (python_.empty()) {
    return Error(options_.lock_path + ": [tool.sparkenv.target-markers] has no python_version",
                 ErrorKind::kInvalidInput);
  }
  auto plan = PlanFromLock(*l, options_.lock_path);
  if (!plan.ok()) return plan.error();
  std::vector<Work>& work = *plan;
  if (options_.target) {
    auto given = spec::Target::FromOptions(*options_.target);
    if (!given.ok()) return given.error();
    if (Status s = CheckGivenTarget(*given, tool); !s.ok()) return s.error();
    given_ = std::move(given).value();
  }

  root_ = options_.cache_dir;
  if (root_.empty()) {
    auto def = index::DefaultCacheRoot();
    if (!def.ok()) return def.error();
    root_ = *def;
  }
  blobs_ = std::make_unique<fetch::BlobCache>(root_);

  const bool has_sdists = std::any_of(work.begin(), work.end(),
                                      [](const Work& w) { return w.source == Source::kSdist; });
  if (has_sdists || !options_.app_dir.empty()) {
    if (Status s = StartInterpreter(tool); !s.ok()) return s.error();
  }

  // 2. Layers and wheels built before.
  for (Work& w : work) {
    if (w.source == Source::kSdist) {
      ++report_.sdists;
      w.built_key =
          BuiltKey(w.file_sha256, builders_.builder->interpreter(), tool.target_tags_sha256);
      if (!LoadBuiltWheel(root_, *blobs_, w)) continue;
    }
    w.key = LayerKey(w.wheel_sha256, python_);
    w.layer = LoadCachedLayer(root_, w, *blobs_, &w.blob_path);
    if (w.layer) ++report_.layers_cached;
  }

  // Staging: a sibling of the output, so the final rename stays on one
  // file system.
  fs::path out_path = fs::absolute(options_.output_dir);
  if (out_path.filename().empty()) out_path = out_path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(out_path.parent_path(), ec)) {
    return Error("cannot create " + Quote(options_.output_dir) + ": its parent folder " +
                     Quote(out_path.parent_path().string()) + " does not exist",
                 ErrorKind::kNotFound);
  }
  RemoveAbandonedSiblings(out_path);
  const std::string tag = std::to_string(getpid()) + "-" + RandomSuffix();
  TempDir staging(out_path.string() + ".tmp-" + tag);
  fs::create_directories(fs::path(staging.path()) / "layers", ec);
  if (ec) {
    return Error("cannot create " + Quote(staging.path()) + ": " + ec.message(), ErrorKind::kIo);
  }
  work_root_ = staging.path() + "/work";
  fs::create_directories(work_root_, ec);
  if (ec) return Error("cannot create " + Quote(work_root_) + ": " + ec.message(), ErrorKind::kIo);

  // 3. Fetch what is missing; install each wheel as it arrives.
  std::mutex mu;
  std::vector<std::pair<Work*, Status>> results;
  std::atomic<bool> cancelled{false};
  const int threads = options_.jobs > 0 ? options_.jobs : fetch::WorkerPool::DefaultThreads(8);
  auto pool = std::make_unique<fetch::WorkerPool>(threads);
  auto install = [&](Work* w) {
    pool->Post([&, w] {
      if (cancelled) return;
      Status s = BuildLayer(*w, python_, work_root_, *blobs_, root_);
      std::lock_guard<std::mutex> lock(mu);
      results.emplace_back(w, std::move(s));
    });
  };
  // Cancels the installs still queued and waits for the running ones.
  auto stop = [&] {
    cancelled = true;
    pool.reset();
  };
  std::vector<Work*> to_fetch;
  std::vector<fetch::FetchItem> items;
  for (Work& w : work) {
    if (w.layer || !w.wheel_path.empty()) {
      if (!w.layer) install(&w);  // a wheel built before, its layer not
      continue;
    }
    fetch::FetchItem item;
    item.url = w.file.url;
    item.sha256 = w.file_sha256;
    if (w.file.size) item.size = static_cast<uint64_t>(*w.file.size);
    item.name = w.file.FileName();
    items.push_back(std::move(item));
    to_fetch.push_back(&w);
  }
  if (!items.empty()) {
    auto curl = http::CurlClient::Create();
    if (!curl.ok()) {
      stop();
      return curl.error();
    }
    fetch::FetchOptions fo;
    fo.progress = options_.progress;
    fetch::Fetcher fetcher(**curl, *blobs_, fo);
    fetch::FetchStats stats;
    auto paths = fetcher.Fetch(items, &stats, [&](size_t i, const std::string& path) {
      Work* w = to_fetch[i];
      if (w->source == Source::kSdist) {
        w->sdist_path = path;
        return;
      }
      w->wheel_path = path;
      install(w);
    });
    if (!paths.ok()) {
      stop();
      return paths.error();
    }
    report_.wheels_downloaded = stats.downloaded;
    report_.bytes_downloaded = stats.bytes;
  }

  // 4. Wheels from sdists and the application, while the pool installs.
  for (Work& w : work) {
    if (w.source != Source::kSdist || !w.wheel_path.empty()) continue;
    if (Status s = BuildSdist(w, tool); !s.ok()) {
      stop();
      return s.error();
    }
    w.key = LayerKey(w.wheel_sha256, python_);
    w.layer = LoadCachedLayer(root_, w, *blobs_, &w.blob_path);
    if (w.layer) {
      ++report_.layers_cached;
    } else {
      install(&w);
    }
  }
  std::optional<Work> app;
  if (!options_.app_dir.empty()) {
    auto built = BuildApp(tool, work);
    if (!built.ok()) {
      stop();
      return built.error();
    }
    app = std::move(built).value();
    app->key = LayerKey(app->wheel_sha256, python_);
    app->layer = LoadCachedLayer(root_, *app, *blobs_, &app->blob_path);
    if (app->layer) {
      ++report_.layers_cached;
    } else {
      install(&*app);
    }
  }
  pool.reset();  // waits for every install
  std::vector<std::string> errors;
  ErrorKind kind = ErrorKind::kIo;
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.first->package < b.first->package; });
  for (const auto& [w, s] : results) {
    if (s.ok()) {
      ++report_.layers_built;
      continue;
    }
    errors.push_back(s.error().message());
    if (s.error().kind() == ErrorKind::kInvalidInput) kind = ErrorKind::kInvalidInput;
  }
  if (!errors.empty()) return Error(Join(errors, "\n"), kind);
  fs::remove_all(work_root_, ec);

  // 5. Lay out the environment.
  if (app) work.push_back(std::move(*app));
  std::sort(work.begin(), work.end(),
            [](const Work& a, const Work& b) { return a.package < b.package; });
  for (const Work& w : work) {
    if (!w.layer) {
      return Error("internal: no layer for " + Quote(w.package), ErrorKind::kInternal);
    }
    m.layers.push_back(*w.layer);
    if (w.source == Source::kApp) {
      m.application =
          Application{w.package, w.version, w.wheel_name, w.wheel_sha256, w.layer->sha256};
    }
    Status s = LinkOrCopy(w.blob_path, staging.path() + "/" + Manifest::LayerPath(*w.layer));
    if (!s.ok()) return s.error();
  }
  m.env_id = EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256,
                           m.application ? m.application->wheel_sha256 : "");
  if (options_.format == "dir") {
    const std::string merged = staging.path() + "/env";
    fs::create_directories(merged, ec);
    if (ec) return Error("cannot create " + Quote(merged) + ": " + ec.message(), ErrorKind::kIo);
    for (const Layer& layer : m.layers) {
      Status s = UnpackLayer(staging.path() + "/" + Manifest::LayerPath(layer), merged);
      if (!s.ok()) return s.error();
    }
  } else if (!options_.format.empty()) {
    if (Status s = WriteMerged(m, staging.path()); !s.ok()) return s.error();
  }
  Status s = WriteWhole(staging.path() + "/manifest.json", ToJson(m));
  if (!s.ok()) return s.error();
  s = Publish(staging.path(), out_path.string(), out_path.string() + ".old-" + tag);
  if (!s.ok()) return s.error();
  staging.Release();
  report_.manifest = std::move(m);
  return report_;
}

}  // namespace

Result<BuildReport> Build(const BuildOptions& options) {
  EnvBuilder builder(options);
  return builder.Run();
}

}  // namespace sparkenv::env
