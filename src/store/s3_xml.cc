#include "store/s3_xml.h"

#include <expat.h>

#include <array>
#include <memory>

#include "base/strings.h"

namespace sparkenv::store {

namespace {

// A small DOM: what the S3 documents need (names, text, children).
struct XmlElement {
  std::string name;  // without any namespace prefix
  std::string text;  // character data directly inside, entities decoded
  std::vector<XmlElement> children;

  const XmlElement* Child(std::string_view child) const {
    for (const XmlElement& c : children) {
      if (c.name == child) return &c;
    }
    return nullptr;
  }
  std::string ChildText(std::string_view child) const {
    const XmlElement* c = Child(child);
    return c ? c->text : std::string();
  }
};

constexpr int kMaxDepth = 32;

struct ParseState {
  XmlElement root;
  std::vector<XmlElement*> stack;  // open elements; stack[0] is a sentinel above the root
  bool has_root = false;
  std::string error;
  XML_Parser parser = nullptr;
};

void Stop(ParseState* s, std::string why) {
  if (s->error.empty()) s->error = std::move(why);
  XML_StopParser(s->parser, XML_FALSE);
}

std::string LocalName(const char* name) {
  std::string_view n(name);
  size_t colon = n.rfind(':');
  return std::string(colon == std::string_view::npos ? n : n.substr(colon + 1));
}

void OnStart(void* user, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* s = static_cast<ParseState*>(user);
  if (s->stack.size() > static_cast<size_t>(kMaxDepth)) return Stop(s, "nested too deeply");
  if (s->stack.size() == 1) {
    if (s->has_root) return Stop(s, "more than one root element");
    s->has_root = true;
    s->root.name = LocalName(name);
    s->stack.push_back(&s->root);
    return;
  }
  XmlElement* parent = s->stack.back();
  parent->children.push_back(XmlElement{LocalName(name), {}, {}});
  s->stack.push_back(&parent->children.back());
}

void OnEnd(void* user, const XML_Char* /*name*/) {
  auto* s = static_cast<ParseState*>(user);
  if (s->stack.size() > 1) s->stack.pop_back();
}

void OnText(void* user, const XML_Char* text, int len) {
  auto* s = static_cast<ParseState*>(user);
  if (s->stack.size() > 1) s->stack.back()->text.append(text, static_cast<size_t>(len));
}

void OnDoctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  Stop(static_cast<ParseState*>(user), "a DTD is not allowed");
}

struct ParserDeleter {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

Result<XmlElement> ParseXml(std::string_view body) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserDeleter> parser(
      XML_ParserCreate("UTF-8"));
  if (!parser) return Error("cannot create an XML parser", ErrorKind::kInternal);
  ParseState state;
  state.parser = parser.get();
  XmlElement sentinel;
  state.stack.push_back(&sentinel);
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  // Children are appended while parents sit on the stack by address: the
  // vector of a parent only grows while it is the innermost open element,
  // and pointers to its earlier (closed) children are no longer held.
  if (body.size() > static_cast<size_t>(INT32_MAX)) return Error("too large", ErrorKind::kIo);
  XML_Status st = XML_Parse(parser.get(), body.data(), static_cast<int>(body.size()), XML_TRUE);
  if (!state.error.empty()) return Error(state.error, ErrorKind::kIo);
  if (st != XML_STATUS_OK) {
    return Error(std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
                     std::to_string(XML_GetCurrentLineNumber(parser.get())),
                 ErrorKind::kIo);
  }
  if (!state.has_root) return Error("no root element", ErrorKind::kIo);
  return std::move(state.root);
}

std::optional<uint64_t> ParseUint(std::string_view s) {
  s = TrimAscii(s);
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsAsciiDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsAsciiDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> ToMs(int year, int month, int day, int hour, int minute, int second,
                            int ms) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60000 + int64_t{second} * 1000 + ms;
}

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 200;
  return Quote(body.size() > kMax ? std::string(body.substr(0, kMax)) + "..." : body);
}

}  // namespace

std::optional<S3ErrorBody> ParseS3Error(std::string_view body) {
  auto doc = ParseXml(body);
  if (!doc.ok() || doc->name != "Error") return std::nullopt;
  S3ErrorBody e;
  e.code = std::string(TrimAscii(doc->ChildText("Code")));
  e.message = std::string(TrimAscii(doc->ChildText("Message")));
  e.region = std::string(TrimAscii(doc->ChildText("Region")));
  if (e.code.empty()) return std::nullopt;
  return e;
}

