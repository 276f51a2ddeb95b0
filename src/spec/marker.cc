#include "spec/marker.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <set>

#include "base/strings.h"
#include "spec/name.h"
#include "spec/specifier.h"

namespace sparkenv::spec {
namespace {

// Parentheses nest at most this deep. Python packaging is bounded by the
// interpreter's recursion limit; a fixed bound keeps the parser's stack small
// for any input.
constexpr int kMaxNesting = 100;

bool WordAt(std::string_view s, size_t pos) { return detail::IsWordCharAt(s, pos); }
bool WordBefore(std::string_view s, size_t pos) { return detail::IsWordCharBefore(s, pos); }

// Python's \w for one non-ASCII code point (str.isalnum()), approximated
// without Unicode tables: blanks and the common punctuation and symbol
// blocks are not word characters, letters of every script are.
bool IsNonAsciiWordCodePoint(uint32_t cp) {
  if (cp < 0xC0) {
    return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
           (cp >= 0xBC && cp <= 0xBE);
  }
  if (cp == 0xD7 || cp == 0xF7) {
    return false;
  }
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x206F)) {
    return false;  // spaces, General Punctuation
  }
  if (cp >= 0x2190 && cp <= 0x2BFF) {
    return false;  // arrows, math, symbols
  }
  if ((cp >= 0x3000 && cp <= 0x3004) || (cp >= 0x3008 && cp <= 0x3020) || cp == 0x3030 ||
      (cp >= 0x303D && cp <= 0x303F)) {
    return false;  // CJK punctuation
  }
  if (cp == 0xFEFF || (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
      (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65)) {
    return false;  // fullwidth punctuation
  }
  return true;
}

// Decodes the UTF-8 character starting at s[pos] (s is valid UTF-8).
uint32_t CodePointAt(std::string_view s, size_t pos) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  size_t n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k <= n && pos + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[pos + k]) & 0x3F);
  }
  return cp;
}

bool IsWordCodePoint(uint32_t cp) {
  if (cp < 0x80) {
    return IsAsciiAlnum(static_cast<char>(cp)) || cp == '_';
  }
  return IsNonAsciiWordCodePoint(cp);
}

// `\bword\b` at pos (word starts and ends with a word character).
bool MatchKeyword(std::string_view s, size_t pos, std::string_view word) {
  return s.substr(pos, word.size()) == word && !WordBefore(s, pos) && !WordAt(s, pos + word.size());
}

size_t MatchWs(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && (s[pos + n] == ' ' || s[pos + n] == '\t')) {
    ++n;
  }
  return n;
}

// The variable spellings packaging 26.3 accepts, and their canonical names.
struct VariableSpelling {
  std::string_view spelling;
  std::string_view canonical;
};
constexpr std::array<VariableSpelling, 20> kVariables = {{
    {"python_version", "python_version"},
    {"python_full_version", "python_full_version"},
    {"os_name", "os_name"},
    {"os.name", "os_name"},
    {"sys_platform", "sys_platform"},
    {"sys.platform", "sys_platform"},
    {"platform_release", "platform_release"},
    {"platform_system", "platform_system"},
    {"platform_version", "platform_version"},
    {"platform.version", "platform_version"},
    {"platform_machine", "platform_machine"},
    {"platform.machine", "platform_machine"},
    {"platform_python_implementation", "platform_python_implementation"},
    {"platform.python_implementation", "platform_python_implementation"},
    {"python_implementation", "platform_python_implementation"},
    {"implementation_name", "implementation_name"},
    {"implementation_version", "implementation_version"},
    {"extra", "extra"},
    {"extras", "extras"},
    {"dependency_groups", "dependency_groups"},
}};

