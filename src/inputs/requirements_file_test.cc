#include "inputs/requirements_file.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sparkenv::inputs {
namespace {

using Lines = std::vector<std::pair<int, std::string>>;

std::vector<std::string> Names(const std::vector<RequirementLine>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const RequirementLine& l : lines) out.push_back(l.requirement.ToString());
  return out;
}

class RequirementsFileTest : public ::testing::Test {
 protected:
  Result<RequirementsInput> Read(const std::string& path) {
    return ReadRequirementsFile(path, fs_, env_);
  }
  std::string ErrorOf(const std::string& path) {
    Result<RequirementsInput> r = Read(path);
    if (r.ok()) return "(no error)";
    return r.error().message();
  }
  std::string ErrorOfText(const std::string& text) {
    fs_.AddFile("requirements.txt", text);
    return ErrorOf("requirements.txt");
  }

  FakeFileSystem fs_{"/work"};
  FakeEnvironment env_{{{"TOKEN", "s3cr3t"}, {"EMPTY", ""}, {"HOST", "pypi.example"}}};
};

TEST_F(RequirementsFileTest, PreprocessJoinsStripsAndExpands) {
  const char* text =
      "# a comment\n"
      "numpy>=1.26 \\\n"
      "  ; python_version >= \"3.9\"   # trailing comment\n"
      "\n"
      "pandas#not-a-comment\n"
      "   \t\n"
      "--index-url https://${HOST}/simple/${UNSET}/${EMPTY}\n"
      "foo \\\n"
      "# comment ends the continuation\n"
      "bar\\\\\n";  // a continuation on the last line
  FakeEnvironment env({{"HOST", "h"}, {"EMPTY", ""}});
  Lines lines = detail::PreprocessLines(text, env);
  Lines expected = {
      {2, "numpy>=1.26   ; python_version >= \"3.9\""},
      {5, "pandas#not-a-comment"},
      {7, "--index-url https://h/simple/${UNSET}/${EMPTY}"},
      {8, "foo"},
      {10, "bar"},
  };
  EXPECT_EQ(lines, expected);
}

TEST_F(RequirementsFileTest, SplitLinesLikePython) {
  FakeEnvironment env;
  Lines lines = detail::PreprocessLines(
      "\xEF\xBB\xBF"
      "a\r\nb\rc\fd\x1c"
      "e\xE2\x80\xA8"
      "f",
      env);
  Lines expected = {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}, {6, "f"}};
  EXPECT_EQ(lines, expected);
}

TEST_F(RequirementsFileTest, ShellSplit) {
  auto w = detail::ShellSplit(R"(--hash=sha256:"ab" 'x y' a\ b "q\"z")");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (std::vector<std::string>{"--hash=sha256:ab", "x y", "a b", "q\"z"}));
  EXPECT_EQ(detail::ShellSplit("'open").error().message(), "no closing quotation in '\\'open'");
}

TEST_F(RequirementsFileTest, ReadsRequirementsOptionsAndHashes) {
  std::string h1(64, 'a');
  std::string h2(64, 'B');
  fs_.AddFile("reqs/requirements.txt",
              "-i https://${HOST}/simple\n"
              "--extra-index-url https://extra.example/simple\n"
              "--extra-index-url=https://extra.example/simple\n"
              "-f wheels\n"
              "--find-links https://links.example/\n"
              "--pre\n"
              "--prefer-binary\n"
              "--only-binary :all: --no-binary Foo_Bar,baz\n"
              "--trusted-host pypi.example\n"
              "--all-releases=Foo,:none: --only-final :all:\n"
              "requests[security]>=2.8 ; python_version >= \"3.8\" --hash=sha256:" +
                  h1 + " \\\n    --hash sha256:" + h2 + " --hash=sha256:" + h1 +
                  "\n"
                  "-c constraints.txt\n");
  fs_.AddFile("reqs/wheels/x.whl", "");
  fs_.AddFile("reqs/constraints.txt", "urllib3<2\n");
  Result<RequirementsInput> r = Read("reqs/requirements.txt");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->index.index_url, "https://pypi.example/simple");
  EXPECT_EQ(r->index.extra_index_urls, std::vector<std::string>{"https://extra.example/simple"});
  EXPECT_EQ(r->index.find_links,
            (std::vector<std::string>{"reqs/wheels", "https://links.example/"}));
  EXPECT_TRUE(r->index.pre);
  EXPECT_TRUE(r->index.prefer_binary);
  EXPECT_FALSE(r->index.no_index);
  EXPECT_EQ(r->index.only_binary, std::vector<std::string>{":all:"});
  EXPECT_EQ(r->index.no_binary, (std::vector<std::string>{"foo-bar", "baz"}));
  EXPECT_EQ(r->index.all_releases, (std::vector<std::string>{"foo", ":none:"}));
  EXPECT_EQ(r->index.only_final, std::vector<std::string>{":all:"});
  EXPECT_EQ(r->index.trusted_hosts, std::vector<std::string>{"pypi.example"});
  ASSERT_EQ(r->requirements.size(), 1u);
  const RequirementLine& req = r->requirements[0];
  EXPECT_EQ(req.requirement.ToString(), R"(requests[security]>=2.8; python_version >= "3.8")");
  EXPECT_EQ(req.origin.ToString(), "reqs/requirements.txt:11");
  EXPECT_EQ(req.hashes,
            (std::vector<std::string>{"sha256:" + h1, "sha256:" + std::string(64, 'b')}));
  EXPECT_EQ(Names(r->constraints), std::vector<std::string>{"urllib3<2"});
  EXPECT_EQ(r->constraints[0].origin.ToString(), "reqs/constraints.txt:1");
  EXPECT_EQ(r->files, (std::vector<std::string>{"reqs/requirements.txt", "reqs/constraints.txt"}));
}

