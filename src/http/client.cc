#include "http/client.h"

#include <memory>

#include "base/strings.h"

namespace sparkenv::http {

const char* MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPut:
      return "PUT";
    case Method::kPost:
      return "POST";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::optional<std::string> FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCaseAscii(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Response::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

std::future<Response> Client::Fetch(Request request) {
  auto promise = std::make_shared<std::promise<Response>>();
  std::future<Response> future = promise->get_future();
  Submit(std::move(request), [promise](Response r) { promise->set_value(std::move(r)); });
  return future;
}

std::vector<Response> Client::FetchAll(std::vector<Request> requests) {
  std::vector<std::future<Response>> futures;
  futures.reserve(requests.size());
  for (auto& r : requests) futures.push_back(Fetch(std::move(r)));
  std::vector<Response> out;
  out.reserve(futures.size());
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

}  // namespace sparkenv::http
