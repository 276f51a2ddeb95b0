#include "spec/version.h"

#include <algorithm>
#include <functional>

#include "base/strings.h"

namespace sparkenv::spec {

namespace {

constexpr uint64_t kSaturated = UINT64_MAX;
constexpr std::string_view kSaturatedText = "18446744073709551615";

// The UTF-8 encodings of the non-ASCII characters Python treats as whitespace.
constexpr std::string_view kUnicodeSpaces[] = {
    "\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
    "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
    "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
    "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
};

bool IsPythonAsciiSpace(char c) { return IsAsciiSpace(c) || (c >= '\x1c' && c <= '\x1f'); }

// Length of the whitespace character at the start (or end) of `s`, 0 if none.
size_t LeadingSpace(std::string_view s) {
  if (s.empty()) return 0;
  if (IsPythonAsciiSpace(s.front())) return 1;
  // Every entry of kUnicodeSpaces starts with a non-ASCII byte.
  if (static_cast<unsigned char>(s.front()) < 0x80) return 0;
  for (std::string_view u : kUnicodeSpaces) {
    if (StartsWith(s, u)) return u.size();
  }
  return 0;
}
size_t TrailingSpace(std::string_view s) {
  if (s.empty()) return 0;
  if (IsPythonAsciiSpace(s.back())) return 1;
  // ... and ends with one.
  if (static_cast<unsigned char>(s.back()) < 0x80) return 0;
  for (std::string_view u : kUnicodeSpaces) {
    if (EndsWith(s, u)) return u.size();
  }
  return 0;
}

bool IsSeparator(char c) { return c == '.' || c == '-' || c == '_'; }
bool IsLocalChar(char c) { return IsAsciiAlnum(c); }

// A number as parsed: its value saturated to uint64_t, plus its exact digits
// (no leading zeros) when it does not fit.
struct Number {
  uint64_t value = 0;
  std::string big;
};

std::strong_ordering CompareDigits(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() <=> b.size();
  int c = a.compare(b);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

// Compares two saturated numbers, consulting the exact digits only when both
// saturated. `big` is empty for a number that fits.
std::strong_ordering CompareNumber(uint64_t a, std::string_view a_big, uint64_t b,
                                   std::string_view b_big) {
  if (a != b || a != kSaturated) return a <=> b;
  return CompareDigits(a_big.empty() ? kSaturatedText : a_big,
                       b_big.empty() ? kSaturatedText : b_big);
}

std::string NumberText(uint64_t value, std::string_view big) {
  return big.empty() ? std::to_string(value) : std::string(big);
}

void HashCombine(size_t& seed, size_t h) {
  seed ^= h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}

size_t HashNumber(uint64_t value, std::string_view big) {
  return big.empty() ? std::hash<uint64_t>()(value) : std::hash<std::string_view>()(big);
}

}  // namespace

struct Version::Huge {
  std::string epoch;
  std::vector<std::string> release;  // parallel to release_; "" where the number fits
  std::string pre;
  std::string post;
  std::string dev;
  std::vector<std::string> local;  // parallel to local_; "" where not a huge number

  bool Empty() const {
    auto empty = [](const std::string& s) { return s.empty(); };
    return epoch.empty() && pre.empty() && post.empty() && dev.empty() &&
           std::all_of(release.begin(), release.end(), empty) &&
           std::all_of(local.begin(), local.end(), empty);
  }
};

std::string_view TrimPythonWhitespace(std::string_view s) {
  while (size_t n = LeadingSpace(s)) s.remove_prefix(n);
  while (size_t n = TrailingSpace(s)) s.remove_suffix(n);
  return s;
}

bool HasPythonWhitespace(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (LeadingSpace(s.substr(i)) != 0) return true;
  }
  return false;
}

// A hand-written matcher equivalent to packaging's VERSION_PATTERN (the
// possessive variant used on CPython >= 3.11.5), with error messages that say
// what broke.
class VersionParser {
 public:
  VersionParser(std::string_view original, std::string_view s) : original_(original), s_(s) {}

