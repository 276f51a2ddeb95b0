#include "spark/master.h"

#include <gtest/gtest.h>

namespace sparkenv::spark {
namespace {

TEST(ParseMasterTest, EveryClusterManager) {
  struct Case {
    const char* text;
    ClusterManager manager;
  } cases[] = {
      {"local", ClusterManager::kLocal},
      {"local[4]", ClusterManager::kLocal},
      {"local[*]", ClusterManager::kLocal},
      {"local[2,3]", ClusterManager::kLocal},
      {"local-cluster[2,1,1024]", ClusterManager::kLocalCluster},
      {"spark://127.0.0.1:7077", ClusterManager::kStandalone},
      {"spark://a:7077,b:7077", ClusterManager::kStandalone},
      {"yarn", ClusterManager::kYarn},
      {"k8s://https://api.example:6443", ClusterManager::kKubernetes},
  };
  for (const Case& c : cases) {
    auto m = ParseMaster(c.text);
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.error().message();
    EXPECT_EQ(m->manager, c.manager) << c.text;
    EXPECT_EQ(m->url, c.text);
  }
}

TEST(ParseMasterTest, UnknownMastersNameTheAcceptedForms) {
  for (const char* text :
       {"", "mesos://h:5050", "local[x]", "yarn-cluster", "spark://", "k8s://"}) {
    auto m = ParseMaster(text);
    ASSERT_FALSE(m.ok()) << text;
    EXPECT_EQ(m.error().message(),
              "unknown Spark master '" + std::string(text) +
                  "': expected local, local[N], local-cluster[N,C,M], spark://HOST:PORT, yarn or "
                  "k8s://URL");
    EXPECT_EQ(m.error().kind(), ErrorKind::kInvalidInput);
  }
}

TEST(ParseDeployModeTest, ClientOrCluster) {
  EXPECT_EQ(*ParseDeployMode("client"), DeployMode::kClient);
  EXPECT_EQ(*ParseDeployMode("cluster"), DeployMode::kCluster);
  EXPECT_EQ(ParseDeployMode("Cluster").error().message(),
            "unknown deploy mode 'Cluster': expected client or cluster");
}

TEST(CheckDeployModeTest, WhatCannotWorkIsRefusedFirst) {
  EXPECT_TRUE(CheckDeployMode(*ParseMaster("yarn"), DeployMode::kCluster).ok());
  EXPECT_TRUE(CheckDeployMode(*ParseMaster("k8s://h"), DeployMode::kCluster).ok());
  EXPECT_TRUE(CheckDeployMode(*ParseMaster("spark://h:1"), DeployMode::kClient).ok());
  // spark-submit refuses it for Python; sparkenv submit goes through a launcher.
  EXPECT_TRUE(CheckDeployMode(*ParseMaster("spark://h:1"), DeployMode::kCluster).ok());
  EXPECT_TRUE(NeedsLauncher(*ParseMaster("spark://h:1"), DeployMode::kCluster));
  EXPECT_FALSE(NeedsLauncher(*ParseMaster("spark://h:1"), DeployMode::kClient));
  EXPECT_FALSE(NeedsLauncher(*ParseMaster("yarn"), DeployMode::kCluster));
  EXPECT_EQ(CheckDeployMode(*ParseMaster("local[2]"), DeployMode::kCluster).error().message(),
            "deploy mode cluster is not possible with master 'local[2]': a local master runs the "
            "driver here (use --deploy-mode client)");
}

}  // namespace
}  // namespace sparkenv::spark
