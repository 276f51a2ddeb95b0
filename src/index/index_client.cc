#include "index/index_client.h"

#include "base/strings.h"
#include "http/url.h"
#include "index/find_links.h"
#include "index/sha256.h"
#include "index/simple_html.h"
#include "index/simple_json.h"
#include "spec/name.h"

namespace sparkenv::index {

struct IndexClient::Pending {
  std::string name;
  std::promise<Result<ProjectPage>> promise;
  std::vector<std::string> errors;
};

Result<ProjectPage> ParseProjectPage(std::string_view content_type, std::string_view body,
                                     const std::string& url, const std::string& project) {
  std::string type = ToLowerAscii(TrimAscii(content_type.substr(0, content_type.find(';'))));
  if (type == "application/vnd.pypi.simple.v1+json" ||
      type == "application/vnd.pypi.simple.latest+json") {
    return ParseSimpleJson(body, url, project);
  }
  if (type == "application/vnd.pypi.simple.v1+html" ||
      type == "application/vnd.pypi.simple.latest+html" || type == "text/html") {
    return ParseSimpleHtml(body, url, project);
  }
  return Error("unexpected Content-Type " + Quote(type) + " from " + Quote(http::RedactUrl(url)) +
                   ": expected a simple repository page (PEP 691: "
                   "application/vnd.pypi.simple.v1+json or text/html)",
               ErrorKind::kIo);
}

std::string ProjectUrl(const std::string& index_url, const std::string& normalized_name) {
  std::string base = index_url;
  if (!EndsWith(base, "/")) base += '/';
  return base + normalized_name + "/";
}

std::shared_future<Result<ProjectPage>> IndexClient::FetchProject(const std::string& name) {
  std::string normalized = spec::NormalizeName(name);
  std::shared_ptr<Pending> pending;
  std::shared_future<Result<ProjectPage>> future;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pages_.find(normalized);
    if (it != pages_.end()) return it->second;
    pending = std::make_shared<Pending>();
    pending->name = normalized;
    future = pending->promise.get_future().share();
    pages_.emplace(normalized, future);
  }
  std::call_once(find_links_once_, [this] { LoadFindLinksPages(); });
  TryIndex(pending, 0);
  return future;
}

namespace {
bool IsHttpUrl(const std::string& s) {
  std::string scheme = http::UrlParts::Parse(s).scheme;
  return scheme == "http" || scheme == "https";
}
}  // namespace

void IndexClient::LoadFindLinksPages() {
  std::vector<http::Request> requests;
  for (const std::string& source : options_.find_links) {
    if (!IsHttpUrl(source)) continue;
    http::Request r;
    r.url = source;
    r.headers = {{"Accept", "text/html"}};
    requests.push_back(std::move(r));
  }
  if (requests.empty()) return;
  for (http::Response& r : client_.FetchAll(requests)) {
    Result<ProjectPage> page = Error("", ErrorKind::kIo);
    if (!r.ok()) {
      page = *r.error;
    } else if (r.status != 200) {
      page = Error("GET " + http::RedactUrl(r.url) + ": HTTP " + std::to_string(r.status) +
                       " (a --find-links page)",
                   ErrorKind::kIo);
    } else {
      page = ParseSimpleHtml(r.body, r.effective_url, "");
    }
    find_links_pages_.emplace(r.url, std::move(page));
  }
}

void IndexClient::TryIndex(const std::shared_ptr<Pending>& pending, size_t i) {
  if (i >= options_.index_urls.size()) {
    ProjectPage empty;
    empty.name = pending->name;
    Finish(pending, std::move(empty));
    return;
  }
  http::Request request;
  request.url = ProjectUrl(options_.index_urls[i], pending->name);
  request.headers = {{"Accept", kSimpleAccept}};
  client_.Submit(std::move(request), [this, pending, i](http::Response r) {
    if (!r.ok()) {
      Finish(pending, *r.error);
      return;
    }
    if (r.status == 404 || r.status == 410) {
      TryIndex(pending, i + 1);
      return;
    }
    if (r.status != 200) {
      Finish(pending, Error("GET " + http::RedactUrl(r.url) + ": HTTP " + std::to_string(r.status),
                            ErrorKind::kIo));
      return;
    }
    auto page = ParseProjectPage(r.Header("content-type").value_or(""), r.body, r.effective_url,
                                 pending->name);
    if (!page.ok()) {
      Finish(pending, page.error());
      return;
    }
    Finish(pending, std::move(page).value());
  });
}

void IndexClient::Finish(const std::shared_ptr<Pending>& pending, Result<ProjectPage> result) {
  if (!result.ok()) {
    pending->promise.set_value(std::move(result));
    return;
  }
  ProjectPage page = std::move(result).value();
  bool from_index = !page.url.empty();
  for (const std::string& folder : options_.find_links) {
    Result<ProjectPage> local = Error("", ErrorKind::kIo);
    if (auto it = find_links_pages_.find(folder); it != find_links_pages_.end()) {
      local = it->second;
      if (local.ok()) {  // a page lists every project: keep this one's files
        std::vector<DistFile> mine;
        for (auto& f : local->files) {
          if (spec::NormalizeName(f.name()) == pending->name) mine.push_back(std::move(f));
        }
        local->files = std::move(mine);
        local->skipped.clear();
      }
    } else {
      local = ReadFindLinksFolder(folder, pending->name);
    }
    if (!local.ok()) {
      pending->promise.set_value(local.error());
      return;
    }
    for (auto& f : local->files) page.files.push_back(std::move(f));
    for (auto& s : local->skipped) page.skipped.push_back(std::move(s));
    if (page.url.empty()) page.url = local->url;
  }
  if (!from_index && page.files.empty()) {
    std::vector<std::string> sources;
    for (const auto& u : options_.index_urls) sources.push_back(http::RedactUrl(u));
    for (const auto& f : options_.find_links) sources.push_back(f);
    pending->promise.set_value(
        Error("package " + Quote(pending->name) + " not found" +
                  (sources.empty() ? std::string(" (no index and no --find-links given)")
                                   : " in " + Join(sources, ", ")),
              ErrorKind::kNotFound));
    return;
  }
  pending->promise.set_value(std::move(page));
}

Result<std::string> IndexClient::FileSha256(const DistFile& file) {
  if (auto sha = file.sha256()) return *sha;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sha256_.find(file.url());
    if (it != sha256_.end()) return it->second;
  }
  http::UrlParts parts = http::UrlParts::Parse(file.url());
  if (parts.scheme != "file") {
    return Error("the index gives no sha256 for " + Quote(file.filename()), ErrorKind::kNotFound);
  }
  auto sha = Sha256File(http::PercentDecode(parts.path));
  if (!sha.ok()) return sha.error();
  std::lock_guard<std::mutex> lock(mu_);
  sha256_[file.url()] = *sha;
  return sha;
}

}  // namespace sparkenv::index
