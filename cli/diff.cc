// sparkenv diff: what changes between two environments.
#include "store/diff.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "store/layout.h"
#include "store/store.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kDiffFooter = R"(Examples:
  sparkenv diff hdfs:///user/alice/envs/myapp:prod hdfs:///user/alice/envs/myapp:staging
  sparkenv diff s3://bucket/envs/myapp:v41 build/myenv --json

Lines start with + (added in ENV_B), - (removed) or ~ (another version, or the
same version in another layer). Exits 0 whether or not they differ. See
docs/store.md.)";

struct DiffArgs {
  std::string a;
  std::string b;
  bool json = false;
  StoreOptions store;
};

nlohmann::json LayerJson(const env::Layer& l) {
  return {{"version", l.version}, {"sha256", l.sha256}, {"size", l.size}};
}

nlohmann::json DiffJson(const store::ResolvedEnv& a, const store::ResolvedEnv& b,
                        const store::EnvDiff& d) {
  nlohmann::json added = nlohmann::json::array();
  nlohmann::json removed = nlohmann::json::array();
  nlohmann::json changed = nlohmann::json::array();
  for (const auto& c : d.added) {
    nlohmann::json j = LayerJson(*c.to);
    j["package"] = c.package;
    added.push_back(j);
  }
  for (const auto& c : d.removed) {
    nlohmann::json j = LayerJson(*c.from);
    j["package"] = c.package;
    removed.push_back(j);
  }
  for (const auto& c : d.changed) {
    changed.push_back(
        {{"package", c.package}, {"from", LayerJson(*c.from)}, {"to", LayerJson(*c.to)}});
  }
  nlohmann::json target = nlohmann::json::array();
  for (const auto& t : d.target) target.push_back({{"key", t.key}, {"from", t.from}, {"to", t.to}});
  return {{"a", {{"reference", a.ref.ToString()}, {"env_id", a.manifest.env_id}}},
          {"b", {{"reference", b.ref.ToString()}, {"env_id", b.manifest.env_id}}},
          {"added", added},
          {"removed", removed},
          {"changed", changed},
          {"unchanged", d.unchanged},
          {"target", target},
          {"target_tags_differ", d.tags_differ},
          {"new_bytes", d.new_bytes},
          {"same", d.Same()}};
}

}  // namespace

std::function<int()> SetupDiff(CLI::App* app) {
  auto args = std::make_shared<DiffArgs>();
  app->add_option("env_a", args->a,
                  "The first environment (STORE/NAME[:TAG], STORE@ENVID or a folder)")
      ->required();
  app->add_option("env_b", args->b, "The second environment")->required();
  app->add_flag("--json", args->json, "Print the differences as JSON");
  AddStoreOptions(app, &args->store, /*transfers=*/false);
  app->footer(kDiffFooter);
  return [args] {
    std::vector<store::ResolvedEnv> envs;
    for (const std::string& text : {args->a, args->b}) {
      auto ref = store::ParseEnvRef(text);
      if (!ref.ok()) return ReportError(ref.error());
      auto resolved = store::ResolveEnv(*ref, args->store.ToOpenOptions());
      if (!resolved.ok()) return ReportError(resolved.error());
      envs.push_back(std::move(resolved).value());
    }
    const store::ResolvedEnv& a = envs[0];
    const store::ResolvedEnv& b = envs[1];
    const store::EnvDiff d = store::Diff(a.manifest, b.manifest);
    if (args->json) {
      std::cout << DiffJson(a, b, d).dump(2) << "\n";
      return kExitOk;
    }
    std::cout << "--- " << a.ref.ToString() << " (" << a.manifest.env_id.substr(0, 12) << ")\n";
    std::cout << "+++ " << b.ref.ToString() << " (" << b.manifest.env_id.substr(0, 12) << ")\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : d.added) {
      rows.push_back(
          {"+", c.package, store::Printable(c.to->version), "(" + Bytes(c.to->size) + ")"});
    }
    for (const auto& c : d.removed) {
      rows.push_back({"-", c.package, store::Printable(c.from->version)});
    }
    for (const auto& c : d.changed) {
      if (c.from->version != c.to->version) {
        rows.push_back(
            {"~", c.package,
             store::Printable(c.from->version) + " -> " + store::Printable(c.to->version)});
      } else {
        rows.push_back({"~", c.package, store::Printable(c.to->version),
                        "(rebuilt: layer " + c.from->sha256.substr(0, 12) + " -> " +
                            c.to->sha256.substr(0, 12) + ")"});
      }
    }
    std::cout << Table(rows);
    for (const auto& t : d.target) {
      std::cout << "target " << store::Printable(t.key) << ": "
                << (t.from.empty() ? "(none)" : store::Printable(t.from)) << " -> "
                << (t.to.empty() ? "(none)" : store::Printable(t.to)) << "\n";
    }
    if (d.tags_differ) std::cout << "target: the compatibility tags differ\n";
    if (d.Same()) {
      std::cout << "No differences (" << Count(d.unchanged, "package", "packages") << ")\n";
    } else {
      std::cout << d.added.size() << " added, " << d.removed.size() << " removed, "
                << d.changed.size() << " changed, " << d.unchanged << " unchanged; "
                << Bytes(d.new_bytes) << " of layers not in " << a.manifest.env_id.substr(0, 12)
                << "\n";
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
