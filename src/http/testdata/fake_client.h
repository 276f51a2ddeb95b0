// Test helper: an in-memory http::Client. Routes map a URL to a response;
// byte "files" answer Range requests like a real server (206 with
// Content-Range for "bytes=a-b" and "bytes=-n"). Every request is recorded.
// Callbacks run synchronously inside Submit.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http/client.h"

namespace sparkenv::http::testing {

class FakeClient : public Client {
 public:
  void Route(const std::string& url, Response r) { routes_[url] = std::move(r); }
  void File(const std::string& url, std::string bytes, bool ranges = true) {
    files_[url] = {std::move(bytes), ranges};
  }

  void Submit(Request request, Callback done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    Response r;
    if (auto it = routes_.find(request.url); it != routes_.end()) {
      r = it->second;
    } else if (auto f = files_.find(request.url); f != files_.end()) {
      r = ServeFile(request, f->second.first, f->second.second);
    } else {
      r.status = 404;
    }
    r.url = request.url;
    if (r.effective_url.empty()) r.effective_url = request.url;
    r.attempts = 1;
    done(std::move(r));
  }

  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  static Response ServeFile(const Request& request, const std::string& bytes, bool ranges) {
    Response r;
    auto range = FindHeader(request.headers, "Range");
    if (!ranges || !range || range->rfind("bytes=", 0) != 0) {
      r.status = 200;
      r.body = bytes;
      return r;
    }
    std::string spec = range->substr(6);
    size_t dash = spec.find('-');
    size_t size = bytes.size();
    size_t start = 0;
    size_t end = size - 1;
    if (dash == 0) {
      size_t n = std::stoul(spec.substr(1));
      start = n >= size ? 0 : size - n;
    } else {
      start = std::stoul(spec.substr(0, dash));
      if (dash + 1 < spec.size()) end = std::min(end, std::stoul(spec.substr(dash + 1)));
    }
    r.status = 206;
    r.body = bytes.substr(start, end - start + 1);
    r.headers.emplace_back("content-range", "bytes " + std::to_string(start) + "-" +
                                                std::to_string(end) + "/" + std::to_string(size));
    return r;
  }

  std::map<std::string, Response> routes_;
  std::map<std::string, std::pair<std::string, bool>> files_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

}  // namespace sparkenv::http::testing
