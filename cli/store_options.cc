// Options and output helpers shared by the store commands (push, ls, show,
// diff, pull, rm, gc).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "command.h"
#include "fetch/progress.h"
#include "store/open.h"

namespace sparkenv::cli {

store::OpenOptions StoreOptions::ToOpenOptions() const {
  store::OpenOptions o;
  o.s3_endpoint = endpoint;
  o.max_concurrent_transfers = jobs;
  return o;
}

void AddStoreOptions(CLI::App* app, StoreOptions* options, bool transfers) {
  app->add_option("--endpoint", options->endpoint,
                  "S3-compatible server for s3:// stores, path-style (default "
                  "$AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS)");
  if (transfers) {
    app->add_option("-j,--jobs", options->jobs, "Transfers at once (default 8)")
        ->check(CLI::Range(1, 64));
  }
}

Result<std::unique_ptr<store::Backend>> OpenStore(std::string_view url,
                                                  const StoreOptions& options) {
  return store::OpenBackend(url, options.ToOpenOptions());
}

std::string FormatUtc(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string Bytes(uint64_t bytes) { return fetch::FormatBytes(bytes); }

std::string Count(uint64_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

void Warn(const std::string& message) { std::cerr << "sparkenv: warning: " << message << "\n"; }

}  // namespace sparkenv::cli
