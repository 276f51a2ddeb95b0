#include "spec/target.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/strings.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;

// The PEP 508 marker variables; a target file must give every one.
constexpr std::string_view kMarkerNames[] = {"implementation_name",
                                             "implementation_version",
                                             "os_name",
                                             "platform_machine",
                                             "platform_python_implementation",
                                             "platform_release",
                                             "platform_system",
                                             "platform_version",
                                             "python_full_version",
                                             "python_version",
                                             "sys_platform"};

constexpr std::string_view kFileForms =
    "expected sparkenv's format {\"markers\": {...}, \"tags\": [...]} (as 'sparkenv target show "
    "--json' prints) or the output of 'pex3 interpreter inspect --markers --tags'";

struct PythonVersion {
  int major = 0;
  int minor = 0;
  std::optional<int> micro;
};

// "3.11" or "3.11.9": numbers of at most three digits.
Result<PythonVersion> ParsePythonVersion(std::string_view text) {
  auto invalid = [&] {
    return Error("invalid Python version " + Quote(text) +
                 ": expected MAJOR.MINOR or MAJOR.MINOR.MICRO, e.g. '3.11' or '3.11.9'");
  };
  std::vector<std::string> parts = Split(text, '.');
  if (parts.size() < 2 || parts.size() > 3) return invalid();
  std::vector<int> numbers;
  for (const std::string& part : parts) {
    if (part.empty() || part.size() > 3) return invalid();
    for (char c : part) {
      if (!IsAsciiDigit(c)) return invalid();
    }
    numbers.push_back(std::stoi(part));
  }
  PythonVersion v{numbers[0], numbers[1], std::nullopt};
  if (numbers.size() == 3) v.micro = numbers[2];
  if (v.major != 3 || v.minor < Target::kMinPythonMinor) {
    return Error("unsupported Python version " + Quote(text) + ": sparkenv targets CPython 3." +
                 std::to_string(Target::kMinPythonMinor) + " and later");
  }
  return v;
}

Status CheckImplementation(std::string_view text) {
  std::string name = ToLowerAscii(text);
  if (name.empty() || name == "cp" || name == "cpython") return Status::Ok();
  if (name == "pp" || name == "pypy" || name == "graalpy" || name == "gp") {
    return Error("implementation " + Quote(text) +
                 " is not supported yet: --implementation accepts only 'cp' (CPython); describe "
                 "other interpreters with --target FILE.json (e.g. the output of 'pex3 interpreter "
                 "inspect --markers --tags')");
  }
  return Error("unknown implementation " + Quote(text) + ": expected 'cp' (CPython)");
}

// The ABIs a CPython of this version may declare, and the abis list that
// packaging.tags._cpython_abis would produce for each.
Result<std::vector<std::string>> CpythonAbis(const PythonVersion& v, std::string_view text) {
  const std::string base = "cp" + std::to_string(v.major) + std::to_string(v.minor);
  std::vector<std::pair<std::string, std::vector<std::string>>> allowed;
  if (v.minor < 8) {
    // Before 3.8 the pymalloc flag 'm' was part of the ABI and on by default.
    allowed = {{base + "m", {base + "m"}},
               {base, {base}},
               {base + "dm", {base + "dm"}},
               {base + "d", {base + "d"}}};
  } else {
    // A debug build also loads normal extension modules.
    allowed = {{base, {base}}, {base + "d", {base + "d", base}}};
    if (v.minor >= 13) {
      allowed.push_back({base + "t", {base + "t"}});
      allowed.push_back({base + "td", {base + "td", base + "t"}});
    }
  }
  if (text.empty()) return allowed.front().second;
  std::string abi = ToLowerAscii(text);
  std::string names;
  for (const auto& [name, abis] : allowed) {
    if (name == abi) return abis;
    names += (names.empty() ? "" : ", ") + name;
  }
  return Error("invalid ABI " + Quote(text) + " for Python " + std::to_string(v.major) + "." +
               std::to_string(v.minor) + ": expected one of " + names);
}

