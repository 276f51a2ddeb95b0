#include "spark/settings.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace sparkenv::spark {

namespace {

constexpr char kRoleDriver[] = "driver";

bool IsPythonPathKey(std::string_view key) { return EndsWith(key, "Env.PYTHONPATH"); }
bool IsListKey(std::string_view key) {
  return key == "spark.archives" || key == "spark.yarn.dist.archives" ||
         key == "spark.yarn.dist.files";
}

// Whether the bootstrap unpacks the layers itself: always on YARN (the
// NodeManager localizes each layer as a file, which is much faster than as
// an archive), and with a node cache.
bool BootstrapBringsLayers(const ActivationPlan& plan) {
  return plan.node_cache || plan.master.manager == ClusterManager::kYarn;
}

std::string RelativePythonPath(const ActivationPlan& plan) {
  if (BootstrapBringsLayers(plan)) return plan.boot_name;  // the bootstrap adds the layers
  std::vector<std::string> parts = {plan.boot_name};
  for (const PlannedLayer& layer : plan.layers)
    parts.push_back(LayerAlias(layer.sha256) + "/site-packages");
  return Join(parts, ":");
}

std::string LocalPythonPath(const ActivationPlan& plan) {
  std::vector<std::string> parts = {plan.driver_boot_dir};
  parts.insert(parts.end(), plan.driver_site_dirs.begin(), plan.driver_site_dirs.end());
  return Join(parts, ":");
}

std::string Archives(const ActivationPlan& plan) {
  if (BootstrapBringsLayers(plan)) return plan.boot_url + "#" + plan.boot_name;
  std::vector<std::string> parts;
  for (const PlannedLayer& layer : plan.layers)
    parts.push_back(layer.url + "#" + LayerAlias(layer.sha256));
  parts.push_back(plan.boot_url + "#" + plan.boot_name);
  return Join(parts, ",");
}

// YARN: each layer as a file in the container's folder, named
// sparkenv-<sha>.tar.gz (the bootstrap unpacks it).
std::string LayerFiles(const ActivationPlan& plan) {
  std::vector<std::string> parts;
  for (const PlannedLayer& layer : plan.layers) {
    parts.push_back(layer.url + "#" + LayerAlias(layer.sha256) + ".tar.gz");
  }
  return Join(parts, ",");
}

bool NeedsLocalCopies(const ActivationPlan& plan) {
  return plan.deploy_mode == DeployMode::kClient;
}

}  // namespace

std::string LayerAlias(std::string_view sha256) {
  return "sparkenv-" + std::string(sha256.substr(0, 16));
}

std::string MergeSetting(std::string_view key, std::string_view ours, std::string_view theirs) {
  if (theirs.empty()) return std::string(ours);
  if (IsListKey(key)) return std::string(theirs) + "," + std::string(ours);
  if (IsPythonPathKey(key)) return std::string(ours) + ":" + std::string(theirs);
  return std::string(ours);
}

