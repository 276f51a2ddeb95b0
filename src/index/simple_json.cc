#include "index/simple_json.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "http/url.h"

namespace sparkenv::index {

namespace {

using nlohmann::json;

// The deepest nesting of arrays and objects, outside strings.
int JsonDepth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

// Reads a hashes object; false when it is not an object of strings.
bool ReadHashes(const json& value, Hashes& out) {
  if (!value.is_object()) return false;
  for (const auto& [algo, digest] : value.items()) {
    if (!digest.is_string()) return false;
    out.emplace(ToLowerAscii(algo), ToLowerAscii(digest.get<std::string>()));
  }
  return true;
}

// Returns the reason to skip the entry, or "" when it was added.
std::string ReadFile(ProjectPage& page, const json& entry) {
  if (!entry.is_object()) return "a file entry is not a JSON object";
  auto filename_it = entry.find("filename");
  auto url_it = entry.find("url");
  if (filename_it == entry.end() || !filename_it->is_string()) {
    return "a file entry has no string \"filename\"";
  }
  std::string filename = filename_it->get<std::string>();
  if (url_it == entry.end() || !url_it->is_string()) return "no string \"url\"";
  std::string url = http::ResolveUrl(page.url, url_it->get<std::string>());

  std::optional<std::string> requires_python;
  if (auto it = entry.find("requires-python"); it != entry.end() && !it->is_null()) {
    if (!it->is_string()) return "\"requires-python\" is neither a string nor null";
    requires_python = it->get<std::string>();
  }
  Hashes hashes;
  if (auto it = entry.find("hashes"); it != entry.end() && !ReadHashes(*it, hashes)) {
    return "\"hashes\" is not an object of strings";
  }
  std::optional<std::string> yanked;
  if (auto it = entry.find("yanked"); it != entry.end()) {
    if (it->is_boolean()) {
      if (it->get<bool>()) yanked = "";
    } else if (it->is_string()) {
      yanked = it->get<std::string>();
    } else {
      return "\"yanked\" is neither a boolean nor a string";
    }
  }
  bool core_metadata = false;
  Hashes metadata_hashes;
  auto metadata_it = entry.find("core-metadata");
  if (metadata_it == entry.end()) metadata_it = entry.find("dist-info-metadata");
  if (metadata_it != entry.end()) {
    if (metadata_it->is_boolean()) {
      core_metadata = metadata_it->get<bool>();
    } else if (ReadHashes(*metadata_it, metadata_hashes)) {
      core_metadata = true;
    } else {
      return "\"core-metadata\" is neither a boolean nor an object of hashes";
    }
  }
  std::optional<uint64_t> size;
  if (auto it = entry.find("size"); it != entry.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) return "\"size\" is not a non-negative integer";
    size = it->get<uint64_t>();
  }
  std::optional<std::string> upload_time;
  if (auto it = entry.find("upload-time"); it != entry.end() && !it->is_null()) {
    if (!it->is_string()) return "\"upload-time\" is not a string";
    upload_time = it->get<std::string>();
  }

  auto file = MakeEntry(page, filename, http::WithoutFragment(url), requires_python);
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
  if (JsonDepth(text) > kMaxJsonDepth) {
    return invalid("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid("not JSON");
  if (!doc.is_object()) return invalid("not a JSON object");

  ProjectPage page;
  page.name = project;
  page.url = page_url;
  if (auto meta = doc.find("meta"); meta != doc.end()) {
    if (!meta->is_object()) return invalid("\"meta\" is not an object");
    auto version = meta->find("api-version");
    if (version == meta->end() || !version->is_string()) {
      return invalid("\"meta\" has no string \"api-version\"");
    }
    Status status = CheckApiVersion(version->get<std::string>(), page_url);
    if (!status.ok()) return status.error();
    page.api_version = version->get<std::string>();
  }
  auto files = doc.find("files");
  if (files == doc.end() || !files->is_array()) return invalid("no \"files\" array");
  for (const auto& entry : *files) {
    std::string reason = ReadFile(page, entry);
    if (!reason.empty()) {
      std::string filename = "?";
      if (entry.is_object()) {
        auto it = entry.find("filename");
        if (it != entry.end() && it->is_string()) filename = it->get<std::string>();
      }
      page.skipped.push_back({filename, reason});
    }
  }
  if (auto versions = doc.find("versions"); versions != doc.end() && versions->is_array()) {
    for (const auto& v : *versions) {
      if (v.is_string()) page.versions.push_back(v.get<std::string>());
    }
  }
  return page;
}

}  // namespace sparkenv::index
