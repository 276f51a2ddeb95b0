// Small string helpers shared by every module. ASCII only: the packaging
// standards define their grammars over ASCII, and locale-dependent functions
// (std::tolower, isspace) are avoided on purpose.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sparkenv {

inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }
inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string ToLowerAscii(std::string_view s);
std::string_view TrimAscii(std::string_view s);
bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
// Splits on every occurrence of `sep`; empty pieces are kept.
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// Quotes `s` for an error message: 'abc' (with non-printable bytes escaped).
std::string Quote(std::string_view s);
// An argv or envp for exec and posix_spawn: each string's characters, then a
// null pointer; valid while `strings` lives unchanged.
std::vector<char*> CStrings(const std::vector<std::string>& strings);

}  // namespace sparkenv
