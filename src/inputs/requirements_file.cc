#include "inputs/requirements_file.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "base/strings.h"
#include "spec/name.h"
#include "spec/wheel_filename.h"

namespace sparkenv::inputs {

std::string Origin::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line);
}

namespace {

// Python's str.splitlines() separators, for UTF-8 text: \n, \r, \r\n, \v,
// \f, \x1c, \x1d, \x1e, U+0085, U+2028, U+2029. Returns the length of the
// separator at `pos`, or 0.
size_t LineBreakAt(std::string_view s, size_t pos) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  switch (c) {
    case '\r':
      return (pos + 1 < s.size() && s[pos + 1] == '\n') ? 2 : 1;
    case '\n':
    case '\v':
    case '\f':
    case 0x1c:
    case 0x1d:
    case 0x1e:
      return 1;
    case 0xc2:
      return (pos + 1 < s.size() && static_cast<unsigned char>(s[pos + 1]) == 0x85) ? 2 : 0;
    case 0xe2:
      if (pos + 2 < s.size() && static_cast<unsigned char>(s[pos + 1]) == 0x80) {
        unsigned char c2 = static_cast<unsigned char>(s[pos + 2]);
        if (c2 == 0xa8 || c2 == 0xa9) return 3;
      }
      return 0;
    default:
      return 0;
  }
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> lines;
  size_t start = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t len = LineBreakAt(s, i);
    if (len == 0) {
      ++i;
      continue;
    }
    lines.emplace_back(s.substr(start, i - start));
    i += len;
    start = i;
  }
  if (start < s.size()) lines.emplace_back(s.substr(start));
  return lines;
}

// pip's COMMENT_RE.match: the line starts with optional whitespace and '#'.
bool IsCommentLine(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsAsciiSpace(line[i])) ++i;
  return i < line.size() && line[i] == '#';
}

// pip's COMMENT_RE.sub: drops everything from the first '#' that starts the
// line or follows whitespace.
std::string_view StripComment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || IsAsciiSpace(line[i - 1]))) return line.substr(0, i);
  }
  return line;
}

std::string_view StripBackslashes(std::string_view s) {
  while (!s.empty() && s.front() == '\\') s.remove_prefix(1);
  while (!s.empty() && s.back() == '\\') s.remove_suffix(1);
  return s;
}

bool IsEnvNameChar(char c) { return (c >= 'A' && c <= 'Z') || IsAsciiDigit(c) || c == '_'; }

std::string ExpandVariables(const std::string& line, const Environment& env) {
  // Like pip: every ${NAME} found in the original line whose value is set
  // and not empty is replaced everywhere; others stay as written.
  std::string out = line;
  size_t pos = 0;
  while ((pos = line.find("${", pos)) != std::string::npos) {
    size_t end = pos + 2;
    while (end < line.size() && IsEnvNameChar(line[end])) ++end;
    if (end == pos + 2 || end >= line.size() || line[end] != '}') {
      pos += 2;
      continue;
    }
    std::string token = line.substr(pos, end + 1 - pos);
    std::optional<std::string> value = env.Get(line.substr(pos + 2, end - pos - 2));
    if (value && !value->empty()) {
      std::string replaced;
      size_t from = 0;
      size_t at;
      while ((at = out.find(token, from)) != std::string::npos) {
        replaced.append(out, from, at - from);
        replaced += *value;
        from = at + token.size();
      }
      replaced.append(out, from, std::string::npos);
      out = std::move(replaced);
    }
    pos = end + 1;
  }
  return out;
}

enum class Opt {
  kIndexUrl,
  kExtraIndexUrl,
  kNoIndex,
  kConstraint,
  kRequirement,
  kEditable,
  kFindLinks,
  kNoBinary,
  kOnlyBinary,
  kPreferBinary,
  kRequireHashes,
  kNoRequireHashes,
  kPre,
  kAllReleases,
  kOnlyFinal,
  kTrustedHost,
  kUseFeature,
  kHash,
  kConfigSettings,
  kGlobalOption,
};

struct OptionSpec {
  const char* long_name;
  const char* short_name;  // "" when none
  bool takes_value;
  Opt opt;
};

