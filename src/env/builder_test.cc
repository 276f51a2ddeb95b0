#include "env/builder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "env/layer_archive.h"
#include "index/sha256.h"
#include "lock/pylock.h"
#include "tests/install/zip_builder.h"

namespace sparkenv::env {
namespace {

namespace fs = std::filesystem;
using install::testing::BuildWheel;
using install::testing::WheelSpec;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class BuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sparkenv-env-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "wheels");
    AddWheel("demo", "1.0", {{"demo/__init__.py", "VALUE = 1\n"}});
    AddWheel("other", "2.0", {{"other/__init__.py", "import demo\n"}});
  }
  void TearDown() override { fs::remove_all(dir_); }

  void AddWheel(const std::string& name, const std::string& version,
                const std::vector<std::pair<std::string, std::string>>& files) {
    WheelSpec spec;
    spec.dist_info = name + "-" + version + ".dist-info";
    for (const auto& [path, data] : files) spec.files.emplace_back(path, data);
    spec.files.emplace_back(spec.dist_info + "/METADATA", "Metadata-Version: 2.1\nName: " + name +
                                                              "\nVersion: " + version + "\n");
    const std::string filename = name + "-" + version + "-py3-none-any.whl";
    std::ofstream(dir_ / "wheels" / filename, std::ios::binary) << BuildWheel(spec);
    lock::Package p;
    p.name = name;
    p.version = *spec::Version::Parse(version);
    lock::FileEntry f;
    f.name = filename;
    f.url = "file://" + (dir_ / "wheels" / filename).string();
    f.hashes["sha256"] = index::Sha256Hex(ReadFile(dir_ / "wheels" / filename));
    f.size = static_cast<int64_t>(fs::file_size(dir_ / "wheels" / filename));
    p.wheels.push_back(f);
    lock_.packages.push_back(p);
  }

  std::string WriteLockFile(const lock::Lock& l) {
    lock::Lock copy = l;
    if (!copy.sparkenv) {
      lock::SparkenvTool tool;
      tool.target_markers = {{"python_version", "3.11"}, {"sys_platform", "linux"}};
      tool.target_tags_sha256 = std::string(64, 'a');
      copy.sparkenv = tool;
    }
    auto text = lock::WriteLock(copy);
    EXPECT_TRUE(text.ok()) << text.error().message();
    std::ofstream(dir_ / "pylock.toml", std::ios::binary) << *text;
    return (dir_ / "pylock.toml").string();
  }

  BuildOptions Options(const std::string& out = "env", const std::string& cache = "cache") {
    BuildOptions o;
    o.lock_path = WriteLockFile(lock_);
    o.output_dir = (dir_ / out).string();
    o.cache_dir = (dir_ / cache).string();
    return o;
  }

  fs::path dir_;
  lock::Lock lock_;
};

