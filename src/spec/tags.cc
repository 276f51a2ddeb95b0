#include "spec/tags.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

#include "base/strings.h"

namespace sparkenv::spec {
namespace {

constexpr std::string_view kTagForm =
    "expected INTERPRETER-ABI-PLATFORM, e.g. 'cp311-cp311-manylinux_2_17_x86_64'";

bool IsIdentifier(std::string_view s) {
  if (s.empty() || IsAsciiDigit(s[0])) return false;
  for (char c : s) {
    if (!IsAsciiAlnum(c) && c != '_') return false;
  }
  return true;
}

bool IsTagWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAsciiAlnum(c) && c != '_') return false;
  }
  return true;
}

// `s` split at every `sep`, as views into `s` (no copies).
std::vector<std::string_view> SplitViews(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Splits a (possibly compressed) tag into its three components, each a list
// of members (views into `text`), checking every rule. `allow_sets` is
// false for a single tag.
Result<std::vector<std::vector<std::string_view>>> SplitTag(std::string_view text, bool allow_sets,
                                                            bool validate_order) {
  std::vector<std::string_view> components = SplitViews(text, '-');
  if (components.size() != 3) {
    return Error("invalid tag " + Quote(text) + ": " + std::string(kTagForm) + " (it has " +
                 std::to_string(components.size()) + " '-'-separated parts)");
  }
  static constexpr const char* kNames[] = {"interpreter", "abi", "platform"};
  std::vector<std::vector<std::string_view>> out;
  out.reserve(3);
  for (size_t i = 0; i < 3; ++i) {
    std::vector<std::string_view> members = SplitViews(components[i], '.');
    if (!allow_sets && members.size() > 1) {
      return Error("invalid tag " + Quote(text) + ": the " + kNames[i] + " " +
                   Quote(components[i]) + " is a compressed set ('.'); a single tag was expected");
    }
    for (size_t m = 0; m < members.size(); ++m) {
      std::string_view member = members[m];
      if (member.empty()) {
        return Error("invalid tag " + Quote(text) + ": empty " + kNames[i] + " component" +
                     (components[i].empty() ? std::string() : " in " + Quote(components[i])));
      }
      bool ok = i == 0 ? IsIdentifier(member) : IsTagWord(member);
      if (!ok) {
        return Error("invalid tag " + Quote(text) + ": the " + kNames[i] + " " + Quote(member) +
                     (i == 0 ? " is not an identifier (ASCII letters, digits and '_', not "
                               "starting with a digit)"
                             : " may hold only ASCII letters, digits and '_'"));
      }
      if (validate_order && m > 0 && members[m - 1] > member) {
        return Error("invalid tag " + Quote(text) + ": the compressed " + kNames[i] + " set " +
                     Quote(components[i]) + " is not in sorted order (PEP 425)");
      }
    }
    out.push_back(std::move(members));
  }
  return out;
}

}  // namespace

Tag::Tag(std::string_view interpreter, std::string_view abi, std::string_view platform)
    : interpreter_(ToLowerAscii(interpreter)),
      abi_(ToLowerAscii(abi)),
      platform_(ToLowerAscii(platform)) {}

Result<Tag> Tag::Parse(std::string_view text) {
  auto parts = SplitTag(text, /*allow_sets=*/false, /*validate_order=*/false);
  if (!parts) return parts.error();
  return Tag((*parts)[0][0], (*parts)[1][0], (*parts)[2][0]);
}

Result<std::vector<Tag>> Tag::ParseSet(std::string_view text, bool validate_order) {
  auto parts = SplitTag(text, /*allow_sets=*/true, validate_order);
  if (!parts) return parts.error();
  const auto& p = *parts;
  // Each factor is at most text.size(), so the product cannot overflow.
  size_t count = p[0].size() * p[1].size() * p[2].size();
  if (count > kMaxSetSize) {
    return Error("invalid tag " + Quote(text.substr(0, 200)) +
                 ": the compressed tag set expands to " + std::to_string(count) +
                 " tags, more than the limit of " + std::to_string(kMaxSetSize));
  }
  std::vector<Tag> out;
  out.reserve(count);
  // Sets are small (a wheel names 1-4 tags as a rule): a linear search for
  // duplicates beats hashing them; big ones get a hash set.
  constexpr size_t kLinear = 16;
  std::unordered_set<Tag, TagHash> seen;
  for (const auto& interpreter : p[0]) {
    for (const auto& abi : p[1]) {
      for (const auto& platform : p[2]) {
        Tag tag(interpreter, abi, platform);
        bool fresh = count <= kLinear ? std::find(out.begin(), out.end(), tag) == out.end()
                                      : seen.insert(tag).second;
        if (fresh) out.push_back(std::move(tag));
      }
    }
  }
  return out;
}