Result<SparkSettings> MakeSettings(const ActivationPlan& plan) {
  Status ok = CheckDeployMode(plan.master, plan.deploy_mode);
  if (!ok.ok()) return ok.error();
  if (NeedsLocalCopies(plan) &&
      (plan.driver_boot_dir.empty() || plan.driver_site_dirs.size() != plan.layers.size())) {
    return Error("client mode needs the driver's local copy of every layer", ErrorKind::kInternal);
  }
  if (NeedsLauncher(plan.master, plan.deploy_mode) && !plan.node_cache) {
    // The launcher (boot.h) is the bootstrap, and it brings the layers.
    return Error("standalone cluster mode needs sparkenv's launcher", ErrorKind::kInternal);
  }
  if (plan.node_cache && (plan.master.manager == ClusterManager::kLocal ||
                          plan.master.manager == ClusterManager::kKubernetes)) {
    return Error("--node-cache is for standalone and YARN clusters, not " + Quote(plan.master.url) +
                 (plan.master.manager == ClusterManager::kLocal
                      ? ": a local master uses the driver's own copy"
                      : ": a pod has no node folder shared between applications"));
  }
  SparkSettings out;
  auto conf = [&](std::string key, std::string value) {
    out.conf.push_back({std::move(key), std::move(value)});
  };
  const ClusterManager manager = plan.master.manager;
  if (manager == ClusterManager::kLocal) {
    // Tasks run in this JVM: the executors' Python workers use the local copies.
    conf("spark.executorEnv.PYTHONPATH", LocalPythonPath(plan));
  } else {
    if (manager == ClusterManager::kKubernetes && plan.deploy_mode == DeployMode::kCluster &&
        !plan.user_conf.contains("spark.kubernetes.file.upload.path")) {
      // The driver's pod cannot read this machine's files: spark-submit
      // uploads them to the upload path, which must be set.
      std::vector<std::string> urls = {plan.boot_url};
      for (const PlannedLayer& layer : plan.layers) urls.push_back(layer.url);
      for (const std::string& url : urls) {
        if (StartsWith(url, "file:") || StartsWith(url, "/")) {
          return Error(
              "Kubernetes cluster mode cannot read the local file " + Quote(url) +
              ": set spark.kubernetes.file.upload.path (e.g. --conf "
              "spark.kubernetes.file.upload.path=s3a://bucket/spark-uploads) so spark-submit "
              "uploads it, or use an environment in an s3:// or hdfs:// store");
        }
      }
    }
    conf(manager == ClusterManager::kYarn ? "spark.yarn.dist.archives" : "spark.archives",
         Archives(plan));
    if (manager == ClusterManager::kYarn && !plan.layers.empty()) {
      conf("spark.yarn.dist.files", LayerFiles(plan));
    }
    conf("spark.executorEnv.PYTHONPATH", RelativePythonPath(plan));
    if (plan.deploy_mode == DeployMode::kCluster && manager != ClusterManager::kStandalone) {
      const std::string prefix = manager == ClusterManager::kYarn ? "spark.yarn.appMasterEnv."
                                                                  : "spark.kubernetes.driverEnv.";
      conf(prefix + "PYTHONPATH", RelativePythonPath(plan));
      conf(prefix + "SPARKENV_ROLE", kRoleDriver);
    }
  }
  if (!plan.python.empty()) conf("spark.pyspark.python", plan.python);
  if (NeedsLocalCopies(plan)) {
    out.driver_env.push_back({"PYTHONPATH", LocalPythonPath(plan)});
    out.driver_env.push_back({"SPARKENV_ROLE", kRoleDriver});
  }
  return out;
}

std::string ShellQuote(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    if (!(IsAsciiAlnum(c) ||
          std::string_view("@%+=:,./_-#[]*").find(c) != std::string_view::npos)) {
      plain = false;
    }
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ToConfFlags(const SparkSettings& settings) {
  std::string out;
  for (const Setting& s : settings.conf)
    out += "--conf " + ShellQuote(s.key + "=" + s.value) + "\n";
  return out;
}

std::string ToProperties(const SparkSettings& settings) {
  // java.util.Properties: '\' escapes; keys here have no separators or
  // spaces, values need only backslashes escaped (and a leading space).
  std::string out;
  for (const Setting& s : settings.conf) {
    std::string value;
    for (size_t i = 0; i < s.value.size(); ++i) {
      char c = s.value[i];
      if (c == '\\' || (i == 0 && c == ' ')) value += '\\';
      value += c;
    }
    out += s.key + "=" + value + "\n";
  }
  return out;
}

std::string ToJson(const SparkSettings& settings) {
  nlohmann::ordered_json j;
  j["conf"] = nlohmann::ordered_json::object();
  for (const Setting& s : settings.conf) j["conf"][s.key] = s.value;
  j["driver_env"] = nlohmann::ordered_json::object();
  for (const Setting& s : settings.driver_env) j["driver_env"][s.key] = s.value;
  return j.dump(2) + "\n";
}

}  // namespace sparkenv::spark
