#include "wheelbuild/wheel_builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "fetch/fetcher.h"
#include "http/curl_client.h"
#include "install/wheel_install.h"
#include "locking/locker.h"
#include "spec/name.h"
#include "spec/wheel_filename.h"
#include "wheelbuild/build_system.h"
#include "wheelbuild/process.h"

namespace sparkenv::wheelbuild {
namespace {

namespace fs = std::filesystem;

// The hook driver, run as `python -I -S driver.py request.json` in the
// source tree. Python 3.7+.
constexpr const char* kDriver = R"PY("""sparkenv's PEP 517 hook driver (generated)."""
import importlib, json, os, site, sys, traceback


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    for d in req["site_dirs"]:
        site.addsitedir(d)
    sys.path[:0] = req["backend_path"]
    module_name, _, obj = req["backend"].partition(":")
    try:
        backend = importlib.import_module(module_name)
        for attr in filter(None, obj.split(".")):
            backend = getattr(backend, attr)
    except Exception:
        traceback.print_exc()
        return 10
    if req["backend_path"]:
        origin = os.path.abspath(getattr(sys.modules[module_name], "__file__", None) or "")
        if not any(origin.startswith(os.path.join(p, "")) for p in req["backend_path"]):
            print("the backend %s was imported from %s, not from its backend-path %s"
                  % (module_name, origin, req["backend_path"]), file=sys.stderr)
            return 11
    hook = req["hook"]
    if hook == "get_requires_for_build_wheel":
        fn = getattr(backend, hook, None)
        result = list(fn(None)) if fn is not None else []
    else:
        result = backend.build_wheel(req["wheel_directory"], None, None)
    with open(req["output"], "w") as f:
        json.dump({"result": result}, f)
    return 0


sys.exit(main())
)PY";

constexpr int kExitImport = 10;
constexpr int kExitBackendPath = 11;
constexpr size_t kLogLines = 25;

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return Error("cannot write " + Quote(path), ErrorKind::kIo);
  return Status::Ok();
}

std::optional<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string RequirementList(const std::vector<spec::Requirement>& reqs) {
  std::vector<std::string> parts;
  parts.reserve(reqs.size());
  for (const auto& r : reqs) parts.push_back(Quote(r.ToString()));
  return "[" + Join(parts, ", ") + "]";
}

// One provisioned build environment.
struct Environment {
  std::vector<std::string> site_dirs;
  std::vector<std::string> bin_dirs;
  std::vector<std::string> installed;  // name==version
};

class BuildRun {
 public:
  BuildRun(const Interpreter& python, const WheelBuilderOptions& options,
           const BuildRequest& request)
      : python_(python), options_(options), request_(request) {}

  Result<BuiltWheel> Run();

 private:
  Error Fail(const std::string& why, ErrorKind kind = ErrorKind::kInvalidInput) const {
    return Error("cannot build a wheel from " + request_.what + ": " + why, kind);
  }
  Result<Environment> Provision(const std::vector<spec::Requirement>& reqs, int n);
  Result<nlohmann::json> RunHook(const std::string& hook, const Environment& env);

  const Interpreter& python_;
  const WheelBuilderOptions& options_;
  const BuildRequest& request_;
  BuildSystem system_;
  std::string source_;  // absolute
};

