#include "index/index_client.h"

#include <gtest/gtest.h>

#include "http/testdata/fake_client.h"
#include "index/find_links.h"

namespace sparkenv::index {
namespace {

using http::testing::FakeClient;

http::Response Page(const std::string& type, const std::string& body) {
  http::Response r;
  r.status = 200;
  r.headers = {{"content-type", type}};
  r.body = body;
  return r;
}

const std::string kFindLinks = std::string(SPARKENV_SOURCE_DIR) + "/src/index/testdata/findlinks";

TEST(IndexClientTest, NegotiatesAndPicksTheParserByContentType) {
  FakeClient fake;
  fake.Route("https://a.example/simple/foo-bar/",
             Page("application/vnd.pypi.simple.v1+json",
                  R"({"meta": {"api-version": "1.1"}, "files": [{"filename":
                  "foo_bar-1.0-py3-none-any.whl", "url": "f/foo_bar-1.0-py3-none-any.whl",
                  "hashes": {"sha256": "aa"}}]})"));
  fake.Route("https://a.example/simple/baz/",
             Page("text/html; charset=utf-8", "<a href=\"/f/baz-2.0.tar.gz#sha256=bb\">x</a>"));
  IndexClient client(fake, {{"https://a.example/simple"}, {}});
  auto page = client.GetProject("Foo_Bar");
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_EQ(page->name, "foo-bar");
  ASSERT_EQ(page->files.size(), 1u);
  EXPECT_EQ(page->files[0].url(),
            "https://a.example/simple/foo-bar/f/foo_bar-1.0-py3-none-any.whl");
  auto html = client.GetProject("baz");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->files[0].url(), "https://a.example/f/baz-2.0.tar.gz");

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "https://a.example/simple/foo-bar/");
  EXPECT_EQ(http::FindHeader(requests[0].headers, "accept"),
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
            "text/html;q=0.01");
  // Memoized: no new request.
  EXPECT_TRUE(client.GetProject("foo.bar").ok());
  EXPECT_EQ(fake.requests().size(), 2u);
}

TEST(IndexClientTest, UnexpectedContentTypeIsAnError) {
  FakeClient fake;
  fake.Route("https://a.example/simple/x/", Page("application/json", "{}"));
  IndexClient client(fake, {{"https://a.example/simple/"}, {}});
  auto page = client.GetProject("x");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().message(),
            "unexpected Content-Type 'application/json' from 'https://a.example/simple/x/': "
            "expected a simple repository page (PEP 691: application/vnd.pypi.simple.v1+json or "
            "text/html)");
}

TEST(IndexClientTest, FirstIndexThatKnowsTheProjectWins) {
  FakeClient fake;
  fake.Route("https://private.example/simple/internal/",
             Page("text/html", "<a href=\"internal-1.0.tar.gz\">x</a>"));
  fake.Route("https://pypi.example/simple/internal/",
             Page("text/html", "<a href=\"internal-99.0.tar.gz\">x</a>"));
  fake.Route("https://pypi.example/simple/public/",
             Page("text/html", "<a href=\"public-2.0.tar.gz\">x</a>"));
  IndexClient client(fake,
                     {{"https://private.example/simple/", "https://pypi.example/simple/"}, {}});
  auto internal = client.GetProject("internal");
  ASSERT_TRUE(internal.ok());
  ASSERT_EQ(internal->files.size(), 1u);
  EXPECT_EQ(internal->files[0].version().ToString(), "1.0");  // never 99.0 from the public one
  auto pub = client.GetProject("public");                     // 404 on the first index
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->files[0].version().ToString(), "2.0");
}

TEST(IndexClientTest, UnknownProjectAndServerErrors) {
  FakeClient fake;
  http::Response forbidden;
  forbidden.status = 403;
  fake.Route("https://b.example/simple/secret/", forbidden);
  IndexClient client(fake, {{"https://a.example/simple/", "https://b.example/simple/"}, {}});
  auto missing = client.GetProject("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().message(),
            "package 'nope' not found in https://a.example/simple/, https://b.example/simple/");
  auto secret = client.GetProject("secret");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().message(), "GET https://b.example/simple/secret/: HTTP 403");
}

