#include "spark/boot.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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
constexpr char kLaunchFormat[] = "sparkenv-launch/1";
constexpr char kLaunchFile[] = "sparkenv-launch.json";
constexpr char kLaunchMain[] = "sparkenv/_launch_main.py";

std::string TempSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return ".tmp." + std::to_string(getpid()) + "." + std::to_string(rng() % 1000000007ULL);
}

// The whole file at `path`; errors say why.
Result<std::string> ReadWhole(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Error(fs::exists(path, ec) ? "not a regular file" : "no such file",
                 ErrorKind::kNotFound);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return Error(std::strerror(errno), ErrorKind::kIo);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error("read error", ErrorKind::kIo);
  return data;
}

// Writes `files` into a new folder `tmp` (removed again on failure).
Status WriteFolder(const fs::path& tmp,
                   const std::vector<std::pair<std::string, std::string>>& files) {
  for (const auto& [path, data] : files) {
    Status s = WriteFileAtomically((tmp / path).string(), data);
    if (!s.ok()) {
      std::error_code ec;
      fs::remove_all(tmp, ec);
      return s.error();
    }
  }
  return Status();
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
    Status s = WriteFolder(tmp, *files);
    if (!s.ok()) return s.error();
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

Result<std::vector<std::pair<std::string, std::string>>> LauncherFiles(
    std::string_view manifest_json, const NodeCache& node_cache, std::string_view app_name,
    std::string_view app_bytes) {
  if (app_name.empty() || app_name.find('/') != std::string_view::npos || app_name == "." ||
      app_name == "..") {
    return Error("invalid application file name " + Quote(app_name), ErrorKind::kInternal);
  }
  auto files = BootFiles(manifest_json, &node_cache);
  if (!files.ok()) return files.error();
  std::string main;
  for (const EmbeddedFile& file : PythonSources()) {
    if (file.path == kLaunchMain) main = std::string(file.data);
  }
  if (main.empty()) {
    return Error(std::string("the embedded Python package has no ") + kLaunchMain,
                 ErrorKind::kInternal);
  }
  const std::string app = "sparkenv-app/" + std::string(app_name);
  nlohmann::ordered_json launch;
  launch["format"] = kLaunchFormat;
  launch["app"] = app;
  files->emplace_back("__main__.py", std::move(main));
  files->emplace_back(kLaunchFile, launch.dump(1) + "\n");
  files->emplace_back(app, std::string(app_bytes));
  std::sort(files->begin(), files->end());
  return files;
}

Result<Launcher> WriteLauncher(std::string_view manifest_json, const std::string& cache_root,
                               const NodeCache& node_cache, const std::string& app_path) {
  auto bytes = ReadWhole(app_path);
  if (!bytes.ok()) {
    return Error("cannot read the application " + Quote(app_path) + ": " + bytes.error().message(),
                 ErrorKind::kInvalidInput);
  }
  auto files =
      LauncherFiles(manifest_json, node_cache, fs::path(app_path).filename().string(), *bytes);
  if (!files.ok()) return files.error();
  Launcher out;
  out.name = BootName(*files);
  const fs::path folder = fs::path(cache_root) / kSparkCacheFolder / "launch";
  out.jar = (folder / (out.name + ".jar")).string();
  std::error_code ec;
  if (!fs::is_regular_file(out.jar, ec)) {
    const fs::path tmp = folder / (out.name + TempSuffix());
    Status s = WriteFolder(tmp, *files);
    if (!s.ok()) return s.error();
    const std::string tmp_jar = tmp.string() + ".jar";
    auto packed = env::PackDirectory(tmp.string(), tmp_jar, env::ArchiveFormat::kZip);
    fs::remove_all(tmp, ec);
    if (!packed.ok()) {
      fs::remove(tmp_jar, ec);
      return packed.error();
    }
    if (rename(tmp_jar.c_str(), out.jar.c_str()) != 0) {
      const std::string why = std::strerror(errno);
      fs::remove(tmp_jar, ec);
      return Error("cannot write " + Quote(out.jar) + ": " + why, ErrorKind::kIo);
    }
  }
  auto jar = ReadWhole(out.jar);
  if (!jar.ok()) return jar.error().Wrap("cannot read " + Quote(out.jar));
  out.sha256 = index::Sha256Hex(*jar);
  out.size = jar->size();
  return out;
}

}  // namespace sparkenv::spark
