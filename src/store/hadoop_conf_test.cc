#include "store/hadoop_conf.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sparkenv::store {
namespace {

std::string Site(const std::string& body) {
  return "<?xml version=\"1.0\"?>\n<configuration>\n" + body + "</configuration>\n";
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("sparkenv-hadoop-conf-" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = (path_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(HadoopConfTest, PropertiesInBothFormsLaterFilesWinButNotOverFinal) {
  TempDir dir;
  dir.Write("core-site.xml",
            Site("<property><name>fs.defaultFS</name><value>hdfs://ns1</value></property>\n"
                 "<property><name>locked</name><value>a</value><final>true</final></property>\n"
                 "<property name=\"attr.key\" value=\" spaced \"/>\n"));
  dir.Write("hdfs-site.xml",
            Site("<property><name>locked</name><value>b</value></property>\n"
                 "<property><name>fs.defaultFS</name><value>hdfs://ns2</value></property>\n"
                 "<property><name>dfs.ha.namenodes.ns2</name><value> nn1, ,nn2 </value>"
                 "<description>two</description></property>\n"));
  HadoopConf conf;
  ASSERT_TRUE(conf.LoadDir(dir.path()).ok());
  EXPECT_EQ(conf.Get("fs.defaultFS"), "hdfs://ns2");
  EXPECT_EQ(conf.Get("locked"), "a");
  EXPECT_EQ(conf.Get("attr.key"), "spaced");
  EXPECT_EQ(conf.GetList("dfs.ha.namenodes.ns2"), (std::vector<std::string>{"nn1", "nn2"}));
  EXPECT_EQ(conf.Get("missing"), std::nullopt);
  EXPECT_EQ(conf.files().size(), 2u);
}

TEST(HadoopConfTest, MissingFilesAreSkipped) {
  TempDir dir;
  HadoopConf conf;
  ASSERT_TRUE(conf.LoadDir(dir.path()).ok());
  EXPECT_TRUE(conf.files().empty());
}

TEST(HadoopConfTest, ExpandsVariables) {
  std::map<std::string, std::string> env = {{"NN_HOST", "nn.example.com"}};
  HadoopConf conf(
      [&](const std::string& k) -> std::optional<std::string> {
        auto it = env.find(k);
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      "alice");
  ASSERT_TRUE(conf.AddXml(Site("<property><name>port</name><value>8020</value></property>"
                               "<property><name>addr</name><value>${env.NN_HOST}:${port}</value>"
                               "</property>"
                               "<property><name>home</name><value>/user/${user.name}</value>"
                               "</property>"
                               "<property><name>loop</name><value>${loop}x</value></property>"
                               "<property><name>left</name><value>${nope}/${env.NOPE}</value>"
                               "</property>"),
                          "inline", ".")
                  .ok());
  EXPECT_EQ(conf.Get("addr"), "nn.example.com:8020");
  EXPECT_EQ(conf.Get("home"), "/user/alice");
  EXPECT_EQ(conf.Get("left"), "${nope}/${env.NOPE}");
  ASSERT_TRUE(conf.Get("loop").has_value());  // bounded, not endless
}

TEST(HadoopConfTest, XIncludeRelativeToTheIncludingFile) {
  TempDir dir;
  dir.Write("nn.xml", Site("<property><name>dfs.nameservices</name><value>ns1</value></property>"));
  dir.Write("hdfs-site.xml",
            "<configuration xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
            "  <xi:include href=\"nn.xml\"/>\n"
            "</configuration>\n");
  HadoopConf conf;
  ASSERT_TRUE(conf.LoadDir(dir.path()).ok());
  EXPECT_EQ(conf.Get("dfs.nameservices"), "ns1");
}

TEST(HadoopConfTest, MalformedXmlNamesTheFileAndLine) {
  TempDir dir;
  std::string path =
      dir.Write("core-site.xml", "<configuration>\n<property><name>a</name>\n</configuration>\n");
  HadoopConf conf;
  Status s = conf.LoadDir(dir.path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(s.error().message(),
            "malformed Hadoop configuration '" + path + "', line 3: mismatched tag");

  dir.Write("core-site.xml",
            "<configuration xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
            "<xi:include href=\"gone.xml\"/></configuration>");
  HadoopConf conf2;
  Status s2 = conf2.LoadDir(dir.path());
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().message(), "included from '" + path +
                                      "': cannot read Hadoop configuration '" + dir.path() +
                                      "/gone.xml': No such file or directory");
}

}  // namespace
}  // namespace sparkenv::store
