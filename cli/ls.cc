// sparkenv ls: the tags and environments of a store.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "store/catalog.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kLsFooter = R"(Examples:
  sparkenv ls hdfs:///user/alice/envs
  sparkenv ls s3://bucket/envs --json

Lists every tag (with the environment it names and when it was set) and every
environment (when it was pushed, its Python, packages, size and tags), newest
first, then what the store holds in blobs. Dates are UTC. See docs/store.md.)";

struct LsArgs {
  std::string store_url;
  bool json = false;
  StoreOptions store;
};

// "2025-06-01T10:22:03Z" -> "2025-06-01 10:22:03".
std::string TagDate(const std::string& rfc3339) {
  std::string out = rfc3339.substr(0, 19);
  if (out.size() == 19) out[10] = ' ';
  return out;
}

nlohmann::json ListingJson(const store::StoreListing& l) {
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& t : l.tags) {
    tags.push_back({{"name", t.tag.name},
                    {"tag", t.tag.tag},
                    {"env_id", t.env_id},
                    {"updated", t.updated},
                    {"env_present", t.env_present}});
  }
  nlohmann::json envs = nlohmann::json::array();
  for (const auto& e : l.envs) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& t : e.tags) names.push_back(t.ToString());
    envs.push_back({{"env_id", e.env_id},
                    {"pushed", store::Rfc3339Utc(e.pushed_ms)},
                    {"python", e.python},
                    {"platform", e.platform},
                    {"packages", e.packages},
                    {"size", e.size},
                    {"installed_bytes", e.installed_bytes},
                    {"missing_blobs", e.missing_blobs},
                    {"tags", names}});
  }
  return {
      {"store", l.url},
      {"tags", tags},
      {"environments", envs},
      {"blobs", {{"count", l.blobs}, {"bytes", l.blob_bytes}}},
      {"unreferenced_blobs", {{"count", l.unreferenced_blobs}, {"bytes", l.unreferenced_bytes}}},
      {"warnings", l.warnings}};
}

}  // namespace

std::function<int()> SetupLs(CLI::App* app) {
  auto args = std::make_shared<LsArgs>();
  app->add_option("store", args->store_url,
                  "The store: file:///path, a folder, hdfs://..., s3://bucket/prefix")
      ->required();
  app->add_flag("--json", args->json, "Print the listing as JSON");
  AddStoreOptions(app, &args->store, /*transfers=*/true);
  app->footer(kLsFooter);
  return [args] {
    auto backend = OpenStore(args->store_url, args->store);
    if (!backend.ok()) return ReportError(backend.error());
    auto listing = store::ListStore(**backend, args->store.jobs);
    if (!listing.ok()) return ReportError(listing.error());
    const store::StoreListing& l = *listing;
    for (const std::string& w : l.warnings) Warn(w);
    if (args->json) {
      std::cout << ListingJson(l).dump(2) << "\n";
      return kExitOk;
    }
    for (const auto& e : l.envs) {
      if (e.missing_blobs > 0) {
        Warn("environment " + e.env_id.substr(0, 12) + " is incomplete: " +
             Count(e.missing_blobs, "blob is", "blobs are") + " missing from the store");
      }
    }
    if (!l.tags.empty()) {
      std::vector<std::vector<std::string>> rows = {{"TAG", "ENVIRONMENT", "UPDATED (UTC)"}};
      for (const auto& t : l.tags) {
        rows.push_back({t.tag.ToString(),
                        t.env_id.substr(0, 12) + (t.env_present ? "" : " (missing)"),
                        TagDate(t.updated)});
      }
      std::cout << Table(rows) << "\n";
    }
    if (!l.envs.empty()) {
      std::vector<std::vector<std::string>> rows = {
          {"ENVIRONMENT", "PUSHED (UTC)", "PYTHON", "PACKAGES", "SIZE", "TAGS"}};
      for (const auto& e : l.envs) {
        std::string tags;
        for (const auto& t : e.tags) tags += (tags.empty() ? "" : " ") + t.ToString();
        rows.push_back({e.env_id.substr(0, 12), FormatUtc(e.pushed_ms), store::Printable(e.python),
                        std::to_string(e.packages), Bytes(e.size), tags.empty() ? "-" : tags});
      }
      std::cout << Table(rows) << "\n";
    }
    std::cout << Count(l.envs.size(), "environment", "environments") << ", "
              << Count(l.tags.size(), "tag", "tags") << "; " << Count(l.blobs, "blob", "blobs")
              << " (" << Bytes(l.blob_bytes) << ") in " << l.url;
    if (l.unreferenced_blobs > 0) {
      std::cout << ", " << l.unreferenced_blobs << " unreferenced (" << Bytes(l.unreferenced_bytes)
                << ": 'sparkenv gc' removes them)";
    }
    std::cout << "\n";
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