TEST_F(RequirementsFileTest, NestedFilesAreRelativeToTheIncludingFile) {
  fs_.AddFile("top.txt", "a\n-r sub/mid.txt\nz\n");
  fs_.AddFile("sub/mid.txt", "b\n--requirement=deeper/leaf.txt\n-c ../c.txt\n");
  fs_.AddFile("sub/deeper/leaf.txt", "c\n");
  fs_.AddFile("c.txt", "-r sub/deeper/leaf.txt\nd<2\n");  // -r in a constraints file: requirements
  Result<RequirementsInput> r = Read("top.txt");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Names(r->requirements), (std::vector<std::string>{"a", "b", "c", "c", "z"}));
  EXPECT_EQ(Names(r->constraints), std::vector<std::string>{"d<2"});
  EXPECT_EQ(r->requirements[2].origin.ToString(), "sub/deeper/leaf.txt:1");
  EXPECT_EQ(r->requirements[3].origin.ToString(), "sub/deeper/leaf.txt:1");
}

TEST_F(RequirementsFileTest, DirectReferencesAndLocalFiles) {
  fs_.AddFile("dist/my_pkg-1.0-py3-none-any.whl", "");
  fs_.AddFile("requirements.txt",
              "https://files.example/p/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.whl\n"
              "https://files.example/p/src.zip#egg=Other_Pkg[x]\n"
              "https://files.example/p/attrs-25.1.0.tar.gz; python_version >= \"3.8\"\n"
              "./dist/my_pkg-1.0-py3-none-any.whl[extra]\n"
              "pip @ https://example.com/pip-24.0-py3-none-any.whl\n");
  Result<RequirementsInput> r = Read("requirements.txt");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Names(r->requirements),
            (std::vector<std::string>{
                "numpy @ https://files.example/p/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.whl",
                "Other_Pkg[x] @ https://files.example/p/src.zip#egg=Other_Pkg[x]",
                R"(attrs @ https://files.example/p/attrs-25.1.0.tar.gz ; python_version >= "3.8")",
                "my-pkg[extra] @ file:///work/dist/my_pkg-1.0-py3-none-any.whl",
                "pip @ https://example.com/pip-24.0-py3-none-any.whl",
            }));
  EXPECT_EQ(r->requirements[3].local_path, "./dist/my_pkg-1.0-py3-none-any.whl");
}

TEST_F(RequirementsFileTest, OptionsLikeNoIndex) {
  fs_.AddFile("requirements.txt", "--no-index --find-links=/abs/wheels\n--require-hashes\n");
  Result<RequirementsInput> r = Read("requirements.txt");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->index.no_index);
  EXPECT_TRUE(r->index.require_hashes);
  EXPECT_EQ(r->index.find_links, std::vector<std::string>{"/abs/wheels"});
}

