#include "locking/locker.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "http/testdata/fake_client.h"
#include "index/sha256.h"

namespace sparkenv::locking {
namespace {

class FakeEnv : public inputs::Environment {
 public:
  std::optional<std::string> Get(const std::string& name) const override {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::string> vars;
};

spec::Target Cp311() {
  spec::TargetOptions o;
  o.python = "3.11";
  o.platforms = {"manylinux_2_28_x86_64"};
  auto t = spec::Target::FromOptions(o);
  EXPECT_TRUE(t.ok());
  return *t;
}

TEST(GatherInputsTest, ReadsFilesCommandLineAndIndexOptionsInPrecedence) {
  inputs::FakeFileSystem fs("/w");
  fs.AddFile("/w/req.txt",
             "--index-url https://file.example/simple\n--extra-index-url https://extra.example/\n"
             "pandas>=2  # comment\n-c c.txt\n");
  fs.AddFile("/w/c.txt", "numpy<3\n");
  FakeEnv env;
  env.vars["SPARKENV_INDEX_URL"] = "https://env.example/simple/";
  LockArgs args;
  args.requirement_files = {"req.txt"};
  args.requirements = {"scipy"};
  args.find_links = {"wheels"};
  auto in = GatherInputs(args, fs, env);
  ASSERT_TRUE(in.ok()) << in.error().message();
  ASSERT_EQ(in->requirements.size(), 2u);
  EXPECT_EQ(in->requirements[0].ToString(), "pandas>=2");
  EXPECT_EQ(in->requirements[1].ToString(), "scipy");
  ASSERT_EQ(in->constraints.size(), 1u);
  EXPECT_EQ(in->constraints[0].ToString(), "numpy<3");
  // The file's --index-url beats the environment; extras follow.
  EXPECT_EQ(in->index.index_urls,
            (std::vector<std::string>{"https://file.example/simple", "https://extra.example/"}));
  EXPECT_EQ(in->index.find_links, (std::vector<std::string>{"/w/wheels"}));

  args.index_url = "https://cli.example/simple/";
  in = GatherInputs(args, fs, env);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->index.index_urls[0], "https://cli.example/simple/");

  args.index_url.reset();
  args.requirement_files.clear();
  in = GatherInputs(args, fs, env);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->index.index_urls, (std::vector<std::string>{"https://env.example/simple/"}));
}

TEST(GatherInputsTest, PyprojectWithExtras) {
  inputs::FakeFileSystem fs("/w");
  fs.AddFile("/w/pyproject.toml",
             "[project]\nname = \"app\"\nrequires-python = \">=3.10\"\ndependencies = "
             "[\"requests\"]\n[project.optional-dependencies]\nml = [\"scikit-learn\"]\n");
  FakeEnv env;
  LockArgs args;
  args.requirement_files = {"pyproject.toml"};
  args.extras = {"ML"};
  auto in = GatherInputs(args, fs, env);
  ASSERT_TRUE(in.ok()) << in.error().message();
  ASSERT_EQ(in->requirements.size(), 2u);
  EXPECT_EQ(in->requirements[1].ToString(), "scikit-learn");
  ASSERT_TRUE(in->requires_python.has_value());
  EXPECT_EQ(in->requires_python->ToString(), ">=3.10");
  EXPECT_EQ(in->extras, (std::vector<std::string>{"ml"}));
}

TEST(GatherInputsTest, BadInputNamesTheInputAndTheRule) {
  inputs::FakeFileSystem fs("/w");
  FakeEnv env;
  LockArgs args;
  auto in = GatherInputs(args, fs, env);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().message(),
            "nothing to lock: give requirements, -r requirements.txt or -r pyproject.toml");
  EXPECT_EQ(in.error().kind(), ErrorKind::kInvalidInput);

  args.requirements = {"a"};
  args.resolution = "newest";
  in = GatherInputs(args, fs, env);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().message(),
            "invalid --resolution 'newest': expected highest, lowest or lowest-direct");

  args.resolution = "highest";
  args.extras = {"ml"};
  in = GatherInputs(args, fs, env);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().message(),
            "--extra 'ml' selects optional dependencies of a pyproject.toml, but none was given "
            "(use -r pyproject.toml)");

  args.extras.clear();
  args.requirements = {"a @ https://x.example/a-1.0-py3-none-any.whl"};
  in = GatherInputs(args, fs, env);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().message(),
            "command line: direct reference 'a @ https://x.example/a-1.0-py3-none-any.whl' is not "
            "supported by 'sparkenv lock'; put the file in a --find-links folder and require it "
            "by name");

  args.requirements = {"a"};
  args.no_index = true;
  in = GatherInputs(args, fs, env);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().message(), "--no-index leaves no source of packages: add --find-links");
}

