#include "store/pull.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <set>

#include "base/strings.h"
#include "fetch/progress.h"
#include "index/sha256.h"
#include "store/layout.h"
#include "store/parallel.h"

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;

std::string RandomSuffix() {
  std::mt19937_64 gen{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 12; ++i) s += kHex[gen() % 16];
  return s;
}

// Removes a folder on destruction unless released.
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
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// Moves `staging` onto `output`, replacing a previous environment folder.
Status Publish(const std::string& staging, const std::string& output) {
  std::error_code ec;
  if (fs::exists(output, ec)) {
    const bool empty_dir = fs::is_directory(output, ec) && fs::is_empty(output, ec);
    const bool previous = fs::is_regular_file(fs::path(output) / "manifest.json", ec);
    if (!empty_dir && !previous) {
      return Error("output folder " + Quote(output) +
                       " exists and is not a sparkenv environment: remove it or choose another",
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

Result<PullReport> Pull(Backend& backend, const ResolvedEnv& env, const PullOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.output_dir.empty()) {
    return Error("no output folder given", ErrorKind::kInvalidInput);
  }
  std::error_code ec;
  const fs::path out = fs::absolute(options.output_dir, ec).lexically_normal();
  std::string out_text = out.string();
  while (out_text.size() > 1 && out_text.back() == '/') out_text.pop_back();
  if (fs::exists(out_text, ec) && !fs::is_directory(out_text, ec)) {
    return Error("output folder " + Quote(options.output_dir) + " is a file",
                 ErrorKind::kInvalidInput);
  }
  const fs::path parent = fs::path(out_text).parent_path();
  fs::create_directories(parent, ec);
  if (ec) {
    return Error("cannot create " + Quote(parent.string()) + ": " + ec.message(), ErrorKind::kIo);
  }
  const std::string staging = out_text + ".tmp-" + RandomSuffix();
  TempDir guard(staging);
  fs::create_directories(fs::path(staging) / "layers", ec);
  if (ec) {
    return Error("cannot create " + Quote(staging) + ": " + ec.message(), ErrorKind::kIo);
  }

  std::vector<const env::Layer*> layers;
  std::set<std::string> seen;
  uint64_t total = 0;
  for (const env::Layer& l : env.manifest.layers) {
    if (seen.insert(l.sha256).second) {
      layers.push_back(&l);
      total += l.size;
    }
  }
  std::mutex mu;
  std::optional<Error> first;  // guarded by mu
  std::atomic<bool> failed{false};
  std::atomic<size_t> done{0};
  const uint64_t received_before = backend.counters().bytes_received;
  std::optional<fetch::ProgressBar> bar;
  if (options.progress) bar.emplace(stderr);
  ParallelFor(
      layers.size(), options.jobs,
      [&](size_t i) {
        if (failed) return;
        const env::Layer& l = *layers[i];
        const std::string key = BlobKey(l.sha256);
        const std::string path = (fs::path(staging) / env::Manifest::LayerPath(l)).string();
        auto fail = [&](Error e) {
          std::lock_guard<std::mutex> lock(mu);
          if (!first) first = std::move(e);
          failed = true;
        };
        Status s = backend.Download(key, path);
        if (!s.ok()) {
          if (s.error().kind() == ErrorKind::kNotFound) {
            return fail(Error("environment " + env.manifest.env_id.substr(0, 12) + " in store " +
                                  Quote(backend.DisplayUrl()) + " is incomplete: the blob of " +
                                  l.package + " " + l.version + " (" + key + ") is missing",
                              ErrorKind::kNotFound));
          }
          return fail(s.error());
        }
        std::error_code size_ec;
        const uint64_t size = fs::file_size(path, size_ec);
        auto sha = index::Sha256File(path);
        if (!sha.ok()) return fail(sha.error());
        if (size != l.size || *sha != l.sha256) {
          return fail(Error("blob " + Quote(backend.HadoopUrl(key)) + " (" + l.package + " " +
                                l.version + ") is corrupt: it has " + std::to_string(size) +
                                " bytes with sha256 " + *sha + ", the manifest says " +
                                std::to_string(l.size) + " bytes with sha256 " + l.sha256,
                            ErrorKind::kIo));
        }
        ++done;
      },
      [&] {
        if (!bar) return;
        fetch::ProgressState state;
        state.bytes_done = std::min(backend.counters().bytes_received - received_before, total);
        state.bytes_total = total;
        state.files_done = done;
        state.files_total = layers.size();
        state.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        bar->Update(state);
      });
  if (bar) bar->Finish();
  if (first) return *first;

  {
    const std::string manifest_path = (fs::path(staging) / "manifest.json").string();
    std::ofstream m(manifest_path, std::ios::binary | std::ios::trunc);
    m << env.manifest_json;
    m.flush();
    if (!m) return Error("cannot write " + Quote(manifest_path), ErrorKind::kIo);
  }
  Status s = Publish(staging, out_text);
  if (!s.ok()) return s.error();
  guard.Release();
  PullReport report;
  report.env_id = env.manifest.env_id;
  report.layers = env.manifest.layers.size();
  report.bytes = total;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace sparkenv::store