std::string KindName(const Platform& p) {
  return p.kind() == PlatformKind::kMacos ? "macOS" : "Linux";
}

}  // namespace

Result<Target> Target::Declare(const TargetOptions& options) {
  if (auto st = CheckImplementation(options.implementation); !st) return st.error();
  if (options.python.empty()) {
    return Error(
        "--python is required to declare a target: give the cluster's Python version, "
        "e.g. --python 3.11");
  }
  auto version = ParsePythonVersion(options.python);
  if (!version) return version.error();
  if (options.platforms.empty()) {
    return Error(
        "--platform is required to declare a target: name the cluster's platform, "
        "e.g. --platform manylinux_2_28_x86_64");
  }
  auto abis = CpythonAbis(*version, options.abi);
  if (!abis) return abis.error();

  std::vector<Platform> platforms;
  for (const std::string& text : options.platforms) {
    auto platform = Platform::Parse(text);
    if (!platform) return platform.error();
    if (!platforms.empty()) {
      const Platform& first = platforms.front();
      bool same_os =
          (first.kind() == PlatformKind::kMacos) == (platform->kind() == PlatformKind::kMacos);
      if (!same_os || first.arch() != platform->arch()) {
        return Error("platform " + Quote(text) + " conflicts with " +
                     Quote(options.platforms.front()) +
                     ": every --platform must describe the same machine (" + KindName(first) + " " +
                     first.arch() + " vs " + KindName(*platform) + " " + platform->arch() + ")");
      }
    }
    platforms.push_back(std::move(*platform));
  }

  // Platform tags: each platform's expansion in the order given, then the
  // local linux_<arch> build last (docs/targets.md, "linux_* wheels").
  std::vector<std::string> platform_tags;
  auto add = [&](const std::string& tag) {
    for (const std::string& have : platform_tags) {
      if (have == tag) return;
    }
    platform_tags.push_back(tag);
  };
  for (const Platform& p : platforms) {
    for (const std::string& tag : p.Compatible()) add(tag);
  }
  if (std::string fallback = platforms.front().LinuxFallback(); !fallback.empty()) add(fallback);

  const PythonVersion& v = *version;
  const std::string interpreter = "cp" + std::to_string(v.major) + std::to_string(v.minor);
  std::vector<Tag> tags = CpythonTags(v.major, v.minor, *abis, platform_tags);
  std::vector<Tag> compatible = CompatibleTags(v.major, v.minor, interpreter, platform_tags);
  tags.insert(tags.end(), compatible.begin(), compatible.end());

  const std::string python_version = std::to_string(v.major) + "." + std::to_string(v.minor);
  const std::string full_version = python_version + "." + std::to_string(v.micro.value_or(0));
  const Platform& machine = platforms.front();
  MarkerEnvironment markers = {
      {"implementation_name", "cpython"},
      {"implementation_version", full_version},
      {"os_name", std::string(machine.os_name())},
      {"platform_machine", machine.arch()},
      {"platform_python_implementation", "CPython"},
      {"platform_release", ""},
      {"platform_system", std::string(machine.platform_system())},
      {"platform_version", ""},
      {"python_full_version", full_version},
      {"python_version", python_version},
      {"sys_platform", std::string(machine.sys_platform())},
  };
  return Target(std::move(markers), std::move(tags));
}