TEST_F(BuilderTest, BuildsLayersAndAManifestAndReusesTheLayerCache) {
  auto first = Build(Options());
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->layers_built, 2u);
  EXPECT_EQ(first->layers_cached, 0u);
  const Manifest& m = first->manifest;
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.layers[0].package, "demo");
  EXPECT_EQ(m.layers[1].package, "other");
  EXPECT_EQ(m.PythonVersion(), "3.11");
  for (const Layer& l : m.layers) {
    fs::path archive = dir_ / "env" / Manifest::LayerPath(l);
    ASSERT_TRUE(fs::exists(archive)) << archive;
    EXPECT_EQ(index::Sha256Hex(ReadFile(archive)), l.sha256);
    EXPECT_EQ(fs::file_size(archive), l.size);
  }
  auto parsed = FromJson(ReadFile(dir_ / "env" / "manifest.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(*parsed, m);

  // Again, into another folder: every layer from the cache, the same bytes.
  auto second = Build(Options("env2"));
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(second->layers_built, 0u);
  EXPECT_EQ(second->layers_cached, 2u);
  EXPECT_EQ(ReadFile(dir_ / "env2" / "manifest.json"), ReadFile(dir_ / "env" / "manifest.json"));

  // With an empty cache the layers come out byte for byte the same.
  auto third = Build(Options("env3", "cache3"));
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_EQ(third->layers_built, 2u);
  EXPECT_EQ(third->manifest, m);
}

TEST_F(BuilderTest, FormatDirMergesEveryLayer) {
  BuildOptions o = Options();
  o.format = "dir";
  auto built = Build(o);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(ReadFile(dir_ / "env" / "env" / "site-packages" / "demo" / "__init__.py"),
            "VALUE = 1\n");
  EXPECT_TRUE(
      fs::exists(dir_ / "env" / "env" / "site-packages" / "other-2.0.dist-info" / "RECORD"));

  o.format = "tar.gz";
  built = Build(o);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_TRUE(fs::exists(dir_ / "env" / "env.tar.gz"));
  EXPECT_FALSE(fs::exists(dir_ / "env" / "env"));  // replaced as a whole
  EXPECT_FALSE(fs::exists(dir_ / "env" / "work"));
  // Again: the merged archive comes from the cache (the same inode).
  const std::string first = ReadFile(dir_ / "env" / "env.tar.gz");
  BuildOptions again = o;
  again.output_dir = (dir_ / "env-again").string();
  ASSERT_TRUE(Build(again).ok());
  EXPECT_EQ(ReadFile(dir_ / "env-again" / "env.tar.gz"), first);
  struct stat a {};
  struct stat b {};
  ASSERT_EQ(stat((dir_ / "env" / "env.tar.gz").c_str(), &a), 0);
  ASSERT_EQ(stat((dir_ / "env-again" / "env.tar.gz").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  fs::create_directories(dir_ / "unpacked");
  ASSERT_TRUE(
      UnpackLayer((dir_ / "env" / "env.tar.gz").string(), (dir_ / "unpacked").string()).ok());
  EXPECT_EQ(ReadFile(dir_ / "unpacked" / "site-packages" / "other" / "__init__.py"),
            "import demo\n");

  o.format = "rar";
  built = Build(o);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().message(), "invalid --format 'rar': expected dir, tar.gz or zip");
}

TEST_F(BuilderTest, AHashMismatchLeavesNoOutput) {
  lock_.packages[1].wheels[0].hashes["sha256"] = std::string(64, '0');
  auto built = Build(Options());
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find("sha256 mismatch: expected " + std::string(64, '0')),
            std::string::npos)
      << built.error().message();
  EXPECT_FALSE(fs::exists(dir_ / "env"));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find("env"), std::string::npos) << e.path();
  }
}

TEST_F(BuilderTest, ARefusedWheelLeavesAnEarlierEnvironmentAsItWas) {
  ASSERT_TRUE(Build(Options()).ok());
  const std::string before = ReadFile(dir_ / "env" / "manifest.json");
  // A wheel whose RECORD misses a file.
  WheelSpec spec;
  spec.dist_info = "bad-1.0.dist-info";
  spec.files.emplace_back("bad/__init__.py", "");
  spec.files.emplace_back("bad-1.0.dist-info/METADATA",
                          "Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n");
  spec.unrecorded = {"bad/__init__.py"};
  std::ofstream(dir_ / "wheels" / "bad-1.0-py3-none-any.whl", std::ios::binary) << BuildWheel(spec);
  lock::Package p;
  p.name = "bad";
  p.version = *spec::Version::Parse("1.0");
  lock::FileEntry f;
  f.name = "bad-1.0-py3-none-any.whl";
  f.url = "file://" + (dir_ / "wheels" / f.name).string();
  f.hashes["sha256"] = index::Sha256Hex(ReadFile(dir_ / "wheels" / f.name));
  p.wheels.push_back(f);
  lock_.packages.push_back(p);
  auto built = Build(Options());
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find("bad/__init__.py"), std::string::npos)
      << built.error().message();
  EXPECT_EQ(ReadFile(dir_ / "env" / "manifest.json"), before);
}

