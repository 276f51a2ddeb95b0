#include "spark/settings.h"

#include <gtest/gtest.h>

#include <map>

namespace sparkenv::spark {
namespace {

const std::string kShaA = std::string(64, 'a');
const std::string kShaB = std::string(60, 'b') + "cccc";

ActivationPlan Plan(const std::string& master, DeployMode mode, const std::string& store) {
  ActivationPlan p;
  p.master = *ParseMaster(master);
  p.deploy_mode = mode;
  p.layers = {{kShaA, store + "/blobs/" + kShaA + ".tar.gz"},
              {kShaB, store + "/blobs/" + kShaB + ".tar.gz"}};
  p.boot_name = "sparkenv-boot-0123456789abcdef";
  p.boot_url = "file:///home/u/.cache/sparkenv/spark-v1/boot/sparkenv-boot-0123456789abcdef.tar.gz";
  if (mode == DeployMode::kClient) {
    p.driver_boot_dir = "/c/boot";
    p.driver_site_dirs = {"/c/layers/a/site-packages", "/c/layers/b/site-packages"};
  }
  return p;
}

std::map<std::string, std::string> AsMap(const std::vector<Setting>& settings) {
  std::map<std::string, std::string> out;
  for (const Setting& s : settings) out[s.key] = s.value;
  return out;
}

const std::string kArchives =
    "hdfs:///envs/blobs/" + kShaA + ".tar.gz#sparkenv-aaaaaaaaaaaaaaaa,hdfs:///envs/blobs/" +
    kShaB +
    ".tar.gz#sparkenv-bbbbbbbbbbbbbbbb,file:///home/u/.cache/sparkenv/spark-v1/boot/"
    "sparkenv-boot-0123456789abcdef.tar.gz#sparkenv-boot-0123456789abcdef";
const std::string kRelative =
    "sparkenv-boot-0123456789abcdef:sparkenv-aaaaaaaaaaaaaaaa/site-packages:"
    "sparkenv-bbbbbbbbbbbbbbbb/site-packages";
const std::string kLocal = "/c/boot:/c/layers/a/site-packages:/c/layers/b/site-packages";
const std::string kBootArchive =
    "file:///home/u/.cache/sparkenv/spark-v1/boot/"
    "sparkenv-boot-0123456789abcdef.tar.gz#sparkenv-boot-0123456789abcdef";
const std::string kLayerFiles = "hdfs:///envs/blobs/" + kShaA +
                                ".tar.gz#sparkenv-aaaaaaaaaaaaaaaa.tar.gz,hdfs:///envs/blobs/" +
                                kShaB + ".tar.gz#sparkenv-bbbbbbbbbbbbbbbb.tar.gz";
const std::string kBoot = "sparkenv-boot-0123456789abcdef";

TEST(MakeSettingsTest, EveryMasterAndDeployMode) {
  struct Case {
    const char* master;
    DeployMode mode;
    std::map<std::string, std::string> conf;
    std::map<std::string, std::string> driver_env;
  } cases[] = {
      {"local[2]",
       DeployMode::kClient,
       {{"spark.executorEnv.PYTHONPATH", kLocal}},
       {{"PYTHONPATH", kLocal}, {"SPARKENV_ROLE", "driver"}}},
      {"local-cluster[2,1,1024]",
       DeployMode::kClient,
       {{"spark.archives", kArchives}, {"spark.executorEnv.PYTHONPATH", kRelative}},
       {{"PYTHONPATH", kLocal}, {"SPARKENV_ROLE", "driver"}}},
      {"spark://h:7077",
       DeployMode::kClient,
       {{"spark.archives", kArchives}, {"spark.executorEnv.PYTHONPATH", kRelative}},
       {{"PYTHONPATH", kLocal}, {"SPARKENV_ROLE", "driver"}}},
      // YARN: the layers as files the bootstrap unpacks, the bootstrap as an archive.
      {"yarn",
       DeployMode::kClient,
       {{"spark.yarn.dist.archives", kBootArchive},
        {"spark.yarn.dist.files", kLayerFiles},
        {"spark.executorEnv.PYTHONPATH", kBoot}},
       {{"PYTHONPATH", kLocal}, {"SPARKENV_ROLE", "driver"}}},
      {"yarn",
       DeployMode::kCluster,
       {{"spark.yarn.dist.archives", kBootArchive},
        {"spark.yarn.dist.files", kLayerFiles},
        {"spark.executorEnv.PYTHONPATH", kBoot},
        {"spark.yarn.appMasterEnv.PYTHONPATH", kBoot},
        {"spark.yarn.appMasterEnv.SPARKENV_ROLE", "driver"}},
       {}},
      {"k8s://https://api:6443",
       DeployMode::kClient,
       {{"spark.archives", kArchives}, {"spark.executorEnv.PYTHONPATH", kRelative}},
       {{"PYTHONPATH", kLocal}, {"SPARKENV_ROLE", "driver"}}},
  };
  for (const Case& c : cases) {
    auto s = MakeSettings(Plan(c.master, c.mode, "hdfs:///envs"));
    ASSERT_TRUE(s.ok()) << c.master << ": " << s.error().message();
    EXPECT_EQ(AsMap(s->conf), c.conf) << c.master << " " << ToString(c.mode);
    EXPECT_EQ(AsMap(s->driver_env), c.driver_env) << c.master << " " << ToString(c.mode);
  }
}

TEST(MakeSettingsTest, KubernetesClusterModeReadsArchivesFromTheStoreAndTheUploadPath) {
  ActivationPlan p = Plan("k8s://https://api:6443", DeployMode::kCluster, "s3a://bucket/envs");
  auto refused = MakeSettings(p);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(),
            "Kubernetes cluster mode cannot read the local file "
            "'file:///home/u/.cache/sparkenv/spark-v1/boot/sparkenv-boot-0123456789abcdef.tar.gz': "
            "set spark.kubernetes.file.upload.path (e.g. --conf "
            "spark.kubernetes.file.upload.path=s3a://bucket/spark-uploads) so spark-submit uploads "
            "it, or use an environment in an s3:// or hdfs:// store");

