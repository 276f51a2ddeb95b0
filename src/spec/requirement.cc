#include "spec/requirement.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/strings.h"
#include "spec/name.h"

namespace sparkenv::spec {
namespace {

using detail::SyntaxError;

// Byte length of the character at s[i] if Python's str.isspace() (and so
// regex \s) holds for it, else 0: ASCII blanks, \x1c-\x1f and the Unicode
// spaces (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000) in UTF-8.
size_t PySpaceAt(std::string_view s, size_t i) {
  if (i >= s.size()) {
    return 0;
  }
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (IsAsciiSpace(static_cast<char>(c)) || (c >= 0x1c && c <= 0x1f)) {
    return 1;
  }
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (c == 0xC2 && (at(1) == 0x85 || at(1) == 0xA0)) {
    return 2;
  }
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) {
    return 3;
  }
  if (c == 0xE2 && at(1) == 0x80 &&
      ((at(2) >= 0x80 && at(2) <= 0x8A) || at(2) == 0xA8 || at(2) == 0xA9 || at(2) == 0xAF)) {
    return 3;
  }
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) {
    return 3;
  }
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) {
    return 3;
  }
  return 0;
}

// Python's str.strip().
std::string_view PyStrip(std::string_view s) {
  for (size_t n; (n = PySpaceAt(s, 0)) > 0;) {
    s.remove_prefix(n);
  }
  for (;;) {
    size_t cut = 0;
    for (size_t k = 1; k <= 3 && k <= s.size(); ++k) {
      if (PySpaceAt(s, s.size() - k) == k) {
        cut = k;
      }
    }
    if (cut == 0) {
      return s;
    }
    s.remove_suffix(cut);
  }
}

bool IsIdentChar(char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; }

// \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b, backtracking to the longest prefix that
// ends on a word boundary. Returns the length (0 when no match).
size_t MatchIdentifier(std::string_view s, size_t pos) {
  if (pos >= s.size() || !IsAsciiAlnum(s[pos])) {
    return 0;
  }
  if (detail::IsWordCharBefore(s, pos)) {
    return 0;
  }
  size_t end = pos + 1;
  while (end < s.size() && IsIdentChar(s[end])) {
    ++end;
  }
  for (; end > pos; --end) {
    bool last_word = IsAsciiAlnum(s[end - 1]) || s[end - 1] == '_';
    if (last_word != detail::IsWordCharAt(s, end)) {
      return end - pos;
    }
  }
  return 0;
}

// A cursor over one candidate match of the SPECIFIER token.
class Scan {
 public:
  Scan(std::string_view s, size_t pos) : s_(s), i_(pos) {}
  size_t pos() const { return i_; }
  void Reset(size_t pos) { i_ = pos; }

