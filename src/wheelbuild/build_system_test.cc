#include "wheelbuild/build_system.h"

#include <gtest/gtest.h>

#include "wheelbuild/interpreter.h"
#include "wheelbuild/process.h"

namespace sparkenv::wheelbuild {
namespace {

std::vector<std::string> Reqs(const BuildSystem& b) {
  std::vector<std::string> out;
  for (const auto& r : b.requirements) out.push_back(r.ToString());
  return out;
}

TEST(BuildSystemTest, ReadsTheTable) {
  auto b = ReadBuildSystem(
      "[build-system]\nrequires = ['flit_core >=3.2,<4']\nbuild-backend = 'flit_core.buildapi'\n"
      "[project]\nname = 'tomli'\nversion = '2.2.1'\n",
      "x");
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(Reqs(*b), std::vector<std::string>{"flit_core<4,>=3.2"});
  EXPECT_EQ(b->backend, "flit_core.buildapi");
  EXPECT_FALSE(b->legacy);
  EXPECT_EQ(b->project_name, "tomli");
  EXPECT_EQ(b->project_version, "2.2.1");
  EXPECT_TRUE(b->backend_path.empty());

  b = ReadBuildSystem(
      "[build-system]\nrequires = []\nbuild-backend = 'backend:Api.hooks'\n"
      "backend-path = ['.', './tools/', 'a/b']\n",
      "x");
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b->backend, "backend:Api.hooks");
  EXPECT_EQ(b->backend_path, (std::vector<std::string>{".", "tools", "a/b"}));
}

TEST(BuildSystemTest, FallsBackToSetuptoolsLegacyAsPipDoes) {
  for (const std::optional<std::string>& text :
       {std::optional<std::string>(), std::optional<std::string>("[project]\nname = 'x'\n"),
        std::optional<std::string>("[tool.black]\nline-length = 100\n")}) {
    auto b = ReadBuildSystem(text, "x");
    ASSERT_TRUE(b.ok()) << b.error().message();
    EXPECT_EQ(Reqs(*b), std::vector<std::string>{"setuptools>=40.8.0"});
    EXPECT_EQ(b->backend, "setuptools.build_meta:__legacy__");
    EXPECT_TRUE(b->legacy);
  }
  auto b = ReadBuildSystem("[build-system]\nrequires = ['setuptools>=61', 'wheel']\n", "x");
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(Reqs(*b), (std::vector<std::string>{"setuptools>=61", "wheel"}));
  EXPECT_EQ(b->backend, "setuptools.build_meta:__legacy__");
}

TEST(BuildSystemTest, RefusesWhatPep517AndPep518Forbid) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"[build-system]\nbuild-backend = 'x'\n",
       "demo: pyproject.toml: [build-system] has no 'requires' (PEP 518 makes it mandatory; use "
       "requires = [] for none)"},
      {"[build-system]\nrequires = 'setuptools'\n",
       "demo: pyproject.toml: build-system.requires: expected an array of strings, not a string"},
      {"[build-system]\nrequires = ['setup tools']\n",
       "demo: pyproject.toml: build-system.requires[0]: "},
      {"[build-system]\nrequires = []\nbuild-backend = 'os; import evil'\n",
       "demo: pyproject.toml: build-system.build-backend 'os; import evil' is not 'module' or "
       "'module:object' with Python identifiers"},
      {"[build-system]\nrequires = []\nbuild-backend = 'b'\nbackend-path = ['../outside']\n",
       "demo: pyproject.toml: build-system.backend-path[0] '../outside' must be a relative path "
       "inside the source tree (PEP 517): it has a '..' component"},
      {"[build-system]\nrequires = []\nbuild-backend = 'b'\nbackend-path = ['/abs']\n",
       "demo: pyproject.toml: build-system.backend-path[0] '/abs' must be a relative path inside "
       "the source tree (PEP 517): it is an absolute path"},
      {"build-system = 3\n",
       "demo: pyproject.toml: build-system: expected a table, not an integer"},
  };
  for (const Case& c : cases) {
    auto b = ReadBuildSystem(c.text, "demo: pyproject.toml");
    ASSERT_FALSE(b.ok()) << c.text;
    EXPECT_EQ(b.error().message().substr(0, c.message.size()), c.message) << b.error().message();
    EXPECT_EQ(b.error().kind(), ErrorKind::kInvalidInput);
  }
}

