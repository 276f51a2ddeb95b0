#include "spec/specifier.h"

#include <algorithm>

#include "base/strings.h"

namespace sparkenv::spec {

namespace {

constexpr std::string_view kOperatorList = "~=, ==, !=, <=, >=, <, >, ===";

// One item to filter: its parsed version (null if it is not one) and the text
// that === compares with.
struct Item {
  const Version* parsed;
  std::string_view text;
};

// Applies the pre-release decision to the items that matched (indices into
// `items`), as packaging's filter() does after matching.
std::vector<size_t> ApplyPreReleases(const std::vector<Item>& items, std::vector<size_t> matched,
                                     PreReleases pre) {
  auto is_pre = [&](size_t i) { return items[i].parsed && items[i].parsed->is_prerelease(); };
  switch (pre) {
    case PreReleases::kInclude:
      return matched;
    case PreReleases::kExclude:
      matched.erase(std::remove_if(matched.begin(), matched.end(), is_pre), matched.end());
      return matched;
    case PreReleases::kDefault:
      break;
  }
  // Nothing else matches: pre-releases stay only when no final release
  // matched. Strings that are not versions (only === lets them through) are
  // kept either way.
  bool any_final = std::any_of(matched.begin(), matched.end(),
                               [&](size_t i) { return items[i].parsed && !is_pre(i); });
  if (any_final) {
    matched.erase(std::remove_if(matched.begin(), matched.end(), is_pre), matched.end());
  }
  return matched;
}

// True when `v` starts with the epoch and the first `n` release segments of
// `prefix` (missing segments of `v` count as 0).
bool HasPrefix(const Version& v, const Version& prefix, size_t n) {
  if (v.CompareEpoch(prefix) != 0) return false;
  for (size_t i = 0; i < n; ++i) {
    if (v.CompareReleaseSegment(i, prefix) != 0) return false;
  }
  return true;
}

// `v?(N!)?N(.N)*`: what may precede ".*" in a wildcard clause.
bool IsWildcardPrefix(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == 'v' || s[i] == 'V')) ++i;
  auto digits = [&](size_t j) {
    size_t k = j;
    while (k < s.size() && IsAsciiDigit(s[k])) ++k;
    return k;
  };
  size_t end = digits(i);
  if (end == i) return false;
  if (end < s.size() && s[end] == '!') {
    i = end + 1;
    end = digits(i);
    if (end == i) return false;
  }
  i = end;
  while (i < s.size()) {
    if (s[i] != '.') return false;
    end = digits(i + 1);
    if (end == i + 1) return false;
    i = end;
  }
  return true;
}

template <typename T>
std::vector<T> Pick(const std::vector<T>& values, const std::vector<size_t>& indices) {
  std::vector<T> out;
  out.reserve(indices.size());
  for (size_t i : indices) out.push_back(values[i]);
  return out;
}

}  // namespace

std::string_view OperatorToString(Operator op) {
  switch (op) {
    case Operator::kCompatible:
      return "~=";
    case Operator::kEqual:
      return "==";
    case Operator::kNotEqual:
      return "!=";
    case Operator::kLessEqual:
      return "<=";
    case Operator::kGreaterEqual:
      return ">=";
    case Operator::kLess:
      return "<";
    case Operator::kGreater:
      return ">";
    case Operator::kArbitrary:
      return "===";
  }
  return "?";
}

