// PEP 503 HTML project pages (packaging.python.org: simple-repository-api,
// "Base HTML API"), read the way pip's and uv's HTML readers do:
//   - every <a href> is a file; its URL is resolved against the page URL, or
//     against the first <base href> (itself resolved against the page URL);
//     the filename is the last path segment of the URL, percent-decoded;
//   - "#<hash>=<hex>" fragments (md5, sha1, sha224, sha256, sha384, sha512)
//     give the file's hash; the fragment is removed from the URL;
//   - data-requires-python, data-yanked (PEP 592),
//     data-core-metadata / data-dist-info-metadata (PEP 658/714: "true" or
//     "<hash>=<hex>") are read with HTML character references decoded;
//   - <meta name="pypi:repository-version" content="X.Y"> is checked (PEP 629).
// The reader is a tolerant tokenizer, not a validating HTML parser: unknown
// tags, comments and malformed markup are skipped; only an unsupported API
// version is an error.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "index/project_page.h"

namespace sparkenv::index {

// `project` is the normalized name the page was fetched for (files of other
// projects are skipped); empty accepts every file. `page_url` is the URL the
// page was served from (after redirects).
Result<ProjectPage> ParseSimpleHtml(std::string_view html, const std::string& page_url,
                                    const std::string& project);

// Decodes HTML character references (&amp; &lt; &gt; &quot; &apos; &#NN;
// &#xHH;); unknown references are kept as written.
std::string HtmlUnescape(std::string_view text);

}  // namespace sparkenv::index