// pip's SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ.
constexpr OptionSpec kOptions[] = {
    {"--index-url", "-i", true, Opt::kIndexUrl},
    {"--extra-index-url", "", true, Opt::kExtraIndexUrl},
    {"--no-index", "", false, Opt::kNoIndex},
    {"--constraint", "-c", true, Opt::kConstraint},
    {"--requirement", "-r", true, Opt::kRequirement},
    {"--editable", "-e", true, Opt::kEditable},
    {"--find-links", "-f", true, Opt::kFindLinks},
    {"--no-binary", "", true, Opt::kNoBinary},
    {"--only-binary", "", true, Opt::kOnlyBinary},
    {"--prefer-binary", "", false, Opt::kPreferBinary},
    {"--require-hashes", "", false, Opt::kRequireHashes},
    {"--no-require-hashes", "", false, Opt::kNoRequireHashes},
    {"--pre", "", false, Opt::kPre},
    {"--all-releases", "", true, Opt::kAllReleases},
    {"--only-final", "", true, Opt::kOnlyFinal},
    {"--trusted-host", "", true, Opt::kTrustedHost},
    {"--use-feature", "", true, Opt::kUseFeature},
    {"--hash", "", true, Opt::kHash},
    {"--config-settings", "-C", true, Opt::kConfigSettings},
    {"--global-option", "", true, Opt::kGlobalOption},
};

struct ParsedOption {
  const OptionSpec* spec;
  std::string written;  // the option as written, for messages
  std::string value;
};

Result<std::vector<ParsedOption>> ParseOptions(const std::vector<std::string>& words) {
  std::vector<ParsedOption> out;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const OptionSpec* spec = nullptr;
    std::optional<std::string> value;
    std::string written = w;
    if (StartsWith(w, "--")) {
      size_t eq = w.find('=');
      std::string name = w.substr(0, eq);
      written = name;
      for (const OptionSpec& s : kOptions) {
        if (name == s.long_name) spec = &s;
      }
      if (spec == nullptr) return Error("unknown option " + Quote(name));
      if (eq != std::string::npos) {
        if (!spec->takes_value) return Error("option " + Quote(name) + " takes no value");
        value = w.substr(eq + 1);
      }
    } else if (w.size() >= 2 && w[0] == '-') {
      std::string name = w.substr(0, 2);
      written = name;
      for (const OptionSpec& s : kOptions) {
        if (name == s.short_name) spec = &s;
      }
      if (spec == nullptr) return Error("unknown option " + Quote(name));
      if (w.size() > 2) value = w.substr(2);
    } else {
      return Error("unexpected argument " + Quote(w) + " after the options");
    }
    if (spec->takes_value && !value) {
      if (i + 1 >= words.size()) return Error("option " + Quote(written) + " needs a value");
      value = words[++i];
    }
    out.push_back({spec, written, value.value_or("")});
  }
  return out;
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

Result<std::string> ParseHash(std::string_view text) {
  size_t colon = text.find(':');
  Error bad("invalid --hash " + Quote(text) +
            ": expected sha256, sha384 or sha512, ':' and the hex digest");
  if (colon == std::string_view::npos) return bad;
  std::string algo = ToLowerAscii(text.substr(0, colon));
  std::string_view digest = text.substr(colon + 1);
  size_t want = algo == "sha256" ? 64 : algo == "sha384" ? 96 : algo == "sha512" ? 128 : 0;
  if (want == 0) return bad;
  if (digest.size() != want || !IsHex(digest)) {
    return Error("invalid --hash " + Quote(text) + ": a " + algo + " digest is " +
                 std::to_string(want) + " hex digits");
  }
  return algo + ":" + ToLowerAscii(digest);
}

