#include "spark/boot.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "base/strings.h"
#include "env/layer_archive.h"
#include "index/sha256.h"
#include "spark/python_package.h"
#include "spark/python_sources.h"

namespace sparkenv::spark {

namespace fs = std::filesystem;

namespace {

constexpr char kBootFormat[] = "sparkenv-boot/1";
constexpr char kConfigFile[] = "sparkenv-boot.json";

std::string TempSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return ".tmp." + std::to_string(getpid()) + "." + std::to_string(rng() % 1000000007ULL);
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> BootFiles(std::string_view manifest_json,
                                                                   const NodeCache* node_cache) {
  nlohmann::json manifest = nlohmann::json::parse(manifest_json, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return Error("the manifest is not a JSON object", ErrorKind::kInternal);
  }
  nlohmann::json config = {{"format", kBootFormat}, {"manifest", manifest}};
  if (node_cache != nullptr) {
    nlohmann::json layers = nlohmann::json::array();
    for (const NodeCache::Layer& l : node_cache->layers) {
      nlohmann::json entry = nlohmann::json::object();
      entry["sha256"] = l.sha256;
      entry["size"] = l.size;
      entry["url"] = l.url;
      layers.push_back(std::move(entry));
    }
    nlohmann::json node = nlohmann::json::object();
    node["dir"] = node_cache->dir;
    node["layers"] = std::move(layers);
    config["node_cache"] = std::move(node);
  }
  std::vector<std::pair<std::string, std::string>> files;
  std::string sitecustomize;
  for (const EmbeddedFile& file : PythonSources()) {
    files.emplace_back(std::string(file.path), std::string(file.data));
    if (file.path == "sparkenv/_sitecustomize.py") sitecustomize = std::string(file.data);
  }
  if (sitecustomize.empty()) {
    return Error("the embedded Python package has no _sitecustomize.py", ErrorKind::kInternal);
  }
  files.emplace_back("sitecustomize.py", sitecustomize);
  files.emplace_back(kConfigFile, config.dump(1) + "\n");
  std::sort(files.begin(), files.end());
  return files;
}

std::string BootName(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string text;
  for (const auto& [path, data] : files) {
    text += path;
    text += '\0';
    text += index::Sha256Hex(data);
    text += '\0';
  }
  return "sparkenv-boot-" + index::Sha256Hex(text).substr(0, 16);
}

Result<Boot> WriteBoot(std::string_view manifest_json, const std::string& cache_root,
                       const NodeCache* node_cache) {
  auto files = BootFiles(manifest_json, node_cache);
  if (!files.ok()) return files.error();
  Boot boot;
  boot.name = BootName(*files);
  const fs::path folder = fs::path(cache_root) / kSparkCacheFolder / "boot";
  boot.dir = (folder / boot.name).string();
  boot.archive = (folder / (boot.name + ".tar.gz")).string();
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(boot.dir) / kConfigFile, ec)) {
    const fs::path tmp = folder / (boot.name + TempSuffix());
    for (const auto& [path, data] : *files) {
      Status s = WriteFileAtomically((tmp / path).string(), data);
      if (!s.ok()) {
        fs::remove_all(tmp, ec);
        return s.error();
      }
    }
    if (rename(tmp.c_str(), boot.dir.c_str()) != 0) {
      const int err = errno;
      fs::remove_all(tmp, ec);
      // Another process won the race: its folder has the same content.
      if (!fs::is_regular_file(fs::path(boot.dir) / kConfigFile, ec)) {
        return Error("cannot write " + Quote(boot.dir) + ": " + std::strerror(err), ErrorKind::kIo);
      }
    }
  }
  if (!fs::is_regular_file(boot.archive, ec)) {
    const std::string tmp = boot.archive + TempSuffix();
    auto packed = env::PackDirectory(boot.dir, tmp);
    if (!packed.ok()) {
      fs::remove(tmp, ec);
      return packed.error();
    }
    if (rename(tmp.c_str(), boot.archive.c_str()) != 0) {
      const std::string why = std::strerror(errno);
      fs::remove(tmp, ec);
      return Error("cannot write " + Quote(boot.archive) + ": " + why, ErrorKind::kIo);
    }
  }
  return boot;
}

}  // namespace sparkenv::spark
