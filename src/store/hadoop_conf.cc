#include "store/hadoop_conf.h"

#include <expat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "base/strings.h"

namespace sparkenv::store {

namespace {

constexpr int kMaxIncludeDepth = 8;
constexpr int kMaxExpandDepth = 20;

struct ParserDeleter {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};
using ParserHandle = std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserDeleter>;

// One thing a file says, in document order.
struct Event {
  bool include = false;
  std::string name;  // property name, or the include's href
  std::string value;
  bool final = false;
};

struct ParseState {
  std::vector<Event> events;
  std::vector<std::string> stack;  // open element names
  bool in_property = false;
  Event property;
  std::string text;  // character data of the current child element
};

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

void OnStart(void* user, const XML_Char* name, const XML_Char** attrs) {
  auto* s = static_cast<ParseState*>(user);
  std::string_view element = name;
  s->stack.emplace_back(element);
  s->text.clear();
  auto attr = [&](std::string_view key) -> std::optional<std::string> {
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      if (key == attrs[i]) return std::string(attrs[i + 1]);
    }
    return std::nullopt;
  };
  if (element == "property") {
    s->in_property = true;
    s->property = Event{};
    if (auto n = attr("name")) s->property.name = *n;
    if (auto v = attr("value")) s->property.value = *v;
    if (auto f = attr("final")) s->property.final = TrimAscii(*f) == "true";
  } else if (LocalName(element) == "include" && element != "include") {
    if (auto href = attr("href")) s->events.push_back(Event{true, *href, "", false});
  }
}

void OnEnd(void* user, const XML_Char* name) {
  auto* s = static_cast<ParseState*>(user);
  std::string_view element = name;
  if (!s->stack.empty()) s->stack.pop_back();
  if (element == "property") {
    if (!s->property.name.empty()) s->events.push_back(s->property);
    s->in_property = false;
  } else if (s->in_property) {
    if (element == "name") s->property.name = std::string(TrimAscii(s->text));
    if (element == "value") s->property.value = s->text;
    if (element == "final") s->property.final = TrimAscii(s->text) == "true";
  }
  s->text.clear();
}

void OnText(void* user, const XML_Char* text, int len) {
  auto* s = static_cast<ParseState*>(user);
  if (s->in_property) s->text.append(text, static_cast<size_t>(len));
}

}  // namespace

HadoopConf::HadoopConf(Getenv getenv, std::string user_name)
    : getenv_(std::move(getenv)), user_name_(std::move(user_name)) {}

Status HadoopConf::LoadDir(const std::string& dir) {
  for (const char* name : {"core-site.xml", "hdfs-site.xml"}) {
    std::string path = (std::filesystem::path(dir) / name).string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    Status s = AddFile(path);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status HadoopConf::AddFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error("cannot read Hadoop configuration " + Quote(path) + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  files_.push_back(path);
  return AddXml(text.str(), path, std::filesystem::path(path).parent_path().string());
}

Status HadoopConf::AddXml(std::string_view xml, const std::string& source,
                          const std::string& base_dir) {
  ParserHandle parser(XML_ParserCreate(nullptr));
  if (!parser) return Error("cannot create an XML parser", ErrorKind::kInternal);
  ParseState state;
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), /*isFinal=*/1) ==
      XML_STATUS_ERROR) {
    return Error("malformed Hadoop configuration " + Quote(source) + ", line " +
                 std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
                 XML_ErrorString(XML_GetErrorCode(parser.get())));
  }
  for (const Event& e : state.events) {
    if (e.include) {
      if (include_depth_ >= kMaxIncludeDepth) {
        return Error("Hadoop configuration " + Quote(source) + ": XIncludes nested deeper than " +
                     std::to_string(kMaxIncludeDepth));
      }
      std::filesystem::path href(e.name);
      std::string path = href.is_absolute() ? e.name : (base_dir / href).string();
      ++include_depth_;
      Status s = AddFile(path);
      --include_depth_;
      if (!s.ok()) return s.error().Wrap("included from " + Quote(source));
      continue;
    }
    if (auto it = final_.find(e.name); it != final_.end() && it->second) continue;
    values_[e.name] = e.value;
    if (e.final) final_[e.name] = true;
  }
  return Status::Ok();
}

void HadoopConf::Set(const std::string& key, const std::string& value) { values_[key] = value; }

std::optional<std::string> HadoopConf::Get(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return std::string(TrimAscii(Expand(it->second, 0)));
}

std::vector<std::string> HadoopConf::GetList(std::string_view key) const {
  std::vector<std::string> out;
  std::optional<std::string> value = Get(key);
  if (!value) return out;
  for (const std::string& item : Split(*value, ',')) {
    std::string_view t = TrimAscii(item);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

std::string HadoopConf::Expand(const std::string& value, int depth) const {
  if (depth > kMaxExpandDepth || value.find("${") == std::string::npos) return value;
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t open = value.find("${", i);
    size_t close = open == std::string::npos ? std::string::npos : value.find('}', open + 2);
    if (close == std::string::npos) {
      out.append(value, i, std::string::npos);
      break;
    }
    out.append(value, i, open - i);
    std::string var = value.substr(open + 2, close - open - 2);
    std::optional<std::string> sub;
    if (auto it = values_.find(var); it != values_.end()) {
      sub = Expand(it->second, depth + 1);
    } else if (StartsWith(var, "env.") && getenv_) {
      sub = getenv_(var.substr(4));
    } else if (var == "user.name" && !user_name_.empty()) {
      sub = user_name_;
    }
    // Unresolved variables stay as written, as in Hadoop.
    out += sub ? *sub : value.substr(open, close - open + 1);
    i = close + 1;
  }
  return out;
}

}  // namespace sparkenv::store
