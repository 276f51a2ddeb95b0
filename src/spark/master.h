// Spark masters and deploy modes, as spark-submit takes them: which cluster
// manager runs the executors, and where the driver runs. Everything the
// activation settings depend on (settings.h) is decided from these two.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::spark {

enum class ClusterManager {
  kLocal,         // local, local[N], local[*], local[N,F]: tasks run in the driver's JVM
  kLocalCluster,  // local-cluster[N,C,M]: executor JVMs started on this machine
  kStandalone,    // spark://HOST:PORT[,HOST:PORT...]
  kYarn,          // yarn
  kKubernetes,    // k8s://URL
};

enum class DeployMode { kClient, kCluster };

struct Master {
  ClusterManager manager = ClusterManager::kLocal;
  std::string url;  // as given
};

// Parses a master URL. Mesos (removed in Spark 4) and anything else is an
// error naming the accepted forms.
Result<Master> ParseMaster(std::string_view text);

// "client" or "cluster".
Result<DeployMode> ParseDeployMode(std::string_view text);

std::string_view ToString(DeployMode mode);

// Refuses what cannot work, before anything is prepared: cluster mode with
// a local master. Cluster mode on a standalone cluster, which spark-submit
// refuses for a Python application ("Cluster deploy mode is currently not
// supported for python applications on standalone clusters", Spark 3.5 and
// 4.x), passes: `sparkenv submit` runs it through a launcher (boot.h).
Status CheckDeployMode(const Master& master, DeployMode mode);

// Standalone cluster mode: the application goes through sparkenv's launcher.
bool NeedsLauncher(const Master& master, DeployMode mode);

}  // namespace sparkenv::spark
