// Helpers for the store's unit tests (header only, tests only): a scratch
// folder and environment folders with made-up layers.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "env/manifest.h"
#include "index/sha256.h"

namespace sparkenv::store::test_util {

// A fresh folder under the test temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = ::testing::TempDir();
    if (tmpl.empty() || tmpl.back() != '/') tmpl += '/';
    tmpl += "sparkenv_store_XXXXXX";
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct TestPackage {
  std::string name;
  std::string version;
  size_t size;
};

// Deterministic bytes for a package's layer.
inline std::string LayerBytes(const TestPackage& p) {
  std::string seed = index::Sha256Hex(p.name + " " + p.version);
  std::string out;
  while (out.size() < p.size) out += seed;
  out.resize(p.size);
  return out;
}

// A manifest for `packages` (layers' hashes from LayerBytes); `lock_seed`
// makes the environment id.
inline env::Manifest TestManifest(const std::vector<TestPackage>& packages,
                                  const std::string& lock_seed) {
  env::Manifest m;
  m.lock_sha256 = index::Sha256Hex("lock " + lock_seed);
  m.created_by = "sparkenv test";
  m.target_markers = {{"implementation_name", "cpython"},
                      {"python_full_version", "3.11.9"},
                      {"python_version", "3.11"},
                      {"sys_platform", "linux"},
                      {"platform_machine", "x86_64"}};
  m.target_tags_sha256 = index::Sha256Hex("tags");
  m.env_id = env::EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256);
  for (const TestPackage& p : packages) {
    const std::string bytes = LayerBytes(p);
    env::Layer l;
    l.sha256 = index::Sha256Hex(bytes);
    l.size = bytes.size();
    l.package = p.name;
    l.version = p.version;
    l.wheel = p.name + "-" + p.version + "-py3-none-any.whl";
    l.wheel_sha256 = index::Sha256Hex("wheel " + p.name + p.version);
    l.files = 2;
    l.installed_bytes = bytes.size() * 2;
    m.layers.push_back(l);
  }
  return m;
}

// Writes an environment folder (manifest.json + layers/) and returns its
// manifest.
inline env::Manifest WriteTestEnv(const std::string& dir, const std::vector<TestPackage>& packages,
                                  const std::string& lock_seed) {
  env::Manifest m = TestManifest(packages, lock_seed);
  WriteFile(dir + "/manifest.json", env::ToJson(m));
  for (const TestPackage& p : packages) {
    const std::string bytes = LayerBytes(p);
    WriteFile(dir + "/layers/" + index::Sha256Hex(bytes) + ".tar.gz", bytes);
  }
  return m;
}

}  // namespace sparkenv::store::test_util
