#include "store/hdfs_url.h"

#include <gtest/gtest.h>

#include <map>

namespace sparkenv::store {
namespace {

HadoopConf Conf(const std::map<std::string, std::string>& props) {
  HadoopConf conf;
  for (const auto& [k, v] : props) conf.Set(k, v);
  return conf;
}

// A cluster as a vendor would configure it: HA nameservice ns1 (nn1, nn2),
// a plain nameservice ns2, the default FS on ns1.
std::map<std::string, std::string> HaProps() {
  return {
      {"fs.defaultFS", "hdfs://ns1"},
      {"dfs.nameservices", "ns1,ns2"},
      {"dfs.ha.namenodes.ns1", "nn1,nn2"},
      {"dfs.namenode.rpc-address.ns1.nn1", "master1.example.com:8020"},
      {"dfs.namenode.rpc-address.ns1.nn2", "master2.example.com:8020"},
      {"dfs.namenode.http-address.ns1.nn1", "master1.example.com:9870"},
      {"dfs.namenode.http-address.ns1.nn2", "0.0.0.0:9870"},
      {"dfs.namenode.https-address.ns1.nn1", "master1.example.com:9871"},
      {"dfs.namenode.https-address.ns1.nn2", "master2.example.com:9871"},
      {"dfs.namenode.rpc-address.ns2", "other.example.com:8020"},
      {"dfs.namenode.http-address.ns2", "other.example.com:50070"},
  };
}

struct Case {
  std::string url;
  std::map<std::string, std::string> props;
  std::string hadoop;  // scheme://authority
  std::string root;
  std::vector<std::string> endpoints;
};

TEST(HdfsUrlTest, Resolves) {
  const Case cases[] = {
      // No configuration: the URL's host with the default HTTP port.
      {"hdfs://nn.example.com:8020/user/alice/envs",
       {},
       "hdfs://nn.example.com:8020",
       "/user/alice/envs",
       {"http://nn.example.com:9870"}},
      {"hdfs://nn.example.com/user/alice/envs/",
       {},
       "hdfs://nn.example.com",
       "/user/alice/envs",
       {"http://nn.example.com:9870"}},
      // The NameNode whose rpc-address matches gives its http-address.
      {"hdfs://127.0.0.1:19000/user/root//x",
       {{"dfs.namenode.rpc-address", "127.0.0.1:19000"},
        {"dfs.namenode.http-address", "127.0.0.1:19870"}},
       "hdfs://127.0.0.1:19000",
       "/user/root/x",
       {"http://127.0.0.1:19870"}},
      // fs.defaultFS's NameNode: the plain http-address, wildcard host replaced.
      {"hdfs://NN.example.com:8020/a%20b",
       {{"fs.defaultFS", "hdfs://nn.example.com:8020"},
        {"dfs.namenode.http-address", "0.0.0.0:50070"}},
       "hdfs://nn.example.com:8020",
       "/a b",
       {"http://nn.example.com:50070"}},
      // A plain http-address on the URL's host.
      {"hdfs://nn.example.com:8020/x",
       {{"dfs.namenode.http-address", "nn.example.com:50070"}},
       "hdfs://nn.example.com:8020",
       "/x",
       {"http://nn.example.com:50070"}},
      // ... but not for another cluster's host.
      {"hdfs://other.example.com:8020/x",
       {{"dfs.namenode.http-address", "nn.example.com:50070"}},
       "hdfs://other.example.com:8020",
       "/x",
       {"http://other.example.com:9870"}},
      // HA: every NameNode in order; 0.0.0.0 becomes the NameNode's RPC host.
      {"hdfs://ns1/user/alice/envs",
       HaProps(),
       "hdfs://ns1",
       "/user/alice/envs",
       {"http://master1.example.com:9870", "http://master2.example.com:9870"}},
      {"hdfs:///user/alice/envs",
       HaProps(),
       "hdfs://ns1",
       "/user/alice/envs",
       {"http://master1.example.com:9870", "http://master2.example.com:9870"}},
      // A federated nameservice without HA.
      {"hdfs://ns2/data", HaProps(), "hdfs://ns2", "/data", {"http://other.example.com:50070"}},
      // An RPC address of an HA NameNode written directly.
      {"hdfs://master2.example.com:8020/x",
       HaProps(),
       "hdfs://master2.example.com:8020",
       "/x",
       {"http://master2.example.com:9870"}},
      // The root of the file system.
      {"hdfs://nn:8020", {}, "hdfs://nn:8020", "/", {"http://nn:9870"}},
      // Explicit HTTP addresses.
      {"webhdfs://gw.example.com:9870/envs",
       {},
       "webhdfs://gw.example.com:9870",
       "/envs",
       {"http://gw.example.com:9870"}},
      {"webhdfs://gw.example.com/envs",
       {},
       "webhdfs://gw.example.com:9870",
       "/envs",
       {"http://gw.example.com:9870"}},
      {"swebhdfs://gw.example.com/envs",
       {},
       "swebhdfs://gw.example.com:9871",
       "/envs",
       {"https://gw.example.com:9871"}},
      {"httpfs://gw.example.com/envs",
       {},
       "webhdfs://gw.example.com:14000",
       "/envs",
       {"http://gw.example.com:14000"}},
      {"webhdfs://ns1/envs",
       HaProps(),
       "webhdfs://ns1",
       "/envs",
       {"http://master1.example.com:9870", "http://master2.example.com:9870"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    HadoopConf conf = Conf(c.props);
    auto r = ResolveHdfsUrl(c.url, conf);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->hadoop_scheme + "://" + r->hadoop_authority, c.hadoop);
    EXPECT_EQ(r->root, c.root);
    EXPECT_EQ(r->endpoints, c.endpoints);
    EXPECT_EQ(r->written, c.url);
  }
}

TEST(HdfsUrlTest, HttpsOnlyPolicy) {
  auto props = HaProps();
  props["dfs.http.policy"] = "HTTPS_ONLY";
  HadoopConf conf = Conf(props);
  auto r = ResolveHdfsUrl("hdfs://ns1/x", conf);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->endpoints, (std::vector<std::string>{"https://master1.example.com:9871",
                                                    "https://master2.example.com:9871"}));
  auto plain = ResolveHdfsUrl("hdfs://nn.example.com:8020/x", conf);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->endpoints, (std::vector<std::string>{"https://nn.example.com:9871"}));
}

TEST(HdfsUrlTest, TokenServices) {
  HadoopConf conf = Conf(HaProps());
  auto ha = ResolveHdfsUrl("hdfs://ns1/x", conf);
  ASSERT_TRUE(ha.ok());
  EXPECT_EQ(ha->token_services, (std::vector<std::string>{"ha-hdfs:ns1"}));
  auto ip = ResolveHdfsUrl("hdfs://127.0.0.1:19000/x", conf);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->token_services, (std::vector<std::string>{"127.0.0.1:19000"}));
  auto local = ResolveHdfsUrl("hdfs://localhost:19000/x", conf);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->token_services, (std::vector<std::string>{"localhost:19000"}));
  EXPECT_EQ(WithResolvedAddresses(local->token_services),
            (std::vector<std::string>{"localhost:19000", "127.0.0.1:19000"}));
  EXPECT_EQ(WithResolvedAddresses({"ha-hdfs:ns1", "127.0.0.1:1"}),
            (std::vector<std::string>{"ha-hdfs:ns1", "127.0.0.1:1"}));
  auto web = ResolveHdfsUrl("webhdfs://ns1/x", conf);
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->token_services.front(), "ha-webhdfs:ns1");
}