  bool Lit(std::string_view text) {  // case-insensitive literal
    if (i_ + text.size() > s_.size()) {
      return false;
    }
    if (!EqualsIgnoreCaseAscii(s_.substr(i_, text.size()), text)) {
      return false;
    }
    i_ += text.size();
    return true;
  }
  bool OneOf(std::string_view chars) {
    if (i_ < s_.size() && chars.find(s_[i_]) != std::string_view::npos) {
      ++i_;
      return true;
    }
    return false;
  }
  size_t Digits() {
    size_t n = 0;
    while (i_ < s_.size() && IsAsciiDigit(s_[i_])) {
      ++i_, ++n;
    }
    return n;
  }
  void Spaces() {
    for (size_t n; (n = PySpaceAt(s_, i_)) > 0;) {
      i_ += n;
    }
  }
  // v? (?:[0-9]+!)? [0-9]+ (?:\.[0-9]+)*  -- `min_dots` repetitions needed;
  // like the regex, falls back to no epoch when the rest does not match.
  bool Release(size_t min_dots) {
    OneOf("vV");
    size_t start = i_;
    if (Digits() > 0 && OneOf("!") && ReleaseNumbers(min_dots)) {
      return true;
    }
    i_ = start;  // backtrack: no epoch
    return ReleaseNumbers(min_dots);
  }
  bool ReleaseNumbers(size_t min_dots) {
    if (Digits() == 0) {
      return false;
    }
    size_t dots = 0;
    for (;;) {
      size_t save = i_;
      if (OneOf(".") && Digits() > 0) {
        ++dots;
        continue;
      }
      i_ = save;
      break;
    }
    return dots >= min_dots;
  }
  // (?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?
  void Pre() {
    size_t save = i_;
    OneOf("-_.");
    static constexpr std::array<std::string_view, 8> kNames = {"alpha", "beta", "preview", "pre",
                                                               "a",     "b",    "c",       "rc"};
    for (std::string_view n : kNames) {
      if (Lit(n)) {
        OneOf("-_.");
        Digits();
        return;
      }
    }
    i_ = save;
  }
  // (?:(?:-[0-9]+)|(?:[-_.]?(post|rev|r)[-_.]?[0-9]*))?
  void Post() {
    size_t save = i_;
    if (OneOf("-") && Digits() > 0) {
      return;
    }
    i_ = save;
    OneOf("-_.");
    for (std::string_view n : {"post", "rev", "r"}) {
      if (Lit(n)) {
        OneOf("-_.");
        Digits();
        return;
      }
    }
    i_ = save;
  }
  // (?:[-_.]?dev[-_.]?[0-9]*)?
  void Dev() {
    size_t save = i_;
    OneOf("-_.");
    if (Lit("dev")) {
      OneOf("-_.");
      Digits();
      return;
    }
    i_ = save;
  }
  // (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?  (case-insensitive unless `exact_case`)
  bool Local(bool exact_case) {
    size_t save = i_;
    auto alnum_run = [&] {
      size_t n = 0;
      while (i_ < s_.size() &&
             (exact_case ? (IsAsciiDigit(s_[i_]) || (s_[i_] >= 'a' && s_[i_] <= 'z'))
                         : IsAsciiAlnum(s_[i_]))) {
        ++i_, ++n;
      }
      return n;
    };
    if (!OneOf("+") || alnum_run() == 0) {
      i_ = save;
      return false;
    }
    for (;;) {
      size_t part = i_;
      if (OneOf("-_.") && alnum_run() > 0) {
        continue;
      }
      i_ = part;
      return true;
    }
  }

 private:
  std::string_view s_;
  size_t i_;
};

// The SPECIFIER token of packaging 26.3 (Specifier._specifier_regex_str):
// one clause such as ">= 1.0", "==1.*", "===anything". Returns its length.
size_t MatchSpecifier(std::string_view s, size_t pos) {
  Scan sc(s, pos);
  if (sc.Lit("===")) {
    sc.Spaces();
    size_t i = sc.pos();
    while (i < s.size() && PySpaceAt(s, i) == 0 && s[i] != ';' && s[i] != ')') {
      ++i;
    }
    return i - pos;
  }
  if (sc.Lit("==") || sc.Lit("!=")) {
    sc.Spaces();
    if (!sc.Release(0)) {
      return 0;
    }
    size_t save = sc.pos();
    if (sc.Lit(".*")) {
      return sc.pos() - pos;
    }
    sc.Reset(save);
    sc.Pre();
    sc.Post();
    sc.Dev();
    sc.Local(false);
    return sc.pos() - pos;
  }
  if (sc.Lit("~=")) {
    sc.Spaces();
    if (!sc.Release(1)) {
      return 0;
    }
    sc.Pre();
    sc.Post();
    sc.Dev();
    return sc.pos() - pos;
  }
  if (sc.Lit("<=") || sc.Lit(">=") || sc.Lit("<") || sc.Lit(">")) {
    sc.Spaces();
    if (!sc.Release(0)) {
      return 0;
    }
    sc.Pre();
    sc.Post();
    sc.Dev();
    return sc.pos() - pos;
  }
  return 0;
}

class RequirementParser {
 public:
  explicit RequirementParser(std::string_view s) : s_(s) {}

  bool Parse(std::string* name, std::set<std::string>* extras, std::vector<std::string>* specs,
             std::optional<std::string>* url, std::shared_ptr<const MarkerNode>* marker) {
    SkipWs();
    size_t n = MatchIdentifier(s_, pos_);
    if (n == 0) {
      return Fail("expected a package name at the start of the requirement");
    }
    *name = std::string(s_.substr(pos_, n));
    pos_ += n;
    SkipWs();
    if (!ParseExtras(extras)) {
      return false;
    }
    SkipWs();
    if (!ParseDetails(specs, url, marker)) {
      return false;
    }
    if (pos_ != s_.size()) {
      return Fail("expected the end of the requirement");
    }
    return true;
  }

