// sparkenv cache dir|info|clean: where the download cache is, what it holds,
// and emptying it (safe while other sparkenv processes use it).
#include "index/cache.h"

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "fetch/blob_cache.h"
#include "fetch/cache_admin.h"
#include "fetch/progress.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kFooter = R"(The cache root is --cache-dir, else $SPARKENV_CACHE_DIR, else
$XDG_CACHE_HOME/sparkenv, else ~/.cache/sparkenv. It holds blobs-v1/ (downloaded
files by sha256) and simple-v1/ (index pages and metadata). See docs/cache.md.)";

struct CacheArgs {
  std::string cache_dir;
  bool blobs = false;
  bool http = false;
};

Result<std::string> Root(const CacheArgs& args) { return CacheRoot(args.cache_dir); }

std::string Files(uint64_t n) { return std::to_string(n) + (n == 1 ? " file" : " files"); }

void AddCacheDir(CLI::App* app, CacheArgs* args) {
  app->add_option("--cache-dir", args->cache_dir, "Cache root (default: see 'sparkenv cache')");
}

int Dir(const CacheArgs& args) {
  auto root = Root(args);
  if (!root) return ReportError(root.error());
  std::cout << *root << "\n";
  return kExitOk;
}

int Info(const CacheArgs& args) {
  auto root = Root(args);
  if (!root) return ReportError(root.error());
  auto usage = fetch::MeasureCache(*root);
  if (!usage) return ReportError(usage.error());
  auto line = [](const char* what, const fetch::FileCount& count) {
    std::ostringstream out;
    out << "  " << std::left << std::setw(11) << what << std::right << std::setw(12)
        << Files(count.files) << "  " << fetch::FormatBytes(count.bytes) << "\n";
    return out.str();
  };
  std::cout << "Cache root: " << *root << "\n"
            << line(fetch::kBlobFolder, usage->blobs) << line(index::kCacheFolder, usage->http)
            << line("temporary", usage->temp);
  return kExitOk;
}

int Clean(const CacheArgs& args) {
  auto root = Root(args);
  if (!root) return ReportError(root.error());
  fetch::CleanOptions options;
  if (args.blobs || args.http) {
    options.blobs = args.blobs;
    options.http = args.http;
  }
  auto report = fetch::CleanCache(*root, options);
  if (!report) return ReportError(report.error());
  std::cout << "Removed " << Files(report->removed.files) << " ("
            << fetch::FormatBytes(report->removed.bytes) << ") from " << *root << "\n";
  if (report->temp_kept.files > 0) {
    std::cout << "Kept " << Files(report->temp_kept.files)
              << " being written (temporary files younger than one hour)\n";
  }
  return kExitOk;
}

}  // namespace

std::function<int()> SetupCache(CLI::App* app) {
  app->require_subcommand(1);
  app->footer(kFooter);
  auto args = std::make_shared<CacheArgs>();
  auto action = std::make_shared<std::function<int()>>();

  CLI::App* dir = app->add_subcommand("dir", "Print the cache root");
  AddCacheDir(dir, args.get());
  dir->callback([args, action] { *action = [args] { return Dir(*args); }; });

  CLI::App* info =
      app->add_subcommand("info", "Print the cache root and the files and bytes in each folder");
  AddCacheDir(info, args.get());
  info->callback([args, action] { *action = [args] { return Info(*args); }; });

  CLI::App* clean = app->add_subcommand(
      "clean",
      "Remove cached files (both folders unless --blobs or --http), keeping downloads in "
      "progress");
  AddCacheDir(clean, args.get());
  clean->add_flag("--blobs", args->blobs, "Remove the downloaded files (blobs-v1)");
  clean->add_flag("--http", args->http, "Remove the index pages and metadata (simple-v1)");
  clean->callback([args, action] { *action = [args] { return Clean(*args); }; });

  return [action] { return (*action)(); };
}

}  // namespace sparkenv::cli