TEST(HdfsUrlTest, Errors) {
  auto props = HaProps();
  props["dfs.ha.namenodes.ns3"] = "a";
  const std::pair<std::string, std::string> cases[] = {
      {"hdfs:///x",
       "store URL 'hdfs:///x': hdfs:/// needs fs.defaultFS from HADOOP_CONF_DIR's core-site.xml "
       "(no HADOOP_CONF_DIR files were read); or write hdfs://namenode:port/path"},
      {"hdfs://nn:8020/a/../b",
       "store URL 'hdfs://nn:8020/a/../b': the path may not contain '.' or '..' segments"},
      {"hdfs://nn:8020/a?x=1",
       "store URL 'hdfs://nn:8020/a?x=1': a store URL has no ?query or #fragment"},
      {"hdfs://alice@nn:8020/a",
       "store URL 'hdfs://alice@nn:8020/a': credentials in the URL are not supported "
       "(HADOOP_USER_NAME or a delegation token say who you are)"},
      {"hdfs://nn:99999/a",
       "store URL 'hdfs://nn:99999/a': 'nn:99999' is not a nameservice or host:port"},
      {"webhdfs:///a", "store URL 'webhdfs:///a': expected webhdfs://host:port/path"},
      {"hdfs://ns3/a",
       "store URL 'hdfs://ns3/a': no dfs.namenode.http-address.ns3.a in the Hadoop configuration "
       "(no HADOOP_CONF_DIR files were read)"},
  };
  for (const auto& [url, message] : cases) {
    SCOPED_TRACE(url);
    HadoopConf conf = Conf(url == "hdfs:///x" ? std::map<std::string, std::string>{} : props);
    auto r = ResolveHdfsUrl(url, conf);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
    EXPECT_EQ(r.error().message(), message);
  }
}

TEST(HdfsUrlTest, EncodesPaths) {
  EXPECT_EQ(EncodeHdfsPath("/user/al ice/env#1/ü%"), "/user/al%20ice/env%231/%C3%BC%25");
  EXPECT_EQ(EncodeHdfsPath("/a-b_c.d~e"), "/a-b_c.d~e");
}

}  // namespace
}  // namespace sparkenv::store
