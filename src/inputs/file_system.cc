#include "inputs/file_system.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/strings.h"

namespace sparkenv::inputs {

namespace fs = std::filesystem;

Result<std::string> DiskFileSystem::ReadFile(const std::string& path) const {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Error("cannot read " + Quote(path) + ": it is a folder", ErrorKind::kIo);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    ErrorKind kind = (err == ENOENT || err == ENOTDIR) ? ErrorKind::kNotFound : ErrorKind::kIo;
    return Error("cannot read " + Quote(path) + ": " + std::strerror(err), kind);
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Error("cannot read " + Quote(path) + ": read failed", ErrorKind::kIo);
  return out.str();
}

bool DiskFileSystem::Exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string DiskFileSystem::MakeAbsolute(const std::string& path) const {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  return p.lexically_normal().string();
}

void FakeFileSystem::AddFile(const std::string& path, std::string content) {
  files_[Key(path)] = std::move(content);
}

std::string FakeFileSystem::Key(const std::string& path) const {
  return fs::path(MakeAbsolute(path)).lexically_normal().string();
}

Result<std::string> FakeFileSystem::ReadFile(const std::string& path) const {
  std::string key = Key(path);
  auto it = files_.find(key);
  if (it != files_.end()) return it->second;
  if (Exists(path)) return Error("cannot read " + Quote(path) + ": it is a folder", ErrorKind::kIo);
  return Error("cannot read " + Quote(path) + ": No such file or directory", ErrorKind::kNotFound);
}

bool FakeFileSystem::Exists(const std::string& path) const {
  std::string key = Key(path);
  if (files_.count(key)) return true;
  std::string prefix = key.back() == '/' ? key : key + "/";
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && StartsWith(it->first, prefix);
}

std::string FakeFileSystem::MakeAbsolute(const std::string& path) const {
  if (!path.empty() && path[0] == '/') return fs::path(path).lexically_normal().string();
  return (fs::path(cwd_) / path).lexically_normal().string();
}

std::optional<std::string> ProcessEnvironment::Get(const std::string& name) const {
  const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> FakeEnvironment::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sparkenv::inputs
