// fetch_files: a dev tool over fetch::Fetcher and the libcurl client, for
// the bed tests (tests/bed/tests/test_fetch.py).
//
//   fetch_files [--cache-dir DIR] [--quiet] [--progress] URL#sha256=HEX[&size=N] ...
//
// Prints one line per file, "<blob path>\t<URL>", in argument order, then
// "hits=H downloaded=D bytes=B" on stderr. Exit codes: 0 all fetched, 1 a
// fetch failed (the error lists every file), 2 bad arguments.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "fetch/fetcher.h"
#include "fetch/progress.h"
#include "http/curl_client.h"
#include "index/cache.h"

namespace {

using sparkenv::ErrorKind;
using sparkenv::fetch::FetchItem;

int Usage(const std::string& why) {
  std::cerr << "fetch_files: " << why
            << "\nusage: fetch_files [--cache-dir DIR] [--quiet] [--progress] "
               "URL#sha256=HEX[&size=N] ...\n";
  return 2;
}

bool ParseItem(const std::string& arg, FetchItem* item) {
  size_t hash = arg.find('#');
  if (hash == std::string::npos) return false;
  item->url = arg.substr(0, hash);
  for (const std::string& part : sparkenv::Split(arg.substr(hash + 1), '&')) {
    if (sparkenv::StartsWith(part, "sha256=")) {
      item->sha256 = part.substr(7);
    } else if (sparkenv::StartsWith(part, "size=")) {
      item->size = std::stoull(part.substr(5));
    } else {
      return false;
    }
  }
  return !item->sha256.empty();
}

}  // namespace

int main(int argc, char** argv) {
  std::string cache_dir;
  bool quiet = false;
  bool progress = false;
  std::vector<FetchItem> items;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--cache-dir" && i + 1 < argc) {
      cache_dir = argv[++i];
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--progress") {
      progress = true;
    } else {
      FetchItem item;
      if (!ParseItem(arg, &item)) return Usage("expected URL#sha256=HEX[&size=N], got " + arg);
      items.push_back(std::move(item));
    }
  }
  if (items.empty()) return Usage("no files");
  if (cache_dir.empty()) {
    auto root = sparkenv::index::DefaultCacheRoot();
    if (!root) return Usage(root.error().message());
    cache_dir = *root;
  }
  auto client = sparkenv::http::CurlClient::Create();
  if (!client) {
    std::cerr << "fetch_files: " << client.error().message() << "\n";
    return 1;
  }
  sparkenv::fetch::FetchOptions options;
  options.progress = !quiet && (progress || sparkenv::fetch::StderrIsTerminal());
  sparkenv::fetch::Fetcher fetcher(**client, sparkenv::fetch::BlobCache(cache_dir), options);
  sparkenv::fetch::FetchStats stats;
  auto paths = fetcher.Fetch(items, &stats);
  std::cerr << "hits=" << stats.hits << " downloaded=" << stats.downloaded
            << " bytes=" << stats.bytes << "\n";
  if (!paths) {
    std::cerr << "fetch_files: error: " << paths.error().message() << "\n";
    return paths.error().kind() == ErrorKind::kInvalidInput ? 2 : 1;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    std::cout << (*paths)[i] << "\t" << items[i].url << "\n";
  }
  return 0;
}