std::string Tag::ToString() const { return interpreter_ + "-" + abi_ + "-" + platform_; }

size_t TagHash::operator()(const Tag& tag) const {
  std::hash<std::string> h;
  size_t seed = h(tag.interpreter());
  seed ^= h(tag.abi()) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  seed ^= h(tag.platform()) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed;
}

RankedTags::RankedTags(std::vector<Tag> ordered) {
  auto data = std::make_shared<Data>();
  data->tags.reserve(ordered.size());
  for (Tag& tag : ordered) {
    if (data->index.emplace(tag, data->tags.size()).second) data->tags.push_back(std::move(tag));
  }
  data_ = std::move(data);
}

const std::vector<Tag>& RankedTags::tags() const {
  static const std::vector<Tag> kNone;
  return data_ ? data_->tags : kNone;
}

std::optional<size_t> RankedTags::Rank(const Tag& tag) const {
  if (!data_) return std::nullopt;
  auto it = data_->index.find(tag);
  if (it == data_->index.end()) return std::nullopt;
  return it->second;
}

std::optional<size_t> RankedTags::BestRank(const std::vector<Tag>& tags) const {
  std::optional<size_t> best;
  for (const Tag& tag : tags) {
    auto rank = Rank(tag);
    if (rank && (!best || *rank < *best)) best = rank;
  }
  return best;
}

namespace {

std::string Nodot(int major, int minor) { return std::to_string(major) + std::to_string(minor); }

// packaging.tags._is_threaded_cpython: the first abi is "cp<digits><flags>"
// and the flags contain 't'.
bool IsThreaded(const std::vector<std::string>& abis) {
  if (abis.empty()) return false;
  std::string_view abi = abis[0];
  if (!StartsWith(abi, "cp")) return false;
  size_t i = 2;
  if (i >= abi.size() || !IsAsciiDigit(abi[i])) return false;
  while (i < abi.size() && IsAsciiDigit(abi[i])) ++i;
  return abi.substr(i).find('t') != std::string_view::npos;
}

}  // namespace

std::vector<Tag> CpythonTags(int major, int minor, const std::vector<std::string>& abis_in,
                             const std::vector<std::string>& platforms) {
  const std::string interpreter = "cp" + Nodot(major, minor);
  const bool threading = IsThreaded(abis_in);
  // The stable ABIs and 'none' are emitted in their own blocks below.
  std::vector<std::string> abis;
  for (const std::string& abi : abis_in) {
    if (abi == "abi3" || abi == "none" || (threading && abi == "abi3t")) continue;
    abis.push_back(abi);
  }
  const bool at_least_3_2 = major > 3 || (major == 3 && minor >= 2);
  const bool use_abi3 = at_least_3_2 && !threading;
  const bool use_abi3t = at_least_3_2 && threading;

  std::vector<Tag> out;
  for (const std::string& abi : abis) {
    for (const std::string& platform : platforms) out.emplace_back(interpreter, abi, platform);
  }
  if (use_abi3) {
    for (const std::string& platform : platforms) out.emplace_back(interpreter, "abi3", platform);
  }
  if (use_abi3t) {
    for (const std::string& platform : platforms) out.emplace_back(interpreter, "abi3t", platform);
  }
  for (const std::string& platform : platforms) out.emplace_back(interpreter, "none", platform);
  if (use_abi3 || use_abi3t) {
    for (int older = minor - 1; older > 1; --older) {
      const std::string older_interpreter = "cp" + Nodot(major, older);
      for (const std::string& platform : platforms) {
        if (use_abi3) out.emplace_back(older_interpreter, "abi3", platform);
        if (use_abi3t) out.emplace_back(older_interpreter, "abi3t", platform);
      }
    }
  }
  return out;
}

std::vector<Tag> CompatibleTags(int major, int minor, std::string_view interpreter,
                                const std::vector<std::string>& platforms) {
  // packaging.tags._py_interpreter_range: pyXY, pyX, then pyX(Y-1) .. pyX0.
  std::vector<std::string> versions = {"py" + Nodot(major, minor), "py" + std::to_string(major)};
  for (int older = minor - 1; older >= 0; --older) versions.push_back("py" + Nodot(major, older));

  std::vector<Tag> out;
  for (const std::string& version : versions) {
    for (const std::string& platform : platforms) out.emplace_back(version, "none", platform);
  }
  if (!interpreter.empty()) out.emplace_back(interpreter, "none", "any");
  for (const std::string& version : versions) out.emplace_back(version, "none", "any");
  return out;
}

}  // namespace sparkenv::spec
