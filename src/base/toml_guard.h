// Including toml++ (3.3, the Debian package) safely for untrusted input.
// Shared by every module that reads TOML (lock, inputs); include it instead
// of <toml++/toml.h>, in .cc files only.
//
// 1. No exceptions: toml::parse() returns a parse_result.
// 2. toml++'s internal assertions are off. It asserts, and in clang release
//    builds tells the optimizer to assume, things that malformed input
//    breaks (a "[+x]" table header, found by pylock_fuzz); with them off the
//    parser reports its own error. NDEBUG is lifted around the include so
//    that TOML_ASSERT_ASSUME uses the no-op TOML_ASSERT instead of
//    __builtin_assume; <cassert> is included again to restore assert().
// 3. TOML_UNREACHABLE aborts instead of being __builtin_unreachable().
// 4. toml++'s is_non_ascii_horizontal_whitespace() reaches "unreachable"
//    for U+00A1..U+0499, U+2C5E..U+3057 (but U+3000) and U+FB26..U+FEFE
//    (the zero bits of its table mask, computed exhaustively), which it
//    checks in keys, between tokens and in multi-line strings (found by
//    pylock_fuzz and pyproject_fuzz).
//    TomlEscapeInput() moves those code points to plane 15 (U+F0000 + c)
//    before parsing, where the function answers without reaching it; they
//    are invalid outside strings and comments either way, so parsing is
//    unchanged. TomlText() maps every string read back. Input that already
//    holds one of the shifted code points (U+F00A1.., plane 15 private use)
//    is refused.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

#define TOML_EXCEPTIONS 0                       // NOLINT(cppcoreguidelines-macro-usage)
#define TOML_ASSERT(expr) static_cast<void>(0)  // NOLINT(cppcoreguidelines-macro-usage)
#pragma push_macro("NDEBUG")
#undef NDEBUG
#include <toml++/impl/preprocessor.h>  // IWYU pragma: keep
#undef TOML_UNREACHABLE
#define TOML_UNREACHABLE std::abort()  // NOLINT(cppcoreguidelines-macro-usage)
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")
#include <cassert>  // NOLINT(readability-duplicate-include)

namespace sparkenv::toml_guard {

constexpr uint32_t kShift = 0xF0000;

inline bool NeedsShift(uint32_t c) {
  return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) ||
         (c >= 0xFB26 && c <= 0xFEFE);
}

// Decodes one UTF-8 sequence at `i`; nullopt when not well-formed (then
// the byte is copied and toml++ reports the bad UTF-8 itself).
inline std::optional<uint32_t> DecodeAt(std::string_view s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return std::nullopt;
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t j = 1; j < n; ++j) {
    unsigned char cc = static_cast<unsigned char>(s[i + j]);
    if ((cc >> 6) != 0x2) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3f);
  }
  *len = n;
  return cp;
}

inline void Encode(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xc0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xe0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// The text to hand to toml::parse(), or nullopt when it holds a code point
// that a shifted one would collide with (plane 15 private use; refused).
inline std::optional<std::string> TomlEscapeInput(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    std::optional<uint32_t> cp = DecodeAt(s, i, &len);
    if (!cp) {
      out += s[i++];
      continue;
    }
    if (*cp >= kShift && NeedsShift(*cp - kShift)) return std::nullopt;
    if (NeedsShift(*cp)) {
      Encode(kShift + *cp, &out);
    } else {
      out.append(s, i, len);
    }
    i += len;
  }
  return out;
}

// A string (or key, or message) from toml++ with the shift undone.
inline std::string TomlText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    std::optional<uint32_t> cp = DecodeAt(s, i, &len);
    if (cp && *cp >= kShift && NeedsShift(*cp - kShift)) {
      Encode(*cp - kShift, &out);
    } else {
      out.append(s, i, len);
    }
    i += len;
  }
  return out;
}

// "a string", "an integer", ...: a TOML value's type, for error messages.
inline const char* TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "nothing";
  }
}

// Parses untrusted TOML text; errors read "SOURCE:LINE:COLUMN: invalid TOML: ...".
inline Result<toml::table> Parse(std::string_view text, std::string_view source) {
  std::optional<std::string> escaped = TomlEscapeInput(text);
  if (!escaped) {
    return Error(std::string(source) +
                 ": invalid TOML: private-use code points of plane 15 are not supported");
  }
  toml::parse_result parsed = toml::parse(*escaped, source);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return Error(std::string(source) + ":" + std::to_string(e.source().begin.line) + ":" +
                 std::to_string(e.source().begin.column) +
                 ": invalid TOML: " + TomlText(e.description()));
  }
  return std::move(parsed).table();
}

}  // namespace sparkenv::toml_guard
