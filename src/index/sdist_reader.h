// PKG-INFO of a source distribution, read without building it. PEP 643: from
// Metadata-Version 2.2 on, a field of an sdist's PKG-INFO that is not listed
// as Dynamic is exactly what every wheel built from it will say, so a
// resolver may use it; older PKG-INFO files are not reliable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::index {

inline constexpr uint64_t kMaxSdistUnpackedBytes = 512ull << 20;

// The "<top>/PKG-INFO" member of a .tar.gz sdist (gzip + ustar/pax/GNU tar),
// read by streaming until it is found. nullopt when there is none.
Result<std::optional<std::string>> PkgInfoFromTarGz(std::string_view archive);

// Whether PKG-INFO text may stand for the sdist's wheels' metadata when
// resolving (PEP 643: Metadata-Version >= 2.2, and neither Requires-Dist nor
// Requires-Python is Dynamic). On "no", the error says why.
Status CheckPkgInfoIsReliable(std::string_view pkg_info);

}  // namespace sparkenv::index
