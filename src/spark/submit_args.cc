#include "spark/submit_args.h"

#include <fstream>
#include <set>
#include <sstream>

#include "base/strings.h"

namespace sparkenv::spark {

namespace {

// spark-submit's options that take a value (SparkSubmitOptionParser).
const std::set<std::string>& ValueOptions() {
  static const std::set<std::string> options = {"--master",
                                                "--deploy-mode",
                                                "--class",
                                                "--name",
                                                "--jars",
                                                "--packages",
                                                "--exclude-packages",
                                                "--repositories",
                                                "--py-files",
                                                "--files",
                                                "--archives",
                                                "--conf",
                                                "-c",
                                                "--properties-file",
                                                "--driver-memory",
                                                "--driver-java-options",
                                                "--driver-library-path",
                                                "--driver-class-path",
                                                "--executor-memory",
                                                "--proxy-user",
                                                "--driver-cores",
                                                "--total-executor-cores",
                                                "--executor-cores",
                                                "--num-executors",
                                                "--queue",
                                                "--principal",
                                                "--keytab",
                                                "--kill",
                                                "--status",
                                                "--remote"};
  return options;
}

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

}  // namespace

Result<SubmitArgs> ParseSubmitArgs(const std::vector<std::string>& args) {
  SubmitArgs out;
  out.args = args;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!StartsWith(arg, "-") || arg == "-") break;  // the primary resource
    std::string name = arg;
    SubmitArgs::Value value;
    const size_t eq = arg.find('=');
    if (StartsWith(arg, "--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = {i, eq + 1};
    }
    if (!ValueOptions().contains(name)) continue;  // a flag (--verbose, --supervise, ...)
    if (eq == std::string::npos || !StartsWith(arg, "--")) {
      if (i + 1 >= args.size()) {
        return Error("spark-submit option " + name + " needs a value");
      }
      value = {++i, 0};
    }
    const std::string text = args[value.index].substr(value.offset);
    if (name == "--master") {
      out.master = text;
    } else if (name == "--deploy-mode") {
      out.deploy_mode = text;
    } else if (name == "--properties-file") {
      out.properties_file = text;
    } else if (name == "--archives") {
      out.archives = value;
    } else if (name == "--files") {
      out.files = value;
    } else if (name == "--py-files") {
      out.py_files = value;
    } else if (name == "--class") {
      out.main_class = value;
    } else if (name == "--name") {
      out.name = value;
    } else if (name == "--conf" || name == "-c") {
      const size_t sep = text.find('=');
      if (sep == std::string::npos || sep == 0) {
        return Error("spark-submit option " + name + " " + Quote(text) + ": expected KEY=VALUE");
      }
      const std::string key = text.substr(0, sep);
      out.conf[key] = {value.index, value.offset + sep + 1};
      out.conf_values[key] = text.substr(sep + 1);
    }
  }
  out.primary = i;
  if (out.primary >= args.size()) {
    return Error(
        "the spark-submit arguments name no application: expected options, then the Python "
        "file (e.g. -- --master yarn app.py ARGS)");
  }
  return out;
}

Result<std::string> LauncherApplication(const SubmitArgs& args,
                                        const std::map<std::string, std::string>& conf) {
  const std::string& primary = args.args[args.primary];
  const std::string where = "deploy mode cluster on a standalone cluster: ";
  if (args.main_class) {
    return Error(where + "--class is for JVM applications; sparkenv submit runs Python ones");
  }
  auto py_files = conf.find("spark.submit.pyFiles");
  if (args.py_files || (py_files != conf.end() && !py_files->second.empty())) {
    return Error(where +
                 "--py-files cannot reach the driver on its worker; build your own code into "
                 "the environment with 'sparkenv build --app PATH' instead");
  }
  std::string path = primary;
  if (StartsWith(path, "file://")) {
    path = path.substr(7);
  } else if (StartsWith(path, "file:")) {
    path = path.substr(5);
  } else if (path.find("://") != std::string::npos) {
    return Error(where + "the application " + Quote(primary) +
                 " must be a local file (sparkenv puts it into the driver's launcher)");
  }
  if (!EndsWith(path, ".py")) {
    return Error(where + "the application " + Quote(primary) + " must be a Python file (.py)");
  }
  return path;
}

SubmitArgs UseLauncher(const SubmitArgs& args, const std::map<std::string, std::string>& conf,
                       const std::string& url, const std::string& file_name) {
  SubmitArgs out = args;
  std::vector<std::string> head(args.args.begin(), args.args.begin() + args.primary);
  if (!args.name && !conf.contains("spark.app.name")) {
    std::string app = args.args[args.primary];
    const size_t slash = app.rfind('/');
    if (slash != std::string::npos) app = app.substr(slash + 1);
    head.insert(head.end(), {"--name", app});
  }
  head.insert(head.end(), {"--class", "org.apache.spark.deploy.PythonRunner"});
  out.primary = head.size();
  head.insert(head.end(), {url, file_name, ""});
  head.insert(head.end(), args.args.begin() + args.primary + 1, args.args.end());
  out.args = std::move(head);
  return out;
}

