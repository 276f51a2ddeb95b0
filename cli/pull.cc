// sparkenv pull: copy an environment out of a store into a local folder.
#include "store/pull.h"

#include <cstdio>
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "command.h"
#include "fetch/progress.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kPullFooter = R"(Examples:
  sparkenv pull hdfs:///user/alice/envs/myapp:prod build/prod
  sparkenv pull s3://bucket/envs@3f2a9c1b env/

Writes DIR/manifest.json and DIR/layers/<sha256>.tar.gz exactly as
'sparkenv build' wrote them (byte for byte), each layer verified against its
sha256. A previous environment in DIR is replaced; on any error DIR is absent
or as it was. See docs/store.md.)";

struct PullArgs {
  std::string env;
  std::string dir;
  bool quiet = false;
  StoreOptions store;
};

}  // namespace

std::function<int()> SetupPull(CLI::App* app) {
  auto args = std::make_shared<PullArgs>();
  app->add_option("env", args->env, "STORE/NAME[:TAG] or STORE@ENVID")->required();
  app->add_option("dir", args->dir, "The folder to write the environment into")->required();
  app->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  AddStoreOptions(app, &args->store, /*transfers=*/true);
  app->footer(kPullFooter);
  return [args] {
    auto ref = store::ParseEnvRef(args->env);
    if (!ref.ok()) return ReportError(ref.error());
    if (ref->kind == store::EnvRef::Kind::kLocalDir) {
      return ReportError(Error(Quote(args->env) +
                               " is a local environment folder: pull copies from a store "
                               "(STORE/NAME[:TAG] or STORE@ENVID)"));
    }
    auto backend = OpenStore(ref->store_url, args->store);
    if (!backend.ok()) return ReportError(backend.error());
    auto resolved = store::ResolveEnvIn(**backend, *ref);
    if (!resolved.ok()) return ReportError(resolved.error());
    store::PullOptions options;
    options.output_dir = args->dir;
    options.jobs = args->store.jobs;
    options.progress = !args->quiet && fetch::StderrIsTerminal();
    auto report = store::Pull(**backend, *resolved, options);
    if (!report.ok()) return ReportError(report.error());
    if (!args->quiet) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2fs", report->seconds);
      std::cerr << "Pulled environment " << report->env_id.substr(0, 12) << " ("
                << Count(report->layers, "layer", "layers") << ", " << Bytes(report->bytes)
                << ") into " << args->dir << " in " << seconds << "\n";
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
