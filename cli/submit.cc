// sparkenv submit: spark-submit with an environment active on the driver and
// on every executor.
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "command.h"
#include "spark/activation.h"
#include "spark/launcher.h"
#include "spark/submit_args.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kSubmitFooter = R"(Examples:
  sparkenv submit --env hdfs:///user/alice/envs/myapp:prod -- --master yarn --deploy-mode cluster app.py 1 2
  sparkenv submit --env build/myenv -- --master 'local[4]' app.py
  sparkenv submit --env s3://bucket/envs/myapp -- --master spark://host:7077 --conf spark.executor.memory=2g app.py

Everything after '--' is spark-submit's command line, unchanged except for
the settings that activate the environment (archives for the layers and a
small bootstrap, spark.executorEnv.PYTHONPATH, spark.yarn.appMasterEnv.* in
YARN cluster mode, ...), merged with the same settings of your own. In client
mode (and with local masters) the layers are unpacked once into the cache and
put on the driver's PYTHONPATH. In cluster mode on a standalone cluster,
which spark-submit refuses for Python, the application goes into a launcher
that Spark's PythonRunner runs on the driver's worker (published next to
the environment; file:// and hdfs:// stores). spark-submit comes from
--spark-home, $SPARK_HOME or PATH. See docs/spark.md.)";

struct SubmitArgsOptions {
  ActivationOptions activation;
  std::string spark_home;
  bool dry_run = false;
  bool quiet = false;
  std::vector<std::string> spark_args;
};

std::string CommandLine(const std::vector<spark::Setting>& env,
                        const std::vector<std::string>& argv) {
  std::string out;
  for (const spark::Setting& s : env) out += s.key + "=" + spark::ShellQuote(s.value) + " ";
  for (size_t i = 0; i < argv.size(); ++i) out += (i ? " " : "") + spark::ShellQuote(argv[i]);
  return out;
}

}  // namespace

std::function<int()> SetupSubmit(CLI::App* app) {
  auto o = std::make_shared<SubmitArgsOptions>();
  AddActivationOptions(app, &o->activation, /*env_positional=*/false);
  app->add_option("--spark-home", o->spark_home, "Spark's folder (default $SPARK_HOME, else PATH)");
  app->add_flag("--dry-run", o->dry_run, "Print the spark-submit command instead of running it");
  app->add_flag("-q,--quiet", o->quiet, "Print nothing before running spark-submit");
  app->add_option("spark-submit-args", o->spark_args, "spark-submit's arguments, after '--'")
      ->required();
  app->footer(kSubmitFooter);
  return [o] {
    auto getenv = spark::ProcessGetenv();
    auto args = spark::ParseSubmitArgs(o->spark_args);
    if (!args.ok()) return ReportError(args.error());
    auto conf = spark::EffectiveConf(*args, getenv);
    if (!conf.ok()) return ReportError(conf.error());
    auto master = spark::EffectiveMaster(*args, *conf, getenv);
    if (!master.ok()) return ReportError(master.error());
    auto mode = spark::EffectiveDeployMode(*args, *conf, getenv);
    if (!mode.ok()) return ReportError(mode.error());

    spark::ActivationRequest request;
    Status filled = FillActivationRequest(o->activation, &request);
    if (!filled.ok()) return ReportError(filled.error());
    request.master = *master;
    request.deploy_mode = *mode;
    request.user_conf = *conf;
    // What cannot work is refused before anything is prepared.
    Status supported = spark::CheckDeployMode(*master, *mode);
    if (!supported.ok()) return ReportError(supported.error());
    if (spark::NeedsLauncher(*master, *mode)) {
      auto script = spark::LauncherApplication(*args, *conf);
      if (!script.ok()) return ReportError(script.error());
      request.app_file = *script;
    }
    auto submit = spark::FindSparkSubmit(o->spark_home, getenv);
    if (!submit.ok()) return ReportError(submit.error());
    auto prepared = spark::PrepareActivation(request);
    if (!prepared.ok()) return ReportError(prepared.error());

    spark::SubmitArgs submit_args = *args;
    if (prepared->launcher) {
      submit_args =
          spark::UseLauncher(*args, *conf, prepared->launcher->url, prepared->launcher->file_name);
    }
    std::vector<std::string> argv = {*submit};
    std::vector<std::string> rest =
        spark::ApplySettings(submit_args, *master, *conf, prepared->settings);
    argv.insert(argv.end(), rest.begin(), rest.end());
    const auto& m = prepared->env.manifest;
    if (o->dry_run) {
      std::cout << CommandLine(prepared->settings.driver_env, argv) << "\n";
      return kExitOk;
    }
    if (!o->quiet) {
      std::cerr << "sparkenv: environment " << m.env_id.substr(0, 12) << " (" << m.layers.size()
                << " layers) on " << master->url << ", " << spark::ToString(*mode) << " mode";
      if (prepared->local.unpacked > 0) {
        std::cerr << "; unpacked " << prepared->local.unpacked << " layers for the driver";
      }
      if (prepared->launcher) {
        const std::string& url = prepared->launcher->url;  // a presigned URL's query is long
        std::cerr << "; the driver starts from the launcher " << url.substr(0, url.find('?'));
      }
      std::cerr << "\n";
    }
    std::cout.flush();
    std::cerr.flush();
    auto env = spark::MergeEnvironment(spark::ProcessEnvironment(), prepared->settings.driver_env);
    return ReportError(spark::ExecProcess(argv, env));
  };
}

}  // namespace sparkenv::cli
