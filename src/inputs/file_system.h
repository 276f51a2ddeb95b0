// The little file-system access the input readers need, behind an interface
// so that unit tests and fuzzers use an in-memory fake.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.h"

namespace sparkenv::inputs {

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The whole content of the file at `path`. A missing file is a kNotFound
  // error, any other failure kIo; the message names the path.
  virtual Result<std::string> ReadFile(const std::string& path) const = 0;

  // True when something (file or folder) exists at `path`.
  virtual bool Exists(const std::string& path) const = 0;

  // `path` made absolute against the current directory (not resolved
  // through symbolic links). Absolute paths are returned unchanged.
  virtual std::string MakeAbsolute(const std::string& path) const = 0;
};

// The real disk.
class DiskFileSystem : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  std::string MakeAbsolute(const std::string& path) const override;
};

// Files held in memory, keyed by their lexically normal path (so "a/./b"
// and "a/b" are the same file); folders exist when a file lies below them.
// The current directory is `cwd` (absolute).
class FakeFileSystem : public FileSystem {
 public:
  explicit FakeFileSystem(std::string cwd = "/work") : cwd_(std::move(cwd)) {}

  void AddFile(const std::string& path, std::string content);

  Result<std::string> ReadFile(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  std::string MakeAbsolute(const std::string& path) const override;

 private:
  std::string Key(const std::string& path) const;

  std::string cwd_;
  std::map<std::string, std::string> files_;
};

// Environment-variable lookup, as std::getenv (nullopt when unset).
class Environment {
 public:
  virtual ~Environment() = default;
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
};

class ProcessEnvironment : public Environment {
 public:
  std::optional<std::string> Get(const std::string& name) const override;
};

class FakeEnvironment : public Environment {
 public:
  FakeEnvironment() = default;
  explicit FakeEnvironment(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  std::optional<std::string> Get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace sparkenv::inputs
