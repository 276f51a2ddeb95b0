// Unpacking a source distribution (.tar.gz, .tgz, .tar.bz2, .tar.xz, .tar,
// .zip) safely, before a build backend ever sees it.
//
// The archive is read once, front to back (libarchive), and every entry is
// checked before it is written:
//   - names: the install module's rules (no absolute paths, no '..', '.' or
//     empty components, no backslashes, drive letters, control characters or
//     invalid UTF-8); one leading "./" is allowed and dropped;
//   - types: regular files and folders are extracted; device files, FIFOs
//     and sockets are refused; symbolic and hard links are resolved inside
//     the archive's own namespace and the file (or folder) they name is
//     *copied* into their place -- no link is ever created on disk, so
//     nothing can be written through one. A link that leaves the archive
//     (an absolute target, a '..' that climbs above the root) is refused; a
//     link to nothing in the archive is left out;
//   - duplicates: a path that appears twice (as a file or link), a file that
//     another entry needs as a folder, an entry below a link: refused;
//   - bombs: at most `max_entries` entries; the bytes written (copies of
//     links included) may not exceed max_total_size, nor max_ratio times
//     the archive's size once they pass min_ratio_size; counted while
//     streaming, so the limit stops the first extra byte;
//   - layout: every entry lies in one top-level folder (the project).
// Files are written with O_EXCL | O_NOFOLLOW, mode 0755 when the entry had
// an execute bit, else 0644. Errors name the archive and the entry; refusals
// are kInvalidInput, a corrupt or truncated archive kIo. On any error
// `out_dir` is removed: it exists only when everything was unpacked.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace sparkenv::wheelbuild {

struct SourceLimits {
  uint64_t max_entries = 200'000;
  uint64_t max_total_size = 4ull << 30;
  uint64_t max_ratio = 200;
  uint64_t min_ratio_size = 64ull << 20;
  int max_link_depth = 32;
};

struct UnpackedSource {
  std::string project_dir;  // out_dir/<the top-level folder>
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Unpacks the archive at `archive_path` (called `filename` in messages; its
// extension picks nothing: the format is detected, tar or zip only) into
// `out_dir`, which must not exist and whose parent must.
Result<UnpackedSource> UnpackSource(const std::string& archive_path, const std::string& filename,
                                    const std::string& out_dir, const SourceLimits& limits = {});

}  // namespace sparkenv::wheelbuild
