// The content-addressed blob cache: downloaded files (wheels, sdists) stored
// by their sha256, so a file is fetched once per machine whatever lock names
// it.
//
// Layout (docs/cache.md): <root>/blobs-v1/sha256/<h[0:2]>/<h> where h is the
// lowercase hex sha256 of the file's bytes. The folder name carries the
// layout's version: a new layout gets a new folder and old ones are ignored.
// <root> is index::DefaultCacheRoot() unless the caller names another one.
//
// Safety when several sparkenv processes share the cache:
//   - A blob is written to a temporary file in its own folder
//     (<h>.tmp.<pid>.<random>) and renamed into place only after its sha256
//     and size were checked, so a path in the cache always holds the whole,
//     verified file: readers never see a partial blob.
//   - Two writers of the same blob each write their own temporary file; the
//     second rename replaces identical bytes, and readers holding the first
//     keep a valid file.
//   - A writer killed mid-way leaves at most a temporary file, which no reader
//     looks at. Writers remove temporary files older than a day in the folders
//     they write to; `sparkenv cache clean` removes them sooner.
//
// BlobCache is a value naming folders; every method is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::fetch {

inline constexpr char kBlobFolder[] = "blobs-v1";
// Small JSON records that point at blobs (docs/cache.md): a wheel's layer
// (env/builder.cc), the wheel built from an sdist, a merged archive. Named
// <k[0:2]>/<k>.json with k a 64-hex key; written atomically like blobs.
inline constexpr char kLayerIndexFolder[] = "layers-v1";
inline constexpr char kBuiltIndexFolder[] = "built-v1";
// And the merged archive (--format tar.gz|zip) of a list of layers.
inline constexpr char kMergedIndexFolder[] = "merged-v1";

// True for 64 lowercase hex digits (the only form the cache stores).
bool IsSha256Hex(std::string_view hex);
// True for a name BlobCache may leave behind while writing (see above).
bool IsTempName(std::string_view file_name);

// What a blob must be: its sha256 (64 lowercase hex digits) and, when known,
// its size in bytes.
struct BlobSpec {
  std::string sha256;
  std::optional<uint64_t> size;
};

class BlobCache {
 public:
  // `root` is the cache root; blobs live in root/blobs-v1.
  explicit BlobCache(std::string root);

  const std::string& root() const { return root_; }
  // root/blobs-v1
  const std::string& dir() const { return dir_; }
  // Where the blob with this sha256 lives (whether or not it is there).
  std::string PathFor(std::string_view sha256) const;

  // The blob's path when it is in the cache, else nullopt.
  std::optional<std::string> Find(std::string_view sha256) const;

  // Creates the blob's folder and returns a fresh temporary path in it (the
  // file itself is not created). Errors name the folder.
  Result<std::string> NewTempPath(std::string_view sha256) const;

  // Checks that the file at `temp_path` has the spec's size (when given)
  // and sha256 (read in a stream, never loaded whole), then renames it into
  // place and returns the blob's path. On any failure the temporary file is
  // removed and the error says what differed:
  //   "sha256 mismatch: expected <hex>, got <hex>"
  //   "size mismatch: expected N bytes, got M (truncated download)"
  Result<std::string> Commit(const std::string& temp_path, const BlobSpec& spec) const;

  // Commit for bytes this process wrote itself and hashed as it wrote them
  // (a layer archive): only the size is checked, the file is not read again.
  Result<std::string> CommitWritten(const std::string& temp_path, const BlobSpec& spec) const;

  // Removes temporary files older than `age` from the folder of the blob
  // with this sha256. Best effort: errors are ignored.
  void RemoveStaleTemps(std::string_view sha256, std::chrono::seconds age) const;

 private:
  Result<std::string> CommitChecked(const std::string& temp_path, const BlobSpec& spec,
                                    bool rehash) const;

  std::string root_;
  std::string dir_;
};

}  // namespace sparkenv::fetch