Result<Environment> BuildRun::Provision(const std::vector<spec::Requirement>& reqs, int n) {
  Environment env;
  if (reqs.empty()) return env;
  const std::string what = "its build requirements " + RequirementList(reqs);
  if (options_.index.index_urls.empty() && options_.index.find_links.empty()) {
    return Fail(what +
                " cannot be resolved: there is no index or find-links to take them from "
                "(the lock names none); give --index-url or --find-links");
  }
  locking::LockInputs inputs;
  inputs.requirements = reqs;
  inputs.index = options_.index;
  inputs.options.no_build_all = true;  // wheels only: no recursive builds
  inputs.resolution = "highest";
  locking::NetworkOptions network;
  network.cache_dir = options_.cache_dir;
  network.offline = options_.offline;
  auto locked = locking::Lock(inputs, python_.target, network);
  if (!locked.ok()) {
    return Fail(what + " cannot be resolved for the build interpreter " + python_.Describe() +
                    ": " + locked.error().message(),
                locked.error().kind() == ErrorKind::kInvalidInput ? ErrorKind::kInvalidInput
                                                                  : locked.error().kind());
  }
  std::vector<fetch::FetchItem> items;
  std::vector<const lock::Package*> packages;
  for (const lock::Package& p : locked->lock.packages) {
    if (p.wheels.empty()) {
      return Fail("build requirement " + Quote(p.name) +
                  " has no wheel for the build interpreter " + python_.Describe() +
                  " (sparkenv does not build build requirements from source)");
    }
    const lock::FileEntry& f = p.wheels.front();
    fetch::FetchItem item;
    item.url = f.url;
    item.sha256 = f.hashes.at("sha256");
    if (f.size) item.size = static_cast<uint64_t>(*f.size);
    item.name = f.FileName();
    items.push_back(std::move(item));
    packages.push_back(&p);
  }
  auto curl = http::CurlClient::Create();
  if (!curl.ok()) return curl.error();
  fetch::FetchOptions fo;
  fo.progress = options_.progress;
  fetch::Fetcher fetcher(**curl, fetch::BlobCache(options_.cache_dir), fo);
  auto paths = fetcher.Fetch(items);
  if (!paths.ok())
    return Fail("cannot fetch " + what + ": " + paths.error().message(), paths.error().kind());

  const std::string root = request_.work_dir + "/env-" + std::to_string(n);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error("cannot create " + Quote(root) + ": " + ec.message(), ErrorKind::kIo);
  install::InstallOptions io;
  io.python_version = python_.target.markers().at("python_version");
  for (size_t i = 0; i < packages.size(); ++i) {
    const lock::Package& p = *packages[i];
    auto name = spec::PackageName::Parse(p.name);
    if (!name.ok()) return name.error();
    const std::string dir = root + "/" + p.name;
    // The blob's path has no file name: the wheel's comes from the lock.
    int fd = open((*paths)[i].c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Error("cannot read " + Quote((*paths)[i]) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
    auto report =
        install::InstallWheelFd(fd, p.wheels.front().FileName(), *name, *p.version, io, dir);
    if (!report.ok()) {
      return Fail("cannot install build requirement " + Quote(p.name) + ": " +
                  report.error().message());
    }
    env.site_dirs.push_back(dir + "/site-packages");
    if (fs::is_directory(dir + "/bin", ec)) env.bin_dirs.push_back(dir + "/bin");
    env.installed.push_back(p.name + "==" + p.version->ToString());
  }
  std::sort(env.installed.begin(), env.installed.end());
  return env;
}

Result<nlohmann::json> BuildRun::RunHook(const std::string& hook, const Environment& env) {
  const std::string output = request_.work_dir + "/" + hook + ".json";
  std::vector<std::string> backend_path;
  for (const std::string& p : system_.backend_path) {
    backend_path.push_back(p == "." ? source_ : source_ + "/" + p);
  }
  nlohmann::json req = {{"hook", hook},
                        {"backend", system_.backend},
                        {"backend_path", backend_path},
                        {"site_dirs", env.site_dirs},
                        {"wheel_directory", request_.work_dir + "/wheel"},
                        {"output", output}};
  const std::string request_path = request_.work_dir + "/" + hook + ".request.json";
  if (Status s = WriteText(request_path, req.dump()); !s.ok()) return s.error();

  std::vector<std::string> envp = CurrentEnvironment();
  std::erase_if(envp, [](const std::string& e) { return StartsWith(e, "PYTHON"); });
  std::string path = Join(env.bin_dirs, ":");
  const std::string old_path = EnvValue(envp, "PATH");
  if (!old_path.empty()) path += (path.empty() ? "" : ":") + old_path;
  SetEnv(envp, "PATH", path.c_str());
  bool has_epoch = false;
  EnvValue(envp, "SOURCE_DATE_EPOCH", &has_epoch);
  if (!has_epoch) SetEnv(envp, "SOURCE_DATE_EPOCH", "315532800");

  ProcessSpec spec;
  spec.argv = {python_.path, "-I", "-S", request_.work_dir + "/sparkenv_pep517.py", request_path};
  spec.env = std::move(envp);
  spec.cwd = source_;
  spec.log_path = request_.work_dir + "/" + hook + ".log";
  auto run = RunProcess(spec);
  if (!run.ok()) return run.error();
  const std::string log = ReadText(spec.log_path).value_or("");
  const std::string tail = TailLines(log, kLogLines, "  ");
  const std::string backend = Quote(system_.backend);
  if (run->exit_code == kExitImport && !run->signaled) {
    return Fail(
        "the build backend " + backend + " cannot be imported" +
            (env.installed.empty() ? std::string(" (no build requirements)")
                                   : " (build requirements: " + Join(env.installed, ", ") + ")") +
            ":\n" + tail,
        ErrorKind::kIo);
  }
  if (run->exit_code == kExitBackendPath && !run->signaled) {
    return Fail(
        "the build backend " + backend + " does not come from its backend-path (PEP 517):\n" + tail,
        ErrorKind::kIo);
  }
  if (run->exit_code != 0) {
    return Fail("the build backend " + backend + " failed in " + hook + " (" +
                    (run->signaled ? "killed by signal " + std::to_string(run->exit_code - 128)
                                   : "exit code " + std::to_string(run->exit_code)) +
                    ")" + (tail.empty() ? std::string() : "; its last output:\n" + tail),
                ErrorKind::kIo);
  }
  auto text = ReadText(output);
  nlohmann::json j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (j.is_discarded() || !j.is_object() || !j.contains("result")) {
    return Fail("the build backend " + backend + " returned no answer from " + hook,
                ErrorKind::kIo);
  }
  return j["result"];
}

Result<BuiltWheel> BuildRun::Run() {
  std::error_code ec;
  source_ = fs::absolute(request_.source_dir, ec).lexically_normal().string();
  if (!source_.empty() && source_.back() == '/') source_.pop_back();
  if (ec || !fs::is_directory(source_, ec)) {
    return Fail("the source folder " + Quote(request_.source_dir) + " does not exist");
  }
  const std::string pyproject = source_ + "/pyproject.toml";
  std::optional<std::string> text;
  if (fs::exists(pyproject, ec)) {
    text = ReadText(pyproject);
    if (!text) return Error("cannot read " + Quote(pyproject), ErrorKind::kIo);
  } else if (!fs::exists(source_ + "/setup.py", ec)) {
    return Fail("it has neither pyproject.toml nor setup.py");
  }
  auto system = ReadBuildSystem(text, request_.what + ": pyproject.toml");
  if (!system.ok()) return Fail(system.error().message());
  system_ = std::move(system).value();
  for (const std::string& p : system_.backend_path) {
    const std::string full = p == "." ? source_ : source_ + "/" + p;
    auto real = fs::weakly_canonical(full, ec);
    auto real_source = fs::weakly_canonical(source_, ec);
    auto rel = real.lexically_relative(real_source);
    if (ec || rel.empty() || *rel.begin() == "..") {
      return Fail("build-system.backend-path " + Quote(p) + " leads outside the source tree");
    }
  }
  fs::create_directories(request_.work_dir + "/wheel", ec);
  if (ec) {
    return Error("cannot create " + Quote(request_.work_dir) + ": " + ec.message(), ErrorKind::kIo);
  }
  if (Status s = WriteText(request_.work_dir + "/sparkenv_pep517.py", kDriver); !s.ok()) {
    return s.error();
  }

  auto env = Provision(system_.requirements, 1);
  if (!env.ok()) return env.error();
  auto extra = RunHook("get_requires_for_build_wheel", *env);
  if (!extra.ok()) return extra.error();
  if (!extra->is_array()) {
    return Fail("the build backend " + Quote(system_.backend) +
                " answered get_requires_for_build_wheel with something other than a list");
  }
  std::vector<spec::Requirement> more;
  std::set<std::string> have;
  for (const auto& r : system_.requirements) have.insert(r.ToString());
  for (const auto& item : *extra) {
    if (!item.is_string()) {
      return Fail("the build backend " + Quote(system_.backend) +
                  " asked for a build requirement that is not a string: " + item.dump());
    }
    auto r = spec::Requirement::Parse(item.get<std::string>());
    if (!r.ok()) {
      return Fail("the build backend " + Quote(system_.backend) +
                  " asked for an invalid build requirement: " + r.error().message());
    }
    if (have.insert(r->ToString()).second) more.push_back(*r);
  }
  if (!more.empty()) {
    std::vector<spec::Requirement> all = system_.requirements;
    all.insert(all.end(), more.begin(), more.end());
    env = Provision(all, 2);
    if (!env.ok()) return env.error();
  }
  auto name = RunHook("build_wheel", *env);
  if (!name.ok()) return name.error();
  if (!name->is_string()) {
    return Fail("the build backend " + Quote(system_.backend) +
                " answered build_wheel with something other than a file name");
  }
  const std::string filename = name->get<std::string>();
  const std::string path = request_.work_dir + "/wheel/" + filename;
  if (filename.find('/') != std::string::npos || !fs::is_regular_file(path, ec)) {
    return Fail("the build backend " + Quote(system_.backend) + " named the wheel " +
                Quote(filename) + ", which it did not write");
  }
  auto parsed = spec::WheelFilename::Parse(filename);
  if (!parsed.ok()) {
    return Fail("the build backend " + Quote(system_.backend) + " wrote " + Quote(filename) +
                ", not a valid wheel file name: " + parsed.error().message());
  }
  BuiltWheel out;
  out.path = path;
  out.filename = filename;
  out.backend = system_.backend;
  out.build_requirements = env->installed;
  return out;
}

}  // namespace

Result<BuiltWheel> WheelBuilder::Build(const BuildRequest& request) {
  BuildRun build(python_, options_, request);
  return build.Run();
}

}  // namespace sparkenv::wheelbuild
