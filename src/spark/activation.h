// Preparing an activation for `sparkenv submit` and `sparkenv spark-conf`:
// resolve the environment reference, write the bootstrap, unpack the
// layers for a driver that runs here (client mode, local masters), and
// compute the settings (settings.h).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "spark/boot.h"
#include "spark/master.h"
#include "spark/materialize.h"
#include "spark/settings.h"
#include "store/backend.h"
#include "store/s3_sigv4.h"
#include "store/store.h"

namespace sparkenv::spark {

struct ActivationRequest {
  std::string env_ref;  // STORE/NAME[:TAG], STORE@ENVID or a build folder
  Master master;
  DeployMode deploy_mode = DeployMode::kClient;
  std::string cache_root;
  std::string python;  // spark.pyspark.python, optional
  // --node-cache: a folder on every node of a standalone cluster where the
  // executors keep layers across applications (empty: none).
  std::string node_cache;
  std::map<std::string, std::string> user_conf;
  store::OpenOptions open;
  // Standalone cluster mode (NeedsLauncher): the application script, a
  // local file that goes into the launcher.
  std::string app_file;
};

// Where the launcher of standalone cluster mode was published.
struct PublishedLauncher {
  Launcher launcher;
  std::string url;        // the primary resource for spark-submit (a Hadoop URL)
  std::string file_name;  // its name in the driver's folder: the URL's last segment
  bool uploaded = false;  // written to the store by this call
};

struct PreparedActivation {
  store::ResolvedEnv env;
  Boot boot;
  Materialized local;  // client mode only
  SparkSettings settings;
  std::optional<PublishedLauncher> launcher;  // standalone cluster mode only
};

// Checks the deploy mode first, so a refused combination costs nothing.
// Standalone cluster mode writes the launcher (boot.h) and publishes it:
// into the environment's store as launch/<sha256>.jar (world-readable: the
// worker that hosts the driver reads it; gc removes it after the grace
// period), or, for a local build folder, as the cached file itself. The
// driver and the executors fetch the layers from a shared folder (file://)
// or HDFS (WebHDFS), as the node cache does; other stores are refused.
Result<PreparedActivation> PrepareActivation(const ActivationRequest& request);

enum class NodeCachePurpose {
  kNodeCache,  // --node-cache DIR (absolute)
  kLauncher,   // standalone cluster mode: DIR, or empty for each process's working folder
};

// How long the presigned URLs of standalone cluster mode on S3 (the
// launcher and its layers) stay valid: seven days, S3's longest.
inline constexpr int kLauncherUrlSeconds = store::kMaxPresignSeconds;

// The URLs the node cache fetches each layer from: the layer's file:// URL,
// or WebHDFS's OPEN of the blob for an HDFS store (the NameNode's HTTP
// address from HADOOP_CONF_DIR, the user from HADOOP_USER_NAME or the login
// name; simple authentication); for the launcher (kLauncher) on an S3 store,
// a presigned GET of the blob valid kLauncherUrlSeconds. Other stores are
// refused.
Result<NodeCache> NodeCacheFor(const store::ResolvedEnv& env, const std::string& dir,
                               const store::OpenOptions& open,
                               NodeCachePurpose purpose = NodeCachePurpose::kNodeCache);

// YARN: the layers the NodeManager put in the container's folder as files
// (spark.yarn.dist.files, "file:sparkenv-<sha>.tar.gz", relative), to unpack
// into `dir` (empty: the bootstrap's default, once per node and user beside
// the NodeManager's caches; python/sparkenv/_boot.py default_node_cache).
NodeCache YarnLayerFiles(const store::ResolvedEnv& env, const std::string& dir);

}  // namespace sparkenv::spark