Result<Specifier> Specifier::Parse(std::string_view text) {
  std::string_view t = TrimPythonWhitespace(text);
  auto fail = [&](const std::string& why) {
    return Error("invalid specifier " + Quote(text) + ": " + why);
  };
  if (t.empty()) return fail("empty specifier");

  Specifier s;
  size_t op_len = 0;
  struct Spelling {
    std::string_view text;
    Operator op;
  };
  // Longest spellings first: "===" before "==", "<=" before "<".
  static constexpr Spelling kSpellings[] = {
      {"===", Operator::kArbitrary}, {"~=", Operator::kCompatible}, {"==", Operator::kEqual},
      {"!=", Operator::kNotEqual},   {"<=", Operator::kLessEqual},  {">=", Operator::kGreaterEqual},
      {"<", Operator::kLess},        {">", Operator::kGreater},
  };
  for (const Spelling& sp : kSpellings) {
    if (StartsWith(t, sp.text)) {
      s.op_ = sp.op;
      op_len = sp.text.size();
      break;
    }
  }
  if (op_len == 0) {
    return fail("expected an operator (" + std::string(kOperatorList) + ") before the version");
  }
  std::string_view rest = TrimPythonWhitespace(t.substr(op_len));
  std::string op(OperatorToString(s.op_));

  if (s.op_ == Operator::kArbitrary) {
    // Anything but whitespace, ';' and ')' (they end the clause in PEP 508).
    if (HasPythonWhitespace(rest) || rest.find_first_of(";)") != std::string_view::npos) {
      return fail("=== takes a string without whitespace, ';' or ')'");
    }
    s.version_text_ = std::string(rest);
    if (auto v = Version::Parse(rest); v.ok()) s.version_ = std::move(*v);
    return s;
  }
  if (rest.empty()) return fail("expected a version after " + Quote(op));

  if (EndsWith(rest, ".*")) {
    if (s.op_ != Operator::kEqual && s.op_ != Operator::kNotEqual) {
      return fail("a wildcard '.*' is only allowed with == and != (PEP 440)");
    }
    std::string_view prefix = rest.substr(0, rest.size() - 2);
    if (!IsWildcardPrefix(prefix)) {
      return fail("a wildcard '.*' may only follow a release such as '1.0' (no pre-, post-, "
                  "dev-release or local part; PEP 440)");
    }
    auto v = Version::Parse(prefix);
    if (!v.ok()) return v.error().Wrap("invalid specifier " + Quote(text));
    s.wildcard_ = true;
    s.version_text_ = v->ToString() + ".*";
    s.version_ = std::move(*v);
    return s;
  }

  auto v = Version::Parse(rest);
  if (!v.ok()) return v.error().Wrap("invalid specifier " + Quote(text));
  if (v->has_local() && s.op_ != Operator::kEqual && s.op_ != Operator::kNotEqual) {
    return fail("a local version label ('+...') is only allowed with == and != (PEP 440)");
  }
  if (s.op_ == Operator::kCompatible && v->release().size() < 2) {
    return fail("~= needs a release with at least two numbers, such as '~=1.0' (PEP 440)");
  }
  s.version_text_ = v->ToString();
  if (s.op_ == Operator::kLess) {
    // <V excludes the pre-releases of V unless V is one: V.dev0 is the
    // first of them.
    if (v->is_prerelease()) {
      s.less_bound_ = *v;
    } else {
      auto bound = Version::Parse(s.version_text_ + ".dev0");
      if (!bound.ok()) return bound.error();
      s.less_bound_ = std::move(*bound);
    }
  }
  s.version_ = std::move(*v);
  return s;
}

std::string Specifier::ToString() const {
  return std::string(OperatorToString(op_)) + version_text_;
}

bool Specifier::mentions_prerelease() const {
  if (op_ == Operator::kNotEqual || wildcard_) return false;
  return version_ && version_->is_prerelease();
}