// "Version" and "Version | String" fields of the specification (packaging
// 26.3 leaves out platform_version, which the 2026 text added).
bool IsVersionVariable(std::string_view v) {
  return v == "python_version" || v == "python_full_version" || v == "implementation_version" ||
         v == "platform_release" || v == "platform_version";
}
bool IsSetVariable(std::string_view v) { return v == "extras" || v == "dependency_groups"; }

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The value of a quoted token ('...' or "..." including the quotes), read as
// a Python string literal the way packaging's ast.literal_eval does: escapes
// are resolved, a raw line break or NUL is an error. \N{...} and escapes
// producing surrogates are rejected (no Unicode name table; not UTF-8).
std::optional<std::string> DecodePythonString(std::string_view token) {
  std::string_view body = token.substr(1, token.size() - 2);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\n' || c == '\r' || c == '\0') {
      return std::nullopt;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) {
      return std::nullopt;  // escapes the closing quote
    }
    char e = body[i];
    switch (e) {
      case '\n':
        break;  // line continuation
      case '\r':
        if (i + 1 < body.size() && body[i + 1] == '\n') {
          ++i;
        }
        break;
      case '\\':
      case '\'':
      case '"':
        out += e;
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t k = 0; k < digits; ++k) {
          if (i + 1 >= body.size()) {
            return std::nullopt;
          }
          int h = HexValue(body[++i]);
          if (h < 0) {
            return std::nullopt;
          }
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return std::nullopt;
        }
        AppendUtf8(&out, cp);
        break;
      }
      case 'N':
        return std::nullopt;
      default:
        if (e >= '0' && e <= '7') {
          uint32_t cp = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7';
               ++k) {
            cp = cp * 8 + static_cast<uint32_t>(body[++i] - '0');
          }
          AppendUtf8(&out, cp);
        } else {
          // Unknown escapes stay as written (Python warns but keeps them).
          out += '\\';
          --i;  // re-read e as an ordinary character
        }
        break;
    }
  }
  return out;
}

}  // namespace

bool detail::ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

namespace {

// Recursive-descent parser over one source string; mirrors the grammar of
// packaging's _parser.py so that valid/invalid inputs and error positions
// agree.
class Parser {
 public:
  Parser(std::string_view source, size_t pos, detail::SyntaxError* error)
      : s_(source), pos_(pos), error_(error) {}

  size_t pos() const { return pos_; }

  // marker = marker_atom (BOOLOP marker_atom)*
  bool ParseMarker(MarkerNode* out, int depth) {
    out->is_group = true;
    out->atoms.emplace_back();
    if (!ParseAtom(&out->atoms.back(), depth)) {
      return false;
    }
    for (;;) {
      MarkerBoolOp op;
      if (MatchKeyword(s_, pos_, "and")) {
        op = MarkerBoolOp::kAnd;
        pos_ += 3;
      } else if (MatchKeyword(s_, pos_, "or")) {
        op = MarkerBoolOp::kOr;
        pos_ += 2;
      } else {
        return true;
      }
      out->joins.push_back(op);
      out->atoms.emplace_back();
      if (!ParseAtom(&out->atoms.back(), depth)) {
        return false;
      }
    }
  }

 private:
  bool Fail(std::string message, size_t start, size_t end) {
    error_->message = std::move(message);
    error_->start = start;
    error_->end = end;
    return false;
  }
  bool Fail(std::string message) { return Fail(std::move(message), pos_, pos_); }
  void SkipWs() { pos_ += MatchWs(s_, pos_); }