TEST_F(BuilderTest, RefusesVcsSourcesAndForeignFolders) {
  lock::Package p;
  p.name = "src";
  p.version = *spec::Version::Parse("1.0");
  lock::VcsSource vcs;
  vcs.type = "git";
  vcs.url = "https://x.example/src.git";
  vcs.commit_id = std::string(40, 'a');
  p.vcs = vcs;
  lock_.packages.push_back(p);
  auto built = Build(Options());
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(built.error().message(),
            (dir_ / "pylock.toml").string() +
                ": package 'src' comes from a VCS, a folder or an archive URL; sparkenv build "
                "installs wheels and sdists from an index only");

  lock_.packages.pop_back();
  fs::create_directories(dir_ / "mine");
  std::ofstream(dir_ / "mine" / "notes.txt") << "keep";
  auto refused = Build(Options("mine"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(),
            "output folder '" + (dir_ / "mine").string() +
                "' exists and is not a sparkenv environment: remove it or choose another -o");
  EXPECT_EQ(ReadFile(dir_ / "mine" / "notes.txt"), "keep");
}

TEST_F(BuilderTest, RemovesFoldersAKilledBuildLeft) {
  // A pid that cannot exist (above pid_max) and our own: only the first goes.
  fs::create_directories(dir_ / "env.tmp-999999999-0123456789ab" / "layers");
  fs::create_directories(dir_ / "env.old-999999999-0123456789ab");
  const std::string mine = "env.tmp-" + std::to_string(getpid()) + "-0123456789ab";
  fs::create_directories(dir_ / mine);
  fs::create_directories(dir_ / "env.tmp-notapid");
  auto built = Build(Options());
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_FALSE(fs::exists(dir_ / "env.tmp-999999999-0123456789ab"));
  EXPECT_FALSE(fs::exists(dir_ / "env.old-999999999-0123456789ab"));
  EXPECT_TRUE(fs::exists(dir_ / mine));
  EXPECT_TRUE(fs::exists(dir_ / "env.tmp-notapid"));
}

TEST(ManifestTest, TheApplicationIsPartOfTheIdAndRoundTrips) {
  Manifest m;
  m.lock_sha256 = std::string(64, '1');
  m.target_markers = {{"python_version", "3.11"}};
  m.target_tags_sha256 = std::string(64, '2');
  m.created_by = "sparkenv test";
  Layer l;
  l.sha256 = std::string(64, '3');
  l.wheel_sha256 = std::string(64, '4');
  l.package = "demo-app";
  l.version = "1.0";
  l.wheel = "demo_app-1.0-py3-none-any.whl";
  Layer built = l;
  built.package = "tomli";
  built.sha256 = std::string(64, '7');
  built.sdist = "tomli-2.2.1.tar.gz";
  built.sdist_sha256 = std::string(64, '8');
  m.layers = {l, built};
  const std::string without = EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256);
  m.application = Application{"demo-app", "1.0", l.wheel, l.wheel_sha256, l.sha256};
  m.env_id = EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256, l.wheel_sha256);
  EXPECT_NE(m.env_id, without);
  EXPECT_NE(m.env_id, EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256,
                                    std::string(64, '9')));
  const std::string json = ToJson(m);
  EXPECT_NE(json.find("\"sdist\": \"tomli-2.2.1.tar.gz\""), std::string::npos) << json;
  auto round = FromJson(json);
  ASSERT_TRUE(round.ok()) << round.error().message();
  EXPECT_EQ(*round, m);
  // No application: "application": null, and the id of a lock alone.
  m.application.reset();
  m.env_id = without;
  EXPECT_NE(ToJson(m).find("\"application\": null"), std::string::npos);
  round = FromJson(ToJson(m));
  ASSERT_TRUE(round.ok()) << round.error().message();
  EXPECT_EQ(*round, m);
}

TEST(ManifestTest, RejectsHostileManifests) {
  Manifest m;
  m.lock_sha256 = std::string(64, '1');
  m.target_markers = {{"python_version", "3.11"}};
  m.target_tags_sha256 = std::string(64, '2');
  m.env_id = EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256);
  m.created_by = "sparkenv test";
  Layer l;
  l.sha256 = std::string(64, '3');
  l.wheel_sha256 = std::string(64, '4');
  l.package = "demo";
  l.version = "1.0";
  l.wheel = "demo-1.0-py3-none-any.whl";
  m.layers.push_back(l);
  auto round = FromJson(ToJson(m));
  ASSERT_TRUE(round.ok()) << round.error().message();
  EXPECT_EQ(*round, m);

  Manifest bad = m;
  bad.layers[0].sha256 = "../../etc/passwd";
  auto r = FromJson(ToJson(bad), "store/manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "store/manifest.json: layers[0]: sha256 and wheel_sha256 must be 64 lowercase hex "
            "digits");
  bad = m;
  bad.layers[0].package = "../x";
  r = FromJson(ToJson(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "manifest.json: layers[0]: package '../x' is not a normalized project name");
  bad = m;
  bad.application = Application{"demo", "1.0", "demo-1.0-py3-none-any.whl", std::string(64, '5'),
                                std::string(64, '6')};
  r = FromJson(ToJson(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      "manifest.json: application: no layer of package 'demo' has sha256 " + std::string(64, '6'));
  bad = m;
  bad.target_markers["python_version"] = "3.12";
  r = FromJson(ToJson(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind(
                "manifest.json: env_id " + m.env_id + " does not match its lock and target", 0),
            0u);
}

}  // namespace
}  // namespace sparkenv::env
