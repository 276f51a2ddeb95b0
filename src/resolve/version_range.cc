#include "resolve/version_range.h"

#include <algorithm>

namespace sparkenv::resolve {
namespace {

using spec::Version;

// Orders lower bounds: -inf first; at the same version an inclusive bound
// starts earlier than an exclusive one.
bool LowerLess(const Bound& a, const Bound& b) {
  if (!a.version) return b.version.has_value();
  if (!b.version) return false;
  if (*a.version != *b.version) return *a.version < *b.version;
  return a.inclusive && !b.inclusive;
}

// Orders upper bounds: +inf last; at the same version an exclusive bound
// ends earlier than an inclusive one.
bool UpperLess(const Bound& a, const Bound& b) {
  if (!a.version) return false;
  if (!b.version) return true;
  if (*a.version != *b.version) return *a.version < *b.version;
  return !a.inclusive && b.inclusive;
}

bool IntervalEmpty(const Interval& i) {
  if (!i.lower.version || !i.upper.version) return false;
  if (*i.lower.version != *i.upper.version) return *i.lower.version > *i.upper.version;
  return !(i.lower.inclusive && i.upper.inclusive);
}

// True when the interval ending at `upper` and the one starting at `lower`
// overlap or touch, so their union is one interval.
bool Touches(const Bound& upper, const Bound& lower) {
  if (!upper.version || !lower.version) return true;
  if (*lower.version != *upper.version) return *lower.version < *upper.version;
  return upper.inclusive || lower.inclusive;
}

bool BelowLower(const Version& v, const Bound& lower) {
  if (!lower.version) return false;
  return lower.inclusive ? v < *lower.version : v <= *lower.version;
}

bool AboveUpper(const Version& v, const Bound& upper) {
  if (!upper.version) return false;
  return upper.inclusive ? v > *upper.version : v >= *upper.version;
}

Bound Flip(const Bound& b) { return Bound{b.version, !b.inclusive}; }

bool EmptyBetween(const Bound& lower, const Bound& upper) {
  if (!lower.version || !upper.version) return false;
  if (*lower.version != *upper.version) return *lower.version > *upper.version;
  return !(lower.inclusive && upper.inclusive);
}

}  // namespace

bool Bound::operator==(const Bound& other) const {
  if (version.has_value() != other.version.has_value()) return false;
  if (!version) return true;
  return *version == *other.version && inclusive == other.inclusive;
}

VersionRange VersionRange::Full() { return VersionRange({Interval{}}); }

VersionRange VersionRange::Exactly(const Version& v) {
  return VersionRange({Interval{Bound::Inclusive(v), Bound::Inclusive(v)}});
}

VersionRange VersionRange::Between(Bound lower, Bound upper) {
  return Normalize({Interval{std::move(lower), std::move(upper)}});
}

VersionRange VersionRange::Cell(const std::vector<Version>& candidates, size_t index) {
  Bound lower = index == 0 ? Bound::Unbounded() : Bound::Inclusive(candidates[index]);
  Bound upper =
      index + 1 >= candidates.size() ? Bound::Unbounded() : Bound::Exclusive(candidates[index + 1]);
  return VersionRange({Interval{std::move(lower), std::move(upper)}});
}

VersionRange VersionRange::FromCandidates(const std::vector<Version>& candidates,
                                          const spec::SpecifierSet& specifier) {
  if (specifier.empty()) return Full();
  std::vector<Interval> out;
  size_t i = 0;
  while (i < candidates.size()) {
    if (!specifier.Contains(candidates[i], spec::PreReleases::kInclude)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j + 1 < candidates.size() &&
           specifier.Contains(candidates[j + 1], spec::PreReleases::kInclude)) {
      ++j;
    }
    Bound lower = i == 0 ? Bound::Unbounded() : Bound::Inclusive(candidates[i]);
    Bound upper =
        j + 1 >= candidates.size() ? Bound::Unbounded() : Bound::Exclusive(candidates[j + 1]);
    out.push_back(Interval{std::move(lower), std::move(upper)});
    i = j + 1;
  }
  return VersionRange(std::move(out));
}

VersionRange VersionRange::Normalize(std::vector<Interval> intervals) {
  intervals.erase(std::remove_if(intervals.begin(), intervals.end(), IntervalEmpty),
                  intervals.end());
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return LowerLess(a.lower, b.lower); });
  std::vector<Interval> out;
  for (Interval& i : intervals) {
    if (!out.empty() && Touches(out.back().upper, i.lower)) {
      if (UpperLess(out.back().upper, i.upper)) out.back().upper = std::move(i.upper);
      continue;
    }
    out.push_back(std::move(i));
  }
  return VersionRange(std::move(out));
}

