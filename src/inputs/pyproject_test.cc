#include "inputs/pyproject.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sparkenv::inputs {
namespace {

std::vector<std::string> Texts(const std::vector<RequirementLine>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const RequirementLine& l : lines) out.push_back(l.requirement.ToString());
  return out;
}

const char* const kProject = R"([build-system]
requires = ["hatchling"]

[project]
name = "spark-job"
version = "1.0"
requires-python = ">=3.9"
dependencies = [
    "pandas>=2",
    "pyarrow>=14; python_version >= '3.9'",
]

[project.optional-dependencies]
ML_Extras = ["scikit-learn>=1.4", "xgboost"]
s3 = ["boto3"]

[dependency-groups]
test = ["pytest>=8", {include-group = "Lint"}]
lint = ["ruff"]

[tool.other]
anything = 1
)";

TEST(PyProjectTest, ReadsProjectTable) {
  Result<PyProject> p = ParsePyProject(kProject);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->name, "spark-job");
  ASSERT_TRUE(p->requires_python.has_value());
  EXPECT_EQ(p->requires_python->ToString(), ">=3.9");
  EXPECT_EQ(Texts(p->dependencies),
            (std::vector<std::string>{"pandas>=2", R"(pyarrow>=14; python_version >= "3.9")"}));
  EXPECT_EQ(p->dependencies[1].origin.ToString(), "pyproject.toml:10");
  ASSERT_EQ(p->optional_dependencies.size(), 2u);
  EXPECT_EQ(Texts(p->optional_dependencies.at("ml-extras")),
            (std::vector<std::string>{"scikit-learn>=1.4", "xgboost"}));
  EXPECT_EQ(Texts(p->dependency_groups.at("test")),
            (std::vector<std::string>{"pytest>=8", "ruff"}));
}

TEST(PyProjectTest, SelectsExtrasAndGroups) {
  PyProject p = ParsePyProject(kProject).value();
  Result<std::vector<RequirementLine>> r = SelectRequirements(p, {"ml.extras", "S3"}, {"TEST"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Texts(*r), (std::vector<std::string>{
                           "pandas>=2", R"(pyarrow>=14; python_version >= "3.9")",
                           "scikit-learn>=1.4", "xgboost", "boto3", "pytest>=8", "ruff"}));
  EXPECT_EQ(SelectRequirements(p, {"gpu"}).error().message(),
            "unknown extra 'gpu': pyproject.toml defines 'ml-extras', 's3'");
  EXPECT_EQ(SelectRequirements(p, {}, {"docs"}).error().message(),
            "unknown dependency group 'docs': pyproject.toml defines 'lint', 'test'");
}

TEST(PyProjectTest, Errors) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"[project]\nname = \"x\"\ndependencies = [\n  \"ok\",\n  \"foo>>1\",\n]\n",
       "pyproject.toml:5: project.dependencies[1]: invalid requirement 'foo>>1': expected ';' "
       "(after a name with no version specifier) or the end at position 3"},
      {"[project\nname = 1\n",
       "pyproject.toml:1:9: invalid TOML: Error while parsing table header: expected ']', saw "
       "'\\n'"},
      {"[project]\ndependencies = \"numpy\"\n",
       "pyproject.toml:2: project.dependencies: expected an array of strings, not a string"},
      {"[project]\ndependencies = [1]\n",
       "pyproject.toml:2: project.dependencies[0]: expected a string, not an integer"},
      {"[project]\nrequires-python = \">=3.x\"\n",
       "pyproject.toml:2: project.requires-python: invalid specifier '>=3.x': invalid version "
       "'3.x': expected a number after '.'"},
      {"[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n",
       "pyproject.toml:3: project.dependencies is dynamic (computed by the build backend); "
       "sparkenv reads only static metadata: list them in pyproject.toml or use a requirements "
       "file"},
      {"[project.optional-dependencies]\nA = [\"x\"]\na = [\"y\"]\n",
       "pyproject.toml:3: project.optional-dependencies.a: the extra 'a' is defined twice"},
      {"[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"a\"}]\n",
       "pyproject.toml:3: dependency-groups.b[0]: group 'a' includes itself"},
      {"[dependency-groups]\na = [{include-group = \"c\"}]\n",
       "pyproject.toml:2: dependency-groups.a[0]: included group 'c' is not defined"},
      {"[tool.x]\ny = 1\n",
       "pyproject.toml: no [project] table (nor [dependency-groups]): nothing to lock"},
  };
  for (const Case& c : cases) {
    Result<PyProject> p = ParsePyProject(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.error().message(), c.error) << c.text;
  }
}

TEST(PyProjectTest, ReadsThroughTheFileSystem) {
  FakeFileSystem fs("/w");
  fs.AddFile("proj/pyproject.toml", "[project]\nname = \"a\"\ndependencies = [\"six\"]\n");
  Result<PyProject> p = ReadPyProject("proj/pyproject.toml", fs);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->dependencies[0].origin.ToString(), "proj/pyproject.toml:3");
  EXPECT_EQ(ReadPyProject("nope/pyproject.toml", fs).error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace sparkenv::inputs

namespace sparkenv::inputs {
namespace {

TEST(PyProjectTest, NonAsciiText) {
  // U+FE7F alone: toml++ 3.3 reached __builtin_unreachable() (pyproject_fuzz).
  Result<PyProject> odd = ParsePyProject("\xEF\xB9\xBF");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().message().substr(0, 35), "pyproject.toml:1:1: invalid TOML: E");
  EXPECT_NE(odd.error().message().find("\xEF\xB9\xBF"), std::string::npos) << odd.error().message();

  Result<PyProject> p = ParsePyProject(
      "[project]\nname = \"x\"\nauthors = [{name = \"Jos\u00e9 \u00d1o\u00f1o\"}]\n"
      "description = \"\"\"caf\u00e9 \\\n   \u00e9t\u00e9\"\"\"\n"
      "[project.optional-dependencies]\n\"\u00e9\" = [\"six\"]\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message(),
            "pyproject.toml:7: project.optional-dependencies.\u00e9: '\u00e9' is not a valid extra "
            "name");
}

}  // namespace
}  // namespace sparkenv::inputs