Result<S3ListPage> ParseListObjectsV2(std::string_view body) {
  auto doc = ParseXml(body);
  if (!doc.ok()) return doc.error().Wrap("malformed ListObjectsV2 answer");
  if (doc->name != "ListBucketResult") {
    return Error(
        "malformed ListObjectsV2 answer: expected <ListBucketResult>, got " + Excerpt(body),
        ErrorKind::kIo);
  }
  S3ListPage page;
  for (const XmlElement& c : doc->children) {
    if (c.name != "Contents") continue;
    const XmlElement* key = c.Child("Key");
    std::optional<uint64_t> size = ParseUint(c.ChildText("Size"));
    if (!key || key->text.empty() || !size) {
      return Error("malformed ListObjectsV2 answer: an entry without a Key or a Size",
                   ErrorKind::kIo);
    }
    S3ListEntry e;
    e.key = key->text;
    e.size = *size;
    e.mtime_ms = ParseIso8601Ms(TrimAscii(c.ChildText("LastModified"))).value_or(0);
    page.entries.push_back(std::move(e));
  }
  std::string truncated = ToLowerAscii(TrimAscii(doc->ChildText("IsTruncated")));
  page.truncated = truncated == "true";
  page.next_token = doc->ChildText("NextContinuationToken");
  if (page.truncated && page.next_token.empty()) {
    return Error("malformed ListObjectsV2 answer: truncated without a NextContinuationToken",
                 ErrorKind::kIo);
  }
  return page;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view body) {
  auto doc = ParseXml(body);
  if (!doc.ok()) return doc.error().Wrap("malformed InitiateMultipartUpload answer");
  std::string id(TrimAscii(doc->ChildText("UploadId")));
  if (doc->name != "InitiateMultipartUploadResult" || id.empty()) {
    return Error("malformed InitiateMultipartUpload answer: no UploadId in " + Excerpt(body),
                 ErrorKind::kIo);
  }
  return id;
}

std::string CompleteMultipartUploadBody(const std::vector<std::string>& etags) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    out += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
           XmlEscape(etags[i]) + "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

Status CheckCompleteMultipartUpload(std::string_view body) {
  auto doc = ParseXml(body);
  if (!doc.ok()) return doc.error().Wrap("malformed CompleteMultipartUpload answer");
  if (doc->name == "CompleteMultipartUploadResult") return Status::Ok();
  if (doc->name == "Error") {
    return Error(std::string(TrimAscii(doc->ChildText("Code"))) + ": " +
                     std::string(TrimAscii(doc->ChildText("Message"))),
                 ErrorKind::kIo);
  }
  return Error("malformed CompleteMultipartUpload answer: " + Excerpt(body), ErrorKind::kIo);
}

std::optional<int64_t> ParseIso8601Ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(t, 0, 4, &year) || t.size() < 20 || t[4] != '-' || !Digits(t, 5, 2, &month) ||
      t[7] != '-' || !Digits(t, 8, 2, &day) || (t[10] != 'T' && t[10] != 't') ||
      !Digits(t, 11, 2, &hour) || t[13] != ':' || !Digits(t, 14, 2, &minute) || t[16] != ':' ||
      !Digits(t, 17, 2, &second)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int ms = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int scale = 100;
    size_t start = pos;
    while (pos < t.size() && IsAsciiDigit(t[pos])) {
      ms += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos + 1 != t.size() || (t[pos] != 'Z' && t[pos] != 'z')) return std::nullopt;
  return ToMs(year, month, day, hour, minute, second, ms);
}

std::optional<int64_t> ParseHttpDateMs(std::string_view t) {
  // "Wed, 12 Oct 2009 17:50:00 GMT"
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  t = TrimAscii(t);
  if (t.size() != 29 || t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
      t[19] != ':' || t[22] != ':' || t.substr(25) != " GMT") {
    return std::nullopt;
  }
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (t.substr(8, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  }
  if (month == 0 || !Digits(t, 5, 2, &day) || !Digits(t, 12, 4, &year) ||
      !Digits(t, 17, 2, &hour) || !Digits(t, 20, 2, &minute) || !Digits(t, 23, 2, &second)) {
    return std::nullopt;
  }
  return ToMs(year, month, day, hour, minute, second, 0);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace sparkenv::store
