// libFuzzer target: a wheel is bytes from the network, so any archive must
// be refused or installed without crashing, without reading out of bounds,
// and without leaving anything but a complete layer behind. Checks, for every
// input: (1) on failure nothing is left in the work folder; (2) on success
// every installed file lies under the layer (no '..' escapes) and is a
// regular file or folder; (3) UnsafeNameReason accepts no name with a '..'
// component, a leading '/' or a backslash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "install/wheel_install.h"

namespace {

namespace fs = std::filesystem;

// Leaked on purpose: the exit handler that removes it runs after static
// destructors.
const fs::path& WorkDir() {
  static const fs::path* dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "sparkenv-wheel-fuzz-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    auto* path = new fs::path(tmpl);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(WorkDir(), ec);
    });
    return path;
  }();
  return *dir;
}

void CheckName(const std::string& name) {
  if (!sparkenv::install::UnsafeNameReason(name).empty()) return;
  if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos) std::abort();
  std::string padded = "/" + name + "/";
  if (padded.find("/../") != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // Names: the input itself and each of its lines.
  CheckName(bytes);
  for (size_t start = 0, nl; start < bytes.size(); start = nl + 1) {
    nl = bytes.find('\n', start);
    if (nl == std::string::npos) nl = bytes.size();
    CheckName(bytes.substr(start, nl - start));
  }

  int fd = memfd_create("wheel", 0);
  if (fd < 0) std::abort();
  if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  sparkenv::install::InstallOptions options;
  options.python_version = "3.11";
  options.limits.max_total_size = 8u << 20;
  options.limits.max_entries = 1000;
  const fs::path& work = WorkDir();
  fs::path out = work / "layer";
  auto name = sparkenv::spec::PackageName::Parse("demo");
  auto version = sparkenv::spec::Version::Parse("1.0");
  auto report = sparkenv::install::InstallWheelFd(fd, "demo-1.0-py3-none-any.whl", *name, *version,
                                                  options, out.string());
  if (!report.ok()) {
    if (!fs::is_empty(work)) std::abort();  // a failed install leaves nothing
    return 0;
  }
  const std::string root = fs::weakly_canonical(out).string() + "/";
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (entry.is_symlink() || !(entry.is_regular_file() || entry.is_directory())) std::abort();
    if (fs::weakly_canonical(entry.path()).string().rfind(root, 0) != 0) std::abort();
  }
  fs::remove_all(out);
  return 0;
}
