// The Spark settings that activate an environment, per cluster manager and
// deploy mode (docs/activation.md explains each choice):
//
//   executors   standalone, Kubernetes: every layer and the bootstrap as
//               archives Spark unpacks into the executor's working folder
//               (= its SparkFiles root; spark.archives);
//               spark.executorEnv.PYTHONPATH = the bootstrap folder, then
//               each layer's site-packages, relative to that folder.
//               YARN: the bootstrap as an archive (spark.yarn.dist.archives),
//               each layer as a file (spark.yarn.dist.files, localized once
//               per node when PUBLIC), unpacked by the bootstrap; the
//               PYTHONPATH is the bootstrap folder alone.
//   driver      client mode: the driver runs here, so its PYTHONPATH names
//               local copies (driver_env, for the spark-submit process);
//               cluster mode: the same relative PYTHONPATH in the driver's
//               container (spark.yarn.appMasterEnv.*,
//               spark.kubernetes.driverEnv.*).
//               Standalone cluster mode: the driver runs sparkenv's
//               launcher (boot.h), which is also the bootstrap archive and
//               fetches the layers on the driver and the executors.
//   local[N]    tasks run in the driver's JVM and working folder: no
//               archives, the executors' PYTHONPATH names the local copies.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spark/master.h"

namespace sparkenv::spark {

struct PlannedLayer {
  std::string sha256;
  std::string url;  // where Spark / YARN read the layer's archive (a Hadoop URL)
};

struct ActivationPlan {
  Master master;
  DeployMode deploy_mode = DeployMode::kClient;
  std::vector<PlannedLayer> layers;  // in the manifest's order
  std::string boot_name;             // sparkenv-boot-<16 hex>
  std::string boot_url;              // the bootstrap archive
  // Client mode (and local masters): the driver's local copies.
  std::string driver_boot_dir;
  std::vector<std::string> driver_site_dirs;  // one per layer, in order
  std::string python;                         // spark.pyspark.python; empty: not set
  // The executors take the layers from a node-level cache (the bootstrap
  // fetches them): only the bootstrap is shipped. Standalone and YARN; in
  // standalone cluster mode always (boot_url is then the launcher).
  bool node_cache = false;
  // The user's own settings (spark-submit --conf and properties), for the
  // checks that depend on them.
  std::map<std::string, std::string> user_conf;
};

struct Setting {
  std::string key;
  std::string value;
  bool operator==(const Setting&) const = default;
};

struct SparkSettings {
  std::vector<Setting> conf;        // --conf key=value, in a fixed order
  std::vector<Setting> driver_env;  // variables of the spark-submit process (client mode)
};

// "sparkenv-<first 16 hex digits of the layer's sha256>": the folder a
// layer is unpacked into (the fragment of its archive URL).
std::string LayerAlias(std::string_view sha256);

// The settings for `plan`. Errors: a deploy mode the master cannot do
// (CheckDeployMode), client mode without the driver's local copies,
// Kubernetes cluster mode with a local archive but no
// spark.kubernetes.file.upload.path, a node cache with a local master or
// on Kubernetes.
Result<SparkSettings> MakeSettings(const ActivationPlan& plan);

// How a setting the user also gave combines with ours: archive and file
// lists are joined with ',' (theirs first), PYTHONPATHs with ':' (ours first, so the
// environment wins), anything else is ours.
std::string MergeSetting(std::string_view key, std::string_view ours, std::string_view theirs);

// Output formats of `sparkenv spark-conf`.
std::string ToConfFlags(const SparkSettings& settings);   // one "--conf key=value" per line
std::string ToProperties(const SparkSettings& settings);  // spark-defaults.conf lines
std::string ToJson(const SparkSettings& settings);        // {"conf": {...}, "driver_env": {...}}

// Quotes `word` for a POSIX shell when it needs it ('...' with ' escaped).
std::string ShellQuote(std::string_view word);

}  // namespace sparkenv::spark
