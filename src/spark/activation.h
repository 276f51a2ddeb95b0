// Preparing an activation for `sparkenv submit` and `sparkenv spark-conf`:
// resolve the environment reference, write the bootstrap, unpack the
// layers for a driver that runs here (client mode, local masters), and
// compute the settings (settings.h).
#pragma once

#include <map>
#include <string>

#include "base/result.h"
#include "spark/boot.h"
#include "spark/master.h"
#include "spark/materialize.h"
#include "spark/settings.h"
#include "store/backend.h"
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
};

struct PreparedActivation {
  store::ResolvedEnv env;
  Boot boot;
  Materialized local;  // client mode only
  SparkSettings settings;
};

// Checks the deploy mode first, so a refused combination costs nothing.
Result<PreparedActivation> PrepareActivation(const ActivationRequest& request);

// The URLs the node cache fetches each layer from: the layer's file:// URL,
// or WebHDFS's OPEN of the blob for an HDFS store (the NameNode's HTTP
// address from HADOOP_CONF_DIR, the user from HADOOP_USER_NAME or the login
// name; simple authentication). Other stores are refused.
Result<NodeCache> NodeCacheFor(const store::ResolvedEnv& env, const std::string& dir,
                               const store::OpenOptions& open);

// YARN: the layers the NodeManager put in the container's folder as files
// (spark.yarn.dist.files, "file:sparkenv-<sha>.tar.gz", relative), to unpack
// into `dir` (empty: the container's folder).
NodeCache YarnLayerFiles(const store::ResolvedEnv& env, const std::string& dir);

}  // namespace sparkenv::spark
