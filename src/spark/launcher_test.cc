#include "spark/launcher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sparkenv::spark {
namespace {

namespace fs = std::filesystem;

Getenv Env(const std::map<std::string, std::string>& vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(FindSparkSubmitTest, SparkHomeThenPath) {
  const fs::path dir = fs::temp_directory_path() / ("sparkenv-launch-" + std::to_string(getpid()));
  fs::create_directories(dir / "home" / "bin");
  fs::create_directories(dir / "path");
  for (const fs::path& p : {dir / "home" / "bin" / "spark-submit", dir / "path" / "spark-submit"}) {
    std::ofstream(p) << "#!/bin/sh\n";
    chmod(p.c_str(), 0755);
  }
  EXPECT_EQ(*FindSparkSubmit("", Env({{"SPARK_HOME", (dir / "home").string()}})),
            (dir / "home" / "bin" / "spark-submit").string());
  EXPECT_EQ(*FindSparkSubmit((dir / "home").string(), Env({{"SPARK_HOME", "/nowhere"}})),
            (dir / "home" / "bin" / "spark-submit").string());
  EXPECT_EQ(*FindSparkSubmit("", Env({{"PATH", "/nowhere:" + (dir / "path").string()}})),
            (dir / "path" / "spark-submit").string());
  EXPECT_EQ(FindSparkSubmit("", Env({{"SPARK_HOME", "/nowhere"}})).error().message(),
            "no spark-submit in SPARK_HOME '/nowhere' (expected /nowhere/bin/spark-submit)");
  EXPECT_EQ(FindSparkSubmit("", Env({{"PATH", "/nowhere"}})).error().message(),
            "cannot find spark-submit: set SPARK_HOME, pass --spark-home, or put spark-submit on "
            "PATH");
  fs::remove_all(dir);
}

TEST(MergeEnvironmentTest, PythonPathIsPrependedTheRestReplaced) {
  EXPECT_EQ(MergeEnvironment({"A=1", "PYTHONPATH=/old", "B=2"},
                             {{"PYTHONPATH", "/env"}, {"A", "x"}, {"C", "3"}}),
            (std::vector<std::string>{"A=x", "PYTHONPATH=/env:/old", "B=2", "C=3"}));
  EXPECT_EQ(MergeEnvironment({"PYTHONPATH="}, {{"PYTHONPATH", "/env"}}),
            (std::vector<std::string>{"PYTHONPATH=/env"}));
}

TEST(RunCapturingStdoutTest, OutputAndStatus) {
  std::string out;
  auto rc = RunCapturingStdout({"/bin/sh", "-c", "echo hello; echo $X; exit 3"}, {"X=42"}, &out);
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 3);
  EXPECT_EQ(out, "hello\n42\n");
  auto missing = RunCapturingStdout({"/nonexistent/bin"}, {}, &out);
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace sparkenv::spark
