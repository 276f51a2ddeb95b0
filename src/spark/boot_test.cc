#include "spark/boot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "spark/python_package.h"
#include "spark/python_sources.h"

namespace sparkenv::spark {
namespace {

namespace fs = std::filesystem;

const char kManifest[] = R"({"env_id": "x", "layers": []})";

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BootTest, FilesAreThePackageASitecustomizeAndTheManifest) {
  auto files = BootFiles(kManifest);
  ASSERT_TRUE(files.ok());
  std::map<std::string, std::string> by_path(files->begin(), files->end());
  ASSERT_TRUE(by_path.contains("sitecustomize.py"));
  EXPECT_EQ(by_path["sitecustomize.py"], by_path["sparkenv/_sitecustomize.py"]);
  EXPECT_TRUE(by_path.contains("sparkenv/_boot.py"));
  auto config = nlohmann::json::parse(by_path["sparkenv-boot.json"]);
  EXPECT_EQ(config["format"], "sparkenv-boot/1");
  EXPECT_EQ(config["manifest"]["env_id"], "x");
  // Every embedded source is in it.
  EXPECT_EQ(files->size(), PythonSources().size() + 2);
  EXPECT_FALSE(BootFiles("[1]").ok());
}

TEST(BootTest, NameFollowsContent) {
  auto a = BootFiles(kManifest);
  auto b = BootFiles(R"({"env_id": "y", "layers": []})");
  EXPECT_EQ(BootName(*a), BootName(*BootFiles(kManifest)));
  EXPECT_NE(BootName(*a), BootName(*b));
  EXPECT_EQ(BootName(*a).size(), std::string("sparkenv-boot-").size() + 16);
}

TEST(BootTest, WrittenOnceAsFolderAndArchiveEvenConcurrently) {
  const fs::path root = fs::temp_directory_path() / ("sparkenv-boot-" + std::to_string(getpid()));
  std::vector<Result<Boot>> results(4, Error(""));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = WriteBoot(kManifest, root.string()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->dir, results[0]->dir);
  }
  const Boot& boot = *results[0];
  EXPECT_EQ(boot.dir, (root / "spark-v1" / "boot" / boot.name).string());
  EXPECT_EQ(boot.archive, boot.dir + ".tar.gz");
  EXPECT_EQ(Read(fs::path(boot.dir) / "sitecustomize.py"),
            Read(fs::path(boot.dir) / "sparkenv" / "_sitecustomize.py"));
  // Nothing temporary is left behind.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(root / "spark-v1" / "boot")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
    ++entries;
  }
  EXPECT_EQ(entries, 2u);
  const std::string archive = Read(boot.archive);
  auto again = WriteBoot(kManifest, root.string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Read(again->archive), archive);
  fs::remove_all(root);
}

TEST(LauncherTest, FilesAreTheBootstrapTheEntryAndTheApplication) {
  NodeCache nc;
  nc.layers = {{std::string(64, 'a'), 12, "file:///shared/blobs/a.tar.gz"}};
  auto files = LauncherFiles(kManifest, nc, "job.py", "print(1)\n");
  ASSERT_TRUE(files.ok()) << files.error().message();
  std::map<std::string, std::string> by_path(files->begin(), files->end());
  EXPECT_EQ(by_path["__main__.py"], by_path["sparkenv/_launch_main.py"]);
  EXPECT_EQ(by_path["sparkenv-app/job.py"], "print(1)\n");
  auto launch = nlohmann::json::parse(by_path["sparkenv-launch.json"]);
  EXPECT_EQ(launch["format"], "sparkenv-launch/1");
  EXPECT_EQ(launch["app"], "sparkenv-app/job.py");
  auto config = nlohmann::json::parse(by_path["sparkenv-boot.json"]);
  EXPECT_EQ(config["node_cache"]["dir"], "");
  EXPECT_EQ(config["node_cache"]["layers"][0]["url"], "file:///shared/blobs/a.tar.gz");
  EXPECT_EQ(files->size(), PythonSources().size() + 5);
  // The name follows the application too.
  EXPECT_NE(BootName(*files), BootName(*LauncherFiles(kManifest, nc, "job.py", "print(2)\n")));
  EXPECT_FALSE(LauncherFiles(kManifest, nc, "../job.py", "").ok());
}

TEST(LauncherTest, WrittenAsAJarOnce) {
  const fs::path root = fs::temp_directory_path() / ("sparkenv-launch-" + std::to_string(getpid()));
  fs::create_directories(root);
  std::ofstream(root / "job.py") << "print(1)\n";
  NodeCache nc;
  auto l = WriteLauncher(kManifest, root.string(), nc, (root / "job.py").string());
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->jar, (root / "spark-v1" / "launch" / (l->name + ".jar")).string());
  const std::string jar = Read(l->jar);
  EXPECT_EQ(jar.substr(0, 4), std::string("PK\x03\x04", 4));  // a zip: Spark takes it as a jar
  EXPECT_EQ(l->size, jar.size());
  EXPECT_EQ(l->sha256.size(), 64u);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(root / "spark-v1" / "launch")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
  auto again = WriteLauncher(kManifest, root.string(), nc, (root / "job.py").string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sha256, l->sha256);
  auto missing = WriteLauncher(kManifest, root.string(), nc, (root / "none.py").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "cannot read the application '" + (root / "none.py").string() + "': no such file");
  fs::remove_all(root);
}

TEST(PythonPackageTest, WritesThePackageTheZipAndTheEntryPoint) {
  const fs::path dir = fs::temp_directory_path() / ("sparkenv-pkg-" + std::to_string(getpid()));
  ASSERT_TRUE(WritePythonPackage(dir.string()).ok());
  for (const EmbeddedFile& f : PythonSources()) {
    EXPECT_EQ(Read(dir / std::string(f.path)), f.data) << f.path;
  }
  EXPECT_NE(Read(dir / "activate_env.py").find("def _import_sparkenv"), std::string::npos);
  EXPECT_TRUE(fs::file_size(dir / "sparkenv.zip") > 1000);
  EXPECT_EQ(PythonSourcesHash().size(), 64u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sparkenv::spark