bool Specifier::ContainsIgnoringPre(const Version& v) const {
  if (op_ == Operator::kArbitrary) return EqualsIgnoreCaseAscii(v.ToString(), version_text_);
  const Version& spec = *version_;
  switch (op_) {
    case Operator::kEqual:
    case Operator::kNotEqual: {
      bool equal;
      if (wildcard_) {
        equal = HasPrefix(v, spec, spec.release().size());
      } else if (spec.has_local()) {
        equal = v == spec;
      } else {
        // Without a local label in the clause, V+anything matches V.
        equal = v.Public() == spec;
      }
      return op_ == Operator::kEqual ? equal : !equal;
    }
    case Operator::kCompatible:
      // ~=1.4.5 means >=1.4.5, ==1.4.*
      return v >= spec && HasPrefix(v, spec, spec.release().size() - 1);
    case Operator::kLessEqual:
      return v.Public() <= spec;
    case Operator::kGreaterEqual:
      return v >= spec;
    case Operator::kLess:
      return v < *less_bound_;
    case Operator::kGreater:
      if (!(v > spec)) return false;
      if (spec.dev() || spec.post()) return v.Public() != spec;
      // >V excludes V's post-releases and local versions.
      return v.BaseWithPre() != spec;
    case Operator::kArbitrary:
      break;
  }
  return false;
}

bool Specifier::MatchesIgnoringPre(const Version* parsed, std::string_view text) const {
  if (op_ == Operator::kArbitrary) return EqualsIgnoreCaseAscii(text, version_text_);
  return parsed != nullptr && ContainsIgnoringPre(*parsed);
}

namespace {

PreReleases Effective(PreReleases pre, bool mentions_prerelease) {
  return pre == PreReleases::kDefault && mentions_prerelease ? PreReleases::kInclude : pre;
}

}  // namespace

bool Specifier::Contains(const Version& v, PreReleases pre) const {
  std::string text = op_ == Operator::kArbitrary ? v.ToString() : std::string();
  std::vector<Item> items{{&v, text}};
  std::vector<size_t> matched;
  if (MatchesIgnoringPre(&v, text)) matched.push_back(0);
  return !ApplyPreReleases(items, matched, Effective(pre, mentions_prerelease())).empty();
}

bool Specifier::Contains(std::string_view version, PreReleases pre) const {
  auto parsed = Version::Parse(version);
  const Version* v = parsed.ok() ? &*parsed : nullptr;
  std::vector<Item> items{{v, version}};
  std::vector<size_t> matched;
  if (MatchesIgnoringPre(v, version)) matched.push_back(0);
  return !ApplyPreReleases(items, matched, Effective(pre, mentions_prerelease())).empty();
}

std::vector<Version> Specifier::Filter(const std::vector<Version>& versions,
                                       PreReleases pre) const {
  std::vector<std::string> texts(versions.size());
  std::vector<Item> items;
  std::vector<size_t> matched;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (op_ == Operator::kArbitrary) texts[i] = versions[i].ToString();
    items.push_back({&versions[i], texts[i]});
    if (MatchesIgnoringPre(&versions[i], texts[i])) matched.push_back(i);
  }
  return Pick(versions, ApplyPreReleases(items, matched, Effective(pre, mentions_prerelease())));
}

std::vector<std::string> Specifier::Filter(const std::vector<std::string>& versions,
                                           PreReleases pre) const {
  std::vector<std::optional<Version>> parsed(versions.size());
  std::vector<Item> items;
  std::vector<size_t> matched;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (auto v = Version::Parse(versions[i]); v.ok()) parsed[i] = std::move(*v);
    items.push_back({parsed[i] ? &*parsed[i] : nullptr, versions[i]});
    if (MatchesIgnoringPre(items[i].parsed, versions[i])) matched.push_back(i);
  }
  return Pick(versions, ApplyPreReleases(items, matched, Effective(pre, mentions_prerelease())));
}

bool Specifier::operator==(const Specifier& other) const {
  if (op_ != other.op_ || wildcard_ != other.wildcard_) return false;
  if (op_ == Operator::kArbitrary || wildcard_) return version_text_ == other.version_text_;
  bool strip = op_ != Operator::kCompatible;
  return CanonicalizeVersion(*version_, strip) == CanonicalizeVersion(*other.version_, strip);
}

