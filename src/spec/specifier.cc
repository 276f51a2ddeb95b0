#include "spec/specifier.h"

#include <algorithm>
#include <cassert>

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
      return fail(
          "a wildcard '.*' may only follow a release such as '1.0' (no pre-, post-, "
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

const std::vector<Specifier>& SpecifierSet::specifiers() const {
  static const std::vector<Specifier> kNone;
  return specifiers_ ? *specifiers_ : kNone;
}

Result<SpecifierSet> SpecifierSet::Parse(std::string_view text) {
  SpecifierSet set;
  std::vector<Specifier> list;
  std::vector<std::string> clauses = Split(text, ',');
  for (const std::string& clause : clauses) {
    std::string_view c = TrimPythonWhitespace(clause);
    if (c.empty()) continue;
    auto s = Specifier::Parse(c);
    if (!s.ok()) {
      if (clauses.size() == 1) return s.error();
      return Error(s.error().message() + " (in " + Quote(text) + ")", s.error().kind());
    }
    list.push_back(std::move(*s));
  }
  if (!list.empty())
    set.specifiers_ = std::make_shared<const std::vector<Specifier>>(std::move(list));
  return set;
}

std::vector<Specifier> SpecifierSet::Canonical() const {
  std::vector<std::pair<std::string, const Specifier*>> sorted;
  for (const Specifier& s : specifiers()) sorted.emplace_back(s.ToString(), &s);
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
  return std::any_of(specifiers().begin(), specifiers().end(),
                     [](const Specifier& s) { return s.mentions_prerelease(); });
}

bool SpecifierSet::has_arbitrary() const {
  return std::any_of(specifiers().begin(), specifiers().end(),
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
  auto kept = FilterItems(specifiers(), mentions_prerelease(), items, pre);
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
  auto kept = FilterItems(specifiers(), mentions_prerelease(), items, pre);
  return Pick(versions, kept);
}

bool SpecifierSet::Contains(const Version& v, PreReleases pre) const {
  // Filter() of {v}, without copying v in and out (the resolver asks this
  // for every candidate it considers).
  std::string text = has_arbitrary() ? v.ToString() : std::string();
  const std::vector<Item> items = {{&v, text}};
  return !FilterItems(specifiers(), mentions_prerelease(), items, pre).empty();
}

bool SpecifierSet::Contains(std::string_view version, PreReleases pre) const {
  return !Filter(std::vector<std::string>{std::string(version)}, pre).empty();
}

SpecifierSet SpecifierSet::Intersect(const SpecifierSet& other) const {
  if (other.empty()) return *this;
  if (empty()) return other;
  std::vector<Specifier> all = specifiers();
  all.insert(all.end(), other.specifiers().begin(), other.specifiers().end());
  SpecifierSet out;
  out.specifiers_ = std::make_shared<const std::vector<Specifier>>(std::move(all));
  return out;
}

bool SpecifierSet::operator==(const SpecifierSet& other) const {
  return Canonical() == other.Canonical();
}

// ---- IsUnsatisfiable ---------------------------------------------------------
//
// Every clause other than === is a union of at most two intervals of the PEP
// 440 order. An interval is bounded by cuts: positions between versions.
//   kBefore(W)      just below W
//   kAfter(W)       just above W (W's longer local labels are above it)
//   kAfterPosts(V)  above the final release V, its local versions and all its
//                   post-releases ("family"), below anything with a longer
//                   non-zero release
// Cuts "after the local versions of V" always have a least version above
// them (V.dev(N+1), V.post(N+1).dev0 or V.post0.dev0), so they are written as
// kBefore(that version). Above kAfter(W) and kAfterPosts(V) the order is dense:
// whenever a cut lies higher, a version lies in between.
namespace {

std::string IncrementDecimal(std::string digits) {
  size_t i = digits.size();
  while (i > 0) {
    --i;
    if (digits[i] != '9') {
      ++digits[i];
      return digits;
    }
    digits[i] = '0';
  }
  return "1" + digits;
}

std::string TrailingDigits(const std::string& s) {
  size_t i = s.size();
  while (i > 0 && IsAsciiDigit(s[i - 1])) --i;
  return s.substr(i);
}

Version MustParse(const std::string& text) {
  auto v = Version::Parse(text);
  assert(v.ok());  // built from a normalized version, so always valid
  return *v;
}

struct Cut {
  enum Kind { kNegInf, kBefore, kAfter, kAfterPosts, kPosInf } kind;
  std::optional<Version> v;
};

Cut Before(Version v) { return {Cut::kBefore, std::move(v)}; }
Cut After(Version v) { return {Cut::kAfter, std::move(v)}; }

// Is `x` in the family of the final release `v` (same epoch and release, no
// pre-release: v itself, its locals, post- and dev-releases)?
bool InPostFamily(const Version& x, const Version& v) {
  return !x.pre().has_value() && x.Base() == v.Base();
}

// Is version `x` below cut `c`?
bool Below(const Cut& c, const Version& x) {
  switch (c.kind) {
    case Cut::kNegInf:
      return false;
    case Cut::kBefore:
      return x < *c.v;
    case Cut::kAfter:
      return x <= *c.v;
    case Cut::kAfterPosts:
      return x <= *c.v || InPostFamily(x, *c.v);
    case Cut::kPosInf:
      return true;
  }
  return false;
}

std::strong_ordering CompareCuts(const Cut& a, const Cut& b) {
  if (a.kind == Cut::kNegInf || b.kind == Cut::kPosInf) {
    return a.kind == b.kind ? std::strong_ordering::equal : std::strong_ordering::less;
  }
  if (a.kind == Cut::kPosInf || b.kind == Cut::kNegInf) return std::strong_ordering::greater;
  if (a.kind == b.kind) {
    if (a.kind == Cut::kAfterPosts && InPostFamily(*a.v, *b.v)) return std::strong_ordering::equal;
    return *a.v <=> *b.v;
  }
  // Different kinds never denote the same cut (see above), so one of them has
  // a version on its side that the other does not.
  if (a.kind == Cut::kBefore) {
    // Before(W) < c  iff  W is below c.
    return Below(b, *a.v) ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (b.kind == Cut::kBefore) {
    return Below(a, *b.v) ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  // kAfter(W) vs kAfterPosts(V): After(W) < c iff W is below c.
  if (a.kind == Cut::kAfter) {
    return Below(b, *a.v) ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  return Below(a, *b.v) ? std::strong_ordering::greater : std::strong_ordering::less;
}

using Interval = std::pair<Cut, Cut>;  // versions not below .first and below .second

// The least final release at or above `v` (for a pre- or dev-release).
Version NearestFinal(const Version& v) {
  if (!v.is_prerelease()) return v;
  if (v.pre()) return v.Base();
  // A dev-only release keeps its post-release: 1.0.post0.dev0 -> 1.0.post0.
  std::string text = v.Public().ToString();
  return MustParse(text.substr(0, text.rfind(".dev")));
}

// Is there a version in the interval (a final release if `final_only`)?
bool NonEmpty(const Interval& in, bool final_only) {
  const Cut& lo = in.first;
  const Cut& hi = in.second;
  std::optional<Version> least;  // least version (or least final) at or above lo
  switch (lo.kind) {
    case Cut::kNegInf:
      least = MustParse(final_only ? "0" : "0.dev0");
      break;
    case Cut::kBefore:
      least = final_only ? NearestFinal(*lo.v) : *lo.v;
      break;
    case Cut::kAfter:
      // Dense above W; finals too when W is one (W+local.0 ...).
      if (final_only && lo.v->is_prerelease()) least = NearestFinal(*lo.v);
      break;
    case Cut::kAfterPosts:
    case Cut::kPosInf:
      break;
  }
  if (least) return Below(hi, *least);
  return CompareCuts(lo, hi) < 0;
}

// Least version of the next "local family" after V (V has no local label).
Version AfterLocalsSuccessor(const Version& v) {
  std::string text = v.ToString();
  if (v.dev()) {
    std::string n = TrailingDigits(text);
    return MustParse(text.substr(0, text.size() - n.size()) + IncrementDecimal(n));
  }
  if (v.post()) {
    std::string n = TrailingDigits(text);
    return MustParse(text.substr(0, text.size() - n.size()) + IncrementDecimal(n) + ".dev0");
  }
  return MustParse(text + ".post0.dev0");
}

// E!R.dev0 for the first `n` release segments of v (the last one incremented
// when `next`): the least version with that release prefix.
Version PrefixStart(const Version& v, size_t n, bool next) {
  std::string text = v.ToString();
  std::string out = v.epoch() != 0 ? text.substr(0, text.find('!') + 1) : "";
  for (size_t i = 0; i < n; ++i) {
    if (i) out += '.';
    std::string seg = v.ReleaseText(i);
    out += (next && i + 1 == n) ? IncrementDecimal(seg) : seg;
  }
  return MustParse(out + ".dev0");
}

std::vector<Interval> Intervals(const Specifier& s) {
  const Cut neg{Cut::kNegInf, std::nullopt};
  const Cut pos{Cut::kPosInf, std::nullopt};
  if (s.op() == Operator::kArbitrary) return {{neg, pos}};
  const Version& v = *s.version();
  switch (s.op()) {
    case Operator::kGreaterEqual:
      return {{Before(v), pos}};
    case Operator::kGreater:
      if (v.dev() || v.post()) return {{Before(AfterLocalsSuccessor(v)), pos}};
      if (v.pre()) {
        // Above V's post family: the next pre-release's first dev release.
        std::string text = v.ToString();
        std::string n = TrailingDigits(text);
        return {{Before(MustParse(text.substr(0, text.size() - n.size()) + IncrementDecimal(n) +
                                  ".dev0")),
                 pos}};
      }
      return {{Cut{Cut::kAfterPosts, v}, pos}};
    case Operator::kLessEqual:
      return {{neg, Before(AfterLocalsSuccessor(v))}};
    case Operator::kLess:
      return {{neg, Before(v.is_prerelease() ? v : MustParse(v.ToString() + ".dev0"))}};
    case Operator::kCompatible:
      return {{Before(v), Before(PrefixStart(v, v.release().size() - 1, true))}};
    case Operator::kEqual:
    case Operator::kNotEqual: {
      Cut lo = s.wildcard() ? Before(PrefixStart(v, v.release().size(), false)) : Before(v);
      Cut hi = s.wildcard()    ? Before(PrefixStart(v, v.release().size(), true))
               : v.has_local() ? After(v)
                               : Before(AfterLocalsSuccessor(v));
      if (s.op() == Operator::kEqual) return {{lo, hi}};
      return {{neg, lo}, {hi, pos}};
    }
    case Operator::kArbitrary:
      break;
  }
  return {{neg, pos}};
}

std::vector<Interval> IntersectIntervals(const std::vector<Interval>& a,
                                         const std::vector<Interval>& b) {
  std::vector<Interval> out;
  for (const Interval& x : a) {
    for (const Interval& y : b) {
      Interval in{CompareCuts(x.first, y.first) >= 0 ? x.first : y.first,
                  CompareCuts(x.second, y.second) <= 0 ? x.second : y.second};
      if (NonEmpty(in, false)) out.push_back(std::move(in));
    }
  }
  return out;
}

// The non-empty intervals of versions every clause allows (=== allows all).
std::vector<Interval> SetIntervals(const std::vector<Specifier>& specs) {
  const Cut neg{Cut::kNegInf, std::nullopt};
  const Cut pos{Cut::kPosInf, std::nullopt};
  std::vector<Interval> ranges{{neg, pos}};
  for (size_t i = 0; i < specs.size() && !ranges.empty(); ++i) {
    ranges = IntersectIntervals(ranges, Intervals(specs[i]));
  }
  return ranges;
}

// The versions outside the union of `ranges`.
std::vector<Interval> Complement(const std::vector<Interval>& ranges) {
  const Cut neg{Cut::kNegInf, std::nullopt};
  const Cut pos{Cut::kPosInf, std::nullopt};
  std::vector<Interval> out{{neg, pos}};
  for (const Interval& in : ranges) {
    out = IntersectIntervals(out, {{neg, in.first}, {in.second, pos}});
  }
  return out;
}

}  // namespace

bool SpecifierSet::IsUnsatisfiable(PreReleases pre) const {
  if (specifiers().empty()) return false;
  std::vector<Interval> ranges = SetIntervals(specifiers());
  if (ranges.empty()) return true;

  // === clauses: all must name the same text, and that text must satisfy the
  // other clauses.
  const Specifier* first = nullptr;
  for (const Specifier& s : specifiers()) {
    if (s.op() != Operator::kArbitrary) continue;
    if (!first) {
      first = &s;
    } else if (!EqualsIgnoreCaseAscii(s.version_text(), first->version_text())) {
      return true;
    }
  }
  if (first) {
    const std::optional<Version>& candidate = first->version();
    if (pre == PreReleases::kExclude && candidate && candidate->is_prerelease()) return true;
    for (const Specifier& s : specifiers()) {
      if (s.op() == Operator::kArbitrary) continue;
      if (!candidate || !s.Contains(*candidate)) return true;
    }
  }
  if (pre == PreReleases::kExclude) {
    return std::none_of(ranges.begin(), ranges.end(),
                        [](const Interval& in) { return NonEmpty(in, true); });
  }
  return false;
}

Result<bool> SpecifierSet::IsSubsetOf(const SpecifierSet& other) const {
  if (has_arbitrary() || other.has_arbitrary()) {
    return Error("set relations do not support === clauses: " + Quote(ToString()) + ", " +
                 Quote(other.ToString()));
  }
  // As in packaging, the empty set also admits strings that are not
  // versions, which no other set without === does.
  if (other.empty()) return true;
  if (empty()) return false;
  return IntersectIntervals(SetIntervals(specifiers()),
                            Complement(SetIntervals(other.specifiers())))
      .empty();
}

Result<bool> SpecifierSet::IsSupersetOf(const SpecifierSet& other) const {
  return other.IsSubsetOf(*this);
}

Result<bool> SpecifierSet::IsDisjointFrom(const SpecifierSet& other) const {
  if (has_arbitrary() || other.has_arbitrary()) {
    return Error("set relations do not support === clauses: " + Quote(ToString()) + ", " +
                 Quote(other.ToString()));
  }
  return IntersectIntervals(SetIntervals(specifiers()), SetIntervals(other.specifiers())).empty();
}

}  // namespace sparkenv::spec
