#include "env/lock_target.h"

#include <algorithm>
#include <vector>

#include "base/strings.h"
#include "index/sha256.h"
#include "spec/platform.h"
#include "spec/tags.h"

namespace sparkenv::env {
namespace {

std::string Get(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

std::vector<std::string> CandidatePlatforms(const std::string& sys_platform,
                                            const std::string& machine) {
  std::vector<std::string> out;
  if (sys_platform == "linux") {
    for (int minor = 5; minor <= 60; ++minor) {
      out.push_back("manylinux_2_" + std::to_string(minor) + "_" + machine);
    }
    for (int minor = 0; minor <= 9; ++minor) {
      out.push_back("musllinux_1_" + std::to_string(minor) + "_" + machine);
    }
    out.push_back("linux_" + machine);
  } else if (sys_platform == "darwin") {
    for (int minor = 4; minor <= 15; ++minor) {
      out.push_back("macosx_10_" + std::to_string(minor) + "_" + machine);
    }
    for (int major = 11; major <= 30; ++major) {
      out.push_back("macosx_" + std::to_string(major) + "_0_" + machine);
    }
  }
  return out;
}

}  // namespace

std::string TagsSha256(const spec::Target& target) {
  std::string joined;
  for (const spec::Tag& t : target.tags()) {
    if (!joined.empty()) joined += '\n';
    joined += t.ToString();
  }
  return index::Sha256Hex(joined);
}

std::optional<spec::Target> RecoverTarget(const lock::SparkenvTool& tool) {
  const auto& m = tool.target_markers;
  if (Get(m, "implementation_name") != "cpython") return std::nullopt;
  const std::string python = Get(m, "python_version");
  std::string xy = python;
  std::erase(xy, '.');
  if (xy.empty()) return std::nullopt;
  const std::string full = Get(m, "python_full_version");
  for (const char* abi_suffix : {"", "m", "d", "t", "dm", "td"}) {
    for (const std::string& platform :
         CandidatePlatforms(Get(m, "sys_platform"), Get(m, "platform_machine"))) {
      spec::TargetOptions options;
      options.python = full.empty() ? python : full;
      options.abi = "cp" + xy + abi_suffix;
      options.platforms = {platform};
      auto declared = spec::Target::Declare(options);
      if (!declared.ok()) continue;
      if (tool.target_tag_count != 0 &&
          static_cast<int64_t>(declared->tags().size()) != tool.target_tag_count) {
        continue;
      }
      if (TagsSha256(*declared) != tool.target_tags_sha256) continue;
      spec::MarkerEnvironment markers(m.begin(), m.end());
      return spec::Target(std::move(markers), declared->tags());
    }
  }
  return std::nullopt;
}

Status CheckGivenTarget(const spec::Target& given, const lock::SparkenvTool& tool) {
  for (const auto& [key, value] : tool.target_markers) {
    auto it = given.markers().find(key);
    const std::string have = it == given.markers().end() ? "(none)" : it->second;
    if (have != value) {
      return Error("the target given is not the lock's: " + key + " is " + Quote(have) +
                       ", the lock's is " + Quote(value),
                   ErrorKind::kInvalidInput);
    }
  }
  if (TagsSha256(given) != tool.target_tags_sha256) {
    return Error("the target given is not the lock's: its " + std::to_string(given.tags().size()) +
                     " tags are not the lock's " + std::to_string(tool.target_tag_count),
                 ErrorKind::kInvalidInput);
  }
  return Status::Ok();
}

std::string DescribeTarget(const spec::MarkerEnvironment& markers) {
  auto get = [&markers](const char* key) {
    auto it = markers.find(key);
    return it == markers.end() ? std::string() : it->second;
  };
  std::string impl = get("platform_python_implementation");
  if (impl.empty()) impl = get("implementation_name") == "cpython" ? "CPython" : "Python";
  return impl + " " + get("python_version") + " on " + get("sys_platform") + " " +
         get("platform_machine");
}

Result<bool> WheelFitsTarget(const spec::WheelFilename& wheel, const lock::SparkenvTool& tool,
                             const std::optional<spec::Target>& given) {
  if (given) return wheel.Rank(*given).has_value();
  bool pure = true;
  for (const spec::Tag& t : wheel.tags()) {
    if (t.abi() != "none" || t.platform() != "any") pure = false;
  }
  if (pure) {
    std::vector<std::string> v = Split(Get(tool.target_markers, "python_version"), '.');
    auto digits = [](const std::string& s) {
      return !s.empty() && s.size() < 4 && std::all_of(s.begin(), s.end(), IsAsciiDigit);
    };
    if (v.size() != 2 || !digits(v[0]) || !digits(v[1])) return false;
    int major = std::stoi(v[0]);
    int minor = std::stoi(v[1]);
    spec::RankedTags tags(spec::CompatibleTags(major, minor, "cp" + v[0] + v[1], {}));
    return wheel.Rank(tags).has_value();
  }
  auto recovered = RecoverTarget(tool);
  if (!recovered) {
    return Error("cannot tell whether " + Quote(wheel.ToString()) + " fits the lock's target " +
                     DescribeTarget(spec::MarkerEnvironment(tool.target_markers.begin(),
                                                            tool.target_markers.end())) +
                     ": the lock records only a hash of the target's tags, and they are not "
                     "those of a target declared with one --platform; give the target to "
                     "'sparkenv build' as to 'sparkenv lock' (--target FILE, or --python and "
                     "--platform)",
                 ErrorKind::kInvalidInput);
  }
  return wheel.Rank(*recovered).has_value();
}

}  // namespace sparkenv::env
