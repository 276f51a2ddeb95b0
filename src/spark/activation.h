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

}  // namespace sparkenv::spark
