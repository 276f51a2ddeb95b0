// sparkenv push: publish an environment folder to a store.
#include "store/push.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "command.h"
#include "fetch/progress.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kPushFooter = R"(Examples:
  sparkenv push build/myenv hdfs:///user/alice/envs --tag myapp:prod
  sparkenv push build/myenv s3://bucket/envs --tag myapp --tag myapp:v42
  sparkenv push build/myenv /shared/envs --private

Uploads only the layers the store lacks (in parallel, each verified against
its sha256), then the manifest, then moves each tag: a reader never sees a
half-published environment. Prints STORE@ENVID on stdout. Objects are
world-readable (YARN localizes them once per node, PUBLIC) unless --private.
See docs/store.md.)";

struct PushArgs {
  std::string env_dir;
  std::string store_url;
  std::vector<std::string> tags;
  bool private_objects = false;
  bool json = false;
  bool quiet = false;
  StoreOptions store;
};

// The test-only throttle (docs/store.md): bytes per second, 0 when unset.
Result<uint64_t> TestThrottle() {
  const char* value = std::getenv("SPARKENV_TEST_THROTTLE_BPS");
  if (value == nullptr || *value == '\0') return uint64_t{0};
  char* end = nullptr;
  unsigned long long n = std::strtoull(value, &end, 10);  // NOLINT(google-runtime-int)
  if (*end != '\0' || n == 0) {
    return Error("invalid SPARKENV_TEST_THROTTLE_BPS " + Quote(value) +
                 ": expected a positive number of bytes per second");
  }
  return static_cast<uint64_t>(n);
}

nlohmann::json ReportJson(const store::PushReport& r, const std::string& url) {
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& t : r.tags) {
    tags.push_back(
        {{"name", t.tag.name},
         {"tag", t.tag.tag},
         {"previous_env_id",
          t.previous_env_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.previous_env_id)},
         {"moved", t.moved}});
  }
  return {{"store", url},
          {"env_id", r.env_id},
          {"reference", url + "@" + r.env_id},
          {"packages", r.packages},
          {"size", r.size},
          {"blobs", r.blobs},
          {"blobs_uploaded", r.blobs_uploaded},
          {"blobs_present", r.blobs_present},
          {"blob_bytes_uploaded", r.blob_bytes_uploaded},
          {"bytes_sent", r.bytes_sent},
          {"store_created", r.store_created},
          {"manifest_written", r.manifest_written},
          {"tags", tags},
          {"seconds", r.seconds}};
}

}  // namespace

std::function<int()> SetupPush(CLI::App* app) {
  auto args = std::make_shared<PushArgs>();
  app->add_option("dir", args->env_dir, "The environment folder (written by 'sparkenv build')")
      ->required();
  app->add_option("store", args->store_url,
                  "The store: file:///path, a folder, hdfs://..., s3://bucket/prefix")
      ->required();
  app->add_option("-t,--tag", args->tags,
                  "Point NAME:TAG (NAME means NAME:latest) at it; repeatable");
  app->add_flag("--private", args->private_objects,
                "Objects readable by the owner only (0600/0700), not world-readable");
  app->add_flag("--json", args->json, "Print the report as JSON on stdout");
  app->add_flag("-q,--quiet", args->quiet, "Print nothing on stderr on success");
  AddStoreOptions(app, &args->store, /*transfers=*/true);
  app->footer(kPushFooter);
  return [args] {
    store::PushOptions options;
    options.env_dir = args->env_dir;
    options.world_readable = !args->private_objects;
    options.jobs = args->store.jobs;
    options.progress = !args->quiet && fetch::StderrIsTerminal();
    for (const std::string& text : args->tags) {
      auto tag = store::ParseTagArgument(text);
      if (!tag.ok()) return ReportError(tag.error());
      options.tags.push_back(*tag);
    }
    auto throttle = TestThrottle();
    if (!throttle.ok()) return ReportError(throttle.error());
    options.throttle_bps = *throttle;
    auto backend = OpenStore(args->store_url, args->store);
    if (!backend.ok()) return ReportError(backend.error());
    auto report = store::Push(**backend, options);
    if (!report.ok()) return ReportError(report.error());
    const store::PushReport& r = *report;
    const std::string url = (*backend)->DisplayUrl();
    const std::string short_id = r.env_id.substr(0, 12);
    if (!args->quiet) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2fs", r.seconds);
      std::cerr << "Pushed environment " << short_id << " ("
                << Count(r.packages, "package", "packages") << ", " << Bytes(r.size) << ") to "
                << url << " in " << seconds << "\n";
      std::cerr << "  blobs: " << r.blobs_uploaded << " uploaded (" << Bytes(r.blob_bytes_uploaded)
                << "), " << r.blobs_present << " already in the store\n";
      std::cerr << "  manifest: " << (r.manifest_written ? "written" : "already in the store")
                << "\n";
      std::cerr << "  sent: " << Bytes(r.bytes_sent) << "\n";
      for (const auto& t : r.tags) {
        std::cerr << "  tag " << t.tag.ToString();
        if (!t.moved) {
          std::cerr << " already named it\n";
        } else if (t.previous_env_id.empty()) {
          std::cerr << " -> " << short_id << " (new)\n";
        } else {
          std::cerr << " -> " << short_id << " (was " << t.previous_env_id.substr(0, 12) << ")\n";
        }
      }
    }
    if (args->json) {
      std::cout << ReportJson(r, url).dump(2) << "\n";
    } else {
      std::cout << url << "@" << r.env_id << "\n";
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
