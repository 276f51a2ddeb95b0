// sparkenv gc: remove the blobs no environment uses and stale temporary
// objects from a store.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include "command.h"
#include "store/catalog.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kGcFooter = R"(Examples:
  sparkenv gc hdfs:///user/alice/envs --dry-run
  sparkenv gc s3://bucket/envs --grace 7d

Removes blobs that no manifest references and temporary objects left by
killed pushes, both only when older than the grace period (default 24h), so a
push in flight is never broken. --dry-run lists what would go. Durations:
30s, 15m, 24h, 7d, 2w, 1h30m or 0. See docs/store.md.)";

struct GcArgs {
  std::string store_url;
  bool dry_run = false;
  std::string grace = "24h";
  StoreOptions store;
};

// "3 days", "5 hours", "12 minutes", "40 seconds".
std::string Age(int64_t ms) {
  const int64_t s = ms / 1000;
  if (s >= 86400) return Count(static_cast<uint64_t>(s / 86400), "day", "days");
  if (s >= 3600) return Count(static_cast<uint64_t>(s / 3600), "hour", "hours");
  if (s >= 60) return Count(static_cast<uint64_t>(s / 60), "minute", "minutes");
  return Count(static_cast<uint64_t>(std::max<int64_t>(s, 0)), "second", "seconds");
}

}  // namespace

std::function<int()> SetupGc(CLI::App* app) {
  auto args = std::make_shared<GcArgs>();
  app->add_option("store", args->store_url,
                  "The store: file:///path, a folder, hdfs://..., s3://bucket/prefix")
      ->required();
  app->add_flag("-n,--dry-run", args->dry_run, "List what would be removed; remove nothing");
  app->add_option("--grace", args->grace,
                  "Keep unreferenced blobs and temporary objects younger than this (default 24h)");
  AddStoreOptions(app, &args->store, /*transfers=*/true);
  app->footer(kGcFooter);
  return [args] {
    auto grace = store::ParseDuration(args->grace);
    if (!grace.ok()) return ReportError(grace.error());
    auto backend = OpenStore(args->store_url, args->store);
    if (!backend.ok()) return ReportError(backend.error());
    store::GcOptions options;
    options.grace_ms = *grace;
    options.dry_run = args->dry_run;
    options.jobs = args->store.jobs;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    options.now_ms = now;
    auto report = store::CollectGarbage(**backend, options);
    if (!report.ok()) return ReportError(report.error());
    const store::GcReport& r = *report;
    size_t blobs = 0;
    for (const auto& item : r.removed) {
      if (store::BlobFromKey(item.key)) ++blobs;
      std::cout << (args->dry_run ? "would remove " : "removed ") << item.key << "  "
                << Bytes(item.size) << "  " << Age(now - item.mtime_ms) << " old\n";
    }
    const size_t temps = r.removed.size() - blobs;
    std::cout << (args->dry_run ? "Would remove " : "Removed ") << Count(blobs, "blob", "blobs")
              << " and " << Count(temps, "temporary object", "temporary objects") << " ("
              << Bytes(r.bytes_removed) << ") from " << (*backend)->DisplayUrl() << "; kept "
              << Count(r.blobs_referenced, "blob", "blobs") << " used by "
              << Count(r.envs, "environment", "environments") << ", and "
              << Count(r.blobs_young, "unused blob", "unused blobs") << " and "
              << Count(r.temps_young, "temporary object", "temporary objects")
              << " younger than the grace period (" << args->grace << ")\n";
    if (r.foreign > 0) {
      Warn("left " + Count(r.foreign, "object", "objects") +
           " under blobs/, tmp/ and launch/ alone: not written by sparkenv");
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
