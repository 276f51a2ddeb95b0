#include "index/find_links.h"

#include <algorithm>
#include <filesystem>

#include "base/strings.h"

namespace sparkenv::index {

std::string FileUrl(const std::string& absolute_path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (char c : absolute_path) {
    auto u = static_cast<unsigned char>(c);
    if (IsAsciiAlnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
        c == '!' || c == '=' || c == ',' || c == ':' || c == '@') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

Result<ProjectPage> ReadFindLinksFolder(const std::string& folder, const std::string& project) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(folder, ec);
  std::vector<std::string> names;
  if (!ec) {
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
    }
  }
  if (ec) {
    return Error("cannot read the --find-links folder " + Quote(folder) + ": " + ec.message(),
                 ErrorKind::kIo);
  }
  std::sort(names.begin(), names.end());  // a stable order, whatever the file system's
  ProjectPage page;
  page.name = project;
  page.url = FileUrl(dir.string() + "/");
  for (const std::string& name : names) {
    if (!EndsWith(name, ".whl") && !EndsWith(name, ".tar.gz") && !EndsWith(name, ".zip")) {
      continue;
    }
    size_t skipped_before = page.skipped.size();
    auto file = MakeEntry(page, name, FileUrl((dir / name).string()), std::nullopt);
    // Other projects' files are expected in a shared folder: not worth a note.
    if (!file && !project.empty() && page.skipped.size() > skipped_before &&
        StartsWith(page.skipped.back().reason, "the file belongs to project")) {
      page.skipped.pop_back();
    }
    if (file) page.files.push_back(std::move(*file));
  }
  return page;
}

}  // namespace sparkenv::index
