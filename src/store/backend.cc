#include "store/backend.h"

#include "base/strings.h"

namespace sparkenv::store {

namespace {

bool ValidSegment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  for (char c : segment) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool ValidKey(std::string_view key) {
  if (key.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!ValidSegment(segment)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Result<std::string> Backend::ReadableUrl(std::string_view key, int /*seconds*/) const {
  return Error(DisplayUrl() + ": no URL can read " + Quote(key) +
                   " without credentials (only s3:// stores give presigned URLs)",
               ErrorKind::kInvalidInput);
}

}  // namespace sparkenv::store