  const SyntaxError& error() const { return error_; }

 private:
  bool Fail(std::string message, size_t start, size_t end) {
    error_ = SyntaxError{std::move(message), start, end};
    return false;
  }
  bool Fail(std::string message) { return Fail(std::move(message), pos_, pos_); }
  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool At(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  std::string Position(size_t pos) const { return std::to_string(detail::CharOffset(s_, pos)); }

  // extras = ('[' WS? extras_list? WS? ']')?
  bool ParseExtras(std::set<std::string>* extras) {
    if (!At('[')) {
      return true;
    }
    size_t open = pos_++;
    SkipWs();
    size_t n = MatchIdentifier(s_, pos_);
    if (n > 0) {
      extras->emplace(s_.substr(pos_, n));
      pos_ += n;
      for (;;) {
        SkipWs();
        if (MatchIdentifier(s_, pos_) > 0) {
          return Fail("expected ',' between extra names");
        }
        if (!At(',')) {
          break;
        }
        ++pos_;
        SkipWs();
        n = MatchIdentifier(s_, pos_);
        if (n == 0) {
          return Fail("expected an extra name after ','");
        }
        extras->emplace(s_.substr(pos_, n));
        pos_ += n;
      }
    }
    SkipWs();
    if (!At(']')) {
      return Fail(
          "expected ']' after the extras (to match the '[' at position " + Position(open) + ")",
          open, pos_);
    }
    ++pos_;
    return true;
  }

  // requirement_details = '@' WS? URL (WS marker_part?)? | specifier WS? marker_part?
  bool ParseDetails(std::vector<std::string>* specs, std::optional<std::string>* url,
                    std::shared_ptr<const MarkerNode>* marker) {
    if (At('@')) {
      ++pos_;
      SkipWs();
      size_t url_start = pos_;
      while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\t') {
        ++pos_;
      }
      if (pos_ == url_start) {
        return Fail("expected a URL after '@'");
      }
      *url = std::string(s_.substr(url_start, pos_ - url_start));
      SkipWs();  // a URL always ends at whitespace or at the end
      if (pos_ == s_.size()) {
        return true;
      }
      return ParseMarkerPart(url_start, "';' (after the URL and whitespace)", marker);
    }
    size_t spec_start = pos_;
    if (!ParseSpecifier(specs)) {
      return false;
    }
    SkipWs();
    if (pos_ == s_.size()) {
      return true;
    }
    return ParseMarkerPart(spec_start,
                           specs->empty() ? "';' (after a name with no version specifier)"
                                          : "',' (within the version specifier), ';' (after it)",
                           marker);
  }

  bool ParseMarkerPart(size_t span_start, const std::string& expected,
                       std::shared_ptr<const MarkerNode>* marker) {
    if (!At(';')) {
      return Fail("expected " + expected + " or the end", span_start, pos_);
    }
    ++pos_;
    *marker = detail::ParseMarkerAt(s_, &pos_, &error_);
    if (!*marker) {
      return false;
    }
    SkipWs();
    return true;
  }

  // specifier = '(' WS? version_many WS? ')' | WS? version_many WS?
  bool ParseSpecifier(std::vector<std::string>* specs) {
    if (!At('(')) {
      return ParseVersionMany(specs);
    }
    size_t open = pos_++;
    SkipWs();
    if (!ParseVersionMany(specs)) {
      return false;
    }
    SkipWs();
    if (!At(')')) {
      return Fail("expected ')' after the version specifier (to match the '(' at position " +
                      Position(open) + ")",
                  open, pos_);
    }
    ++pos_;
    return true;
  }