bool VersionRange::is_full() const {
  return intervals_.size() == 1 && !intervals_[0].lower.version && !intervals_[0].upper.version;
}

bool VersionRange::Contains(const Version& v) const {
  for (const Interval& i : intervals_) {
    if (BelowLower(v, i.lower)) return false;
    if (!AboveUpper(v, i.upper)) return true;
  }
  return false;
}

bool VersionRange::IsDisjoint(const VersionRange& other) const {
  size_t a = 0;
  size_t b = 0;
  while (a < intervals_.size() && b < other.intervals_.size()) {
    const Interval& x = intervals_[a];
    const Interval& y = other.intervals_[b];
    const Bound& lower = LowerLess(x.lower, y.lower) ? y.lower : x.lower;
    const bool x_ends_first = UpperLess(x.upper, y.upper);
    const Bound& upper = x_ends_first ? x.upper : y.upper;
    if (!EmptyBetween(lower, upper)) return false;
    if (x_ends_first) {
      ++a;
    } else {
      ++b;
    }
  }
  return true;
}

bool VersionRange::IsSubsetOf(const VersionRange& other) const {
  size_t b = 0;
  for (const Interval& x : intervals_) {
    // Intervals of `other` are disjoint and not adjacent, so x must fit in one.
    while (b < other.intervals_.size() && UpperLess(other.intervals_[b].upper, x.upper)) ++b;
    if (b == other.intervals_.size()) return false;
    if (LowerLess(x.lower, other.intervals_[b].lower)) return false;
  }
  return true;
}

VersionRange VersionRange::Intersect(const VersionRange& other) const {
  std::vector<Interval> out;
  size_t a = 0;
  size_t b = 0;
  while (a < intervals_.size() && b < other.intervals_.size()) {
    const Interval& x = intervals_[a];
    const Interval& y = other.intervals_[b];
    Interval both{LowerLess(x.lower, y.lower) ? y.lower : x.lower,
                  UpperLess(x.upper, y.upper) ? x.upper : y.upper};
    if (!IntervalEmpty(both)) out.push_back(std::move(both));
    if (UpperLess(x.upper, y.upper)) {
      ++a;
    } else {
      ++b;
    }
  }
  return VersionRange(std::move(out));
}

VersionRange VersionRange::Union(const VersionRange& other) const {
  std::vector<Interval> all = intervals_;
  all.insert(all.end(), other.intervals_.begin(), other.intervals_.end());
  return Normalize(std::move(all));
}

VersionRange VersionRange::Complement() const {
  std::vector<Interval> out;
  Bound next_lower = Bound::Unbounded();
  bool open = true;  // whether a gap starting at next_lower is pending
  for (const Interval& i : intervals_) {
    if (i.lower.version) out.push_back(Interval{next_lower, Flip(i.lower)});
    if (!i.upper.version) {
      open = false;
      break;
    }
    next_lower = Flip(i.upper);
  }
  if (open) out.push_back(Interval{next_lower, Bound::Unbounded()});
  return Normalize(std::move(out));
}

std::string VersionRange::ToString(const std::vector<Version>* candidates) const {
  if (is_full()) return "*";
  std::string out;
  for (const Interval& i : intervals_) {
    if (!out.empty()) out += " | ";
    if (candidates != nullptr && i.lower.version && i.upper.version) {
      const Version* only = nullptr;
      int count = 0;
      for (const Version& c : *candidates) {
        if (BelowLower(c, i.lower) || AboveUpper(c, i.upper)) continue;
        only = &c;
        if (++count > 1) break;
      }
      if (count == 1) {
        out += "==" + only->ToString();
        continue;
      }
    }
    if (i.lower.version && i.upper.version && *i.lower.version == *i.upper.version) {
      out += "==" + i.lower.version->ToString();
      continue;
    }
    std::string part;
    if (i.lower.version) part += (i.lower.inclusive ? ">=" : ">") + i.lower.version->ToString();
    if (i.upper.version) {
      if (!part.empty()) part += ", ";
      part += (i.upper.inclusive ? "<=" : "<") + i.upper.version->ToString();
    }
    out += part;
  }
  return out;
}

}  // namespace sparkenv::resolve