Result<SpecifierSet> SpecifierSet::Parse(std::string_view text) {
  SpecifierSet set;
  std::vector<std::string> clauses = Split(text, ',');
  for (const std::string& clause : clauses) {
    std::string_view c = TrimPythonWhitespace(clause);
    if (c.empty()) continue;
    auto s = Specifier::Parse(c);
    if (!s.ok()) {
      if (clauses.size() == 1) return s.error();
      return Error(s.error().message() + " (in " + Quote(text) + ")", s.error().kind());
    }
    set.specifiers_.push_back(std::move(*s));
  }
  return set;
}

std::vector<Specifier> SpecifierSet::Canonical() const {
  std::vector<std::pair<std::string, const Specifier*>> sorted;
  for (const Specifier& s : specifiers_) sorted.emplace_back(s.ToString(), &s);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Specifier> out;
  for (const auto& [text, s] : sorted) {
    if (std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  }
  return out;
}

std::string SpecifierSet::ToString() const {
  std::string out;
  for (const Specifier& s : Canonical()) {
    if (!out.empty()) out += ',';
    out += s.ToString();
  }
  return out;
}

bool SpecifierSet::mentions_prerelease() const {
  return std::any_of(specifiers_.begin(), specifiers_.end(),
                     [](const Specifier& s) { return s.mentions_prerelease(); });
}

bool SpecifierSet::has_arbitrary() const {
  return std::any_of(specifiers_.begin(), specifiers_.end(),
                     [](const Specifier& s) { return s.op() == Operator::kArbitrary; });
}

namespace {

bool Matches(const Specifier& s, const Item& item) {
  return s.MatchesIgnoringPre(item.parsed, item.text);
}

// packaging's SpecifierSet.filter() over prepared items.
std::vector<size_t> FilterItems(const std::vector<Specifier>& specs, bool mentions_prerelease,
                                const std::vector<Item>& items, PreReleases pre) {
  std::vector<size_t> matched;
  for (size_t i = 0; i < items.size(); ++i) {
    bool ok = std::all_of(specs.begin(), specs.end(),
                          [&](const Specifier& s) { return Matches(s, items[i]); });
    // A set without === only lets versions through (an empty set anything).
    if (ok) matched.push_back(i);
  }
  return ApplyPreReleases(items, matched, Effective(pre, mentions_prerelease));
}

}  // namespace

std::vector<Version> SpecifierSet::Filter(const std::vector<Version>& versions,
                                          PreReleases pre) const {
  bool arbitrary = has_arbitrary();
  std::vector<std::string> texts(versions.size());
  std::vector<Item> items;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (arbitrary) texts[i] = versions[i].ToString();
    items.push_back({&versions[i], texts[i]});
  }
  auto kept = FilterItems(specifiers_, mentions_prerelease(), items, pre);
  return Pick(versions, kept);
}

std::vector<std::string> SpecifierSet::Filter(const std::vector<std::string>& versions,
                                              PreReleases pre) const {
  std::vector<std::optional<Version>> parsed(versions.size());
  std::vector<Item> items;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (auto v = Version::Parse(versions[i]); v.ok()) parsed[i] = std::move(*v);
    items.push_back({parsed[i] ? &*parsed[i] : nullptr, versions[i]});
  }
  auto kept = FilterItems(specifiers_, mentions_prerelease(), items, pre);
  return Pick(versions, kept);
}

bool SpecifierSet::Contains(const Version& v, PreReleases pre) const {
  return !Filter(std::vector<Version>{v}, pre).empty();
}

bool SpecifierSet::Contains(std::string_view version, PreReleases pre) const {
  return !Filter(std::vector<std::string>{std::string(version)}, pre).empty();
}

SpecifierSet SpecifierSet::Intersect(const SpecifierSet& other) const {
  SpecifierSet out = *this;
  out.specifiers_.insert(out.specifiers_.end(), other.specifiers_.begin(),
                         other.specifiers_.end());
  return out;
}

bool SpecifierSet::operator==(const SpecifierSet& other) const {
  return Canonical() == other.Canonical();
}

}  // namespace sparkenv::spec
