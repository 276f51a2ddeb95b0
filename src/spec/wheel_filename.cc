#include "spec/wheel_filename.h"

#include "base/strings.h"
#include "spec/name.h"
#include "spec/target.h"

namespace sparkenv::spec {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] (a non-ASCII byte), or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  size_t n = 0;
  uint32_t cp = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

// PEP 427's escaped name: word characters, '.' and '_' (packaging accepts
// Python's Unicode \w; here any well-formed non-ASCII UTF-8 character).
bool IsWheelName(std::string_view name) {
  if (name.empty() || name.find("__") != std::string_view::npos) return false;
  for (size_t i = 0; i < name.size();) {
    char c = name[i];
    if (IsAsciiAlnum(c) || c == '_' || c == '.') {
      ++i;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      size_t n = Utf8SequenceLength(name, i);
      if (n == 0) return false;
      i += n;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<WheelFilename> WheelFilename::Parse(std::string_view filename, bool validate_order) {
  // Built only for an error (a page lists thousands of valid names).
  auto where = [filename] { return "invalid wheel filename " + Quote(filename) + ": "; };
  auto context = [filename] { return "invalid wheel filename " + Quote(filename); };
  if (!EndsWith(filename, ".whl")) return Error(where() + "the extension must be '.whl'");
  std::string_view stem = filename.substr(0, filename.size() - 4);

  // Views into `filename`: nothing is copied before the parts are valid.
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t dash = stem.find('-', start);
    parts.push_back(stem.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() != 5 && parts.size() != 6) {
    return Error(where() +
                 "expected NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl, which has 5 or 6 "
                 "'-'-separated parts, not " +
                 std::to_string(parts.size()));
  }
  std::string_view name_part = parts[0];
  if (name_part.empty()) return Error(where() + "the project name is empty");
  if (!IsWheelName(name_part)) {
    return Error(where() + "the project name " + Quote(name_part) +
                 " may hold only letters, digits, '_' and '.', and no '__' (binary distribution "
                 "format)");
  }

  auto version = Version::Parse(parts[1]);
  if (!version) return version.error().Wrap(context());

  std::optional<BuildTag> build;
  if (parts.size() == 6) {
    std::string_view text = parts[2];
    size_t digits = 0;
    while (digits < text.size() && IsAsciiDigit(text[digits])) ++digits;
    if (digits == 0) {
      return Error(where() + "the build tag " + Quote(text) + " must start with a digit");
    }
    BuildTag tag;
    for (size_t i = 0; i < digits; ++i) {
      uint64_t d = static_cast<uint64_t>(text[i] - '0');
      if (tag.number > (UINT64_MAX - d) / 10) {
        return Error(where() + "the build number in " + Quote(text) + " is too large");
      }
      tag.number = tag.number * 10 + d;
    }
    tag.suffix = std::string(text.substr(digits));
    build = std::move(tag);
  }

  const size_t t = parts.size() - 3;
  // The last three parts, as written: the rest of the stem from parts[t].
  const std::string_view tag_text = stem.substr(static_cast<size_t>(parts[t].data() - stem.data()));
  auto tags = Tag::ParseSet(tag_text, validate_order);
  if (!tags) return tags.error().Wrap(context());

  return WheelFilename(std::string(filename), NormalizeName(name_part), std::move(*version),
                       std::move(build), std::move(*tags));
}

std::optional<size_t> WheelFilename::Rank(const Target& target) const {
  return Rank(target.ranked_tags());
}

Result<SdistFilename> SdistFilename::Parse(std::string_view filename) {
  auto where = [filename] { return "invalid sdist filename " + Quote(filename); };
  std::string_view stem;
  SdistFormat format;
  if (EndsWith(filename, ".tar.gz")) {
    stem = filename.substr(0, filename.size() - 7);
    format = SdistFormat::kTarGz;
  } else if (EndsWith(filename, ".zip")) {
    stem = filename.substr(0, filename.size() - 4);
    format = SdistFormat::kZip;
  } else {
    return Error(where() + ": the extension must be '.tar.gz' or '.zip'");
  }
  size_t dash = stem.rfind('-');
  if (dash == std::string_view::npos) {
    return Error(where() + ": expected NAME-VERSION.tar.gz or NAME-VERSION.zip (no '-' found)");
  }
  if (dash == 0) return Error(where() + ": the project name is empty");
  auto version = Version::Parse(stem.substr(dash + 1));
  if (!version) return version.error().Wrap(where());
  return SdistFilename(std::string(filename), NormalizeName(stem.substr(0, dash)),
                       std::move(*version), format);
}

}  // namespace sparkenv::spec
