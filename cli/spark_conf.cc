// sparkenv spark-conf: the settings `sparkenv submit` adds, for a launcher
// of your own (Airflow, Livy, a script).
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "command.h"
#include "spark/activation.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kSparkConfFooter = R"(Examples:
  sparkenv spark-conf hdfs:///user/alice/envs/myapp:prod --master yarn --deploy-mode cluster
  sparkenv spark-conf s3://bucket/envs/myapp --master k8s://https://api:6443 --deploy-mode cluster --format properties
  sparkenv spark-conf build/myenv --master 'local[4]' --format json

Prints the settings that activate the environment for this master and
deploy mode: '--conf key=value' lines (shell words), a properties file
(spark-defaults.conf syntax) or JSON ({"conf": ..., "driver_env": ...}).
In client mode the driver runs where the settings are used: the layers are
unpacked here and the driver needs the PYTHONPATH printed under driver_env
(stderr for the other formats). See docs/spark.md.)";

struct SparkConfOptions {
  ActivationOptions activation;
  std::string master;
  std::string deploy_mode = "client";
  std::string format = "conf";
  std::vector<std::string> conf;
};

}  // namespace

std::function<int()> SetupSparkConf(CLI::App* app) {
  auto o = std::make_shared<SparkConfOptions>();
  app->add_option(
         "--master", o->master,
         "Spark master: local[N], local-cluster[N,C,M], spark://HOST:PORT, yarn, k8s://URL")
      ->required();
  app->add_option("--deploy-mode", o->deploy_mode, "client (default) or cluster");
  app->add_option("--format", o->format, "conf (default), properties or json");
  AddActivationOptions(app, &o->activation, /*env_positional=*/true);
  app->add_option("--conf", o->conf,
                  "A setting the launcher also passes (KEY=VALUE), e.g. "
                  "spark.kubernetes.file.upload.path; repeatable");
  app->footer(kSparkConfFooter);
  return [o] {
    if (o->format != "conf" && o->format != "properties" && o->format != "json") {
      return ReportError(
          Error("unknown format " + Quote(o->format) + ": expected conf, properties or json"));
    }
    auto master = spark::ParseMaster(o->master);
    if (!master.ok()) return ReportError(master.error());
    auto mode = spark::ParseDeployMode(o->deploy_mode);
    if (!mode.ok()) return ReportError(mode.error());
    if (spark::NeedsLauncher(*master, *mode)) {
      return ReportError(
          Error("deploy mode cluster on the standalone cluster " + Quote(master->url) +
                ": spark-submit refuses a Python application there, so no settings can do it; "
                "'sparkenv submit' runs it through a launcher (docs/spark.md)"));
    }
    spark::ActivationRequest request;
    Status filled = FillActivationRequest(o->activation, &request);
    if (!filled.ok()) return ReportError(filled.error());
    request.master = *master;
    request.deploy_mode = *mode;
    for (const std::string& kv : o->conf) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return ReportError(Error("--conf " + Quote(kv) + ": expected KEY=VALUE"));
      }
      request.user_conf[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto prepared = spark::PrepareActivation(request);
    if (!prepared.ok()) return ReportError(prepared.error());
    const spark::SparkSettings& s = prepared->settings;
    if (o->format == "json") {
      std::cout << spark::ToJson(s);
      return kExitOk;
    }
    std::cout << (o->format == "conf" ? spark::ToConfFlags(s) : spark::ToProperties(s));
    if (!s.driver_env.empty()) {
      std::cerr << "sparkenv: client mode: run the driver with";
      for (const spark::Setting& e : s.driver_env) {
        std::cerr << " " << e.key << "=" << spark::ShellQuote(e.value);
      }
      std::cerr << "\n";
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
