// spark-submit's command line, read and amended: what `sparkenv submit`
// needs to know (master, deploy mode, the settings it will merge with) and
// the new command line with the activation settings added.
//
// The grammar is spark-submit's own (SparkSubmitArguments): options before
// the primary resource (the application file), each `--opt value` or
// `--opt=value`; everything from the primary resource on belongs to the
// application and is never touched. Settings come, lowest precedence
// first, from the properties file (--properties-file, else
// spark-defaults.conf of SPARK_CONF_DIR or SPARK_HOME/conf), then --conf,
// then the dedicated options (--master, --deploy-mode, --archives, --files).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "spark/master.h"
#include "spark/settings.h"

namespace sparkenv::spark {

struct SubmitArgs {
  struct Value {
    size_t index = 0;   // the argument holding the value
    size_t offset = 0;  // where the value starts in it ("--conf=k=v" / "k=v")
  };
  std::vector<std::string> args;
  size_t primary = 0;  // index of the primary resource (== args.size(): none)
  std::optional<std::string> master;
  std::optional<std::string> deploy_mode;
  std::optional<std::string> properties_file;
  std::optional<Value> archives;      // --archives
  std::optional<Value> files;         // --files
  std::optional<Value> py_files;      // --py-files
  std::optional<Value> main_class;    // --class
  std::optional<Value> name;          // --name
  std::map<std::string, Value> conf;  // --conf key=value (the last one of each key)
  std::map<std::string, std::string> conf_values;
};

// Parses spark-submit arguments. Errors: an option missing its value, a
// --conf without '=', no primary resource.
Result<SubmitArgs> ParseSubmitArgs(const std::vector<std::string>& args);

// Reads a Java properties file (spark-defaults.conf): `key value`,
// `key=value` or `key: value` lines, '#'/'!' comments, '\' continuations.
Result<std::map<std::string, std::string>> ReadProperties(const std::string& path);

// The settings in effect: the properties file's, then --conf (which wins).
// `getenv` finds SPARK_CONF_DIR / SPARK_HOME for spark-defaults.conf.
Result<std::map<std::string, std::string>> EffectiveConf(
    const SubmitArgs& args,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

// Master and deploy mode as spark-submit decides them: the options, else
// spark.master / spark.submit.deployMode, else the MASTER / DEPLOY_MODE
// variables, else local[*] and client.
Result<Master> EffectiveMaster(
    const SubmitArgs& args, const std::map<std::string, std::string>& conf,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);
Result<DeployMode> EffectiveDeployMode(
    const SubmitArgs& args, const std::map<std::string, std::string>& conf,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

// The command line with `settings` added: a setting the user also gave is
// merged (MergeSetting) into the argument that gave it (--archives and
// --files for the keys they set on this cluster manager, else the last
// --conf), or, when it
// came from the properties file, added as --conf with the merged value;
// the rest are added as --conf right before the primary resource.
std::vector<std::string> ApplySettings(const SubmitArgs& args, const Master& master,
                                       const std::map<std::string, std::string>& properties,
                                       const SparkSettings& settings);

// Standalone cluster mode (NeedsLauncher): the application script the
// launcher carries, i.e. the primary resource as a local path. Errors: not a
// .py file, not a local file (a URL), --py-files or spark.submit.pyFiles
// (they would not reach the driver on its worker: build your own code into
// the environment with `sparkenv build --app`), --class.
Result<std::string> LauncherApplication(const SubmitArgs& args,
                                        const std::map<std::string, std::string>& conf);

// The command line with the primary resource replaced by the launcher, as
// spark-submit takes a JVM application in standalone cluster mode: `[--name
// APP.py] --class org.apache.spark.deploy.PythonRunner URL FILE_NAME ''
// ARGS...` (PythonRunner's arguments: the Python file in the driver's
// folder, the --py-files list, the application's). --name keeps the
// application's name (spark-submit would name it after the class) unless
// the user set one.
SubmitArgs UseLauncher(const SubmitArgs& args, const std::map<std::string, std::string>& conf,
                       const std::string& url, const std::string& file_name);

}  // namespace sparkenv::spark
