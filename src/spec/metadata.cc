#include "spec/metadata.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <set>

#include "base/strings.h"
#include "spec/marker.h"
#include "spec/name.h"

namespace sparkenv::spec {
namespace {

constexpr std::array<std::string_view, 10> kMetadataVersions = {"1.0", "1.1", "1.2", "2.0", "2.1",
                                                                "2.2", "2.3", "2.4", "2.5", "2.6"};

// Every field of the core metadata specification (lower case).
constexpr std::string_view kKnownFields[] = {"author",
                                             "author-email",
                                             "classifier",
                                             "description",
                                             "description-content-type",
                                             "download-url",
                                             "dynamic",
                                             "home-page",
                                             "import-name",
                                             "import-namespace",
                                             "keywords",
                                             "license",
                                             "license-expression",
                                             "license-file",
                                             "maintainer",
                                             "maintainer-email",
                                             "metadata-version",
                                             "name",
                                             "obsoletes",
                                             "obsoletes-dist",
                                             "platform",
                                             "project-url",
                                             "provides",
                                             "provides-dist",
                                             "provides-extra",
                                             "requires",
                                             "requires-dist",
                                             "requires-external",
                                             "requires-python",
                                             "summary",
                                             "supported-platform",
                                             "version"};

bool IsKnownField(std::string_view lower) {
  return std::find(std::begin(kKnownFields), std::end(kKnownFields), lower) !=
         std::end(kKnownFields);
}

// packaging's _LINE_BOUNDARY_RE as far as ASCII and UTF-8 encodings go.
bool HasLineBreak(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e)) {
      return true;
    }
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      return true;
    }
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      return true;
    }
  }
  return false;
}

Error Invalid(const std::string& what) { return Error("invalid metadata: " + what); }

// "invalid requirement 'x': why" -> "why", so the metadata error does not
// quote the value twice.
std::string StripPrefix(const std::string& message, const std::string& prefix) {
  return StartsWith(message, prefix) ? message.substr(prefix.size()) : message;
}

// A line and its end ("\n", "\r\n", "\r" or nothing at the end of input).
struct Line {
  std::string_view text;  // without the line end
  std::string_view full;  // with it
};

// Python's headerRE: ^(From |[\041-\071\073-\176]*:|[\t ])
bool IsHeaderLine(std::string_view line) {
  if (StartsWith(line, "From ")) {
    return true;
  }
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    return true;
  }
  for (char c : line) {
    if (c == ':') {
      return true;
    }
    if (c < '\041' || c > '\176') {
      return false;
    }
  }
  return false;
}

// The header lines at the start of `s`, up to the first line that is not
// one; *body_offset is where the body starts (after an empty separator
// line, which is dropped, or at the first other non-header line). The body
// (the Description, often the whole README) is not split into lines.
std::vector<Line> SplitHeaderLines(std::string_view s, size_t* body_offset) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t i = start;
    while (i < s.size() && s[i] != '\n' && s[i] != '\r') {
      ++i;
    }
    size_t end = i;
    if (i < s.size()) {
      end = (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ? i + 2 : i + 1;
    }
    Line line{s.substr(start, i - start), s.substr(start, end - start)};
    if (!IsHeaderLine(line.full)) {
      *body_offset = line.text.empty() ? end : start;
      return lines;
    }
    lines.push_back(line);
    start = end;
  }
  *body_offset = s.size();
  return lines;
}

}  // namespace

std::vector<std::string> MetadataHeaders::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCaseAscii(key, name)) {
      out.push_back(value);
    }
  }
  return out;
}

