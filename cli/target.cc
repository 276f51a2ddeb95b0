// sparkenv target show: describe the cluster's interpreter (markers and tags).
#include "spec/target.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "command.h"
#include "spark/boot.h"
#include "spark/launcher.h"
#include "spark/probe.h"
#include "spark/python_package.h"
#include "spark/submit_args.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kShowFooter = R"(Examples:
  sparkenv target show --python 3.11 --platform manylinux_2_28_x86_64
  sparkenv target show --python 3.12.4 --platform musllinux_1_2_aarch64 --json
  sparkenv target show --python 3.11 --platform macosx_11_0_arm64
  sparkenv target show --target cluster-target.json

A declared target is a CPython interpreter: python_full_version defaults to
X.Y.0, platform_release and platform_version are empty. Each --platform expands
to every older compatible tag (manylinux_2_28 -> ... manylinux_2_17,
manylinux2014, ... manylinux1 on x86_64); linux_<arch> (a local build) comes
after every portable tag. --target reads sparkenv's format (the --json output)
or the output of 'pex3 interpreter inspect --markers --tags'. See docs/targets.md.)";

constexpr const char* kProbeFooter = R"(Examples:
  sparkenv target probe --master yarn -o cluster-target.json
  sparkenv target probe --master spark://host:7077 -o target.json -- --conf spark.pyspark.python=/opt/py311/bin/python3
  sparkenv lock -r requirements.txt --target cluster-target.json

Runs a small PySpark job (client mode, spark-submit from --spark-home,
$SPARK_HOME or PATH; extra spark-submit options after '--') whose tasks
report each executor's interpreter and platform, and writes the target file
(what 'sparkenv target show --json' prints) to -o, or to stdout. The target
is exactly what --python X.Y.Z --platform manylinux_2_<glibc>_<arch> declares
for that interpreter. Executors running different interpreters are refused
with a report of each. See docs/targets.md.)";

struct ProbeArgs {
  std::string master;
  std::string output;
  std::string spark_home;
  std::string cache_dir;
  std::vector<std::string> spark_args;
};

int RunProbe(const ProbeArgs& args) {
  auto getenv = spark::ProcessGetenv();
  auto master = spark::ParseMaster(args.master);
  if (!master.ok()) return ReportError(master.error());
  for (size_t i = 0; i < args.spark_args.size(); ++i) {
    const std::string& a = args.spark_args[i];
    if (a == "--master" || a.starts_with("--master=") || a == "--deploy-mode" ||
        a.starts_with("--deploy-mode=")) {
      return ReportError(
          Error("give the master with --master, not after '--': the probe "
                "always runs its driver here (client mode)"));
    }
  }
  auto submit = spark::FindSparkSubmit(args.spark_home, getenv);
  if (!submit.ok()) return ReportError(submit.error());
  auto cache = CacheRoot(args.cache_dir);
  if (!cache.ok()) return ReportError(cache.error());
  const std::string dir = (std::filesystem::path(*cache) / spark::kSparkCacheFolder / "python" /
                           spark::PythonSourcesHash().substr(0, 16))
                              .string();
  if (!std::filesystem::exists(std::filesystem::path(dir) / "sparkenv.zip")) {
    Status s = spark::WritePythonPackage(dir);
    if (!s.ok()) return ReportError(s.error());
  }
  std::vector<std::string> argv = {*submit,
                                   "--master",
                                   master->url,
                                   "--deploy-mode",
                                   "client",
                                   "--name",
                                   "sparkenv target probe",
                                   "--py-files",
                                   dir + "/sparkenv.zip"};
  argv.insert(argv.end(), args.spark_args.begin(), args.spark_args.end());
  argv.push_back(dir + "/sparkenv/_probe.py");
  std::cerr << "sparkenv: probing the executors of " << master->url << "\n";
  std::string out;
  auto rc = spark::RunCapturingStdout(argv, spark::ProcessEnvironment(), &out);
  if (!rc.ok()) return ReportError(rc.error());
  if (*rc != 0) {
    return ReportError(Error("the probe application failed: spark-submit exited " +
                                 std::to_string(*rc) + " (its output is above)",
                             ErrorKind::kIo));
  }
  auto probe = spark::ParseProbeOutput(out);
  if (!probe.ok()) return ReportError(probe.error());
  auto target = spark::TargetFromProbe(*probe);
  if (!target.ok()) return ReportError(target.error());
  std::cerr << target->report << "\n";
  const std::string text = target->target.ToJson(2) + "\n";
  if (args.output.empty() || args.output == "-") {
    std::cout << text;
    return kExitOk;
  }
  Status s = spark::WriteFileAtomically(args.output, text);
  if (!s.ok()) return ReportError(s.error());
  std::cerr << "Wrote " << args.output << "\n";
  return kExitOk;
}