  // marker_atom = WS? '(' WS? marker WS? ')' WS? | WS? marker_item WS?
  bool ParseAtom(MarkerNode* out, int depth) {
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      if (depth >= kMaxNesting) {
        return Fail("parentheses nest deeper than " + std::to_string(kMaxNesting) + " levels");
      }
      size_t open = pos_++;
      SkipWs();
      if (!ParseMarker(out, depth + 1)) {
        return false;
      }
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != ')') {
        return Fail("expected ')' after the marker expression (to match the '(' at position " +
                        std::to_string(detail::CharOffset(s_, open)) + ")",
                    open, pos_);
      }
      ++pos_;
    } else {
      out->is_group = false;
      if (!ParseItem(&out->comparison)) {
        return false;
      }
    }
    SkipWs();
    return true;
  }

  // marker_item = WS? marker_var WS? marker_op WS? marker_var WS?
  bool ParseItem(MarkerComparison* out) {
    SkipWs();
    if (!ParseVar(&out->lhs)) {
      return false;
    }
    SkipWs();
    if (!ParseOp(&out->op)) {
      return false;
    }
    SkipWs();
    if (!ParseVar(&out->rhs)) {
      return false;
    }
    SkipWs();
    return true;
  }

  // marker_var = VARIABLE | QUOTED_STRING
  bool ParseVar(MarkerOperand* out) {
    for (const VariableSpelling& v : kVariables) {
      if (MatchKeyword(s_, pos_, v.spelling)) {
        out->is_variable = true;
        out->text = std::string(v.canonical);
        pos_ += v.spelling.size();
        return true;
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
      size_t close = s_.find(s_[pos_], pos_ + 1);
      if (close != std::string_view::npos) {
        std::string_view token = s_.substr(pos_, close + 1 - pos_);
        std::optional<std::string> value = DecodePythonString(token);
        if (!value) {
          return Fail("invalid quoted string " + Quote(token), pos_, close + 1);
        }
        if (value->find('"') != std::string::npos && value->find('\'') != std::string::npos) {
          // packaging parses this but cannot print it; we refuse it up front
          // so that every Marker prints and round-trips.
          return Fail("a quoted string cannot hold both ' and \" " + Quote(token), pos_, close + 1);
        }
        out->is_variable = false;
        out->text = std::move(*value);
        pos_ = close + 1;
        return true;
      }
    }
    return Fail("expected a marker variable or quoted string");
  }

  // marker_op = IN | NOT WS IN | OP
  bool ParseOp(MarkerOp* out) {
    if (MatchKeyword(s_, pos_, "in")) {
      pos_ += 2;
      *out = MarkerOp::kIn;
      return true;
    }
    if (MatchKeyword(s_, pos_, "not")) {
      pos_ += 3;
      size_t ws = MatchWs(s_, pos_);
      if (ws == 0) {
        return Fail("expected whitespace after 'not'");
      }
      pos_ += ws;
      if (!MatchKeyword(s_, pos_, "in")) {
        return Fail("expected 'in' after 'not'");
      }
      pos_ += 2;
      *out = MarkerOp::kNotIn;
      return true;
    }
    static constexpr std::array<std::pair<std::string_view, MarkerOp>, 8> kOps = {{
        {"===", MarkerOp::kArbitrary},
        {"==", MarkerOp::kEqual},
        {"~=", MarkerOp::kCompatible},
        {"!=", MarkerOp::kNotEqual},
        {"<=", MarkerOp::kLessEqual},
        {">=", MarkerOp::kGreaterEqual},
        {"<", MarkerOp::kLess},
        {">", MarkerOp::kGreater},
    }};
    for (const auto& [text, op] : kOps) {
      if (s_.substr(pos_, text.size()) == text) {
        pos_ += text.size();
        *out = op;
        return true;
      }
    }
    return Fail("expected a marker operator (one of <=, <, !=, ==, >=, >, ~=, ===, in, not in)");
  }

  std::string_view s_;
  size_t pos_;
  detail::SyntaxError* error_;
};

// PEP 685: the values compared with extra/extras/dependency_groups are
// normalized when parsed, so that printing and equality agree with
// evaluation (as packaging does).
void NormalizeExtraValues(MarkerNode* node) {
  if (node->is_group) {
    for (MarkerNode& atom : node->atoms) {
      NormalizeExtraValues(&atom);
    }
    return;
  }
  MarkerComparison& c = node->comparison;
  if (c.lhs.is_variable && c.lhs.text == "extra" && !c.rhs.is_variable) {
    c.rhs.text = NormalizeName(c.rhs.text);
  } else if (c.rhs.is_variable && (c.rhs.text == "extra" || IsSetVariable(c.rhs.text)) &&
             !c.lhs.is_variable) {
    c.lhs.text = NormalizeName(c.lhs.text);
  }
}

