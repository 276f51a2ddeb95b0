// Installs one wheel (binary distribution format, PEP 427/491 as kept on
// packaging.python.org) into its own folder — a "layer" of the environment —
// checking everything first and leaving nothing behind on failure.
//
// Layout of a layer (docs/install.md has the full contract and the reasons):
//   site-packages/   the wheel root and .data/purelib + .data/platlib, merged
//                    (the environment is one flat sys.path folder), with
//                    <name>-<version>.dist-info/ (RECORD rewritten, INSTALLER)
//   bin/             .data/scripts ("#!python" shebangs rewritten to
//                    "#!/usr/bin/env pythonX.Y") and console_scripts /
//                    gui_scripts launchers, mode 0755
//   include/<name>/  .data/headers
//   data/            .data/data
// Folders that would stay empty are not created.
//
// Safety: the archive is refused — with an error naming the wheel and the
// entry — for absolute paths, '..' or '.' or empty components, backslashes,
// drive letters, control characters or invalid UTF-8 in names, links
// (symbolic or hard: any entry whose Unix mode is not a regular file or a
// folder), device files, encrypted members, duplicate entries (also ones that
// differ only in ASCII case, or that map to the same installed path), archive
// bombs (entry count, total size, per-entry compression ratio, members that
// inflate beyond their recorded size, overlapping members), a RECORD that
// misses a file, lists a file that is absent, or disagrees on a hash or a
// size, and a truncated or corrupt archive. The layer is written into a
// sibling folder "<out_dir>.tmp-<random>" and renamed onto out_dir at the
// end; every error removes that folder, so out_dir exists only when the
// install succeeded. Nothing is written anywhere else.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/name.h"
#include "spec/version.h"

namespace sparkenv::install {

// Bounds that keep hostile archives from exhausting disk, memory or time.
struct InstallLimits {
  uint64_t max_entries = 200'000;
  uint64_t max_total_size = 4ull << 30;  // sum of uncompressed sizes
  // An entry larger than min_ratio_size may not be more than max_ratio times
  // its compressed size (real wheels stay far below; deflate's ceiling is
  // about 1032:1).
  uint64_t max_ratio = 200;
  uint64_t min_ratio_size = 1ull << 20;
  // Metadata files read into memory (WHEEL, RECORD, entry_points.txt).
  uint64_t max_metadata_size = 64ull << 20;
};

struct InstallOptions {
  // The target interpreter's "X.Y": shebangs become "#!/usr/bin/env pythonX.Y".
  std::string python_version;
  InstallLimits limits;
};

struct InstallReport {
  std::string dist_info;              // "<name>-<version>.dist-info"
  uint64_t files = 0;                 // files written (RECORD rows)
  uint64_t bytes = 0;                 // bytes written
  std::vector<std::string> warnings;  // e.g. a newer Wheel-Version minor
};

// Installs the wheel at `wheel_path` (its file name must be a valid wheel
// file name for `name` and `version`, the locked project) into `out_dir`,
// which must not exist yet and whose parent must exist. Errors name the wheel
// by file name; their kind is kInvalidInput for a wheel that breaks a rule,
// kIo for an unreadable, truncated or corrupt archive or a disk failure.
Result<InstallReport> InstallWheel(const std::string& wheel_path, const spec::PackageName& name,
                                   const spec::Version& version, const InstallOptions& options,
                                   const std::string& out_dir);

// The same from an open descriptor (owned by the call) for a wheel called
// `wheel_filename` — what the fuzz target and in-memory callers use.
Result<InstallReport> InstallWheelFd(int fd, const std::string& wheel_filename,
                                     const spec::PackageName& name, const spec::Version& version,
                                     const InstallOptions& options, const std::string& out_dir);

// Where InstallWheelToSink writes the layer: straight into an archive
// (env/layer_archive.h), with no folder on disk. Entries arrive sorted by
// path (byte order; paths relative to the layer root, such as
// "site-packages/demo/__init__.py"), every folder that holds a file as its
// own entry ("site-packages/demo") before the entries below it -- the order
// env::PackDirectory gives a folder, so both make the same tree.
class LayerSink {
 public:
  virtual ~LayerSink() = default;
  virtual Status AddFolder(const std::string& path) = 0;
  // A file of exactly `size` bytes, given by the Write calls that follow.
  virtual Status BeginFile(const std::string& path, bool executable, uint64_t size) = 0;
  virtual Status Write(std::string_view bytes) = 0;
  virtual Status EndFile() = 0;

  // A sink that stores files deflated may take a wheel member's own deflate
  // stream instead of its bytes (nothing inflated to be deflated again).
  // Files of at least this many bytes are offered; 0: none (the default).
  virtual uint64_t MinDeflatedFile() const { return 0; }
  // A file of `size` bytes with CRC-32 `crc32`, given as one complete raw
  // deflate stream (RFC 1951) by `stream`, which the sink calls once. The
  // installer has already checked that it inflates to exactly those bytes
  // (size, CRC-32 and RECORD hash) and ends where the member ends.
  using DeflateStream = std::function<Status(const std::function<Status(std::string_view)>&)>;
  virtual Status AddDeflatedFile(const std::string& path, bool executable, uint64_t size,
                                 uint32_t crc32, const DeflateStream& stream);
};

// InstallWheelFd into `sink` instead of a folder: the same checks, layout,
// RECORD and INSTALLER, the same errors. Everything but the hashes is checked
// before the first entry goes out; a hash that does not match RECORD fails
// the install midway, so on any error the caller discards what the sink got.
Result<InstallReport> InstallWheelToSink(int fd, const std::string& wheel_filename,
                                         const spec::PackageName& name,
                                         const spec::Version& version,
                                         const InstallOptions& options, LayerSink& sink);

// Checks one archive entry name against the path rules above; returns the
// rule it breaks ("" when safe). Exposed for tests and the fuzz target.
std::string UnsafeNameReason(const std::string& name);

}  // namespace sparkenv::install