// A tiny JSON index served by the fake client: a (1.0, 2.0) depends on b;
// b 1.0 has two wheels, only one of which fits the target.
class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_shared<http::testing::FakeClient>();
    Project("a", {{"a-1.0-py3-none-any.whl", "Requires-Dist: b\n"},
                  {"a-2.0-py3-none-any.whl", "Requires-Dist: b>=1\nRequires-Python: >=3.8\n"}});
    Project("b", {{"b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", ""},
                  {"b-1.0-cp311-cp311-macosx_11_0_arm64.whl", ""}});
  }

  void Project(const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& files) {
    std::string json = R"({"meta": {"api-version": "1.1"}, "name": ")" + name + R"(", "files": [)";
    bool first = true;
    for (const auto& [filename, deps] : files) {
      std::string version = filename.substr(name.size() + 1);
      version = version.substr(0, version.find('-'));
      std::string metadata =
          "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n" + deps;
      std::string url = "https://i.example/files/" + filename;
      fake_->File(url + ".metadata", metadata);
      if (!first) json += ",";
      first = false;
      json += R"({"filename": ")" + filename + R"(", "url": ")" + url +
              R"(", "hashes": {"sha256": ")" + index::Sha256Hex(filename) +
              R"("}, "size": 100, "upload-time": "2024-01-02T03:04:05.000006Z",
              "core-metadata": true})";
    }
    json += "]}";
    http::Response r;
    r.status = 200;
    r.headers = {{"content-type", "application/vnd.pypi.simple.v1+json"}};
    r.body = json;
    fake_->Route("https://i.example/simple/" + name + "/", r);
  }

  LockInputs Inputs(const std::vector<std::string>& reqs) {
    LockInputs in;
    for (const auto& r : reqs) in.requirements.push_back(*spec::Requirement::Parse(r));
    in.index.index_urls = {"https://i.example/simple/"};
    in.resolution = "highest";
    return in;
  }

  std::shared_ptr<http::testing::FakeClient> fake_;
};

TEST_F(LockTest, LocksTheBestWheelForTheTargetWithItsIndexFacts) {
  auto result = Lock(Inputs({"a"}), Cp311(), {}, fake_);
  ASSERT_TRUE(result.ok()) << result.error().message();
  auto text = lock::WriteLock(result->lock);
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_NE(text->find("name = \"a\"\nversion = \"2.0\"\nrequires-python = \">=3.8\"\n"
                       "dependencies = [\n    { name = \"b\", version = \"1.0\" },\n]\n"
                       "index = \"https://i.example/simple/\""),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("{ name = \"b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl\", "
                       "upload-time = 2024-01-02T03:04:05.000006Z, url = "
                       "\"https://i.example/files/b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl\", "
                       "size = 100, hashes = { sha256 = \"" +
                       index::Sha256Hex("b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl") + "\" } }"),
            std::string::npos)
      << *text;
  EXPECT_EQ(text->find("macosx"), std::string::npos);
  EXPECT_NE(text->find("environments = [\n    \"implementation_name == \\\"cpython\\\" and "
                       "python_version == \\\"3.11\\\" and sys_platform == \\\"linux\\\" and "
                       "platform_machine == \\\"x86_64\\\"\",\n]"),
            std::string::npos)
      << *text;
  EXPECT_EQ(result->stats.packages, 2);

  // The same inputs give the same bytes.
  auto again = Lock(Inputs({"a"}), Cp311(), {}, fake_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*lock::WriteLock(again->lock), *text);
}

TEST_F(LockTest, CheckSaysWhatChanged) {
  auto result = Lock(Inputs({"a"}), Cp311(), {}, fake_);
  ASSERT_TRUE(result.ok()) << result.error().message();
  auto text = *lock::WriteLock(result->lock);
  auto existing = lock::ReadLock(text);
  ASSERT_TRUE(existing.ok()) << existing.error().message();

  auto same = CheckLock(*existing, Inputs({"a"}), Cp311(), {}, fake_);
  ASSERT_TRUE(same.ok()) << same.error().message();
  EXPECT_FALSE(same->has_value()) << **same;

  auto older = CheckLock(*existing, Inputs({"a<2"}), Cp311(), {}, fake_);
  ASSERT_TRUE(older.ok());
  ASSERT_TRUE(older->has_value());
  EXPECT_EQ((*older)->rfind("the locked versions no longer satisfy the inputs:\nBecause ", 0), 0u)
      << **older;

  auto fewer = CheckLock(*existing, Inputs({"b"}), Cp311(), {}, fake_);
  ASSERT_TRUE(fewer.ok());
  EXPECT_EQ(fewer->value_or(""), "'a' is locked but no longer needed");

  spec::TargetOptions o;
  o.python = "3.12";
  o.platforms = {"manylinux_2_28_x86_64"};
  auto other = CheckLock(*existing, Inputs({"a"}), *spec::Target::FromOptions(o), {}, fake_);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->value_or(""),
            "the target changed: python_full_version was '3.11.0', now '3.12.0'");
}

TEST_F(LockTest, HashesFromRequirementsMustMatchTheChosenFile) {
  LockInputs in = Inputs({"b"});
  in.hashes.emplace_back("b", std::vector<std::string>{"sha256:" + std::string(64, '0')});
  auto result = Lock(in, Cp311(), {}, fake_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "hash mismatch for 'b': the chosen file 'b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl' "
            "has sha256:" +
                index::Sha256Hex("b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl") +
                ", not one of the --hash values sha256:" + std::string(64, '0'));
}

}  // namespace
}  // namespace sparkenv::locking