  Result<Version> Run() {
    if (s_.empty()) return Fail("empty string");
    if (At(0) == 'v' || At(0) == 'V') ++pos_;

    // Epoch: digits followed by '!'.
    size_t digits_end = SkipDigits(pos_);
    if (digits_end > pos_ && At(digits_end) == '!') {
      if (!ReadNumber(pos_, digits_end, &epoch_)) return Fail(number_error_);
      pos_ = digits_end + 1;
      if (!IsAsciiDigit(At(pos_))) {
        return Fail("expected a release number after the epoch " + Quote(s_.substr(0, pos_)));
      }
    }
    if (!IsAsciiDigit(At(pos_))) {
      return Fail("expected a release number such as '1.0' at the start (PEP 440)");
    }
    // Release: N(.N)*
    for (;;) {
      size_t end = SkipDigits(pos_);
      Number n;
      if (!ReadNumber(pos_, end, &n)) return Fail(number_error_);
      release_.push_back(std::move(n));
      pos_ = end;
      if (At(pos_) == '.' && IsAsciiDigit(At(pos_ + 1))) {
        ++pos_;
        continue;
      }
      break;
    }
    release_end_ = pos_;

    if (!ParsePre() || !ParsePost() || !ParseDev()) return Fail(number_error_);
    size_t public_end = pos_;
    if (At(pos_) == '+') {
      if (!ParseLocal()) {
        if (!number_error_.empty()) return Fail(number_error_);
        return Fail(LocalError(public_end + 1));
      }
    }
    if (pos_ != s_.size()) {
      // Inside a local label, say what is wrong with the label itself.
      return Fail(pos_ > public_end ? LocalError(public_end + 1) : TrailingError());
    }
    return Build();
  }

 private:
  static constexpr std::string_view kPreWords[] = {"alpha",   "a",   "beta", "b",
                                                   "preview", "pre", "c",    "rc"};
  static constexpr PreKind kPreKinds[] = {PreKind::kAlpha, PreKind::kAlpha, PreKind::kBeta,
                                          PreKind::kBeta,  PreKind::kRc,    PreKind::kRc,
                                          PreKind::kRc,    PreKind::kRc};
  static constexpr std::string_view kPostWords[] = {"post", "rev", "r"};