  p.user_conf["spark.kubernetes.file.upload.path"] = "s3a://bucket/uploads";
  auto s = MakeSettings(p);
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string archives = "s3a://bucket/envs/blobs/" + kShaA +
                               ".tar.gz#sparkenv-aaaaaaaaaaaaaaaa,s3a://bucket/envs/blobs/" +
                               kShaB +
                               ".tar.gz#sparkenv-bbbbbbbbbbbbbbbb,file:///home/u/.cache/sparkenv/"
                               "spark-v1/boot/sparkenv-boot-0123456789abcdef.tar.gz#"
                               "sparkenv-boot-0123456789abcdef";
  EXPECT_EQ(s->conf, (std::vector<Setting>{
                         {"spark.archives", archives},
                         {"spark.executorEnv.PYTHONPATH", kRelative},
                         {"spark.kubernetes.driverEnv.PYTHONPATH", kRelative},
                         {"spark.kubernetes.driverEnv.SPARKENV_ROLE", "driver"},
                     }));
  EXPECT_TRUE(s->driver_env.empty());

  // A layer read from a local build folder needs the upload path too.
  ActivationPlan local = Plan("k8s://h", DeployMode::kCluster, "file:///builds/env");
  local.boot_url = "s3a://bucket/boot.tar.gz#x";
  auto r = MakeSettings(local);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("'file:///builds/env/blobs/"), std::string::npos)
      << r.error().message();
}

