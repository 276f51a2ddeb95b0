// Layers as archives: a folder packed into a deterministic tar.gz, and such
// an archive unpacked again (for `--format dir|tar.gz|zip`).
//
// Packing (libarchive, POSIX pax-restricted tar, gzip without a timestamp,
// compressed on several cores by gzip_writer.h): entries in byte order of
// their paths, folders before their contents, every mtime fixed
// (1980-01-01), owner 0/0 without names, modes 0755 (folders and files with
// any execute bit) or 0644. Only regular files and folders are packed (the
// installer makes nothing else), so the same tree always gives the same
// bytes with the same ISA-L. A layer streamed from a wheel keeps the
// wheel's own deflate streams for its big members (AddDeflatedFile): the
// same wheel always gives the same layer.
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "install/wheel_install.h"

namespace sparkenv::env {

struct PackedLayer {
  std::string sha256;  // of the archive
  uint64_t size = 0;
};

enum class ArchiveFormat { kTarGz, kZip };

// Writes an archive entry by entry, in the format above, hashing the bytes
// as they go out: what the installer streams a layer into
// (install::InstallWheelToSink), with no folder on disk, and what
// PackDirectory uses. Entries must come in the order the sink contract
// gives (sorted paths, folders first). Not thread-safe.
class LayerArchiveWriter : public install::LayerSink {
 public:
  static Result<std::unique_ptr<LayerArchiveWriter>> Create(
      const std::string& archive_path, ArchiveFormat format = ArchiveFormat::kTarGz);
  ~LayerArchiveWriter() override;
  LayerArchiveWriter(const LayerArchiveWriter&) = delete;
  LayerArchiveWriter& operator=(const LayerArchiveWriter&) = delete;

  Status AddFolder(const std::string& path) override;
  Status BeginFile(const std::string& path, bool executable, uint64_t size) override;
  Status Write(std::string_view bytes) override;
  Status EndFile() override;
  // tar.gz: a file given as a deflate stream becomes a gzip member of its
  // own (RFC 1952 allows several; every gzip reader joins them), holding
  // that stream as it is, with the rest of the tar in the members around
  // it. Files under 64 KiB are not worth a member; zip takes none.
  uint64_t MinDeflatedFile() const override;
  Status AddDeflatedFile(const std::string& path, bool executable, uint64_t size, uint32_t crc32,
                         const DeflateStream& stream) override;
  // Closes the archive; its sha256 and size.
  Result<PackedLayer> Finish();

  struct State;  // private to layer_archive.cc

 private:
  explicit LayerArchiveWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Packs the tree under `dir` into `archive_path` (written in place; the
// caller renames it). Errors name the file that failed. kZip (deflate) is
// for the classic single-archive output only; layers are always kTarGz.
Result<PackedLayer> PackDirectory(const std::string& dir, const std::string& archive_path,
                                  ArchiveFormat format = ArchiveFormat::kTarGz);

// The archive of every layer merged (what --format tar.gz|zip writes),
// streamed from the layers without unpacking them: a k-way merge of their
// sorted entries into one LayerArchiveWriter, so the result is the archive
// PackDirectory would make of the merged folder. A folder in several
// layers appears once; a file in several layers must have the same bytes
// (e.g. an empty namespace __init__.py), else the error names the path and
// the two layers by `label`. Each layer must be sorted as layers are.
struct LayerInput {
  std::string path;   // a layer archive
  std::string label;  // names it in errors, e.g. the package
};
Result<PackedLayer> MergeLayers(const std::vector<LayerInput>& layers,
                                const std::string& archive_path, ArchiveFormat format);

// Unpacks an archive made by PackDirectory into `dir` (which must exist),
// refusing anything but regular files and folders with safe relative names.
// A file that already exists is an error naming both the archive and the
// path (two layers must not install the same file) unless its bytes are
// identical.
Status UnpackLayer(const std::string& archive_path, const std::string& dir);

}  // namespace sparkenv::env