ProcessSpec Spec(std::vector<std::string> argv, std::vector<std::string> env = {},
                 std::string cwd = "") {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.cwd = std::move(cwd);
  return spec;
}

TEST(ProcessTest, RunsCapturesAndReportsExitCodes) {
  auto r = RunProcess(Spec({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {"PATH=/bin"}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->output, "out\nerr\n");
  r = RunProcess(Spec({"/bin/sh", "-c", "kill -9 $$"}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->signaled);
  EXPECT_EQ(r->exit_code, 128 + 9);
  r = RunProcess(Spec({"/no/such/program"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "cannot run '/no/such/program': No such file or directory");
  r = RunProcess(Spec({"/bin/sh", "-c", "pwd; echo $X"}, {"X=1"}, "/"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->output, "/\n1\n");
}

TEST(ProcessTest, EnvironmentHelpers) {
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "A=1", "AB=2"};
  EXPECT_EQ(EnvValue(env, "A"), "1");
  bool found = true;
  EXPECT_EQ(EnvValue(env, "B", &found), "");
  EXPECT_FALSE(found);
  SetEnv(env, "A", "3");
  SetEnv(env, "AB", nullptr);
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/usr/bin:/bin", "A=3"}));
  EXPECT_EQ(FindProgram("sh", env), "/usr/bin/sh");
  EXPECT_EQ(FindProgram("no-such-program-here", env), "");
  EXPECT_EQ(TailLines("a\nb\nc\n\n", 2, "> "), "> b\n> c");
}

TEST(InterpreterTest, ProbesTheHostPython) {
  std::vector<std::string> env = CurrentEnvironment();
  if (FindProgram("python3", env).empty()) GTEST_SKIP() << "no python3 on PATH";
  auto py = ProbeInterpreter("python3", env);
  ASSERT_TRUE(py.ok()) << py.error().message();
  EXPECT_EQ(py->target.markers().at("implementation_name"), "cpython");
  EXPECT_EQ(py->target.markers().at("sys_platform"), "linux");
  EXPECT_FALSE(py->target.tags().empty());
  // A pure wheel and one for this interpreter's own version both fit.
  std::string xy = py->target.markers().at("python_version");
  std::erase(xy, '.');
  EXPECT_TRUE(py->target.Rank(*spec::Tag::Parse("py3-none-any")));
  EXPECT_TRUE(py->target.Rank(*spec::Tag::Parse("cp" + xy + "-cp" + xy + "-linux_x86_64")) ||
              py->target.markers().at("platform_machine") != "x86_64");
  EXPECT_EQ(py->Describe().rfind("CPython 3.", 0), 0u) << py->Describe();

  auto missing = ProbeInterpreter("no-such-python", env);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "no Python to build with: 'no-such-python' is not on PATH; give --build-python PATH");
  missing = ProbeInterpreter("/no/such/python", env);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "build interpreter '/no/such/python' does not exist or is not executable");
  auto not_python = ProbeInterpreter("/bin/true", env);
  ASSERT_FALSE(not_python.ok());
  EXPECT_EQ(not_python.error().message(),
            "build interpreter '/bin/true' printed no description of itself (is it a Python "
            "interpreter?)");
}

TEST(InterpreterTest, MarkerMismatchNamesTheFirstDifference) {
  spec::MarkerEnvironment a = {{"implementation_name", "cpython"},
                               {"python_version", "3.11"},
                               {"sys_platform", "linux"},
                               {"platform_machine", "x86_64"}};
  spec::MarkerEnvironment b = a;
  EXPECT_EQ(MarkerMismatch(a, b), "");
  b["python_version"] = "3.12";
  b["platform_machine"] = "aarch64";
  EXPECT_EQ(MarkerMismatch(a, b), "python_version '3.11' (the target's is '3.12')");
}

}  // namespace
}  // namespace sparkenv::wheelbuild