TEST(MakeSettingsTest, PythonAndRefusals) {
  ActivationPlan p = Plan("spark://h:1", DeployMode::kClient, "hdfs:///e");
  p.python = "/opt/python3.11/bin/python3";
  auto s = MakeSettings(p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->conf.back(), (Setting{"spark.pyspark.python", "/opt/python3.11/bin/python3"}));

  auto refused = MakeSettings(Plan("local[2]", DeployMode::kCluster, "hdfs:///e"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message().rfind("deploy mode cluster is not possible with master", 0),
            0u);
  // Standalone cluster mode only with the launcher.
  refused = MakeSettings(Plan("spark://h:1", DeployMode::kCluster, "hdfs:///e"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "standalone cluster mode needs sparkenv's launcher");
}

TEST(MakeSettingsTest, StandaloneClusterModeShipsTheLauncherAlone) {
  ActivationPlan p = Plan("spark://h:1", DeployMode::kCluster, "hdfs:///e");
  p.node_cache = true;
  p.boot_url = "hdfs:///e/launch/" + kShaA + ".jar";
  auto s = MakeSettings(p);
  ASSERT_TRUE(s.ok()) << s.error().message();
  // The launcher is the executors' bootstrap, which fetches the layers; the
  // driver's side is the launcher's own business: no driver settings.
  EXPECT_EQ(AsMap(s->conf), (std::map<std::string, std::string>{
                                {"spark.archives", "hdfs:///e/launch/" + kShaA + ".jar#" + kBoot},
                                {"spark.executorEnv.PYTHONPATH", kBoot}}));
  EXPECT_TRUE(s->driver_env.empty());
}

TEST(MergeSettingTest, ListsJoinPathsPutTheEnvironmentFirst) {
  EXPECT_EQ(MergeSetting("spark.archives", "ours#o", "theirs.zip#t"), "theirs.zip#t,ours#o");
  EXPECT_EQ(MergeSetting("spark.yarn.dist.archives", "o", ""), "o");
  EXPECT_EQ(MergeSetting("spark.yarn.dist.files", "o", "t"), "t,o");
  EXPECT_EQ(MergeSetting("spark.executorEnv.PYTHONPATH", "env/sp", "/opt/lib"), "env/sp:/opt/lib");
  EXPECT_EQ(MergeSetting("spark.yarn.appMasterEnv.PYTHONPATH", "env/sp", "x"), "env/sp:x");
  EXPECT_EQ(MergeSetting("spark.pyspark.python", "/ours", "/theirs"), "/ours");
}

TEST(OutputFormatsTest, ConfPropertiesJson) {
  SparkSettings s;
  s.conf = {{"spark.archives", "hdfs:///a.tar.gz#x"}, {"spark.x", "a b\\c"}};
  s.driver_env = {{"PYTHONPATH", "/p"}};
  EXPECT_EQ(ToConfFlags(s), "--conf spark.archives=hdfs:///a.tar.gz#x\n--conf 'spark.x=a b\\c'\n");
  EXPECT_EQ(ToProperties(s), "spark.archives=hdfs:///a.tar.gz#x\nspark.x=a b\\\\c\n");
  EXPECT_EQ(ToJson(s),
            "{\n  \"conf\": {\n    \"spark.archives\": \"hdfs:///a.tar.gz#x\",\n    \"spark.x\": "
            "\"a b\\\\c\"\n  },\n  \"driver_env\": {\n    \"PYTHONPATH\": \"/p\"\n  }\n}\n");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(LayerAlias(kShaB), "sparkenv-bbbbbbbbbbbbbbbb");
}

}  // namespace
}  // namespace sparkenv::spark

namespace sparkenv::spark {
namespace {

TEST(MakeSettingsTest, NodeCacheShipsOnlyTheBootstrap) {
  ActivationPlan p = Plan("spark://h:7077", DeployMode::kClient, "hdfs:///envs");
  p.node_cache = true;
  auto s = MakeSettings(p);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(AsMap(s->conf),
            (std::map<std::string, std::string>{
                {"spark.archives",
                 "file:///home/u/.cache/sparkenv/spark-v1/boot/"
                 "sparkenv-boot-0123456789abcdef.tar.gz#sparkenv-boot-0123456789abcdef"},
                {"spark.executorEnv.PYTHONPATH", "sparkenv-boot-0123456789abcdef"}}));
  // The driver (client mode) keeps its own local copies.
  EXPECT_EQ(AsMap(s->driver_env).at("PYTHONPATH"), kLocal);

  ActivationPlan yarn = Plan("yarn", DeployMode::kClient, "hdfs:///envs");
  yarn.node_cache = true;
  EXPECT_TRUE(MakeSettings(yarn).ok());
  for (const char* master : {"local[2]", "k8s://h"}) {
    ActivationPlan other = Plan(master, DeployMode::kClient, "hdfs:///envs");
    other.node_cache = true;
    auto r = MakeSettings(other);
    ASSERT_FALSE(r.ok()) << master;
    EXPECT_EQ(
        r.error().message().rfind(
            std::string("--node-cache is for standalone and YARN clusters, not '") + master + "': ",
            0),
        0u)
        << r.error().message();
  }
}

}  // namespace
}  // namespace sparkenv::spark
