#include "spark/probe.h"

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "base/strings.h"

namespace sparkenv::spark {

namespace {

using json = nlohmann::json;

std::string Str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<InterpreterFacts> ReadFacts(const json& o, const std::string& where) {
  if (!o.is_object()) return Error("the probe's " + where + " is not an object", ErrorKind::kIo);
  InterpreterFacts f;
  f.implementation_name = Str(o, "implementation_name");
  f.python_full_version = Str(o, "python_full_version");
  f.python_version = Str(o, "python_version");
  f.sys_platform = Str(o, "sys_platform");
  f.platform_machine = Str(o, "platform_machine");
  f.platform_system = Str(o, "platform_system");
  f.os_name = Str(o, "os_name");
  f.platform_python_implementation = Str(o, "platform_python_implementation");
  f.implementation_version = Str(o, "implementation_version");
  f.abiflags = Str(o, "abiflags");
  f.executable = Str(o, "executable");
  f.host = Str(o, "host");
  f.executor_id = Str(o, "executor_id");
  if (auto it = o.find("free_threaded"); it != o.end() && it->is_boolean()) f.free_threaded = *it;
  if (auto it = o.find("libc"); it != o.end() && it->is_array() && it->size() == 2 &&
                                (*it)[0].is_string() && (*it)[1].is_array() &&
                                (*it)[1].size() == 2 && (*it)[1][0].is_number_integer() &&
                                (*it)[1][1].is_number_integer()) {
    f.libc = (*it)[0].get<std::string>();
    f.libc_major = (*it)[1][0].get<int>();
    f.libc_minor = (*it)[1][1].get<int>();
  }
  if (f.implementation_name.empty() || f.python_full_version.empty() || f.sys_platform.empty() ||
      f.platform_machine.empty()) {
    return Error("the probe's " + where + " lacks the interpreter's facts", ErrorKind::kIo);
  }
  return f;
}

std::string ImplementationName(const std::string& name) {
  if (name == "cpython") return "CPython";
  if (name == "pypy") return "PyPy";
  return name;
}

}  // namespace

std::string InterpreterFacts::Key() const {
  return implementation_name + " " + python_full_version + " " + abiflags +
         (free_threaded ? " t" : "") + " " + sys_platform + " " + platform_machine + " " + libc +
         " " + std::to_string(libc_major) + "." + std::to_string(libc_minor);
}

std::string InterpreterFacts::Describe() const {
  std::string out = ImplementationName(implementation_name) + " " + python_full_version + " on " +
                    sys_platform + " " + platform_machine;
  if (free_threaded) out += " (free-threaded)";
  if (libc.empty()) return out + " (C library unknown)";
  return out + " with " + libc + " " + std::to_string(libc_major) + "." +
         std::to_string(libc_minor);
}

Result<ProbeResult> ParseProbeOutput(std::string_view output) {
  std::string line;
  for (const std::string& l : Split(output, '\n')) {
    if (StartsWith(l, kProbeMarker)) line = l;
  }
  if (line.empty()) {
    return Error("the probe application printed no result (no line starting with '" +
                     std::string(TrimAscii(kProbeMarker)) + "')",
                 ErrorKind::kIo);
  }
  json j = json::parse(line.substr(std::string_view(kProbeMarker).size()), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error("the probe application's result is not valid JSON", ErrorKind::kIo);
  }
  ProbeResult out;
  out.master = Str(j, "master");
  out.spark_version = Str(j, "spark_version");
  auto driver = ReadFacts(j.value("driver", json()), "driver");
  if (!driver.ok()) return driver.error();
  out.driver = std::move(driver).value();
  auto tasks = j.find("tasks");
  if (tasks == j.end() || !tasks->is_array() || tasks->empty()) {
    return Error("the probe application reports no task", ErrorKind::kIo);
  }
  for (size_t i = 0; i < tasks->size(); ++i) {
    auto facts = ReadFacts((*tasks)[i], "task " + std::to_string(i));
    if (!facts.ok()) return facts.error();
    out.tasks.push_back(std::move(facts).value());
  }
  return out;
}

Result<ProbedTarget> TargetFromProbe(const ProbeResult& probe) {
  // Group the tasks by interpreter: one group is one target.
  struct Group {
    InterpreterFacts facts;
    std::set<std::string> executors;
    std::set<std::string> hosts;
    std::set<std::string> executables;
  };
  std::map<std::string, Group> groups;
  for (const InterpreterFacts& t : probe.tasks) {
    Group& g = groups[t.Key()];
    g.facts = t;
    g.executors.insert(t.executor_id.empty() ? "driver" : t.executor_id);
    g.hosts.insert(t.host);
    g.executables.insert(t.executable);
  }
  auto where = [](const Group& g) {
    std::vector<std::string> ex(g.executors.begin(), g.executors.end());
    std::vector<std::string> hosts(g.hosts.begin(), g.hosts.end());
    std::vector<std::string> exe(g.executables.begin(), g.executables.end());
    return std::string(ex.size() == 1 ? "executor " : "executors ") + Join(ex, ", ") + " on " +
           Join(hosts, ", ") + " (" + Join(exe, ", ") + ")";
  };
  if (groups.size() > 1) {
    std::string text = "the executors run " + std::to_string(groups.size()) +
                       " different Python interpreters, and a target describes one:";
    for (const auto& [key, g] : groups) text += "\n  " + g.facts.Describe() + ": " + where(g);
    text +=
        "\nRun every executor with the same Python (spark.pyspark.python), or probe and lock "
        "for each group separately.";
    return Error(text, ErrorKind::kUnsatisfiable);
  }
  const Group& g = groups.begin()->second;
  const InterpreterFacts& f = g.facts;
  if (f.implementation_name != "cpython") {
    return Error("the executors run " + f.Describe() +
                     ": sparkenv declares CPython targets only; write a target file with 'pex3 "
                     "interpreter inspect --markers --tags' on a node and pass it as --target",
                 ErrorKind::kInvalidInput);
  }
  std::smatch m;
  const std::regex version(R"(^(\d+)\.(\d+)\.(\d+))");
  if (!std::regex_search(f.python_full_version, m, version)) {
    return Error("the executors' Python version " + Quote(f.python_full_version) + " is not X.Y.Z",
                 ErrorKind::kIo);
  }
  ProbedTarget out{spec::TargetOptions(), spec::Target({}, {}), ""};
  out.declared.python = m.str(0);
  if (f.libc == "glibc") {
    out.declared.platforms = {"manylinux_" + std::to_string(f.libc_major) + "_" +
                              std::to_string(f.libc_minor) + "_" + f.platform_machine};
  } else if (f.libc == "musl") {
    out.declared.platforms = {"musllinux_" + std::to_string(f.libc_major) + "_" +
                              std::to_string(f.libc_minor) + "_" + f.platform_machine};
  } else if (f.libc == "macos") {
    out.declared.platforms = {"macosx_" + std::to_string(f.libc_major) + "_" +
                              std::to_string(f.libc_minor) + "_" + f.platform_machine};
  } else {
    return Error("the executors run " + f.Describe() +
                     ": without a known C library (glibc, musl) or macOS version no platform "
                     "tag describes them; write a target file instead",
                 ErrorKind::kInvalidInput);
  }
  const std::string xy = "cp" + m.str(1) + m.str(2);
  if (f.free_threaded) {
    out.declared.abi = xy + "t";
  } else if (f.abiflags.find('d') != std::string::npos) {
    out.declared.abi = xy + "d";
  }
  auto target = spec::Target::Declare(out.declared);
  if (!target.ok()) return target.error().Wrap("the probed interpreter " + f.Describe());
  // The declared target must say what the interpreter said about itself.
  const std::pair<const char*, const std::string*> checks[] = {
      {"implementation_name", &f.implementation_name},
      {"python_version", &f.python_version},
      {"sys_platform", &f.sys_platform},
      {"platform_machine", &f.platform_machine},
      {"platform_system", &f.platform_system},
      {"os_name", &f.os_name},
      {"platform_python_implementation", &f.platform_python_implementation},
  };
  for (const auto& [key, probed] : checks) {
    auto it = target->markers().find(key);
    if (it == target->markers().end() || it->second != *probed) {
      return Error("the probed interpreter's " + std::string(key) + " " + Quote(*probed) +
                       " differs from the declared target's " +
                       Quote(it == target->markers().end() ? "" : it->second),
                   ErrorKind::kInternal);
    }
  }
  out.target = std::move(target).value();
  std::string args = "--python " + out.declared.python + " --platform " + out.declared.platforms[0];
  if (!out.declared.abi.empty()) args += " --abi " + out.declared.abi;
  out.report = "Probed " + std::to_string(probe.tasks.size()) + " tasks: " + f.Describe() + " on " +
               where(g) + ".\nThe driver: " + probe.driver.Describe() + " on " + probe.driver.host +
               " (" + probe.driver.executable + ")" +
               (probe.driver.Key() == f.Key() ? "" : " -- not the executors' interpreter") +
               ".\nTarget: " + args + " (" + std::to_string(out.target.tags().size()) + " tags)";
  return out;
}

}  // namespace sparkenv::spark
