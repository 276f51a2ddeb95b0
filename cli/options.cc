// Options shared by several commands: --cache-dir, and what 'spark-conf' and
// 'submit' both need to prepare an activation.
#include "command.h"
#include "index/cache.h"
#include "spark/activation.h"

namespace sparkenv::cli {

void AddCacheDirOption(CLI::App* app, std::string* cache_dir) {
  app->add_option("--cache-dir", *cache_dir,
                  "Cache folder (default $SPARKENV_CACHE_DIR, else ~/.cache/sparkenv)");
}

Result<std::string> CacheRoot(const std::string& cache_dir) {
  if (!cache_dir.empty()) return cache_dir;
  return index::DefaultCacheRoot();
}

void AddActivationOptions(CLI::App* app, ActivationOptions* options, bool env_positional) {
  constexpr const char* kEnvHelp =
      "The environment: STORE/NAME[:TAG], STORE@ENVID or a folder written by 'sparkenv build'";
  app->add_option(env_positional ? "env" : "--env", options->env, kEnvHelp)->required();
  app->add_option("--node-cache", options->node_cache,
                  "Standalone clusters: a folder on every node where executors keep the layers "
                  "across applications (an absolute path)");
  app->add_option("--python", options->python,
                  "The cluster's Python for the driver and the executors (spark.pyspark.python)");
  AddCacheDirOption(app, &options->cache_dir);
}

Status FillActivationRequest(const ActivationOptions& options, spark::ActivationRequest* request) {
  auto root = CacheRoot(options.cache_dir);
  if (!root.ok()) return root.error();
  request->env_ref = options.env;
  request->python = options.python;
  request->node_cache = options.node_cache;
  request->cache_root = *root;
  return {};
}

}  // namespace sparkenv::cli
