// libFuzzer target: an sdist is bytes from the network, unpacked before any
// build backend sees it. Any input must be refused or unpacked without a
// crash, and: (1) on failure nothing is left in the work folder; (2) on
// success the output holds only regular files and folders (no link: links
// are copied), all under the output folder, and no more bytes than the
// limits allow.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "wheelbuild/source_archive.h"

namespace {

namespace fs = std::filesystem;

// Leaked on purpose: the exit handler that removes it runs after static
// destructors.
const fs::path& WorkDir() {
  static const fs::path* dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "sparkenv-sdist-fuzz-XXXXXX").string();
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& work = WorkDir();
  const fs::path archive = work.parent_path() / (work.filename().string() + ".tar.gz");
  {
    std::ofstream out(archive, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  sparkenv::wheelbuild::SourceLimits limits;
  limits.max_total_size = 8u << 20;
  limits.max_entries = 2000;
  limits.min_ratio_size = 1u << 20;
  const fs::path out = work / "src";
  auto r =
      sparkenv::wheelbuild::UnpackSource(archive.string(), "fuzz.tar.gz", out.string(), limits);
  if (!r.ok()) {
    if (!fs::is_empty(work)) std::abort();  // a refusal leaves nothing
    return 0;
  }
  const std::string root = fs::weakly_canonical(out).string() + "/";
  uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (entry.is_symlink() || !(entry.is_regular_file() || entry.is_directory())) std::abort();
    if (fs::weakly_canonical(entry.path()).string().rfind(root, 0) != 0) std::abort();
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  if (bytes > limits.max_total_size || bytes != r->bytes) std::abort();
  fs::remove_all(out);
  return 0;
}