Result<std::map<std::string, std::string>> ReadProperties(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot read the properties file " + Quote(path), ErrorKind::kNotFound);
  std::map<std::string, std::string> out;
  std::string line;
  std::string logical;
  auto flush = [&](const std::string& text) {
    std::string_view t = TrimAscii(text);
    if (t.empty() || t.front() == '#' || t.front() == '!') return;
    size_t k = 0;
    std::string key;
    while (k < t.size() && !IsAsciiSpace(t[k]) && t[k] != '=' && t[k] != ':') {
      if (t[k] == '\\' && k + 1 < t.size()) ++k;
      key += t[k++];
    }
    while (k < t.size() && IsAsciiSpace(t[k])) ++k;
    if (k < t.size() && (t[k] == '=' || t[k] == ':')) ++k;
    while (k < t.size() && IsAsciiSpace(t[k])) ++k;
    std::string value;
    for (; k < t.size(); ++k) {
      if (t[k] == '\\' && k + 1 < t.size()) {
        const char c = t[++k];
        value += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
      } else {
        value += t[k];
      }
    }
    out[key] = value;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // A line ending in an odd number of backslashes continues on the next.
    size_t slashes = 0;
    while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) {
      logical += line.substr(0, line.size() - 1);
      continue;
    }
    logical += logical.empty() ? line : std::string(TrimAscii(line));
    flush(logical);
    logical.clear();
  }
  if (!logical.empty()) flush(logical);
  return out;
}

Result<std::map<std::string, std::string>> EffectiveConf(const SubmitArgs& args,
                                                         const Getenv& getenv) {
  std::map<std::string, std::string> conf;
  std::optional<std::string> file = args.properties_file;
  if (!file) {
    for (const auto& [var, sub] : {std::pair{"SPARK_CONF_DIR", ""}, {"SPARK_HOME", "/conf"}}) {
      if (auto dir = getenv(var); dir && !dir->empty()) {
        const std::string candidate = *dir + sub + "/spark-defaults.conf";
        if (std::ifstream(candidate).good()) file = candidate;
        break;
      }
    }
  }
  if (file) {
    auto props = ReadProperties(*file);
    if (!props.ok()) return props.error();
    for (auto& [k, v] : *props) {
      if (StartsWith(k, "spark.")) conf[k] = v;
    }
  }
  for (const auto& [k, v] : args.conf_values) conf[k] = v;
  return conf;
}

Result<Master> EffectiveMaster(const SubmitArgs& args,
                               const std::map<std::string, std::string>& conf,
                               const Getenv& getenv) {
  std::string text = "local[*]";
  if (args.master) {
    text = *args.master;
  } else if (auto it = conf.find("spark.master"); it != conf.end()) {
    text = it->second;
  } else if (auto env = getenv("MASTER"); env && !env->empty()) {
    text = *env;
  }
  return ParseMaster(text);
}

Result<DeployMode> EffectiveDeployMode(const SubmitArgs& args,
                                       const std::map<std::string, std::string>& conf,
                                       const Getenv& getenv) {
  std::string text = "client";
  if (args.deploy_mode) {
    text = *args.deploy_mode;
  } else if (auto it = conf.find("spark.submit.deployMode"); it != conf.end()) {
    text = it->second;
  } else if (auto env = getenv("DEPLOY_MODE"); env && !env->empty()) {
    text = *env;
  }
  return ParseDeployMode(text);
}

std::vector<std::string> ApplySettings(const SubmitArgs& args, const Master& master,
                                       const std::map<std::string, std::string>& properties,
                                       const SparkSettings& settings) {
  std::vector<std::string> out = args.args;
  std::vector<std::string> added;
  const std::string archives_key =
      master.manager == ClusterManager::kYarn ? "spark.yarn.dist.archives" : "spark.archives";
  auto rewrite = [&](const SubmitArgs::Value& v, const std::string& key, const std::string& ours) {
    std::string& arg = out[v.index];
    const std::string theirs = arg.substr(v.offset);
    arg = arg.substr(0, v.offset) + MergeSetting(key, ours, theirs);
  };
  const std::string files_key =
      master.manager == ClusterManager::kYarn ? "spark.yarn.dist.files" : "spark.files";
  for (const Setting& s : settings.conf) {
    if (s.key == archives_key && args.archives) {
      rewrite(*args.archives, s.key, s.value);
    } else if (s.key == files_key && args.files) {
      rewrite(*args.files, s.key, s.value);
    } else if (auto it = args.conf.find(s.key); it != args.conf.end()) {
      rewrite(it->second, s.key, s.value);
    } else if (auto p = properties.find(s.key); p != properties.end()) {
      added.push_back("--conf");
      added.push_back(s.key + "=" + MergeSetting(s.key, s.value, p->second));
    } else {
      added.push_back("--conf");
      added.push_back(s.key + "=" + s.value);
    }
  }
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(args.primary), added.begin(), added.end());
  return out;
}

}  // namespace sparkenv::spark
