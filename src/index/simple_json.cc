#include "index/simple_json.h"

#include <simdjson.h>

#include "base/strings.h"
#include "http/url.h"

namespace sparkenv::index {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Reads a hashes object; false when it is not an object of strings.
bool ReadHashes(element value, Hashes& out) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  for (auto [algo, digest] : object) {
    std::string_view text;
    if (digest.get_string().get(text) != simdjson::SUCCESS) return false;
    out.emplace(ToLowerAscii(algo), ToLowerAscii(text));
  }
  return true;
}

// The member `key` of `object`, if present.
std::optional<element> Member(simdjson::dom::object object, std::string_view key) {
  element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::optional<std::string> String(element value) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return std::string(text);
}

// Returns the reason to skip the entry, or "" when it was added.
std::string ReadFile(ProjectPage& page, element value, PageParseMemo& memo) {
  simdjson::dom::object entry;
  if (value.get_object().get(entry) != simdjson::SUCCESS) {
    return "a file entry is not a JSON object";
  }
  auto filename_value = Member(entry, "filename");
  std::optional<std::string> filename = filename_value ? String(*filename_value) : std::nullopt;
  if (!filename) return "a file entry has no string \"filename\"";
  auto url_value = Member(entry, "url");
  std::optional<std::string> relative = url_value ? String(*url_value) : std::nullopt;
  if (!relative) return "no string \"url\"";
  std::string url = http::ResolveUrl(page.url, *relative);

  std::optional<std::string> requires_python;
  if (auto it = Member(entry, "requires-python"); it && !it->is_null()) {
    requires_python = String(*it);
    if (!requires_python) return "\"requires-python\" is neither a string nor null";
  }
  Hashes hashes;
  if (auto it = Member(entry, "hashes"); it && !ReadHashes(*it, hashes)) {
    return "\"hashes\" is not an object of strings";
  }
  std::optional<std::string> yanked;
  if (auto it = Member(entry, "yanked")) {
    bool flag = false;
    if (it->get_bool().get(flag) == simdjson::SUCCESS) {
      if (flag) yanked = "";
    } else if (auto reason = String(*it)) {
      yanked = *reason;
    } else {
      return "\"yanked\" is neither a boolean nor a string";
    }
  }
  bool core_metadata = false;
  Hashes metadata_hashes;
  auto metadata = Member(entry, "core-metadata");
  if (!metadata) metadata = Member(entry, "dist-info-metadata");
  if (metadata) {
    bool flag = false;
    if (metadata->get_bool().get(flag) == simdjson::SUCCESS) {
      core_metadata = flag;
    } else if (ReadHashes(*metadata, metadata_hashes)) {
      core_metadata = true;
    } else {
      return "\"core-metadata\" is neither a boolean nor an object of hashes";
    }
  }
  std::optional<uint64_t> size;
  if (auto it = Member(entry, "size"); it && !it->is_null()) {
    uint64_t n = 0;
    if (it->type() == element_type::DOUBLE || it->get_uint64().get(n) != simdjson::SUCCESS) {
      return "\"size\" is not a non-negative integer";
    }
    size = n;
  }
  std::optional<std::string> upload_time;
  if (auto it = Member(entry, "upload-time"); it && !it->is_null()) {
    upload_time = String(*it);
    if (!upload_time) return "\"upload-time\" is not a string";
  }

  auto file = MakeEntry(page, *filename, http::WithoutFragment(url), requires_python, &memo);
  if (!file) return "";  // MakeEntry recorded why
  file->set_hashes(std::move(hashes))
      .set_yanked(std::move(yanked))
      .set_core_metadata(core_metadata, std::move(metadata_hashes))
      .set_size(size)
      .set_upload_time(std::move(upload_time));
  page.files.push_back(std::move(*file));
  return "";
}

}  // namespace

Result<ProjectPage> ParseSimpleJson(std::string_view text, const std::string& page_url,
                                    const std::string& project) {
  auto invalid = [&](const std::string& why) {
    return Error("invalid JSON project page " + Quote(page_url) + ": " + why + " (PEP 691)",
                 ErrorKind::kIo);
  };
  // One parser per thread: its buffers are reused from page to page. It
  // fails a document nested deeper than kMaxJsonDepth levels (the page's
  // object is level 1), as it parses: no separate pass over the text.
  thread_local simdjson::dom::parser parser;
  thread_local bool limited = false;
  if (!limited) {
    constexpr size_t kInitialCapacity = 1 << 16;  // grows with the pages
    if (parser.allocate(kInitialCapacity, kMaxJsonDepth) != simdjson::SUCCESS) {
      return Error("cannot allocate a JSON parser", ErrorKind::kInternal);
    }
    limited = true;
  }
  element root;
  if (auto error = parser.parse(text.data(), text.size()).get(root); error != simdjson::SUCCESS) {
    if (error == simdjson::DEPTH_ERROR) {
      return invalid("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    return invalid("not JSON");
  }
  simdjson::dom::object doc;
  if (root.get_object().get(doc) != simdjson::SUCCESS) return invalid("not a JSON object");

  ProjectPage page;
  page.name = project;
  page.url = page_url;
  if (auto meta_value = Member(doc, "meta")) {
    simdjson::dom::object meta;
    if (meta_value->get_object().get(meta) != simdjson::SUCCESS) {
      return invalid("\"meta\" is not an object");
    }
    auto version_value = Member(meta, "api-version");
    std::optional<std::string> version = version_value ? String(*version_value) : std::nullopt;
    if (!version) return invalid("\"meta\" has no string \"api-version\"");
    Status status = CheckApiVersion(*version, page_url);
    if (!status.ok()) return status.error();
    page.api_version = *version;
  }
  auto files_value = Member(doc, "files");
  simdjson::dom::array files;
  if (!files_value || files_value->get_array().get(files) != simdjson::SUCCESS) {
    return invalid("no \"files\" array");
  }
  PageParseMemo memo;
  for (element entry : files) {
    std::string reason = ReadFile(page, entry, memo);
    if (!reason.empty()) {
      std::string filename = "?";
      simdjson::dom::object object;
      if (entry.get_object().get(object) == simdjson::SUCCESS) {
        if (auto it = Member(object, "filename")) filename = String(*it).value_or("?");
      }
      page.skipped.push_back({filename, reason});
    }
  }
  if (auto versions_value = Member(doc, "versions")) {
    simdjson::dom::array versions;
    if (versions_value->get_array().get(versions) == simdjson::SUCCESS) {
      for (element v : versions) {
        if (auto text_value = String(v)) page.versions.push_back(*text_value);
      }
    }
  }
  return page;
}

}  // namespace sparkenv::index