// Like packaging: "value", or 'value' when the value holds a double quote.
// packaging prints the value raw even when that does not read back (a
// backslash escape, a line break); we then escape it, so Parse(ToString())
// always gives the same value.
std::string SerializeOperand(const MarkerOperand& o) {
  if (o.is_variable) {
    return o.text;
  }
  const char q = o.text.find('"') == std::string::npos ? '"' : '\'';
  std::string raw = q + o.text + q;
  if (DecodePythonString(raw) == o.text) {
    return raw;
  }
  std::string escaped(1, q);
  for (char c : o.text) {
    switch (c) {
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\r':
        escaped += "\\r";
        break;
      case '\0':
        escaped += "\\x00";
        break;
      default:
        escaped += c;
    }
  }
  return escaped + q;
}

// Mirrors packaging's _format_marker: a group of one atom is unwrapped
// keeping its context; nested groups get parentheses.
void Format(const MarkerNode& node, bool first, std::string* out) {
  if (!node.is_group) {
    const MarkerComparison& c = node.comparison;
    *out += SerializeOperand(c.lhs);
    *out += ' ';
    *out += MarkerOpToString(c.op);
    *out += ' ';
    *out += SerializeOperand(c.rhs);
    return;
  }
  if (node.atoms.size() == 1) {
    Format(node.atoms[0], first, out);
    return;
  }
  if (!first) {
    *out += '(';
  }
  for (size_t i = 0; i < node.atoms.size(); ++i) {
    if (i > 0) {
      *out += node.joins[i - 1] == MarkerBoolOp::kAnd ? " and " : " or ";
    }
    Format(node.atoms[i], false, out);
  }
  if (!first) {
    *out += ')';
  }
}

// What the set-valued and extra variables stand for during one evaluation.
struct EvalContext {
  const MarkerEnvironment* env;
  bool lock_file;
  std::set<std::string> extras;             // normalized
  std::set<std::string> dependency_groups;  // normalized
};

Error UndefinedComparison(const MarkerComparison& c, std::string_view lhs, std::string_view rhs) {
  return Error("undefined comparison " + Quote(lhs) + " " + std::string(MarkerOpToString(c.op)) +
               " " + Quote(rhs) + ": " + std::string(MarkerOpToString(c.op)) +
               " needs PEP 440 versions on both sides");
}

// Applies `op` to two strings (packaging's _eval_op for scalar values).
Result<bool> CompareValues(const MarkerComparison& c, std::string_view key, std::string_view lhs,
                           std::string_view rhs) {
  if (IsVersionVariable(key)) {
    Result<Specifier> spec =
        Specifier::Parse(std::string(MarkerOpToString(c.op)) + std::string(rhs));
    if (spec.ok()) {
      return spec->Contains(lhs, PreReleases::kInclude);
    }
  }
  switch (c.op) {
    case MarkerOp::kIn:
      return rhs.find(lhs) != std::string_view::npos;
    case MarkerOp::kNotIn:
      return rhs.find(lhs) == std::string_view::npos;
    case MarkerOp::kLess:
    case MarkerOp::kGreater:
      return false;
    case MarkerOp::kEqual:
    case MarkerOp::kLessEqual:
    case MarkerOp::kGreaterEqual:
      return lhs == rhs;
    case MarkerOp::kNotEqual:
      return lhs != rhs;
    case MarkerOp::kCompatible:
    case MarkerOp::kArbitrary:
      break;
  }
  return UndefinedComparison(c, lhs, rhs);
}

Error Undefined(std::string_view variable) {
  return Error("marker variable " + Quote(variable) + " is not defined in the target environment",
               ErrorKind::kInvalidInput);
}

