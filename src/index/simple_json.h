// PEP 691 JSON project pages (packaging.python.org: simple-repository-api,
// "JSON-based Simple API"), with PEP 700's size, upload-time and versions:
//   {"meta": {"api-version": "1.1"}, "name": "...", "versions": [...],
//    "files": [{"filename", "url", "hashes": {"sha256": ...},
//               "requires-python": str|null, "yanked": bool|str,
//               "core-metadata": bool|{hashes} (or the older
//               "dist-info-metadata", PEP 714), "size": int,
//               "upload-time": str}]}
// `url` may be relative; it is resolved against the page URL. A missing
// `meta` reads as version 1.0; a major version other than 1 is an error
// (PEP 629). Entries missing `filename`/`url` or with values of the wrong
// JSON type are skipped with the reason in ProjectPage::skipped; a document
// that is not JSON, is nested deeper than kMaxJsonDepth, or has no `files`
// array is an error naming the URL.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "index/project_page.h"

namespace sparkenv::index {

inline constexpr int kMaxJsonDepth = 64;

Result<ProjectPage> ParseSimpleJson(std::string_view json, const std::string& page_url,
                                    const std::string& project);

}  // namespace sparkenv::index
