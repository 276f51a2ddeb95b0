#include "spark/master.h"

#include "base/strings.h"

namespace sparkenv::spark {

namespace {

// "[...]" with only digits, '*' and ',' inside.
bool BracketArgs(std::string_view rest) {
  if (rest.size() < 3 || rest.front() != '[' || rest.back() != ']') return false;
  for (char c : rest.substr(1, rest.size() - 2)) {
    if (!IsAsciiDigit(c) && c != '*' && c != ',') return false;
  }
  return true;
}

}  // namespace

Result<Master> ParseMaster(std::string_view text) {
  Master m;
  m.url = std::string(text);
  if (text == "local" || (StartsWith(text, "local[") && BracketArgs(text.substr(5)))) {
    m.manager = ClusterManager::kLocal;
    return m;
  }
  if (StartsWith(text, "local-cluster[") && BracketArgs(text.substr(13))) {
    m.manager = ClusterManager::kLocalCluster;
    return m;
  }
  if (StartsWith(text, "spark://") && text.size() > 8) {
    m.manager = ClusterManager::kStandalone;
    return m;
  }
  if (text == "yarn") {
    m.manager = ClusterManager::kYarn;
    return m;
  }
  if (StartsWith(text, "k8s://") && text.size() > 6) {
    m.manager = ClusterManager::kKubernetes;
    return m;
  }
  return Error("unknown Spark master " + Quote(text) +
               ": expected local, local[N], local-cluster[N,C,M], spark://HOST:PORT, yarn or "
               "k8s://URL");
}

Result<DeployMode> ParseDeployMode(std::string_view text) {
  if (text == "client") return DeployMode::kClient;
  if (text == "cluster") return DeployMode::kCluster;
  return Error("unknown deploy mode " + Quote(text) + ": expected client or cluster");
}

std::string_view ToString(DeployMode mode) {
  return mode == DeployMode::kClient ? "client" : "cluster";
}

Status CheckDeployMode(const Master& master, DeployMode mode) {
  if (mode == DeployMode::kClient) return Status();
  switch (master.manager) {
    case ClusterManager::kLocal:
    case ClusterManager::kLocalCluster:
      return Error("deploy mode cluster is not possible with master " + Quote(master.url) +
                   ": a local master runs the driver here (use --deploy-mode client)");
    case ClusterManager::kStandalone:
    case ClusterManager::kYarn:
    case ClusterManager::kKubernetes:
      return Status();
  }
  return Status();
}

bool NeedsLauncher(const Master& master, DeployMode mode) {
  return master.manager == ClusterManager::kStandalone && mode == DeployMode::kCluster;
}

}  // namespace sparkenv::spark