  // version_many = (SPECIFIER (WS? ',' WS? SPECIFIER)*)?
  bool ParseVersionMany(std::vector<std::string>* specs) {
    for (;;) {
      size_t n = MatchSpecifier(s_, pos_);
      if (n == 0) {
        return true;
      }
      size_t start = pos_;
      std::string_view spec = s_.substr(pos_, n);
      specs->emplace_back(spec);
      pos_ += n;
      if (s_.substr(pos_, 2) == ".*") {
        bool eq = StartsWith(spec, "!=") || (StartsWith(spec, "==") && !StartsWith(spec, "==="));
        return Fail(eq ? "'.*' cannot follow a pre-release, post-release, dev or local version"
                       : "'.*' can only be used with the == and != operators",
                    start, pos_ + 1);
      }
      Scan local(s_, pos_);
      if (local.Local(true)) {
        return Fail("a local version label can only be used with == and !=", start, pos_);
      }
      SkipWs();
      if (!At(',')) {
        return true;
      }
      ++pos_;
      SkipWs();
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  SyntaxError error_;
};

// The clauses as packaging's SpecifierSet reads them: the text split on ','
// (an === clause may hold one), each piece stripped, empty pieces dropped,
// and each clause "<op><version>" with the blanks around the version
// removed.
std::vector<std::string> CleanClauses(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  for (const std::string& piece : Split(Join(tokens, ","), ',')) {
    std::string_view p = PyStrip(piece);
    if (p.empty()) {
      continue;
    }
    size_t op = StartsWith(p, "===") ? 3 : (p.size() >= 2 && p[1] == '=') ? 2 : 1;
    out.push_back(std::string(p.substr(0, op)) + std::string(PyStrip(p.substr(op))));
  }
  return out;
}

// packaging's str(SpecifierSet): the clauses as written, sorted, equal
// clauses (per Specifier::==) kept once.
std::string WrittenSpecifierText(const std::vector<std::string>& clauses) {
  std::vector<std::pair<std::string, Specifier>> parsed;
  for (const std::string& clause : clauses) {
    Result<Specifier> spec = Specifier::Parse(clause);
    if (spec.ok()) {
      parsed.emplace_back(clause, std::move(*spec));
    }
  }
  std::stable_sort(parsed.begin(), parsed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, Specifier>> kept;
  for (auto& clause : parsed) {
    bool duplicate = false;
    for (const auto& k : kept) {
      duplicate = duplicate || k.second == clause.second;
    }
    if (!duplicate) {
      kept.push_back(std::move(clause));
    }
  }
  std::string out;
  for (const auto& k : kept) {
    if (!out.empty()) {
      out += ',';
    }
    out += k.first;
  }
  return out;
}

}  // namespace

Result<Requirement> Requirement::Parse(std::string_view text) {
  Requirement r;
  RequirementParser parser(text);
  std::vector<std::string> specs;
  std::shared_ptr<const MarkerNode> marker;
  if (!detail::ValidUtf8(text)) {
    return detail::MakeSyntaxError("requirement", text, SyntaxError{"not valid UTF-8", 0, 0});
  }
  if (!parser.Parse(&r.name_, &r.extras_, &specs, &r.url_, &marker)) {
    return detail::MakeSyntaxError("requirement", text, parser.error());
  }
  std::vector<std::string> clauses = CleanClauses(specs);
  Result<SpecifierSet> set = SpecifierSet::Parse(Join(clauses, ","));
  if (!set.ok()) {
    return set.error().Wrap("invalid requirement " + Quote(text));
  }
  r.specifier_ = std::move(*set);
  r.specifier_text_ = WrittenSpecifierText(clauses);
  if (marker) {
    r.marker_ = detail::MakeMarker(std::move(marker));
  }
  return r;
}

std::string Requirement::ToString() const {
  std::string out = name_;
  if (!extras_.empty()) {
    out += '[';
    out += Join(std::vector<std::string>(extras_.begin(), extras_.end()), ",");
    out += ']';
  }
  out += specifier_text_;
  if (url_) {
    out += " @ ";
    out += *url_;
    if (marker_) {
      out += ' ';
    }
  }
  if (marker_) {
    out += "; ";
    out += marker_->ToString();
  }
  return out;
}

std::string Requirement::normalized_name() const { return NormalizeName(name_); }

std::set<std::string> Requirement::normalized_extras() const {
  std::set<std::string> out;
  for (const std::string& e : extras_) {
    out.insert(NormalizeName(e));
  }
  return out;
}

Result<bool> Requirement::EvaluateMarker(const MarkerEnvironment& env,
                                         const std::vector<std::string>& extras) const {
  if (!marker_) {
    return true;
  }
  return marker_->Evaluate(env, extras);
}

bool Requirement::operator==(const Requirement& other) const {
  return normalized_name() == other.normalized_name() &&
         normalized_extras() == other.normalized_extras() && specifier_ == other.specifier_ &&
         url_ == other.url_ && marker_ == other.marker_;
}

}  // namespace sparkenv::spec