bool IsUrlScheme(std::string_view s, size_t* scheme_len) {
  if (s.empty() || !IsAsciiAlpha(s[0])) return false;
  size_t i = 1;
  while (i < s.size() && (IsAsciiAlnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
  if (i >= s.size() || s[i] != ':') return false;
  *scheme_len = i;
  // "file:" URLs may omit the slashes; others look like scheme://...
  if (EqualsIgnoreCaseAscii(s.substr(0, i), "file")) return true;
  return s.substr(i, 3) == "://";
}

bool IsRemoteScheme(std::string_view path) {
  size_t len = 0;
  if (!IsUrlScheme(path, &len)) return false;
  std::string scheme = ToLowerAscii(path.substr(0, len));
  return scheme == "http" || scheme == "https" || scheme == "file";
}

bool IsArchiveName(std::string_view name) {
  std::string lower = ToLowerAscii(name);
  return EndsWith(lower, ".whl") || EndsWith(lower, ".tar.gz") || EndsWith(lower, ".zip");
}

int HexValue(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string PercentEncodePath(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (IsAsciiAlnum(static_cast<char>(c)) ||
        std::string_view("/-._~!$&'()*+,=:@").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The project name a distribution file's name implies.
Result<std::string> NameFromFilename(std::string_view filename, std::string_view text) {
  std::string lower = ToLowerAscii(filename);
  if (EndsWith(lower, ".whl")) {
    Result<spec::WheelFilename> w = spec::WheelFilename::Parse(filename);
    if (!w) return Error("invalid requirement " + Quote(text) + ": " + w.error().message());
    return w->name();
  }
  if (EndsWith(lower, ".tar.gz") || EndsWith(lower, ".zip")) {
    Result<spec::SdistFilename> s = spec::SdistFilename::Parse(filename);
    if (!s) return Error("invalid requirement " + Quote(text) + ": " + s.error().message());
    return s->name();
  }
  return Error("invalid requirement " + Quote(text) +
               ": cannot tell the project name from the file name; write it as 'name @ " +
               std::string(text) + "'");
}

// Splits "path[extra1,extra2]" (pip's _strip_extras).
std::pair<std::string, std::string> StripExtras(std::string_view s) {
  if (!s.empty() && s.back() == ']') {
    size_t open = s.rfind('[');
    if (open != std::string_view::npos && open > 0 && open + 2 < s.size()) {
      return {std::string(s.substr(0, open)), std::string(s.substr(open, s.size() - open))};
    }
  }
  return {std::string(s), ""};
}

Result<RequirementLine> MakeDirectReference(const std::string& name, const std::string& extras,
                                            const std::string& url, const std::string& marker,
                                            std::string_view text, const Origin& origin) {
  std::string req = name + extras + " @ " + url;
  if (!marker.empty()) req += " ; " + marker;
  Result<spec::Requirement> r = spec::Requirement::Parse(req);
  if (!r) {
    return Error("invalid requirement " + Quote(text) + ": as " + Quote(req) + ": " +
                 r.error().message());
  }
  return RequirementLine{std::move(r).value(), origin, {}, ""};
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// os.path.join(dirname(including), path) as pip does it, then made
// lexically normal ("sub/../a.txt" -> "a.txt") for readable origins.
std::string JoinRelative(const std::string& including, const std::string& path) {
  std::string joined;
  std::string dir = Dirname(including);
  if ((!path.empty() && path[0] == '/') || dir.empty()) {
    joined = path;
  } else if (dir.back() == '/') {
    joined = dir + path;
  } else {
    joined = dir + "/" + path;
  }
  std::string normal = std::filesystem::path(joined).lexically_normal().string();
  return normal.empty() ? joined : normal;
}

void AppendOnce(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

Status AppendBinaryChoice(std::string_view value, std::string_view option,
                          std::vector<std::string>* out) {
  for (const std::string& piece : Split(value, ',')) {
    std::string_view p = TrimAscii(piece);
    if (p.empty()) continue;
    if (p == ":all:" || p == ":none:") {
      out->emplace_back(p);
      continue;
    }
    if (!spec::IsValidName(p)) {
      return Error("invalid " + std::string(option) + " value " + Quote(p) +
                   ": expected :all:, :none: or project names separated by ','");
    }
    out->push_back(spec::NormalizeName(p));
  }
  return Status::Ok();
}

}  // namespace

namespace detail {

std::vector<std::pair<int, std::string>> PreprocessLines(std::string_view content,
                                                         const Environment& env) {
  if (StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  std::vector<std::string> raw = SplitLines(content);

  // join_lines
  std::vector<std::pair<int, std::string>> joined;
  std::string pending;
  int primary = 0;
  bool continuing = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string line = raw[i];
    bool comment = IsCommentLine(line);
    if (!EndsWith(line, "\\") || comment) {
      if (comment) line = " " + line;
      if (continuing) {
        pending += line;
        joined.emplace_back(primary, std::move(pending));
        pending.clear();
        continuing = false;
      } else {
        joined.emplace_back(number, std::move(line));
      }
    } else {
      if (!continuing) {
        primary = number;
        continuing = true;
      }
      pending += StripBackslashes(line);
    }
  }
  if (continuing) joined.emplace_back(primary, std::move(pending));

  // ignore_comments, expand_env_variables
  std::vector<std::pair<int, std::string>> out;
  for (auto& [number, line] : joined) {
    std::string_view stripped = TrimAscii(StripComment(line));
    if (stripped.empty()) continue;
    out.emplace_back(number, ExpandVariables(std::string(stripped), env));
  }
  return out;
}

Result<std::vector<std::string>> ShellSplit(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (IsAsciiSpace(c)) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
    } else if (c == '\'') {
      size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return Error("no closing quotation in " + Quote(text));
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < text.size() &&
            (text[i + 1] == '\\' || text[i + 1] == '"' || text[i + 1] == '$' ||
             text[i + 1] == '`' || text[i + 1] == '\n')) {
          word += text[i + 1];
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
      if (!closed) return Error("no closing quotation in " + Quote(text));
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return Error("no escaped character at the end of " + Quote(text));
      word += text[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace detail

Result<RequirementLine> ParseRequirementText(std::string_view text, const Origin& origin,
                                             const FileSystem& fs) {
  text = TrimAscii(text);
  size_t scheme_len = 0;
  if (IsUrlScheme(text, &scheme_len)) {
    std::string scheme = ToLowerAscii(text.substr(0, scheme_len));
    if (scheme.find('+') != std::string::npos) {
      return Error("invalid requirement " + Quote(text) +
                   ": version-control URLs are not supported (sparkenv locks built "
                   "distributions)");
    }
    std::string url(text);
    std::string marker;
    size_t sep = url.find("; ");
    if (sep != std::string::npos) {
      marker = std::string(TrimAscii(std::string_view(url).substr(sep + 2)));
      url = std::string(TrimAscii(std::string_view(url).substr(0, sep)));
    }
    std::string name;
    std::string extras;
    size_t hash = url.find('#');
    if (hash != std::string::npos) {
      for (const std::string& part : Split(std::string_view(url).substr(hash + 1), '&')) {
        if (StartsWith(part, "egg=")) {
          auto [n, e] = StripExtras(part.substr(4));
          name = n;
          extras = e;
        }
      }
    }
    if (name.empty()) {
      std::string_view path =
          std::string_view(url).substr(0, std::min(url.find('#'), url.find('?')));
      size_t slash = path.rfind('/');
      std::string filename =
          PercentDecode(slash == std::string_view::npos ? path : path.substr(slash + 1));
      Result<std::string> n = NameFromFilename(filename, text);
      if (!n) return n.error();
      name = *n;
    }
    return MakeDirectReference(name, extras, url, marker, text, origin);
  }

  Result<spec::Requirement> req = spec::Requirement::Parse(text);
  if (req) return RequirementLine{std::move(req).value(), origin, {}, ""};

  // A local path: pip's rule (a path separator, a leading '.', or an
  // archive file name).
  std::string marker;
  std::string path_part(text);
  size_t semi = path_part.find(';');
  if (semi != std::string::npos) {
    marker = std::string(TrimAscii(std::string_view(path_part).substr(semi + 1)));
    path_part = std::string(TrimAscii(std::string_view(path_part).substr(0, semi)));
  }
  auto [path, extras] = StripExtras(path_part);
  bool looks_like_path =
      path.find('/') != std::string::npos || StartsWith(path, ".") || IsArchiveName(path);
  if (!looks_like_path) return req.error();
  if (!IsArchiveName(path)) {
    if (fs.Exists(path)) {
      return Error("invalid requirement " + Quote(text) +
                   ": local project folders are not supported; build a wheel and name it "
                   "instead");
    }
    return req.error();
  }
  if (!fs.Exists(path)) {
    return Error(
        "invalid requirement " + Quote(text) + ": local file " + Quote(path) + " does not exist",
        ErrorKind::kNotFound);
  }
  size_t slash = path.rfind('/');
  std::string filename = slash == std::string::npos ? path : path.substr(slash + 1);
  Result<std::string> name = NameFromFilename(filename, text);
  if (!name) return name.error();
  std::string url = "file://" + PercentEncodePath(fs.MakeAbsolute(path));
  Result<RequirementLine> line = MakeDirectReference(*name, extras, url, marker, text, origin);
  if (line) line->local_path = path;
  return line;
}

Status RequirementsFileReader::Read(const std::string& path, bool constraint) {
  return ReadFile(path, constraint, nullptr);
}

Status RequirementsFileReader::ReadText(const std::string& path, std::string_view content,
                                        bool constraint) {
  stack_.emplace_back(fs_.MakeAbsolute(path), path);
  AppendOnce(&result_.files, path);
  Status s = ReadContent(path, content, constraint);
  stack_.pop_back();
  return s;
}

Status RequirementsFileReader::ReadFile(const std::string& path, bool constraint,
                                        const Origin* included_from) {
  std::string prefix = included_from ? included_from->ToString() + ": " : "";
  if (IsRemoteScheme(path)) {
    return Error(prefix + "cannot read requirements file " + Quote(path) +
                 ": URLs are not supported; download the file and name the copy");
  }
  std::string key = fs_.MakeAbsolute(path);
  auto seen = std::find_if(stack_.begin(), stack_.end(),
                           [&](const auto& entry) { return entry.first == key; });
  if (seen != stack_.end()) {
    std::string chain;
    for (auto it = seen; it != stack_.end(); ++it) chain += Quote(it->second) + " -> ";
    return Error(prefix + "include cycle: " + chain + Quote(path));
  }
  Result<std::string> content = fs_.ReadFile(path);
  if (!content) {
    std::string what = constraint ? "constraints" : "requirements";
    return Error(prefix + "could not open " + what + " file: " + content.error().message(),
                 content.error().kind());
  }
  stack_.emplace_back(key, path);
  AppendOnce(&result_.files, path);
  Status s = ReadContent(path, *content, constraint);
  stack_.pop_back();
  return s;
}

Status RequirementsFileReader::ReadContent(const std::string& path, std::string_view content,
                                           bool constraint) {
  if (StartsWith(content, "\xFF\xFE") || StartsWith(content, "\xFE\xFF")) {
    return Error(path + ": requirements files must be UTF-8 (this one starts with a UTF-16 mark)");
  }
  for (const auto& [number, line] : detail::PreprocessLines(content, env_)) {
    Status s = HandleLine(path, number, line, constraint);
    if (!s) return s;
  }
  return Status::Ok();
}

Status RequirementsFileReader::HandleLine(const std::string& path, int line_number,
                                          const std::string& line, bool constraint) {
  Origin origin{path, line_number};
  std::string where = origin.ToString() + ": ";

  // pip's break_args_options: words split on ' ' until one starts with '-'.
  std::vector<std::string> tokens = Split(line, ' ');
  size_t first_option = tokens.size();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (StartsWith(tokens[i], "-")) {
      first_option = i;
      break;
    }
  }
  std::string args =
      Join(std::vector<std::string>(tokens.begin(), tokens.begin() + first_option), " ");
  std::string options_text =
      Join(std::vector<std::string>(tokens.begin() + first_option, tokens.end()), " ");

  Result<std::vector<std::string>> words = detail::ShellSplit(options_text);
  if (!words) return Error(where + words.error().message());
  Result<std::vector<ParsedOption>> options = ParseOptions(*words);
  if (!options) return Error(where + options.error().message());

  if (!TrimAscii(args).empty()) {
    Result<RequirementLine> req = ParseRequirementText(args, origin, fs_);
    if (!req) return Error(where + req.error().message(), req.error().kind());
    for (const ParsedOption& o : *options) {
      switch (o.spec->opt) {
        case Opt::kHash: {
          Result<std::string> h = ParseHash(o.value);
          if (!h) return Error(where + h.error().message());
          AppendOnce(&req->hashes, *h);
          break;
        }
        case Opt::kConfigSettings:
        case Opt::kGlobalOption:
          return Error(where + "option " + Quote(o.written) +
                       " is not supported: sparkenv does not build packages");
        default:
          return Error(where + "option " + Quote(o.written) +
                       " cannot follow a requirement; put it on a line of its own");
      }
    }
    (constraint ? result_.constraints : result_.requirements).push_back(std::move(req).value());
    return Status::Ok();
  }

  IndexOptions& index = result_.index;
  for (const ParsedOption& o : *options) {
    switch (o.spec->opt) {
      case Opt::kIndexUrl:
        index.index_url = o.value;
        break;
      case Opt::kExtraIndexUrl:
        AppendOnce(&index.extra_index_urls, o.value);
        break;
      case Opt::kNoIndex:
        index.no_index = true;
        break;
      case Opt::kFindLinks: {
        std::string value = o.value;
        size_t len = 0;
        if (!IsUrlScheme(value, &len) && !value.empty() && value[0] != '/') {
          std::string relative = JoinRelative(path, value);
          if (fs_.Exists(relative)) value = relative;
        }
        AppendOnce(&index.find_links, value);
        break;
      }
      case Opt::kNoBinary: {
        Status s = AppendBinaryChoice(o.value, "--no-binary", &index.no_binary);
        if (!s) return Error(where + s.error().message());
        break;
      }
      case Opt::kOnlyBinary: {
        Status s = AppendBinaryChoice(o.value, "--only-binary", &index.only_binary);
        if (!s) return Error(where + s.error().message());
        break;
      }
      case Opt::kPreferBinary:
        index.prefer_binary = true;
        break;
      case Opt::kRequireHashes:
        index.require_hashes = true;
        break;
      case Opt::kNoRequireHashes:
        index.no_require_hashes = true;
        break;
      case Opt::kPre:
        index.pre = true;
        break;
      case Opt::kAllReleases: {
        Status s = AppendBinaryChoice(o.value, "--all-releases", &index.all_releases);
        if (!s) return Error(where + s.error().message());
        break;
      }
      case Opt::kOnlyFinal: {
        Status s = AppendBinaryChoice(o.value, "--only-final", &index.only_final);
        if (!s) return Error(where + s.error().message());
        break;
      }
      case Opt::kTrustedHost:
        AppendOnce(&index.trusted_hosts, o.value);
        break;
      case Opt::kUseFeature:
        break;  // pip feature flags change nothing here
      case Opt::kRequirement:
      case Opt::kConstraint: {
        bool nested_constraint = o.spec->opt == Opt::kConstraint;
        std::string nested = IsRemoteScheme(o.value) ? o.value : JoinRelative(path, o.value);
        Status s = ReadFile(nested, nested_constraint, &origin);
        if (!s) return s;
        break;
      }
      case Opt::kEditable:
        return Error(where + "editable requirement " + Quote(o.value) +
                     " is not supported: sparkenv locks built distributions for a cluster; "
                     "build a wheel and name it instead");
      case Opt::kHash:
        return Error(where + "option '--hash' needs a requirement on the same line");
      case Opt::kConfigSettings:
      case Opt::kGlobalOption:
        return Error(where + "option " + Quote(o.written) +
                     " is not supported: sparkenv does not build packages");
    }
  }
  return Status::Ok();
}

Result<RequirementsInput> ReadRequirementsFile(const std::string& path, const FileSystem& fs,
                                               const Environment& env) {
  RequirementsFileReader reader(fs, env);
  Status s = reader.Read(path);
  if (!s) return s.error();
  return reader.Take();
}

}  // namespace sparkenv::inputs
