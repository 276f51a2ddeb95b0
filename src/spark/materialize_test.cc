#include "spark/materialize.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "env/layer_archive.h"

namespace sparkenv::spark {
namespace {

namespace fs = std::filesystem;

class MaterializeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sparkenv-mat-" + std::to_string(getpid()));
    for (const char* name : {"alpha", "beta"}) {
      const fs::path tree = dir_ / "trees" / name / "site-packages" / name;
      fs::create_directories(tree);
      std::ofstream(tree / "__init__.py") << "NAME = '" << name << "'\n";
      const std::string tmp = (dir_ / (std::string(name) + ".tar.gz")).string();
      fs::create_directories(dir_ / "env" / "layers");
      auto packed = env::PackDirectory((dir_ / "trees" / name).string(), tmp);
      ASSERT_TRUE(packed.ok());
      const fs::path final_path = dir_ / "env" / "layers" / (packed->sha256 + ".tar.gz");
      fs::rename(tmp, final_path);
      env::Layer layer;
      layer.sha256 = packed->sha256;
      layer.size = packed->size;
      layer.package = name;
      env_.manifest.layers.push_back(layer);
      env_.layer_urls.push_back("file://" + final_path.string());
    }
    env_.ref.kind = store::EnvRef::Kind::kLocalDir;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  store::ResolvedEnv env_;
};

TEST_F(MaterializeTest, UnpacksOnceIntoTheCache) {
  auto first = MaterializeLayers(env_, (dir_ / "cache").string(), {});
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->unpacked, 2);
  ASSERT_EQ(first->site_dirs.size(), 2u);
  EXPECT_EQ(first->site_dirs[0], (dir_ / "cache" / "spark-v1" / "layers" /
                                  env_.manifest.layers[0].sha256 / "site-packages")
                                     .string());
  EXPECT_TRUE(fs::is_regular_file(fs::path(first->site_dirs[1]) / "beta" / "__init__.py"));
  auto second = MaterializeLayers(env_, (dir_ / "cache").string(), {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->unpacked, 0);
  EXPECT_EQ(second->site_dirs, first->site_dirs);
}

TEST_F(MaterializeTest, ConcurrentApplicationsShareOneCopy) {
  std::vector<Result<Materialized>> results(4, Error(""));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back(
        [&, i] { results[i] = MaterializeLayers(env_, (dir_ / "cache").string(), {}, 1); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.error().message();
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_ / "cache" / "spark-v1" / "layers")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> expected = {env_.manifest.layers[0].sha256,
                                       env_.manifest.layers[1].sha256};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);  // no temporary folder left behind
}

TEST_F(MaterializeTest, ATamperedLayerIsRefused) {
  const std::string path = env_.layer_urls[1].substr(7);
  std::ofstream(path, std::ios::app) << "x";
  auto r = MaterializeLayers(env_, (dir_ / "cache").string(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kIo);
  EXPECT_EQ(r.error().message().rfind("cannot unpack the environment's layers for the driver:\n  "
                                      "layer '" +
                                          path + "' of beta : sha256 mismatch: expected " +
                                          env_.manifest.layers[1].sha256 + ", got ",
                                      0),
            0u)
      << r.error().message();
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "spark-v1" / "layers" / env_.manifest.layers[1].sha256));
}

}  // namespace
}  // namespace sparkenv::spark