TEST_F(RequirementsFileTest, ErrorsNameFileAndLine) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"numpy\n\nfoo>>1\n",
       "requirements.txt:3: invalid requirement 'foo>>1': expected ';' (after a name with "
       "no version specifier) or the end at position 3"},
      {"--frobnicate\n", "requirements.txt:1: unknown option '--frobnicate'"},
      {"-x y\n", "requirements.txt:1: unknown option '-x'"},
      {"--pre=yes\n", "requirements.txt:1: option '--pre' takes no value"},
      {"-r\n", "requirements.txt:1: option '-r' needs a value"},
      {"-e ./project\n",
       "requirements.txt:1: editable requirement './project' is not supported: sparkenv locks "
       "built distributions for a cluster; build a wheel and name it instead"},
      {"foo --hash=md5:abc\n",
       "requirements.txt:1: invalid --hash 'md5:abc': expected sha256, sha384 or sha512, ':' and "
       "the hex digest"},
      {"foo --hash=sha256:abc\n",
       "requirements.txt:1: invalid --hash 'sha256:abc': a sha256 digest is 64 hex digits"},
      {"--hash=sha256:" + std::string(64, '0') + "\n",
       "requirements.txt:1: option '--hash' needs a requirement on the same line"},
      {"foo --index-url https://x\n",
       "requirements.txt:1: option '--index-url' cannot follow a requirement; put it on a line "
       "of its own"},
      {"foo --global-option=x\n",
       "requirements.txt:1: option '--global-option' is not supported: sparkenv does not build "
       "packages"},
      {"--index-url 'https://x\n",
       "requirements.txt:1: no closing quotation in '--index-url \\'https://x'"},
      {"git+https://github.com/a/b.git\n",
       "requirements.txt:1: invalid requirement 'git+https://github.com/a/b.git': version-control "
       "URLs are not supported (sparkenv locks built distributions)"},
      {"https://example.com/download\n",
       "requirements.txt:1: invalid requirement 'https://example.com/download': cannot tell the "
       "project name from the file name; write it as 'name @ https://example.com/download'"},
      {"./missing-1.0-py3-none-any.whl\n",
       "requirements.txt:1: invalid requirement './missing-1.0-py3-none-any.whl': local file "
       "'./missing-1.0-py3-none-any.whl' does not exist"},
      {"-r https://example.com/r.txt\n",
       "requirements.txt:1: cannot read requirements file 'https://example.com/r.txt': URLs are "
       "not supported; download the file and name the copy"},
      {"--only-binary=:al:\n",
       "requirements.txt:1: invalid --only-binary value ':al:': expected :all:, :none: or project "
       "names separated by ','"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOfText(c.text), c.error) << c.text;
  }
}

TEST_F(RequirementsFileTest, MissingNestedFile) {
  fs_.AddFile("requirements.txt", "numpy\n-r sub/other.txt\n");
  EXPECT_EQ(ErrorOf("requirements.txt"),
            "requirements.txt:2: could not open requirements file: cannot read 'sub/other.txt': "
            "No such file or directory");
  Result<RequirementsInput> r = Read("requirements.txt");
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  fs_.AddFile("c.txt", "-c nope.txt\n");
  EXPECT_EQ(ErrorOf("c.txt"),
            "c.txt:1: could not open constraints file: cannot read 'nope.txt': No such file or "
            "directory");
  EXPECT_EQ(ErrorOf("absent.txt"),
            "could not open requirements file: cannot read 'absent.txt': No such file or "
            "directory");
}

TEST_F(RequirementsFileTest, IncludeCycle) {
  fs_.AddFile("a.txt", "x\n-r sub/b.txt\n");
  fs_.AddFile("sub/b.txt", "\n\n-c ../a.txt\n");
  EXPECT_EQ(ErrorOf("a.txt"), "sub/b.txt:3: include cycle: 'a.txt' -> 'sub/b.txt' -> 'a.txt'");
  fs_.AddFile("self.txt", "-r ./self.txt\n");
  EXPECT_EQ(ErrorOf("self.txt"), "self.txt:1: include cycle: 'self.txt' -> 'self.txt'");
  // The same file twice, not in a cycle, is fine.
  fs_.AddFile("d.txt", "-r common.txt\n-r ./common.txt\n");
  fs_.AddFile("common.txt", "six\n");
  Result<RequirementsInput> r = Read("d.txt");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Names(r->requirements), (std::vector<std::string>{"six", "six"}));
}

TEST_F(RequirementsFileTest, SeveralFilesIntoOneReader) {
  fs_.AddFile("a.txt", "a\n--index-url https://one\n");
  fs_.AddFile("b.txt", "b\n--index-url https://two\n");
  fs_.AddFile("c.txt", "c==1\n");
  RequirementsFileReader reader(fs_, env_);
  ASSERT_TRUE(reader.Read("a.txt").ok());
  ASSERT_TRUE(reader.Read("b.txt").ok());
  ASSERT_TRUE(reader.Read("c.txt", /*constraint=*/true).ok());
  RequirementsInput in = reader.Take();
  EXPECT_EQ(Names(in.requirements), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Names(in.constraints), std::vector<std::string>{"c==1"});
  EXPECT_EQ(in.index.index_url, "https://two");  // the last one wins, as in pip
}

TEST_F(RequirementsFileTest, CommandLineText) {
  Origin origin{"command line", 0};
  Result<RequirementLine> r = ParseRequirementText("numpy>=2 ; python_version>'3.9'", origin, fs_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->requirement.ToString(), R"(numpy>=2; python_version > "3.9")");
  EXPECT_EQ(r->origin.ToString(), "command line");
  EXPECT_EQ(ParseRequirementText("numpy>=>2", origin, fs_).error().message(),
            "invalid requirement 'numpy>=>2': expected ';' (after a name with no version "
            "specifier) or the end at position 5");
}

}  // namespace
}  // namespace sparkenv::inputs
