// libFuzzer target: the resolver on small indexes decoded from the input.
// Bytes choose packages, versions (finals, pre-releases, yanked, wheel or
// sdist, Requires-Python), requirements with specifiers, extras and markers.
// Whatever the input: no crash; an error has a message; a resolution
// satisfies every root requirement and every recorded dependency edge, and
// never holds a package twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "resolve/memory_provider.h"
#include "resolve/resolver.h"

namespace {

using sparkenv::resolve::CandidateVersion;
using sparkenv::resolve::DistributionFile;
using sparkenv::resolve::MemoryProvider;
using sparkenv::resolve::VersionMetadata;
namespace spec = sparkenv::spec;

const char* const kVersions[] = {"1.0", "1.1", "2.0a1", "2.0", "2.0.post1", "3.0rc1", "3.0"};
const char* const kSpecifiers[] = {"",      ">=2",   "<2",      "==1.0", "!=2.0", ">1.0",
                                   "~=2.0", "==2.*", ">=2.0a1", "<3",    "==9"};
const char* const kMarkers[] = {"", " ; sys_platform == 'linux'", " ; sys_platform == 'win32'",
                                " ; extra == 'x'", " ; python_version < '3.10'"};
const char* const kPythons[] = {"", ">=3.8", ">=3.13", "<3.12"};

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t Next(size_t n) { return pos_ < size_ ? data_[pos_++] % n : 0; }
  bool More() const { return pos_ < size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

template <size_t N>
const char* Pick(Bytes& in, const char* const (&items)[N]) {
  return items[in.Next(N)];
}

std::string Name(size_t i) { return "p" + std::to_string(i); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  MemoryProvider provider;
  const size_t packages = 1 + in.Next(5);
  for (size_t p = 0; p < packages; ++p) {
    const size_t versions = in.Next(5);
    for (size_t v = 0; v < versions; ++v) {
      auto version = spec::Version::Parse(Pick(in, kVersions));
      DistributionFile file;
      file.is_wheel = in.Next(4) != 0;
      file.filename = Name(p) + (file.is_wheel ? ".whl" : ".tar.gz");
      if (file.is_wheel) {
        file.tags =
            *spec::Tag::ParseSet(in.Next(3) != 0 ? "py3-none-any" : "cp312-cp312-win_amd64");
      }
      file.yanked = in.Next(6) == 0;
      if (const char* rp = Pick(in, kPythons); *rp != '\0') {
        file.requires_python = *spec::SpecifierSet::Parse(rp);
      }
      VersionMetadata meta;
      meta.requires_python = file.requires_python;
      meta.provides_extra = {"x"};
      const size_t deps = in.Next(4);
      for (size_t d = 0; d < deps; ++d) {
        std::string text = Name(in.Next(packages + 1));
        if (in.Next(4) == 0) text += "[x]";
        text += Pick(in, kSpecifiers);
        text += Pick(in, kMarkers);
        auto r = spec::Requirement::Parse(text);
        if (!r.ok()) std::abort();
        meta.requires_dist.push_back(*r);
      }
      provider.Add(Name(p), CandidateVersion{*version, {file}}, std::move(meta));
    }
  }
  sparkenv::resolve::ResolveRequest request;
  const size_t roots = 1 + in.Next(3);
  for (size_t r = 0; r < roots; ++r) {
    std::string text = Name(in.Next(packages + 1));
    if (in.Next(4) == 0) text += "[x]";
    text += Pick(in, kSpecifiers);
    request.requirements.push_back(*spec::Requirement::Parse(text));
  }
  if (in.Next(3) == 0) request.constraints.push_back(*spec::Requirement::Parse(Name(0) + "<2"));
  request.options.strategy = static_cast<sparkenv::resolve::Strategy>(in.Next(3));
  spec::TargetOptions target;
  target.python = "3.12";
  target.platforms = {"manylinux_2_28_x86_64"};
  request.target = *spec::Target::Declare(target);

  auto result = sparkenv::resolve::Resolve(provider, request);
  if (!result.ok()) {
    if (result.error().message().empty()) std::abort();
    if (result.error().kind() == sparkenv::ErrorKind::kInternal) std::abort();
    return 0;
  }
  std::map<std::string, spec::Version> chosen;
  for (const auto& p : result->packages) {
    if (!chosen.emplace(p.name, p.version).second) std::abort();
  }
  auto satisfied = [&chosen](const std::string& requirement) {
    auto r = spec::Requirement::Parse(requirement);
    if (!r.ok()) return false;
    auto it = chosen.find(r->normalized_name());
    return it != chosen.end() && r->specifier().Contains(it->second, spec::PreReleases::kInclude);
  };
  for (const auto& d : result->roots) {
    if (!satisfied(d.requirement)) std::abort();
  }
  for (const auto& p : result->packages) {
    for (const auto& d : p.dependencies) {
      if (!satisfied(d.requirement)) std::abort();
    }
  }
  return 0;
}
