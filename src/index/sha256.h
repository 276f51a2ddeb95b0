// SHA-256 as lowercase hex, of bytes in memory or of a file (streamed).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::index {

std::string Sha256Hex(std::string_view data);
// Errors name the file.
Result<std::string> Sha256File(const std::string& path);

}  // namespace sparkenv::index