  char At(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  size_t SkipDigits(size_t i) const {
    while (IsAsciiDigit(At(i))) ++i;
    return i;
  }
  bool WordAt(size_t i, std::string_view word) const {
    return i + word.size() <= s_.size() && EqualsIgnoreCaseAscii(s_.substr(i, word.size()), word);
  }

  // Reads the digits s_[begin, end) (non-empty). False (with number_error_
  // set) only when there are too many digits.
  bool ReadNumber(size_t begin, size_t end, Number* out) {
    return ReadDigits(s_.substr(begin, end - begin), out);
  }
  bool ReadDigits(std::string_view digits, Number* out) {
    if (digits.size() > Version::kMaxDigits) {
      number_error_ = "number with more than " + std::to_string(Version::kMaxDigits) + " digits";
      return false;
    }
    while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
    if (digits.size() > kSaturatedText.size() ||
        (digits.size() == kSaturatedText.size() && digits > kSaturatedText)) {
      out->value = kSaturated;
      out->big = std::string(digits);
      return true;
    }
    uint64_t v = 0;
    for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
    out->value = v;
    out->big.clear();
    return true;
  }

  // `[._-]? N?` after a pre/post/dev word, as the regex consumes it.
  bool ParseOptionalNumber(size_t* p, Number* out) {
    if (IsSeparator(At(*p))) ++*p;
    size_t end = SkipDigits(*p);
    if (end > *p) {
      if (!ReadNumber(*p, end, out)) return false;
      *p = end;
    }
    return true;
  }

  bool ParsePre() {
    size_t p = pos_;
    if (IsSeparator(At(p))) ++p;
    for (size_t w = 0; w < std::size(kPreWords); ++w) {
      if (!WordAt(p, kPreWords[w])) continue;
      p += kPreWords[w].size();
      Number n;
      if (!ParseOptionalNumber(&p, &n)) return false;
      pre_kind_ = kPreKinds[w];
      pre_ = std::move(n);
      pos_ = p;
      return true;
    }
    return true;
  }

  bool ParsePost() {
    size_t p = pos_;
    // Implicit post release: "1.0-1".
    if (At(p) == '-' && IsAsciiDigit(At(p + 1))) {
      size_t end = SkipDigits(p + 1);
      Number n;
      if (!ReadNumber(p + 1, end, &n)) return false;
      post_ = std::move(n);
      pos_ = end;
      return true;
    }
    for (size_t start : {p + (IsSeparator(At(p)) ? 1 : 0), p}) {
      for (std::string_view word : kPostWords) {
        if (!WordAt(start, word)) continue;
        size_t q = start + word.size();
        Number n;
        if (!ParseOptionalNumber(&q, &n)) return false;
        post_ = std::move(n);
        pos_ = q;
        return true;
      }
    }
    return true;
  }

  bool ParseDev() {
    size_t p = pos_;
    if (IsSeparator(At(p))) ++p;
    if (!WordAt(p, "dev")) return true;
    p += 3;
    Number n;
    if (!ParseOptionalNumber(&p, &n)) return false;
    dev_ = std::move(n);
    pos_ = p;
    return true;
  }

  // '+' alnum+ ([._-] alnum+)*
  bool ParseLocal() {
    size_t p = pos_ + 1;
    std::vector<std::string> segments;
    for (;;) {
      size_t begin = p;
      while (IsLocalChar(At(p))) ++p;
      if (p == begin) return false;
      segments.emplace_back(s_.substr(begin, p - begin));
      if (IsSeparator(At(p)) && IsLocalChar(At(p + 1))) {
        ++p;
        continue;
      }
      break;
    }
    for (std::string& seg : segments) {
      bool numeric = std::all_of(seg.begin(), seg.end(), IsAsciiDigit);
      if (numeric) {
        Number n;
        if (!ReadDigits(seg, &n)) return false;
        local_.emplace_back(n.value);
        local_big_.push_back(std::move(n.big));
      } else {
        local_.emplace_back(ToLowerAscii(seg));
        local_big_.emplace_back();
      }
    }
    pos_ = p;
    return true;
  }

  std::string LocalError(size_t begin) const {
    if (begin >= s_.size()) return "empty local version label after '+'";
    for (size_t i = begin; i < s_.size(); ++i) {
      char c = s_[i];
      if (!IsLocalChar(c) && !IsSeparator(c)) {
        return "invalid character " + Quote(std::string_view(&s_[i], 1)) +
               " in local version label (allowed: letters, digits, '.', '-', '_')";
      }
    }
    return "empty segment in local version label " + Quote(s_.substr(begin));
  }

  std::string TrailingError() const {
    std::string_view rest = s_.substr(pos_);
    if (pos_ == release_end_ && rest[0] == '.') return "expected a number after '.'";
    return "unexpected " + Quote(rest) + " after " + Quote(s_.substr(0, pos_));
  }

  Error Fail(const std::string& why) const {
    return Error("invalid version " + Quote(original_) + ": " + why);
  }

  Version Build() {
    Version v;
    v.epoch_ = epoch_.value;
    v.release_.reserve(release_.size());
    for (const Number& n : release_) v.release_.push_back(n.value);
    if (pre_) v.pre_ = std::make_pair(pre_kind_, pre_->value);
    if (post_) v.post_ = post_->value;
    if (dev_) v.dev_ = dev_->value;
    v.local_ = std::move(local_);
    // The exact digits of saturated numbers, kept only when there are some
    // (almost never: no allocation for an ordinary version).
    auto saturated = [](const Number& n) { return !n.big.empty(); };
    auto nonempty = [](const std::string& s) { return !s.empty(); };
    bool any_huge = saturated(epoch_) || std::any_of(release_.begin(), release_.end(), saturated) ||
                    (pre_ && saturated(*pre_)) || (post_ && saturated(*post_)) ||
                    (dev_ && saturated(*dev_)) ||
                    std::any_of(local_big_.begin(), local_big_.end(), nonempty);
    if (any_huge) {
      auto huge = std::make_shared<Version::Huge>();
      huge->epoch = std::move(epoch_.big);
      for (Number& n : release_) huge->release.push_back(std::move(n.big));
      if (pre_) huge->pre = std::move(pre_->big);
      if (post_) huge->post = std::move(post_->big);
      if (dev_) huge->dev = std::move(dev_->big);
      huge->local = std::move(local_big_);
      v.huge_ = std::move(huge);
    }
    return v;
  }

  std::string_view original_;
  std::string_view s_;
  size_t pos_ = 0;
  size_t release_end_ = 0;
  std::string number_error_;

  Number epoch_;
  std::vector<Number> release_;
  PreKind pre_kind_ = PreKind::kAlpha;
  std::optional<Number> pre_;
  std::optional<Number> post_;
  std::optional<Number> dev_;
  std::vector<LocalSegment> local_;
  std::vector<std::string> local_big_;
};

Result<Version> Version::Parse(std::string_view text) {
  return VersionParser(text, TrimPythonWhitespace(text)).Run();
}

namespace {
const std::string kNoDigits;
}  // namespace

std::string Version::ReleaseText(size_t i) const {
  return NumberText(release_.at(i), huge_ ? std::string_view(huge_->release[i]) : kNoDigits);
}

std::strong_ordering Version::CompareEpoch(const Version& other) const {
  return CompareNumber(epoch_, huge_ ? std::string_view(huge_->epoch) : kNoDigits, other.epoch_,
                       other.huge_ ? std::string_view(other.huge_->epoch) : kNoDigits);
}

std::strong_ordering Version::CompareReleaseSegment(size_t i, const Version& other) const {
  uint64_t a = i < release_.size() ? release_[i] : 0;
  uint64_t b = i < other.release_.size() ? other.release_[i] : 0;
  std::string_view a_big = (huge_ && i < release_.size()) ? huge_->release[i] : kNoDigits;
  std::string_view b_big =
      (other.huge_ && i < other.release_.size()) ? other.huge_->release[i] : kNoDigits;
  return CompareNumber(a, a_big, b, b_big);
}

std::string Version::ToString() const {
  std::string out;
  const Huge* h = huge_.get();
  if (epoch_ != 0) {
    out += NumberText(epoch_, h ? h->epoch : kNoDigits);
    out += '!';
  }
  for (size_t i = 0; i < release_.size(); ++i) {
    if (i) out += '.';
    out += NumberText(release_[i], h ? h->release[i] : kNoDigits);
  }
  if (pre_) {
    out += pre_->first == PreKind::kAlpha ? "a" : (pre_->first == PreKind::kBeta ? "b" : "rc");
    out += NumberText(pre_->second, h ? h->pre : kNoDigits);
  }
  if (post_) {
    out += ".post";
    out += NumberText(*post_, h ? h->post : kNoDigits);
  }
  if (dev_) {
    out += ".dev";
    out += NumberText(*dev_, h ? h->dev : kNoDigits);
  }
  for (size_t i = 0; i < local_.size(); ++i) {
    out += i ? '.' : '+';
    if (const auto* s = std::get_if<std::string>(&local_[i])) {
      out += *s;
    } else {
      out += NumberText(std::get<uint64_t>(local_[i]), h ? h->local[i] : kNoDigits);
    }
  }
  return out;
}

Version Version::Public() const {
  Version v = *this;
  v.local_.clear();
  if (v.huge_) {
    auto h = std::make_shared<Huge>(*v.huge_);
    h->local.clear();
    v.huge_ = h->Empty() ? nullptr : std::move(h);
  }
  return v;
}

Version Version::Base() const {
  Version v = BaseWithPre();
  v.pre_.reset();
  if (v.huge_) {
    auto h = std::make_shared<Huge>(*v.huge_);
    h->pre.clear();
    v.huge_ = h->Empty() ? nullptr : std::move(h);
  }
  return v;
}

Version Version::BaseWithPre() const {
  Version v = Public();
  v.post_.reset();
  v.dev_.reset();
  if (v.huge_) {
    auto h = std::make_shared<Huge>(*v.huge_);
    h->post.clear();
    h->dev.clear();
    v.huge_ = h->Empty() ? nullptr : std::move(h);
  }
  return v;
}

namespace {

// The parts of packaging's _cmpkey() suffix: (pre_rank, pre_n, post_rank,
// post_n, dev_rank, dev_n), with each number kept exact.
struct SuffixKey {
  int pre_rank;
  uint64_t pre_n;
  std::string_view pre_big;
  int post_rank;
  uint64_t post_n;
  std::string_view post_big;
  int dev_rank;
  uint64_t dev_n;
  std::string_view dev_big;
};

std::strong_ordering CompareSuffix(const SuffixKey& a, const SuffixKey& b) {
  if (auto c = a.pre_rank <=> b.pre_rank; c != 0) return c;
  if (auto c = CompareNumber(a.pre_n, a.pre_big, b.pre_n, b.pre_big); c != 0) return c;
  if (auto c = a.post_rank <=> b.post_rank; c != 0) return c;
  if (auto c = CompareNumber(a.post_n, a.post_big, b.post_n, b.post_big); c != 0) return c;
  if (auto c = a.dev_rank <=> b.dev_rank; c != 0) return c;
  return CompareNumber(a.dev_n, a.dev_big, b.dev_n, b.dev_big);
}

size_t TrimmedReleaseSize(const std::vector<uint64_t>& release) {
  size_t n = release.size();
  while (n > 0 && release[n - 1] == 0) --n;
  return n;
}

}  // namespace

std::strong_ordering Version::operator<=>(const Version& other) const {
  const Huge* ha = huge_.get();
  const Huge* hb = other.huge_.get();
  if (auto c = CompareNumber(epoch_, ha ? ha->epoch : kNoDigits, other.epoch_,
                             hb ? hb->epoch : kNoDigits);
      c != 0) {
    return c;
  }
  size_t la = TrimmedReleaseSize(release_);
  size_t lb = TrimmedReleaseSize(other.release_);
  for (size_t i = 0; i < std::min(la, lb); ++i) {
    if (auto c = CompareNumber(release_[i], ha ? ha->release[i] : kNoDigits, other.release_[i],
                               hb ? hb->release[i] : kNoDigits);
        c != 0) {
      return c;
    }
  }
  if (la != lb) return la <=> lb;

  auto suffix = [](const Version& v) {
    const Huge* h = v.huge_.get();
    SuffixKey k{};
    if (v.pre_) {
      k.pre_rank = static_cast<int>(v.pre_->first);  // a=0, b=1, rc=2
      k.pre_n = v.pre_->second;
      k.pre_big = h ? std::string_view(h->pre) : kNoDigits;
    } else if (!v.post_ && v.dev_) {
      k.pre_rank = -1;  // dev-only releases sort before every pre-release
    } else {
      k.pre_rank = 3;  // no pre-release: after rc
    }
    if (v.post_) {
      k.post_rank = 1;
      k.post_n = *v.post_;
      k.post_big = h ? std::string_view(h->post) : kNoDigits;
    }
    if (v.dev_) {
      k.dev_rank = 0;
      k.dev_n = *v.dev_;
      k.dev_big = h ? std::string_view(h->dev) : kNoDigits;
    } else {
      k.dev_rank = 1;
    }
    return k;
  };
  if (auto c = CompareSuffix(suffix(*this), suffix(other)); c != 0) return c;

  // Local labels: none sorts first; then segment-wise, strings before numbers.
  if (local_.empty() || other.local_.empty()) return !local_.empty() <=> !other.local_.empty();
  for (size_t i = 0; i < std::min(local_.size(), other.local_.size()); ++i) {
    const LocalSegment& a = local_[i];
    const LocalSegment& b = other.local_[i];
    const auto* as = std::get_if<std::string>(&a);
    const auto* bs = std::get_if<std::string>(&b);
    if (as && bs) {
      if (int c = as->compare(*bs); c != 0) {
        return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
      }
    } else if (as || bs) {
      return as ? std::strong_ordering::less : std::strong_ordering::greater;
    } else if (auto c = CompareNumber(std::get<uint64_t>(a), ha ? ha->local[i] : kNoDigits,
                                      std::get<uint64_t>(b), hb ? hb->local[i] : kNoDigits);
               c != 0) {
      return c;
    }
  }
  return local_.size() <=> other.local_.size();
}

size_t Version::Hash() const {
  const Huge* h = huge_.get();
  size_t seed = HashNumber(epoch_, h ? h->epoch : kNoDigits);
  size_t n = TrimmedReleaseSize(release_);
  for (size_t i = 0; i < n; ++i)
    HashCombine(seed, HashNumber(release_[i], h ? h->release[i] : kNoDigits));
  HashCombine(seed, n);
  if (pre_) {
    HashCombine(seed, static_cast<size_t>(pre_->first) + 1);
    HashCombine(seed, HashNumber(pre_->second, h ? h->pre : kNoDigits));
  }
  if (post_) HashCombine(seed, HashNumber(*post_, h ? h->post : kNoDigits) + 7);
  if (dev_) HashCombine(seed, HashNumber(*dev_, h ? h->dev : kNoDigits) + 13);
  for (size_t i = 0; i < local_.size(); ++i) {
    if (const auto* s = std::get_if<std::string>(&local_[i])) {
      HashCombine(seed, std::hash<std::string>()(*s));
    } else {
      HashCombine(seed, HashNumber(std::get<uint64_t>(local_[i]), h ? h->local[i] : kNoDigits));
    }
  }
  return seed;
}

std::string CanonicalizeVersion(const Version& v, bool strip_trailing_zero) {
  std::string text = v.ToString();
  if (!strip_trailing_zero) return text;
  size_t keep = std::max<size_t>(1, TrimmedReleaseSize(v.release()));
  if (keep == v.release().size()) return text;
  size_t begin = v.epoch() != 0 ? text.find('!') + 1 : 0;
  std::string out = text.substr(0, begin);
  size_t end = begin;
  for (size_t i = 0; i < v.release().size(); ++i) {
    std::string segment = v.ReleaseText(i);
    end += segment.size() + (i ? 1 : 0);
    if (i < keep) out += (i ? "." : "") + segment;
  }
  return out + text.substr(end);
}

std::string CanonicalizeVersion(std::string_view text, bool strip_trailing_zero) {
  auto v = Version::Parse(text);
  return v.ok() ? CanonicalizeVersion(*v, strip_trailing_zero) : std::string(text);
}

}  // namespace sparkenv::spec
