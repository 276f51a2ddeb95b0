#include "wheelbuild/interpreter.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "wheelbuild/process.h"

namespace sparkenv::wheelbuild {
namespace {

// Works on CPython 3.7+ with -I -S (no site, no user site).
constexpr const char* kProbe = R"PY(
import json, os, platform, sys
def fmt(v):
    s = "%d.%d.%d" % (v.major, v.minor, v.micro)
    if v.releaselevel != "final":
        s += v.releaselevel[0] + str(v.serial)
    return s
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": fmt(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
libc = ""
try:
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
except (AttributeError, OSError, ValueError):
    pass
print(json.dumps({"markers": markers, "executable": sys.executable, "libc": libc,
                  "mac": platform.mac_ver()[0] if sys.platform == "darwin" else "",
                  "abiflags": getattr(sys, "abiflags", "")}))
)PY";

std::string ArchOf(const std::string& machine) {
  std::string m = ToLowerAscii(machine);
  if (m == "amd64") return "x86_64";
  if (m == "arm64" || m == "aarch64") return m;
  return m;
}

// The platform tag that describes this machine, best effort.
std::string PlatformTag(const spec::MarkerEnvironment& markers, const std::string& libc,
                        const std::string& mac) {
  const std::string machine = ArchOf(
      markers.count("platform_machine") != 0 ? markers.at("platform_machine") : std::string());
  const std::string sys_platform =
      markers.count("sys_platform") != 0 ? markers.at("sys_platform") : std::string();
  if (sys_platform == "darwin") {
    std::vector<std::string> v = Split(mac, '.');
    std::string major = v.empty() || v[0].empty() ? "11" : v[0];
    std::string minor = major == "10" && v.size() > 1 ? v[1] : "0";
    return "macosx_" + major + "_" + minor + "_" + machine;
  }
  // "glibc 2.36"
  if (StartsWith(libc, "glibc ")) {
    std::vector<std::string> v = Split(libc.substr(6), '.');
    if (v.size() >= 2 && v[0] == "2") return "manylinux_2_" + v[1] + "_" + machine;
  }
  return "linux_" + machine;
}

}  // namespace

std::string Interpreter::Describe() const {
  auto get = [this](const char* key) {
    auto it = target.markers().find(key);
    return it == target.markers().end() ? std::string() : it->second;
  };
  std::string impl = get("platform_python_implementation");
  return (impl.empty() ? std::string("Python") : impl) + " " + get("python_full_version") + " on " +
         get("sys_platform") + " " + get("platform_machine");
}

Result<Interpreter> ProbeInterpreter(const std::string& python,
                                     const std::vector<std::string>& env) {
  const std::string path = FindProgram(python, env);
  if (path.empty()) {
    if (python.find('/') != std::string::npos) {
      return Error("build interpreter " + Quote(python) + " does not exist or is not executable",
                   ErrorKind::kInvalidInput);
    }
    return Error(
        "no Python to build with: " + Quote(python) + " is not on PATH; give --build-python PATH",
        ErrorKind::kInvalidInput);
  }
  ProcessSpec spec;
  spec.argv = {path, "-I", "-S", "-c", kProbe};
  spec.env = env;
  auto run = RunProcess(spec);
  if (!run.ok()) return run.error().Wrap("build interpreter " + Quote(path));
  auto fail = [&](const std::string& why) {
    return Error("build interpreter " + Quote(path) + " " + why, ErrorKind::kInvalidInput);
  };
  if (run->exit_code != 0) {
    return fail("failed to describe itself (exit code " + std::to_string(run->exit_code) + "):\n" +
                TailLines(run->output, 10, "  "));
  }
  if (TrimAscii(run->output).empty()) {
    return fail("printed no description of itself (is it a Python interpreter?)");
  }
  nlohmann::json j = nlohmann::json::parse(run->output, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("markers") || !j["markers"].is_object()) {
    return fail("printed something that is not its description:\n" +
                TailLines(run->output, 10, "  "));
  }
  spec::MarkerEnvironment markers;
  for (auto it = j["markers"].begin(); it != j["markers"].end(); ++it) {
    if (it->is_string()) markers[it.key()] = it->get<std::string>();
  }
  auto str = [&j](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  if (markers["implementation_name"] != "cpython") {
    return fail("is " + markers["implementation_name"] +
                ", not CPython: sparkenv builds with CPython only");
  }
  spec::TargetOptions options;
  options.python = markers["python_version"];
  std::string xy = options.python;
  std::erase(xy, '.');
  options.abi = "cp" + xy + str("abiflags");
  options.platforms = {PlatformTag(markers, str("libc"), str("mac"))};
  auto declared = spec::Target::Declare(options);
  if (!declared.ok()) {
    return fail("cannot be described as a target (" + Join(options.platforms, ", ") +
                "): " + declared.error().message());
  }
  Interpreter out{path, str("executable"), spec::Target(markers, declared->tags())};
  return out;
}

std::string MarkerMismatch(const spec::MarkerEnvironment& interpreter,
                           const spec::MarkerEnvironment& target) {
  for (const char* key :
       {"implementation_name", "python_version", "sys_platform", "platform_machine"}) {
    auto a = interpreter.find(key);
    auto b = target.find(key);
    std::string have = a == interpreter.end() ? "" : a->second;
    std::string want = b == target.end() ? "" : b->second;
    if (have != want) {
      return std::string(key) + " " + Quote(have) + " (the target's is " + Quote(want) + ")";
    }
  }
  return "";
}

}  // namespace sparkenv::wheelbuild
