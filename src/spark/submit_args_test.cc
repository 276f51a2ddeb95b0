#include "spark/submit_args.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sparkenv::spark {
namespace {

namespace fs = std::filesystem;

std::function<std::optional<std::string>(const std::string&)> Env(
    const std::map<std::string, std::string>& vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ParseSubmitArgsTest, OptionsUpToThePrimaryResource) {
  auto a = ParseSubmitArgs({"--master", "yarn", "--deploy-mode=cluster", "--verbose", "--conf",
                            "spark.x=1", "-c", "spark.y=a=b", "--conf=spark.x=2", "--archives",
                            "z.zip#z", "app.py", "--master", "local", "--conf", "k=v"});
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->master, "yarn");
  EXPECT_EQ(a->deploy_mode, "cluster");
  EXPECT_EQ(a->primary, 11u);
  EXPECT_EQ(a->conf_values,
            (std::map<std::string, std::string>{{"spark.x", "2"}, {"spark.y", "a=b"}}));
  EXPECT_EQ(a->conf.at("spark.x").index, 8u);
  EXPECT_EQ(a->conf.at("spark.x").offset, 15u);  // after "--conf=spark.x="
  ASSERT_TRUE(a->archives);
  EXPECT_EQ(a->archives->index, 10u);
}

TEST(ParseSubmitArgsTest, Errors) {
  EXPECT_EQ(ParseSubmitArgs({"--master", "yarn"}).error().message(),
            "the spark-submit arguments name no application: expected options, then the Python "
            "file (e.g. -- --master yarn app.py ARGS)");
  EXPECT_EQ(ParseSubmitArgs({"--conf", "novalue", "app.py"}).error().message(),
            "spark-submit option --conf 'novalue': expected KEY=VALUE");
  EXPECT_EQ(ParseSubmitArgs({"app.py", "--master"}).ok(), true);  // the app's own arguments
  EXPECT_EQ(ParseSubmitArgs({"--name"}).error().message(),
            "spark-submit option --name needs a value");
}

