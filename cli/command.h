// The subcommand table. Each subcommand lives in its own cli/<name>.cc and
// does argument handling only: it parses its options with CLI11, calls into
// the library modules, prints, and maps errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/backend.h"

namespace sparkenv::spec {
struct TargetOptions;
}  // namespace sparkenv::spec
namespace sparkenv::spark {
struct ActivationRequest;
}  // namespace sparkenv::spark

namespace sparkenv::cli {

// Exit codes: 0 success, 1 an operation failed, 2 bad input (usage, invalid
// files or values), 70 an internal error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 70;

int ExitCodeFor(const Error& error);
// Prints "sparkenv: error: <message>" to stderr and returns ExitCodeFor(error).
int ReportError(const Error& error);

// Configures `app` (a subcommand) and returns the action to run once the
// command line has been parsed. The action returns the process exit code.
using Setup = std::function<std::function<int()>(CLI::App* app)>;

struct Command {
  std::string_view name;
  std::string_view summary;
  Setup setup;
};

// Defined in each subcommand's file.
std::function<int()> SetupTarget(CLI::App* app);
std::function<int()> SetupCheck(CLI::App* app);
std::function<int()> SetupLock(CLI::App* app);
std::function<int()> SetupCache(CLI::App* app);
std::function<int()> SetupBuild(CLI::App* app);
std::function<int()> SetupPush(CLI::App* app);
std::function<int()> SetupLs(CLI::App* app);
std::function<int()> SetupShow(CLI::App* app);
std::function<int()> SetupDiff(CLI::App* app);
std::function<int()> SetupPull(CLI::App* app);
std::function<int()> SetupRm(CLI::App* app);
std::function<int()> SetupGc(CLI::App* app);
std::function<int()> SetupSubmit(CLI::App* app);
std::function<int()> SetupSparkConf(CLI::App* app);
std::function<int()> SetupPythonPackage(CLI::App* app);

// Adds the target options (--python, --implementation, --platform, --abi,
// --target) to any command that resolves or installs for a target; pass the
// filled options to spec::Target::FromOptions. Defined in target.cc.
void AddTargetOptions(CLI::App* app, spec::TargetOptions* options);

// --cache-dir, for every command that uses the cache (options.cc), and the
// folder it names: `cache_dir`, else the default root (index::DefaultCacheRoot).
void AddCacheDirOption(CLI::App* app, std::string* cache_dir);
Result<std::string> CacheRoot(const std::string& cache_dir);

// What 'spark-conf' and 'submit' both take to activate an environment
// (options.cc): the environment (a positional argument, or --env), --node-cache,
// --python and --cache-dir.
struct ActivationOptions {
  std::string env;
  std::string node_cache;
  std::string python;
  std::string cache_dir;
};
void AddActivationOptions(CLI::App* app, ActivationOptions* options, bool env_positional);
// Sets the request's environment, node cache, Python and cache root.
Status FillActivationRequest(const ActivationOptions& options, spark::ActivationRequest* request);

// The options of every command that reads or writes a store (defined in
// store_options.cc): --endpoint (S3-compatible servers) and, with
// `transfers`, -j/--jobs.
struct StoreOptions {
  std::string endpoint;
  int jobs = 8;
  store::OpenOptions ToOpenOptions() const;
};
void AddStoreOptions(CLI::App* app, StoreOptions* options, bool transfers);
// Opens the store at `url` (store/open.h).
Result<std::unique_ptr<store::Backend>> OpenStore(std::string_view url,
                                                  const StoreOptions& options);

// Output helpers shared by the store commands (store_options.cc).
// "2025-06-01 10:22:03" (UTC) for Unix milliseconds.
std::string FormatUtc(int64_t unix_ms);
// Binary units: "812 B", "1.5 MiB" (fetch::FormatBytes).
std::string Bytes(uint64_t bytes);
// "1 blob" / "2 blobs".
std::string Count(uint64_t n, std::string_view singular, std::string_view plural);
// Left-aligned columns, two spaces apart; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows);
// Prints "sparkenv: warning: <message>" to stderr.
void Warn(const std::string& message);

}  // namespace sparkenv::cli
