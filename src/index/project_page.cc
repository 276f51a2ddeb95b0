#include "index/project_page.h"

#include "base/strings.h"
#include "spec/name.h"

namespace sparkenv::index {

Result<DistFile> DistFile::Make(std::string filename, std::string url) {
  DistFile f;
  if (EndsWith(filename, ".whl")) {
    auto wheel = spec::WheelFilename::Parse(filename);
    if (!wheel.ok()) return wheel.error();
    f.wheel_ = std::move(wheel).value();
  } else {
    auto sdist = spec::SdistFilename::Parse(filename);
    if (!sdist.ok()) return sdist.error();
    f.sdist_ = std::move(sdist).value();
  }
  f.filename_ = std::move(filename);
  f.url_ = std::move(url);
  return f;
}

const std::string& DistFile::name() const { return wheel_ ? wheel_->name() : sdist_->name(); }

const spec::Version& DistFile::version() const {
  return wheel_ ? wheel_->version() : sdist_->version();
}

std::optional<std::string> DistFile::sha256() const {
  auto it = hashes_.find("sha256");
  if (it == hashes_.end()) return std::nullopt;
  return it->second;
}

std::optional<DistFile> MakeEntry(ProjectPage& page, const std::string& filename,
                                  const std::string& url,
                                  const std::optional<std::string>& requires_python,
                                  PageParseMemo* memo) {
  auto file = DistFile::Make(filename, url);
  if (!file.ok()) {
    page.skipped.push_back({filename, file.error().message()});
    return std::nullopt;
  }
  if (!page.name.empty() && spec::NormalizeName(file->name()) != page.name) {
    page.skipped.push_back({filename, "the file belongs to project " + Quote(file->name()) +
                                          ", not " + Quote(page.name)});
    return std::nullopt;
  }
  if (requires_python && !TrimAscii(*requires_python).empty()) {
    Result<spec::SpecifierSet> parsed = Error("", ErrorKind::kInternal);
    if (memo == nullptr) {
      parsed = spec::SpecifierSet::Parse(*requires_python);
    } else if (auto it = memo->requires_python.find(*requires_python);
               it != memo->requires_python.end()) {
      parsed = it->second;
    } else {
      parsed = spec::SpecifierSet::Parse(*requires_python);
      memo->requires_python.emplace(*requires_python, parsed);
    }
    const Result<spec::SpecifierSet>& spec = parsed;
    if (spec.ok()) {
      file->set_requires_python(*spec);
    } else {
      page.warnings.push_back("ignoring the requires-python of " + Quote(filename) + ": " +
                              spec.error().message());
    }
  }
  return std::move(file).value();
}

Status CheckApiVersion(const std::string& version, const std::string& url) {
  size_t dot = version.find('.');
  std::string major = version.substr(0, dot);
  bool digits = !major.empty();
  for (char c : major) digits = digits && IsAsciiDigit(c);
  if (!digits || major != "1") {
    return Error("unsupported simple repository API version " + Quote(version) + " at " +
                     Quote(url) + ": sparkenv reads version 1.x (PEP 629)",
                 ErrorKind::kIo);
  }
  return Status::Ok();
}

std::optional<std::pair<std::string, std::string>> ParseHashPair(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= text.size()) return std::nullopt;
  std::string name = ToLowerAscii(text.substr(0, eq));
  for (char c : name) {
    if (!IsAsciiAlnum(c)) return std::nullopt;
  }
  std::string hex = ToLowerAscii(text.substr(eq + 1));
  for (char c : hex) {
    if (!IsAsciiDigit(c) && !(c >= 'a' && c <= 'f')) return std::nullopt;
  }
  return std::make_pair(std::move(name), std::move(hex));
}

}  // namespace sparkenv::index
