// sparkenv rm: remove a tag, or an environment, from a store.
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "command.h"
#include "store/catalog.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kRmFooter = R"(Examples:
  sparkenv rm hdfs:///user/alice/envs/myapp:staging      # a tag
  sparkenv rm s3://bucket/envs@3f2a9c1b                  # an environment
  sparkenv rm s3://bucket/envs@3f2a9c1b --force          # ... and the tags naming it

Removing an environment is refused while a tag names it, unless --force
(which removes those tags first). Blobs are not removed: 'sparkenv gc' does
that once no manifest references them. See docs/store.md.)";

struct RmArgs {
  std::string target;
  bool force = false;
  StoreOptions store;
};

}  // namespace

std::function<int()> SetupRm(CLI::App* app) {
  auto args = std::make_shared<RmArgs>();
  app->add_option("env", args->target, "STORE/NAME[:TAG] (a tag) or STORE@ENVID (an environment)")
      ->required();
  app->add_flag("-f,--force", args->force,
                "Remove an environment even if tags name it (and remove those tags)");
  AddStoreOptions(app, &args->store, /*transfers=*/false);
  app->footer(kRmFooter);
  return [args] {
    auto ref = store::ParseEnvRef(args->target);
    if (!ref.ok()) return ReportError(ref.error());
    std::unique_ptr<store::Backend> backend;
    if (ref->kind != store::EnvRef::Kind::kLocalDir) {
      auto opened = OpenStore(ref->store_url, args->store);
      if (!opened.ok()) return ReportError(opened.error());
      backend = std::move(opened).value();
    }
    if (!backend) {
      return ReportError(Error(Quote(ref->local_dir) +
                               " is a local environment folder: rm removes a tag "
                               "(STORE/NAME:TAG) or an environment (STORE@ENVID) from a store"));
    }
    auto report = store::RemoveRef(*backend, *ref, args->force, args->store.jobs);
    if (!report.ok()) return ReportError(report.error());
    const std::string url = backend->DisplayUrl();
    if (!report->removed_env) {
      std::cout << "Removed tag " << report->tag.ToString() << " from " << url;
      if (!report->env_id.empty()) {
        std::cout << " (it named " << report->env_id.substr(0, 12) << ")";
      }
      std::cout << "\n";
      return kExitOk;
    }
    std::cout << "Removed environment " << report->env_id.substr(0, 12) << " from " << url;
    if (!report->tags.empty()) {
      std::string names;
      for (const auto& t : report->tags) names += (names.empty() ? "" : ", ") + t.ToString();
      std::cout << " with " << (report->tags.size() == 1 ? "its tag " : "its tags ") << names;
    }
    std::cout << "; its blobs go with the next 'sparkenv gc'\n";
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