Result<bool> EvalComparison(const MarkerComparison& c, const EvalContext& ctx) {
  // Exactly one side is resolved from the environment: the left one when it
  // is a variable, else the right one (as packaging does).
  const bool left_is_key = c.lhs.is_variable;
  const std::string& key = left_is_key ? c.lhs.text : c.rhs.text;
  const MarkerOperand& other = left_is_key ? c.rhs : c.lhs;

  if (key == "extra") {
    if (ctx.lock_file) {
      return Undefined(key);
    }
    // `extra` stands for the set of requested extras: == is membership, !=
    // its negation; the specification leaves every other operator
    // undefined and asks installers to evaluate it as false.
    if (!other.is_variable) {
      bool member = ctx.extras.count(NormalizeName(other.text)) > 0;
      if (c.op == MarkerOp::kEqual) {
        return member;
      }
      if (c.op == MarkerOp::kNotEqual) {
        return !member;
      }
      return false;
    }
  }
  if (IsSetVariable(key)) {
    if (!ctx.lock_file) {
      return Undefined(key);
    }
    if (left_is_key || other.is_variable) {
      return Error("set-valued marker variable " + Quote(key) +
                   " can only be used as '\"<name>\" in " + key + "' or '\"<name>\" not in " + key +
                   "'");
    }
    const std::set<std::string>& set = key == "extras" ? ctx.extras : ctx.dependency_groups;
    bool member = set.count(NormalizeName(c.lhs.text)) > 0;
    switch (c.op) {
      case MarkerOp::kIn:
        return member;
      case MarkerOp::kNotIn:
        return !member;
      case MarkerOp::kNotEqual:
        return true;  // a string never equals a set
      case MarkerOp::kCompatible:
      case MarkerOp::kArbitrary:
        return UndefinedComparison(c, c.lhs.text, key);
      default:
        return false;
    }
  }

  auto lookup = [&](const std::string& name) -> Result<std::string> {
    if (name == "extra" || IsSetVariable(name)) {
      return Error("marker variable " + Quote(name) + " can only be compared with a quoted string");
    }
    auto it = ctx.env->find(name);
    if (it == ctx.env->end()) {
      return Undefined(name);
    }
    std::string value = it->second;
    // packaging repairs python_full_version of untagged CPython builds ("3.11.1+").
    if (name == "python_full_version" && EndsWith(value, "+")) {
      value += "local";
    }
    return value;
  };
  Result<std::string> key_value = lookup(key);
  if (!key_value.ok()) {
    return key_value.error();
  }
  std::string other_value = other.text;
  if (other.is_variable) {
    Result<std::string> v = lookup(other.text);
    if (!v.ok()) {
      return v.error();
    }
    other_value = *v;
  }
  return left_is_key ? CompareValues(c, key, *key_value, other_value)
                     : CompareValues(c, key, other_value, *key_value);
}

// Every comparison is evaluated (no short-circuit), as in packaging, so an
// undefined variable is reported whatever the other values are.
Result<bool> EvalNode(const MarkerNode& node, const EvalContext& ctx) {
  if (!node.is_group) {
    return EvalComparison(node.comparison, ctx);
  }
  bool any_group = false;
  bool all_in_group = true;
  for (size_t i = 0; i < node.atoms.size(); ++i) {
    if (i > 0 && node.joins[i - 1] == MarkerBoolOp::kOr) {
      any_group = any_group || all_in_group;
      all_in_group = true;
    }
    Result<bool> r = EvalNode(node.atoms[i], ctx);
    if (!r.ok()) {
      return r;
    }
    all_in_group = all_in_group && *r;
  }
  return any_group || all_in_group;
}

std::set<std::string> NormalizedSet(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const std::string& n : names) {
    out.insert(NormalizeName(n));
  }
  return out;
}

}  // namespace

