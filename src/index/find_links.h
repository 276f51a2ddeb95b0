// --find-links folders: a local folder whose wheel and sdist files are
// candidates, as pip reads them (one level, no recursion; files that are not
// distributions are ignored). Each file gets a file:// URL; its sha256 is
// not read until someone asks (Sha256File / IndexClient::FileSha256), since
// a lock only needs the hashes of the files it picks.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "index/project_page.h"

namespace sparkenv::index {

// "/a b/x.whl" -> "file:///a%20b/x.whl" (RFC 8089).
std::string FileUrl(const std::string& absolute_path);

// Lists the folder. Errors name the folder when it cannot be read.
// `project` (normalized) keeps only that project's files; empty keeps all.
Result<ProjectPage> ReadFindLinksFolder(const std::string& folder, const std::string& project);

}  // namespace sparkenv::index
