#include "index/simple_html.h"

#include <gtest/gtest.h>

namespace sparkenv::index {
namespace {

const char kPage[] = R"(<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for example</title>
  </head>
  <body>
    <h1>Links for example</h1>
    <!-- <a href="commented-1.0.tar.gz">no</a> -->
    <a href="../../files/example-1.0-py3-none-any.whl#sha256=ABCDEF01" data-requires-python="&gt;=3.8, &lt;4" data-core-metadata="sha256=1234">example-1.0-py3-none-any.whl</a><br/>
    <a href="https://files.example.org/packages/example-0.9.tar.gz#md5=00ff" data-yanked="broken &amp; bad">example-0.9.tar.gz</a>
    <a href='/other/Example-1.1.zip' data-dist-info-metadata=true data-yanked>Example-1.1.zip</a>
    <a href="example-2.0-py3-none-any.whl" data-requires-python="&gt;=3.6.*">invalid requires-python</a>
    <a href="notapackage.txt">notapackage.txt</a>
    <a href="other-1.0-py3-none-any.whl">other project</a>
    <a>no href</a>
  </body>
</html>
)";

TEST(SimpleHtmlTest, ReadsAnchorsLikePip) {
  auto page = ParseSimpleHtml(kPage, "https://index.example/simple/example/", "example");
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_EQ(page->api_version, "1.1");
  ASSERT_EQ(page->files.size(), 4u);

  const DistFile& wheel = page->files[0];
  EXPECT_EQ(wheel.filename(), "example-1.0-py3-none-any.whl");
  EXPECT_EQ(wheel.url(), "https://index.example/files/example-1.0-py3-none-any.whl");
  EXPECT_TRUE(wheel.is_wheel());
  EXPECT_EQ(wheel.version().ToString(), "1.0");
  EXPECT_EQ(wheel.sha256(), "abcdef01");
  ASSERT_TRUE(wheel.requires_python().has_value());
  EXPECT_EQ(wheel.requires_python()->ToString(), "<4,>=3.8");
  EXPECT_FALSE(wheel.yanked().has_value());
  EXPECT_TRUE(wheel.has_core_metadata());
  EXPECT_EQ(wheel.core_metadata_hashes(), (Hashes{{"sha256", "1234"}}));
  EXPECT_FALSE(wheel.size().has_value());

  const DistFile& sdist = page->files[1];
  EXPECT_EQ(sdist.url(), "https://files.example.org/packages/example-0.9.tar.gz");
  EXPECT_FALSE(sdist.is_wheel());
  EXPECT_EQ(sdist.hashes(), (Hashes{{"md5", "00ff"}}));
  EXPECT_EQ(sdist.sha256(), std::nullopt);
  EXPECT_EQ(sdist.yanked(), "broken & bad");
  EXPECT_FALSE(sdist.has_core_metadata());

  const DistFile& zip = page->files[2];
  EXPECT_EQ(zip.url(), "https://index.example/other/Example-1.1.zip");
  EXPECT_EQ(zip.yanked(), "");
  EXPECT_TRUE(zip.has_core_metadata());
  EXPECT_TRUE(zip.core_metadata_hashes().empty());

  const DistFile& invalid = page->files[3];
  EXPECT_EQ(invalid.url(), "https://index.example/simple/example/example-2.0-py3-none-any.whl");
  EXPECT_FALSE(invalid.requires_python().has_value());
  ASSERT_EQ(page->warnings.size(), 1u);
  EXPECT_EQ(page->warnings[0].find("ignoring the requires-python of "
                                   "'example-2.0-py3-none-any.whl': "),
            0u)
      << page->warnings[0];

  ASSERT_EQ(page->skipped.size(), 2u);
  EXPECT_EQ(page->skipped[0].filename, "notapackage.txt");
  EXPECT_EQ(page->skipped[1].filename, "other-1.0-py3-none-any.whl");
  EXPECT_EQ(page->skipped[1].reason, "the file belongs to project 'other', not 'example'");
}

TEST(SimpleHtmlTest, BaseHrefChangesTheResolutionBase) {
  const char html[] =
      "<html><head><base href=\"/mirror/pkgs/\"><base href=\"/ignored/\"></head>"
      "<a href=\"x-1.0.tar.gz\">x</a><a href=\"../y/x-2.0.tar.gz\">x</a></html>";
  auto page = ParseSimpleHtml(html, "http://h:1/simple/x/", "x");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 2u);
  EXPECT_EQ(page->files[0].url(), "http://h:1/mirror/pkgs/x-1.0.tar.gz");
  EXPECT_EQ(page->files[1].url(), "http://h:1/mirror/y/x-2.0.tar.gz");
  EXPECT_EQ(page->api_version, "1.0");
}

TEST(SimpleHtmlTest, PercentEncodedFilenamesAndUnquotedAttributes) {
  const char html[] =
      "<A HREF=/f/torch-2.0.0%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=aa "
      "DATA-REQUIRES-PYTHON=&gt;=3.8>t</A>";
  auto page = ParseSimpleHtml(html, "http://h/simple/torch/", "torch");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  EXPECT_EQ(page->files[0].filename(), "torch-2.0.0+cpu-cp311-cp311-linux_x86_64.whl");
  EXPECT_EQ(page->files[0].version().ToString(), "2.0.0+cpu");
  EXPECT_EQ(page->files[0].requires_python()->ToString(), ">=3.8");
  EXPECT_EQ(page->files[0].sha256(), "aa");
}

TEST(SimpleHtmlTest, RejectsAnotherMajorApiVersion) {
  auto page = ParseSimpleHtml("<meta name=\"pypi:repository-version\" content=\"2.0\">",
                              "http://h/simple/x/", "x");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().message(),
            "unsupported simple repository API version '2.0' at 'http://h/simple/x/': "
            "sparkenv reads version 1.x (PEP 629)");
}

TEST(SimpleHtmlTest, UnescapesCharacterReferences) {
  EXPECT_EQ(HtmlUnescape("&gt;=3.6&#44; &lt;4&#x2C;&unknown;&amp"), ">=3.6, <4,&unknown;&amp");
  EXPECT_EQ(HtmlUnescape("&#233;&#x1F600;&#0;"), "\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD");
}

TEST(SimpleHtmlTest, MalformedMarkupDoesNotStopTheReader) {
  auto page = ParseSimpleHtml(
      "<a href=\"x-1.0.tar.gz\" <<a href='x-2.0.tar.gz'>< a><a href=", "http://h/simple/x/", "x");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  EXPECT_EQ(page->files[0].filename(), "x-1.0.tar.gz");
}

}  // namespace
}  // namespace sparkenv::index