struct ShowArgs {
  spec::TargetOptions options;
  bool json = false;
};

void PrintHuman(const spec::Target& target) {
  size_t width = 0;
  for (const auto& [name, value] : target.markers()) width = std::max(width, name.size());
  std::cout << "Marker environment:\n";
  for (const auto& [name, value] : target.markers()) {
    std::cout << "  " << name << std::string(width - name.size(), ' ') << " = \"" << value
              << "\"\n";
  }
  const auto& tags = target.tags();
  std::cout << "\nTags, best first (" << tags.size() << "):\n";
  const size_t digits = std::to_string(tags.size()).size();
  for (size_t i = 0; i < tags.size(); ++i) {
    std::string number = std::to_string(i + 1);
    std::cout << "  " << std::string(digits - number.size(), ' ') << number << "  "
              << tags[i].ToString() << "\n";
  }
}

}  // namespace

void AddTargetOptions(CLI::App* app, spec::TargetOptions* options) {
  app->add_option("--python", options->python,
                  "Python version of the cluster's interpreter: X.Y or X.Y.Z (3.7 and later)");
  app->add_option("--implementation", options->implementation,
                  "Python implementation: cp (CPython, the default)");
  app->add_option("--platform", options->platforms,
                  "Platform tag of the cluster, e.g. manylinux_2_28_x86_64, musllinux_1_2_x86_64, "
                  "macosx_11_0_arm64; repeat for more, best first")
      ->allow_extra_args(false);
  app->add_option("--abi", options->abi,
                  "CPython ABI: cpXY (default), cpXYd (debug), cpXYt (free-threaded, 3.13+), "
                  "cp37m (3.7)");
  app->add_option("--target", options->target_file,
                  "Target file (JSON) instead of the options above: the output of "
                  "'sparkenv target show --json' or 'pex3 interpreter inspect --markers --tags'");
}

std::function<int()> SetupTarget(CLI::App* app) {
  app->require_subcommand(1);
  app->footer(std::string("Run 'sparkenv target show --help' or 'sparkenv target probe --help' for "
                          "every option.\n\n") +
              kShowFooter);
  CLI::App* probe = app->add_subcommand(
      "probe", "Run a small Spark job that describes the executors' interpreter as a target file");
  auto probe_args = std::make_shared<ProbeArgs>();
  probe
      ->add_option("--master", probe_args->master,
                   "Spark master: local[N], spark://HOST:PORT, yarn, k8s://URL")
      ->required();
  probe->add_option("-o,--output", probe_args->output, "Target file to write (default: stdout)");
  probe->add_option("--spark-home", probe_args->spark_home,
                    "Spark's folder (default $SPARK_HOME, else PATH)");
  AddCacheDirOption(probe, &probe_args->cache_dir);
  probe->add_option("spark-submit-args", probe_args->spark_args,
                    "More spark-submit options, after '--'");
  probe->footer(kProbeFooter);
  std::function<int()> probe_action = [probe_args] { return RunProbe(*probe_args); };
  CLI::App* show =
      app->add_subcommand("show", "Print the marker environment and ordered tags of a target");
  auto args = std::make_shared<ShowArgs>();
  AddTargetOptions(show, &args->options);
  show->add_flag("--json", args->json,
                 "Print {\"markers\": {...}, \"tags\": [...]} (a target file) instead of text");
  show->footer(kShowFooter);

  return [args, show, probe_action] {
    if (!show->parsed()) return probe_action();
    auto target = spec::Target::FromOptions(args->options);
    if (!target) return ReportError(target.error());
    if (args->json) {
      std::cout << target->ToJson(2) << "\n";
    } else {
      PrintHuman(*target);
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
