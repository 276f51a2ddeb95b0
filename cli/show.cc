// sparkenv show: one environment's target, packages and sizes.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "store/layout.h"
#include "store/store.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kShowFooter = R"(Examples:
  sparkenv show hdfs:///user/alice/envs/myapp:prod
  sparkenv show s3://bucket/envs@3f2a9c1b --json
  sparkenv show build/myenv

ENV is STORE/NAME[:TAG] (TAG defaults to latest), STORE@ENVID (a unique
prefix of 8 or more hex digits is enough) or a folder written by
'sparkenv build'. See docs/store.md.)";

struct ShowArgs {
  std::string env;
  bool json = false;
  StoreOptions store;
};

std::string MarkerOf(const env::Manifest& m, const char* key) {
  auto it = m.target_markers.find(key);
  return it == m.target_markers.end() ? std::string() : store::Printable(it->second);
}

// "CPython 3.11.9 on linux x86_64".
std::string TargetLine(const env::Manifest& m) {
  std::string impl = MarkerOf(m, "implementation_name");
  if (impl == "cpython") impl = "CPython";
  if (impl == "pypy") impl = "PyPy";
  std::string python = MarkerOf(m, "python_full_version");
  if (python.empty()) python = MarkerOf(m, "python_version");
  std::string line = impl.empty() ? "Python" : impl;
  if (!python.empty()) line += " " + python;
  const std::string platform = MarkerOf(m, "sys_platform");
  const std::string machine = MarkerOf(m, "platform_machine");
  if (!platform.empty() || !machine.empty()) {
    line += " on " + platform + (platform.empty() || machine.empty() ? "" : " ") + machine;
  }
  return line;
}

nlohmann::json ShowJson(const store::ResolvedEnv& r) {
  const env::Manifest& m = r.manifest;
  nlohmann::json layers = nlohmann::json::array();
  uint64_t installed = 0;
  uint64_t files = 0;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const env::Layer& l = m.layers[i];
    installed += l.installed_bytes;
    files += l.files;
    layers.push_back({{"package", l.package},
                      {"version", l.version},
                      {"sha256", l.sha256},
                      {"size", l.size},
                      {"installed_bytes", l.installed_bytes},
                      {"files", l.files},
                      {"wheel", l.wheel},
                      {"wheel_sha256", l.wheel_sha256},
                      {"url", r.layer_urls[i]}});
  }
  return {{"reference", r.ref.ToString()},
          {"env_id", m.env_id},
          {"format", m.format},
          {"created_by", m.created_by},
          {"lock_sha256", m.lock_sha256},
          {"target", {{"markers", m.target_markers}, {"tags_sha256", m.target_tags_sha256}}},
          {"size", m.TotalSize()},
          {"installed_bytes", installed},
          {"files", files},
          {"layers", layers}};
}

}  // namespace

std::function<int()> SetupShow(CLI::App* app) {
  auto args = std::make_shared<ShowArgs>();
  app->add_option("env", args->env, "STORE/NAME[:TAG], STORE@ENVID or an environment folder")
      ->required();
  app->add_flag("--json", args->json, "Print the environment as JSON");
  AddStoreOptions(app, &args->store, /*transfers=*/false);
  app->footer(kShowFooter);
  return [args] {
    auto ref = store::ParseEnvRef(args->env);
    if (!ref.ok()) return ReportError(ref.error());
    auto resolved = store::ResolveEnv(*ref, args->store.ToOpenOptions());
    if (!resolved.ok()) return ReportError(resolved.error());
    if (args->json) {
      std::cout << ShowJson(*resolved).dump(2) << "\n";
      return kExitOk;
    }
    const env::Manifest& m = resolved->manifest;
    uint64_t installed = 0;
    uint64_t files = 0;
    for (const env::Layer& l : m.layers) {
      installed += l.installed_bytes;
      files += l.files;
    }
    std::vector<std::vector<std::string>> head = {
        {"Environment", m.env_id},
        {"Reference", resolved->ref.ToString()},
        {"Target", TargetLine(m) + " (tags " + m.target_tags_sha256.substr(0, 12) + ")"},
        {"Lock", "sha256 " + m.lock_sha256},
        {"Created by", store::Printable(m.created_by)},
        {"Size", Bytes(m.TotalSize()) + " in " + Count(m.layers.size(), "layer", "layers") + "; " +
                     Bytes(installed) + " installed, " + Count(files, "file", "files")},
    };
    std::cout << Table(head) << "\n";
    std::vector<std::vector<std::string>> rows = {
        {"PACKAGE", "VERSION", "SIZE", "INSTALLED", "LAYER"}};
    for (const env::Layer& l : m.layers) {
      rows.push_back({l.package, store::Printable(l.version), Bytes(l.size),
                      Bytes(l.installed_bytes), l.sha256.substr(0, 12)});
    }
    std::cout << Table(rows);
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