TEST(LauncherTest, TheApplicationIsALocalPythonFile) {
  const std::map<std::string, std::string> none;
  auto a = ParseSubmitArgs({"--master", "spark://h:7077", "jobs/app.py", "1"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*LauncherApplication(*a, none), "jobs/app.py");
  EXPECT_EQ(*LauncherApplication(*ParseSubmitArgs({"file:///srv/app.py"}), none), "/srv/app.py");
  const std::string p = "deploy mode cluster on a standalone cluster: ";
  EXPECT_EQ(LauncherApplication(*ParseSubmitArgs({"hdfs:///apps/app.py"}), none).error().message(),
            p + "the application 'hdfs:///apps/app.py' must be a local file (sparkenv puts it "
                "into the driver's launcher)");
  EXPECT_EQ(LauncherApplication(*ParseSubmitArgs({"app.jar"}), none).error().message(),
            p + "the application 'app.jar' must be a Python file (.py)");
  EXPECT_EQ(LauncherApplication(*ParseSubmitArgs({"--py-files", "lib.zip", "app.py"}), none)
                .error()
                .message(),
            p + "--py-files cannot reach the driver on its worker; build your own code into the "
                "environment with 'sparkenv build --app PATH' instead");
  EXPECT_FALSE(LauncherApplication(*ParseSubmitArgs({"app.py"}),
                                   {{"spark.submit.pyFiles", "hdfs:///lib.zip"}})
                   .ok());
  EXPECT_EQ(
      LauncherApplication(*ParseSubmitArgs({"--class", "a.B", "app.py"}), none).error().message(),
      p + "--class is for JVM applications; sparkenv submit runs Python ones");
}

TEST(LauncherTest, ThePrimaryResourceBecomesTheLauncherRunByPythonRunner) {
  auto a = ParseSubmitArgs(
      {"--master", "spark://h:7077", "--deploy-mode", "cluster", "jobs/app.py", "--in", "x"});
  ASSERT_TRUE(a.ok());
  SubmitArgs l = UseLauncher(*a, {}, "hdfs://nn:8020/envs/launch/x.jar", "sparkenv-boot-1.jar");
  EXPECT_EQ(l.args,
            (std::vector<std::string>{
                "--master", "spark://h:7077", "--deploy-mode", "cluster", "--name", "app.py",
                "--class", "org.apache.spark.deploy.PythonRunner",
                "hdfs://nn:8020/envs/launch/x.jar", "sparkenv-boot-1.jar", "", "--in", "x"}));
  EXPECT_EQ(l.args[l.primary], "hdfs://nn:8020/envs/launch/x.jar");
  // Settings go before the primary resource, as for any application.
  SparkSettings s;
  s.conf = {{"spark.archives", "L#b"}};
  auto argv = ApplySettings(l, *ParseMaster("spark://h:7077"), {}, s);
  EXPECT_EQ(
      std::vector<std::string>(argv.begin() + 8, argv.end()),
      (std::vector<std::string>{"--conf", "spark.archives=L#b", "hdfs://nn:8020/envs/launch/x.jar",
                                "sparkenv-boot-1.jar", "", "--in", "x"}));
  // The user's own name stays.
  a = ParseSubmitArgs({"--name", "nightly", "app.py"});
  EXPECT_EQ(UseLauncher(*a, {}, "u", "f").args,
            (std::vector<std::string>{"--name", "nightly", "--class",
                                      "org.apache.spark.deploy.PythonRunner", "u", "f", ""}));
  EXPECT_EQ(
      UseLauncher(*ParseSubmitArgs({"app.py"}), {{"spark.app.name", "n"}}, "u", "f").args,
      (std::vector<std::string>{"--class", "org.apache.spark.deploy.PythonRunner", "u", "f", ""}));
}

TEST(ApplySettingsTest, MergesWithTheUsersOwnSettings) {
  auto a = ParseSubmitArgs({"--master", "yarn", "--archives", "mine.zip#m", "--conf",
                            "spark.executorEnv.PYTHONPATH=/opt/lib", "app.py", "x"});
  ASSERT_TRUE(a.ok());
  SparkSettings s;
  s.conf = {{"spark.yarn.dist.archives", "L#l,B#b"},
            {"spark.executorEnv.PYTHONPATH", "b:l/site-packages"},
            {"spark.yarn.appMasterEnv.PYTHONPATH", "b:l/site-packages"},
            {"spark.yarn.appMasterEnv.SPARKENV_ROLE", "driver"}};
  const std::map<std::string, std::string> props = {
      {"spark.yarn.appMasterEnv.PYTHONPATH", "/site/lib"}};
  EXPECT_EQ(ApplySettings(*a, *ParseMaster("yarn"), props, s),
            (std::vector<std::string>{
                "--master", "yarn", "--archives", "mine.zip#m,L#l,B#b", "--conf",
                "spark.executorEnv.PYTHONPATH=b:l/site-packages:/opt/lib", "--conf",
                "spark.yarn.appMasterEnv.PYTHONPATH=b:l/site-packages:/site/lib", "--conf",
                "spark.yarn.appMasterEnv.SPARKENV_ROLE=driver", "app.py", "x"}));
  // On other cluster managers --archives is spark.archives: a YARN key is
  // not merged into it.
  s.conf = {{"spark.archives", "L#l"}};
  EXPECT_EQ(ApplySettings(*a, *ParseMaster("spark://h:1"), {}, s)[3], "mine.zip#m,L#l");
  s.conf = {{"spark.yarn.dist.archives", "L#l"}};
  EXPECT_EQ(ApplySettings(*a, *ParseMaster("spark://h:1"), {}, s)[3], "mine.zip#m");
  // --files on YARN is spark.yarn.dist.files.
  auto f = ParseSubmitArgs({"--files=my.conf", "app.py"});
  s.conf = {{"spark.yarn.dist.files", "L.tar.gz#l.tar.gz"}};
  EXPECT_EQ(ApplySettings(*f, *ParseMaster("yarn"), {}, s),
            (std::vector<std::string>{"--files=my.conf,L.tar.gz#l.tar.gz", "app.py"}));
}

class PropertiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sparkenv-props-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "conf");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PropertiesTest, SparkDefaultsAndEffectiveSettings) {
  std::ofstream(dir_ / "conf" / "spark-defaults.conf")
      << "# comment\n! also\nspark.master   yarn\nspark.submit.deployMode=cluster\n"
         "spark.archives: a.zip#a,\\\n    b.zip#b\nspark.x  C:\\\\path\nother.key 1\n";
  auto props = ReadProperties((dir_ / "conf" / "spark-defaults.conf").string());
  ASSERT_TRUE(props.ok());
  EXPECT_EQ(props->at("spark.archives"), "a.zip#a,b.zip#b");
  EXPECT_EQ(props->at("spark.x"), "C:\\path");

  auto args = ParseSubmitArgs({"--conf", "spark.submit.deployMode=client", "app.py"});
  auto getenv = Env({{"SPARK_HOME", dir_.string()}});
  auto conf = EffectiveConf(*args, getenv);
  ASSERT_TRUE(conf.ok());
  EXPECT_FALSE(conf->contains("other.key"));
  EXPECT_EQ(EffectiveMaster(*args, *conf, getenv)->url, "yarn");
  EXPECT_EQ(*EffectiveDeployMode(*args, *conf, getenv), DeployMode::kClient);

  auto none = ParseSubmitArgs({"app.py"});
  EXPECT_EQ(EffectiveMaster(*none, {}, Env({}))->url, "local[*]");
  EXPECT_EQ(EffectiveMaster(*none, {}, Env({{"MASTER", "spark://m:7077"}}))->url, "spark://m:7077");
  EXPECT_EQ(*EffectiveDeployMode(*none, {}, Env({})), DeployMode::kClient);

  auto missing = ParseSubmitArgs({"--properties-file", "/nonexistent/x.conf", "app.py"});
  EXPECT_EQ(EffectiveConf(*missing, getenv).error().message(),
            "cannot read the properties file '/nonexistent/x.conf'");
}

}  // namespace
}  // namespace sparkenv::spark
