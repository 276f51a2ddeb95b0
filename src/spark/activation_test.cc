#include "spark/activation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sparkenv::spark {
namespace {

namespace fs = std::filesystem;

store::ResolvedEnv Env(const std::string& store_url) {
  store::ResolvedEnv env;
  env.ref.kind = store::EnvRef::Kind::kTag;
  env.ref.store_url = store_url;
  env::Layer layer;
  layer.sha256 = std::string(64, 'a');
  layer.size = 123;
  env.manifest.layers = {layer};
  env.layer_urls = {"hdfs://127.0.0.1:19000/user/alice/envs/blobs/" + layer.sha256 + ".tar.gz"};
  return env;
}

store::OpenOptions Options(const std::map<std::string, std::string>& vars) {
  store::OpenOptions o;
  o.getenv = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

TEST(NodeCacheForTest, HdfsLayersAreReadThroughWebHdfs) {
  const fs::path conf = fs::temp_directory_path() / ("sparkenv-nc-" + std::to_string(getpid()));
  fs::create_directories(conf);
  std::ofstream(conf / "hdfs-site.xml")
      << "<configuration><property><name>dfs.namenode.rpc-address</name><value>127.0.0.1:19000"
         "</value></property><property><name>dfs.namenode.http-address</name><value>"
         "127.0.0.1:19870</value></property></configuration>\n";
  auto nc =
      NodeCacheFor(Env("hdfs://127.0.0.1:19000/user/alice/envs"), "/var/cache/sparkenv",
                   Options({{"HADOOP_CONF_DIR", conf.string()}, {"HADOOP_USER_NAME", "alice"}}));
  fs::remove_all(conf);
  ASSERT_TRUE(nc.ok()) << nc.error().message();
  EXPECT_EQ(nc->dir, "/var/cache/sparkenv");
  ASSERT_EQ(nc->layers.size(), 1u);
  EXPECT_EQ(nc->layers[0].size, 123u);
  EXPECT_EQ(nc->layers[0].url, "http://127.0.0.1:19870/webhdfs/v1/user/alice/envs/blobs/" +
                                   std::string(64, 'a') + ".tar.gz?op=OPEN&user.name=alice");
}

TEST(NodeCacheForTest, SharedFoldersAndRefusals) {
  store::ResolvedEnv local = Env("/shared/envs");
  local.layer_urls = {"file:///shared/envs/blobs/x.tar.gz"};
  auto nc = NodeCacheFor(local, "/nc", Options({}));
  ASSERT_TRUE(nc.ok()) << nc.error().message();
  EXPECT_EQ(nc->layers[0].url, "file:///shared/envs/blobs/x.tar.gz");

  store::ResolvedEnv s3 = Env("s3://bucket/envs");
  s3.layer_urls = {"s3a://bucket/envs/blobs/x.tar.gz"};
  EXPECT_EQ(NodeCacheFor(s3, "/nc", Options({})).error().message(),
            "--node-cache reads layers from a shared folder (file://) or HDFS (WebHDFS), not from "
            "'s3://bucket/envs'; without --node-cache Spark fetches them itself");
  EXPECT_EQ(
      NodeCacheFor(local, "relative/dir", Options({})).error().message(),
      "--node-cache 'relative/dir': expected an absolute folder, the same path on every node");
}

TEST(NodeCacheForTest, TheLauncherFetchesIntoTheWorkingFolderByDefault) {
  store::ResolvedEnv local = Env("/shared/envs");
  local.layer_urls = {"file:///shared/envs/blobs/x.tar.gz"};
  auto nc = NodeCacheFor(local, "", Options({}), NodeCachePurpose::kLauncher);
  ASSERT_TRUE(nc.ok()) << nc.error().message();
  EXPECT_EQ(nc->dir, "");
  EXPECT_EQ(nc->layers[0].url, "file:///shared/envs/blobs/x.tar.gz");
  EXPECT_FALSE(NodeCacheFor(local, "", Options({})).ok());  // --node-cache needs a folder
}

TEST(NodeCacheForTest, TheLauncherReadsS3LayersThroughPresignedUrls) {
  store::ResolvedEnv s3 = Env("s3://bucket/envs");
  s3.layer_urls = {"s3a://bucket/envs/blobs/" + std::string(64, 'a') + ".tar.gz"};
  auto nc = NodeCacheFor(s3, "",
                         Options({{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                  {"AWS_SECRET_ACCESS_KEY", "secret-sentinel"},
                                  {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"},
                                  {"HOME", "/nonexistent"}}),
                         NodeCachePurpose::kLauncher);
  ASSERT_TRUE(nc.ok()) << nc.error().message();
  const std::string& url = nc->layers[0].url;
  EXPECT_EQ(url.substr(0, url.find('?')),
            "http://127.0.0.1:9000/bucket/envs/blobs/" + std::string(64, 'a') + ".tar.gz");
  EXPECT_NE(url.find("X-Amz-Expires=604800&"), std::string::npos) << url;
  EXPECT_NE(url.find("X-Amz-Credential=AKIDEXAMPLE%2F"), std::string::npos) << url;
  EXPECT_EQ(url.find("secret-sentinel"), std::string::npos);
  // Without credentials to sign with, the message says where they were looked for.
  auto none =
      NodeCacheFor(s3, "", Options({{"HOME", "/nonexistent"}}), NodeCachePurpose::kLauncher);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("credentials"), std::string::npos)
      << none.error().message();
  // --node-cache on S3 stays refused: Spark fetches those layers itself.
  EXPECT_FALSE(NodeCacheFor(s3, "/var/cache/sparkenv", Options({})).ok());
}

}  // namespace
}  // namespace sparkenv::spark
