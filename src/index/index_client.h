// The index client: project pages from the configured sources, merged by one
// policy, for the resolver.
//
// Sources: the --index-url (default https://pypi.org/simple/), any
// --extra-index-url, and --find-links folders or pages; --no-index drops the
// indexes.
// Project URL = index URL (with a trailing '/') + normalized name + '/'.
//
// Content negotiation (PEP 691): requests carry kSimpleAccept; the parser is
// chosen by the response's Content-Type (JSON for
// application/vnd.pypi.simple.v1+json, HTML for ...v1+html and text/html).
//
// Multi-index policy: "first index" (uv's default). Indexes are asked in
// order -- --index-url first, then each --extra-index-url -- and the first
// one that knows the project (any answer but 404/410) supplies all its
// files; later indexes are not consulted for that project. This protects
// against dependency confusion (a public upload shadowing a private name),
// which pip's merge of all indexes does not. --find-links files are always
// added (a local folder is trusted, as in pip and uv).
// A project no source has is an error of kind kNotFound naming the sources.
//
// Thread-safe; each project page is fetched once per client (memoized).
// Lifetime: callbacks of the http::Client refer to this object, so destroy
// it only after every FetchProject future is ready (or after the
// http::Client, whose destructor completes pending requests).
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/client.h"
#include "index/project_page.h"

namespace sparkenv::index {

inline constexpr char kSimpleAccept[] =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01";
inline constexpr char kDefaultIndexUrl[] = "https://pypi.org/simple/";

struct IndexOptions {
  std::vector<std::string> index_urls{kDefaultIndexUrl};  // --index-url, then extras
  // Local folders, or http(s) URLs of HTML pages listing files (as pip's
  // --find-links); a page is fetched once per client and filtered by name.
  std::vector<std::string> find_links;
};

// Parses a page by its Content-Type. Errors name the URL and the type.
Result<ProjectPage> ParseProjectPage(std::string_view content_type, std::string_view body,
                                     const std::string& url, const std::string& project);

// The project's page URL on an index.
std::string ProjectUrl(const std::string& index_url, const std::string& normalized_name);

class IndexClient {
 public:
  IndexClient(http::Client& client, IndexOptions options)
      : client_(client), options_(std::move(options)) {}

  // Starts fetching (if not already) and returns the shared answer. The
  // name is normalized here. The first call also fetches any --find-links
  // pages, blocking the calling thread (so never call it from an
  // http::Client callback). Files come in source order: the chosen index's
  // page, then each find-links folder.
  std::shared_future<Result<ProjectPage>> FetchProject(const std::string& name);
  Result<ProjectPage> GetProject(const std::string& name) { return FetchProject(name).get(); }

  // The file's sha256: from the index, else computed from a file:// URL
  // (memoized). Errors when neither is possible.
  Result<std::string> FileSha256(const DistFile& file);

 private:
  struct Pending;
  void TryIndex(const std::shared_ptr<Pending>& pending, size_t i);
  void Finish(const std::shared_ptr<Pending>& pending, Result<ProjectPage> page);
  void LoadFindLinksPages();

  http::Client& client_;
  IndexOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_future<Result<ProjectPage>>> pages_;  // guarded by mu_
  std::map<std::string, std::string> sha256_;                             // guarded by mu_
  std::once_flag find_links_once_;
  // Parsed --find-links pages by URL (written once, then only read).
  std::map<std::string, Result<ProjectPage>> find_links_pages_;
};

}  // namespace sparkenv::index
