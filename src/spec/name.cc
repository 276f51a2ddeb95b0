#include "spec/name.h"

#include <functional>

#include "base/strings.h"

namespace sparkenv::spec {

namespace {
bool IsNameSeparator(char c) { return c == '-' || c == '_' || c == '.'; }
}  // namespace

std::string NormalizeName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (IsNameSeparator(c)) {
      if (out.empty() || out.back() != '-') out += '-';
    } else {
      out += AsciiLower(c);
    }
  }
  return out;
}

Status ValidateName(std::string_view name) {
  auto fail = [&](const std::string& why) {
    return Status(Error("invalid project name " + Quote(name) + ": " + why));
  };
  if (name.empty()) return fail("empty name");
  for (char c : name) {
    if (!IsAsciiAlnum(c) && !IsNameSeparator(c)) {
      return fail("invalid character " + Quote(std::string_view(&c, 1)) +
                  " (allowed: ASCII letters, digits, '.', '-', '_')");
    }
  }
  if (!IsAsciiAlnum(name.front()) || !IsAsciiAlnum(name.back())) {
    return fail("must start and end with an ASCII letter or digit");
  }
  return Status::Ok();
}

bool IsValidName(std::string_view name) { return ValidateName(name).ok(); }

bool IsNormalizedName(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.back() == '-') return false;
  char prev = '\0';
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || (c == '-' && prev != '-');
    if (!ok) return false;
    prev = c;
  }
  return true;
}

Result<PackageName> PackageName::Parse(std::string_view text) {
  if (Status s = ValidateName(text); !s.ok()) return s.error();
  PackageName n;
  n.as_given_ = std::string(text);
  n.normalized_ = NormalizeName(text);
  return n;
}

}  // namespace sparkenv::spec