TEST(IndexClientTest, FindLinksAreAddedToTheIndexPage) {
  FakeClient fake;
  fake.Route("https://a.example/simple/example/",
             Page("text/html", "<a href=\"example-2.0.tar.gz#sha256=cc\">x</a>"));
  IndexClient client(fake, {{"https://a.example/simple/"}, {kFindLinks}});
  auto page = client.GetProject("example");
  ASSERT_TRUE(page.ok()) << page.error().message();
  ASSERT_EQ(page->files.size(), 3u);
  EXPECT_EQ(page->files[0].filename(), "example-2.0.tar.gz");
  EXPECT_EQ(page->files[1].filename(), "example-0.9.tar.gz");
  EXPECT_EQ(page->files[2].filename(), "example-1.0-py3-none-any.whl");
  EXPECT_EQ(page->files[2].url(), FileUrl(kFindLinks + "/example-1.0-py3-none-any.whl"));
  EXPECT_FALSE(page->files[1].sha256().has_value());
  auto sha = client.FileSha256(page->files[1]);
  ASSERT_TRUE(sha.ok());
  // sha256sum of the file ("not really a tarball")
  EXPECT_EQ(*sha, "b3b786ecd6e4f6ab3398d0b1bfd62dbc47534c8723cd3802f642f7203a3b55d7");
  EXPECT_EQ(*client.FileSha256(page->files[0]), "cc");
}

TEST(IndexClientTest, NoIndexUsesFindLinksOnly) {
  FakeClient fake;
  IndexClient client(fake, {{}, {kFindLinks}});
  auto page = client.GetProject("other");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  EXPECT_EQ(page->files[0].filename(), "other-3.0.tar.gz");
  EXPECT_TRUE(fake.requests().empty());
  auto missing = client.GetProject("absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "package 'absent' not found in " + kFindLinks);

  IndexClient bad(fake, {{}, {"/nonexistent/folder"}});
  auto error = bad.GetProject("x");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().message().find("cannot read the --find-links folder "
                                         "'/nonexistent/folder': "),
            0u);
}

TEST(IndexClientTest, FindLinksPagesAreFetchedOnceAndFiltered) {
  FakeClient fake;
  fake.Route("https://links.example/wheels.html",
             Page("text/html",
                  "<a href=\"w/example-3.0-py3-none-any.whl#sha256=dd\">a</a>"
                  "<a href=\"w/other-1.0-py3-none-any.whl\">b</a><a href=\"junk.txt\">c</a>"));
  IndexClient client(fake, {{}, {"https://links.example/wheels.html", kFindLinks}});
  auto example = client.GetProject("example");
  ASSERT_TRUE(example.ok()) << example.error().message();
  ASSERT_EQ(example->files.size(), 3u);
  EXPECT_EQ(example->files[0].url(), "https://links.example/w/example-3.0-py3-none-any.whl");
  EXPECT_EQ(example->files[0].sha256(), "dd");
  EXPECT_EQ(example->files[1].filename(), "example-0.9.tar.gz");
  auto other = client.GetProject("other");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->files.size(), 2u);
  EXPECT_EQ(other->files[0].filename(), "other-1.0-py3-none-any.whl");
  EXPECT_EQ(fake.requests().size(), 1u);

  IndexClient broken(fake, {{}, {"https://links.example/missing.html"}});
  auto error = broken.GetProject("example");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().message(),
            "GET https://links.example/missing.html: HTTP 404 (a --find-links page)");
}

TEST(IndexClientTest, FileUrlsAreEscaped) {
  EXPECT_EQ(FileUrl("/a b/x#1.whl"), "file:///a%20b/x%231.whl");
  EXPECT_EQ(ProjectUrl("https://h/simple", "x"), "https://h/simple/x/");
  EXPECT_EQ(ProjectUrl("https://h/simple/", "x"), "https://h/simple/x/");
}

}  // namespace
}  // namespace sparkenv::index