// Follows email.feedparser with the compat32 policy.
MetadataHeaders MetadataHeaders::Parse(std::string_view text) {
  MetadataHeaders out;
  // An empty line separates headers and body and is dropped; any other
  // non-header line is the first line of the body.
  size_t body_offset = 0;
  std::vector<Line> lines = SplitHeaderLines(text, &body_offset);
  const size_t n = lines.size();  // header lines

  std::string pushed_back;  // a "From " line that turned out to start the body
  std::string current_name;
  std::string current_value;
  bool have_current = false;
  auto flush = [&] {
    if (!have_current) {
      return;
    }
    while (!current_value.empty() &&
           (current_value.back() == '\n' || current_value.back() == '\r')) {
      current_value.pop_back();
    }
    out.headers.emplace_back(std::move(current_name), std::move(current_value));
    current_name.clear();
    current_value.clear();
    have_current = false;
  };
  for (size_t i = 0; i < n; ++i) {
    std::string_view line = lines[i].full;
    if (line[0] == ' ' || line[0] == '\t') {
      if (have_current) {
        current_value += line;  // a leading continuation is ignored
      }
      continue;
    }
    flush();
    if (StartsWith(line, "From ")) {
      if (i == n - 1 && i != 0) {  // probably the first line of the body
        pushed_back = std::string(line);
        break;
      }
      continue;  // envelope header: ignored
    }
    size_t colon = line.find(':');
    if (colon == 0) {
      continue;  // no header name: ignored
    }
    current_name = std::string(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    current_value = std::string(value);
    have_current = true;
  }
  flush();
  out.body = std::move(pushed_back);
  out.body += text.substr(body_offset);
  return out;
}

Result<Metadata> Metadata::Parse(std::string_view text) {
  Metadata m;
  m.raw_ = MetadataHeaders::Parse(text);
  const MetadataHeaders& raw = m.raw_;

  // Single-use fields: at most once.
  auto single = [&](std::string_view field, bool required) -> Result<std::optional<std::string>> {
    std::vector<std::string> values = raw.GetAll(field);
    if (values.size() > 1) {
      return Invalid(std::string(field) + " appears " + std::to_string(values.size()) +
                     " times; it may appear only once");
    }
    if (values.empty() || (required && values[0].empty())) {
      if (required) {
        return Invalid("missing required field " + std::string(field));
      }
      return std::optional<std::string>();
    }
    if (!detail::ValidUtf8(values[0])) {
      return Invalid(std::string(field) + " " + Quote(values[0]) + " is not UTF-8");
    }
    return std::optional<std::string>(values[0]);
  };

  Result<std::optional<std::string>> mv = single("Metadata-Version", true);
  if (!mv.ok()) {
    return mv.error();
  }
  m.metadata_version_ = **mv;
  if (std::find(kMetadataVersions.begin(), kMetadataVersions.end(), m.metadata_version_) ==
      kMetadataVersions.end()) {
    return Invalid(
        "unknown Metadata-Version " + Quote(m.metadata_version_) + " (known: " +
        Join(std::vector<std::string>(kMetadataVersions.begin(), kMetadataVersions.end()), ", ") +
        ")");
  }
  const bool at_least_2_3 = m.metadata_version_ >= "2.3";

  Result<std::optional<std::string>> name = single("Name", true);
  if (!name.ok()) {
    return name.error();
  }
  m.name_ = **name;
  if (!IsValidName(m.name_)) {
    return Invalid("Name " + Quote(m.name_) +
                   " is not a valid project name (ASCII letters, digits, '.', '_' and '-', "
                   "starting and ending with a letter or digit)");
  }

  Result<std::optional<std::string>> version = single("Version", true);
  if (!version.ok()) {
    return version.error();
  }
  Result<Version> v = Version::Parse(**version);
  if (!v.ok()) {
    return Invalid("Version " + Quote(**version) + ": " + v.error().message());
  }
  m.version_ = std::move(*v);

  Result<std::optional<std::string>> summary = single("Summary", false);
  if (!summary.ok()) {
    return summary.error();
  }
  if (*summary && HasLineBreak(**summary)) {
    return Invalid("Summary " + Quote(**summary) + " must be a single line");
  }
  m.summary_ = *summary;

  Result<std::optional<std::string>> description = single("Description", false);
  if (!description.ok()) {
    return description.error();
  }
  m.description_ = *description;
  if (!raw.body.empty()) {
    // As packaging: with both, neither can be trusted.
    if (m.description_) {
      return Invalid("the Description is given both as a header and as the message body");
    }
    m.description_ = raw.body;
  }

  Result<std::optional<std::string>> requires_python = single("Requires-Python", false);
  if (!requires_python.ok()) {
    return requires_python.error();
  }
  if (*requires_python) {
    Result<SpecifierSet> set = SpecifierSet::Parse(**requires_python);
    if (!set.ok()) {
      return Invalid("Requires-Python " + Quote(**requires_python) + ": " + set.error().message());
    }
    m.requires_python_ = std::move(*set);
  }

  for (const std::string& value : raw.GetAll("Requires-Dist")) {
    Result<Requirement> req = Requirement::Parse(value);
    if (!req.ok()) {
      return Invalid(
          "Requires-Dist " + Quote(value) + ": " +
          StripPrefix(req.error().message(), "invalid requirement " + Quote(value) + ": "));
    }
    m.requires_dist_.push_back(std::move(*req));
  }

  std::set<std::string> seen_extras;
  for (const std::string& value : raw.GetAll("Provides-Extra")) {
    if (!IsValidName(value)) {
      return Invalid("Provides-Extra " + Quote(value) +
                     " is not a valid extra name (ASCII letters, digits, '.', '_' and '-', "
                     "starting and ending with a letter or digit)");
    }
    std::string normalized = NormalizeName(value);
    if (!seen_extras.insert(normalized).second) {
      if (at_least_2_3) {
        return Invalid("Provides-Extra " + Quote(value) +
                       " duplicates another extra after normalization (" + Quote(normalized) + ")");
      }
      continue;
    }
    m.provides_extra_.push_back(std::move(normalized));
  }

  std::vector<std::string> dynamic = raw.GetAll("Dynamic");
  if (!dynamic.empty() && m.metadata_version_ < "2.2") {
    // Unlike the fields a resolver needs (accepted whatever the declared
    // version), Dynamic has no meaning before 2.2: refuse, as packaging does.
    return Invalid("Dynamic appears in Metadata-Version " + m.metadata_version_ +
                   " but was introduced in 2.2");
  }
  for (const std::string& value : dynamic) {
    std::string field = ToLowerAscii(value);
    if (field == "name" || field == "version" || field == "metadata-version") {
      return Invalid("Dynamic " + Quote(value) +
                     ": Name, Version and Metadata-Version cannot be dynamic");
    }
    if (!IsKnownField(field)) {
      return Invalid("Dynamic " + Quote(value) + " is not a core metadata field");
    }
    m.dynamic_.push_back(std::move(field));
  }
  return m;
}

std::string Metadata::normalized_name() const { return NormalizeName(name_); }

Result<std::vector<Requirement>> Metadata::RequirementsFor(
    const MarkerEnvironment& env, const std::vector<std::string>& extras) const {
  std::vector<Requirement> out;
  for (const Requirement& req : requires_dist_) {
    Result<bool> applies = req.EvaluateMarker(env, extras);
    if (!applies.ok()) {
      return applies.error().Wrap(name_ + " " + version_->ToString() + ": Requires-Dist " +
                                  Quote(req.ToString()));
    }
    if (*applies) {
      out.push_back(req);
    }
  }
  return out;
}

}  // namespace sparkenv::spec