std::string_view MarkerOpToString(MarkerOp op) {
  switch (op) {
    case MarkerOp::kEqual:
      return "==";
    case MarkerOp::kNotEqual:
      return "!=";
    case MarkerOp::kLess:
      return "<";
    case MarkerOp::kLessEqual:
      return "<=";
    case MarkerOp::kGreater:
      return ">";
    case MarkerOp::kGreaterEqual:
      return ">=";
    case MarkerOp::kCompatible:
      return "~=";
    case MarkerOp::kArbitrary:
      return "===";
    case MarkerOp::kIn:
      return "in";
    case MarkerOp::kNotIn:
      return "not in";
  }
  return "==";
}

namespace detail {

Marker MakeMarker(std::shared_ptr<const MarkerNode> root) { return Marker(std::move(root)); }

bool IsWordCharAt(std::string_view s, size_t pos) {
  return pos < s.size() && IsWordCodePoint(CodePointAt(s, pos));
}

bool IsWordCharBefore(std::string_view s, size_t pos) {
  if (pos == 0 || pos > s.size()) {
    return false;
  }
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  return IsWordCodePoint(CodePointAt(s, start));
}

size_t CharOffset(std::string_view source, size_t pos) {
  size_t n = 0;
  for (size_t i = 0; i < pos && i < source.size(); ++i) {
    if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

Error MakeSyntaxError(std::string_view what, std::string_view source, const SyntaxError& e) {
  return Error("invalid " + std::string(what) + " " + Quote(source) + ": " + e.message +
               " at position " + std::to_string(CharOffset(source, e.end)));
}

std::shared_ptr<const MarkerNode> ParseMarkerAt(std::string_view source, size_t* pos,
                                                SyntaxError* error) {
  if (!ValidUtf8(source)) {
    *error = SyntaxError{"not valid UTF-8", 0, 0};
    return nullptr;
  }
  auto root = std::make_shared<MarkerNode>();
  Parser parser(source, *pos, error);
  if (!parser.ParseMarker(root.get(), 0)) {
    return nullptr;
  }
  *pos = parser.pos();
  NormalizeExtraValues(root.get());
  return root;
}

}  // namespace detail

Result<Marker> Marker::Parse(std::string_view text) {
  size_t pos = 0;
  detail::SyntaxError error;
  std::shared_ptr<const MarkerNode> root = detail::ParseMarkerAt(text, &pos, &error);
  if (root && pos != text.size()) {
    error = detail::SyntaxError{"expected 'and', 'or' or the end of the marker", pos, pos};
    root = nullptr;
  }
  if (!root) {
    return detail::MakeSyntaxError("marker", text, error);
  }
  return Marker(std::move(root));
}

std::string Marker::ToString() const {
  std::string out;
  Format(*root_, true, &out);
  return out;
}

Result<bool> Marker::Evaluate(const MarkerEnvironment& env,
                              const std::vector<std::string>& extras) const {
  EvalContext ctx{&env, false, NormalizedSet(extras), {}};
  Result<bool> r = EvalNode(*root_, ctx);
  if (!r.ok()) {
    return r.error().Wrap("cannot evaluate marker " + Quote(ToString()));
  }
  return r;
}

Result<bool> Marker::EvaluateForLockFile(const MarkerEnvironment& env,
                                         const std::vector<std::string>& extras,
                                         const std::vector<std::string>& dependency_groups) const {
  EvalContext ctx{&env, true, NormalizedSet(extras), NormalizedSet(dependency_groups)};
  Result<bool> r = EvalNode(*root_, ctx);
  if (!r.ok()) {
    return r.error().Wrap("cannot evaluate marker " + Quote(ToString()));
  }
  return r;
}

Marker Marker::And(const Marker& other) const {
  auto root = std::make_shared<MarkerNode>();
  root->is_group = true;
  root->atoms = {*root_, other.root()};
  root->joins = {MarkerBoolOp::kAnd};
  return Marker(std::move(root));
}

Marker Marker::Or(const Marker& other) const {
  auto root = std::make_shared<MarkerNode>();
  root->is_group = true;
  root->atoms = {*root_, other.root()};
  root->joins = {MarkerBoolOp::kOr};
  return Marker(std::move(root));
}

}  // namespace sparkenv::spec