Result<Target> Target::FromJson(std::string_view text, std::string_view source) {
  const std::string where = "target file " + Quote(source);
  json root;
  try {
    std::istringstream in{std::string(text)};
    in >> root;
    in >> std::ws;
    if (in.peek() != std::char_traits<char>::eof()) {
      return Error(where +
                   " holds more than one JSON value: a target file describes one "
                   "interpreter ('pex3 interpreter inspect' prints one object per "
                   "interpreter)");
    }
  } catch (const json::exception& e) {
    std::string message = e.what();
    if (size_t pos = message.find("] "); pos != std::string::npos) message.erase(0, pos + 2);
    return Error(where + " is not valid JSON: " + message);
  }
  if (!root.is_object()) {
    return Error(where + " must hold a JSON object, not " + std::string(root.type_name()) + ": " +
                 std::string(kFileForms));
  }

  // sparkenv's own format, else pex3 interpreter inspect's.
  const bool pex = !root.contains("tags") && !root.contains("markers") &&
                   (root.contains("compatible_tags") || root.contains("marker_environment"));
  const std::string markers_key = pex ? "marker_environment" : "markers";
  const std::string tags_key = pex ? "compatible_tags" : "tags";

  auto tags_it = root.find(tags_key);
  if (tags_it == root.end() || !tags_it->is_array()) {
    return Error(where + (tags_it == root.end() ? " has no " : " has a non-list ") + "\"" +
                 tags_key + "\": " + std::string(kFileForms));
  }
  auto markers_it = root.find(markers_key);
  if (markers_it == root.end() || !markers_it->is_object()) {
    return Error(where + (markers_it == root.end() ? " has no " : " has a non-object ") + "\"" +
                 markers_key + "\": " + std::string(kFileForms));
  }

  MarkerEnvironment markers;
  for (const auto& [key, value] : markers_it->items()) {
    if (!value.is_string()) {
      return Error(where + ": \"" + markers_key + "\"." + key + " must be a string, not " +
                   std::string(value.type_name()));
    }
    markers.emplace(key, value.get<std::string>());
  }
  for (std::string_view name : kMarkerNames) {
    if (!markers.contains(name)) {
      return Error(where + ": \"" + markers_key + "\" has no " + Quote(name) +
                   ": every PEP 508 marker variable must be given (use \"\" when unknown)");
    }
  }

  if (tags_it->empty()) return Error(where + ": \"" + tags_key + "\" is empty");
  std::vector<Tag> tags;
  tags.reserve(tags_it->size());
  for (size_t i = 0; i < tags_it->size(); ++i) {
    const json& value = (*tags_it)[i];
    const std::string item = "\"" + tags_key + "\"[" + std::to_string(i) + "]";
    if (!value.is_string()) {
      return Error(where + ": " + item + " must be a string, not " +
                   std::string(value.type_name()));
    }
    auto tag = Tag::Parse(value.get<std::string>());
    if (!tag) return tag.error().Wrap(where + ": " + item);
    tags.push_back(std::move(*tag));
  }
  return Target(std::move(markers), std::move(tags));
}

Result<Target> Target::Load(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error("cannot read target file " + Quote(path) + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error("cannot read target file " + Quote(path) + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error("cannot read target file " + Quote(path) + ": read failed");
  return FromJson(text.str(), path);
}

Result<Target> Target::FromOptions(const TargetOptions& options) {
  if (options.target_file.empty()) return Declare(options);
  std::vector<std::string> extra;
  if (!options.python.empty()) extra.push_back("--python");
  if (!options.implementation.empty()) extra.push_back("--implementation");
  if (!options.platforms.empty()) extra.push_back("--platform");
  if (!options.abi.empty()) extra.push_back("--abi");
  if (!extra.empty()) {
    return Error("--target cannot be combined with " + Join(extra, ", ") + ": the target file " +
                 Quote(options.target_file) + " already describes the interpreter");
  }
  return Load(options.target_file);
}

std::string Target::ToJson(int indent) const {
  json root = json::object();
  json markers = json::object();
  for (const auto& [key, value] : markers_) markers[key] = value;
  json tags = json::array();
  for (const Tag& tag : tags_.tags()) tags.push_back(tag.ToString());
  root["markers"] = std::move(markers);
  root["tags"] = std::move(tags);
  return root.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace sparkenv::spec
