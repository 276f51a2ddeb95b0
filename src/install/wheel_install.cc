#include "install/wheel_install.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "base/strings.h"
#include "install/record.h"
#include "install/zip_file.h"
#include "spec/wheel_filename.h"

namespace sparkenv::install {

namespace {

constexpr uint32_t kTypeMask = 0170000;
constexpr uint32_t kTypeRegular = 0100000;
constexpr uint32_t kTypeDirectory = 0040000;
constexpr uint32_t kTypeSymlink = 0120000;
constexpr size_t kLocalHeaderSize = 30;
// How much of a script is held back to find its first line.
constexpr size_t kMaxShebangLine = 4096;
constexpr char kInstaller[] = "sparkenv\n";

// Where an archive file goes in the layer.
enum class Scheme { kSitePackages, kScripts, kHeaders, kData };

struct Planned {
  const ZipMember* member = nullptr;
  const RecordRow* row = nullptr;
  Scheme scheme = Scheme::kSitePackages;
  std::string dest;  // relative to the layer root
};

struct EntryPoint {
  std::string name;
  std::string module;
  std::string attr;  // dotted, non-empty
};

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if ((c >> 4) == 0xE) {
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
    } else {
      return false;
    }
    if (len > s.size() - i) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

std::string Octal(uint32_t mode) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + (mode & 7)));
    mode >>= 3;
  } while (mode != 0);
  return "0" + out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[(static_cast<uint8_t>(c) >> 4) & 0xF]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 0xF]);
  }
  return out;
}

std::string RandomSuffix() {
  std::random_device rd;
  std::string bytes;
  for (int i = 0; i < 2; ++i) {
    uint32_t v = rd();
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return Hex(bytes);
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || IsAsciiDigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAsciiAlnum(c) || c == '_'; });
}

bool IsDottedIdentifier(std::string_view s) {
  auto parts = Split(s, '.');
  return std::all_of(parts.begin(), parts.end(),
                     [](const std::string& p) { return IsIdentifier(p); });
}

bool IsSafeScriptName(std::string_view s) {
  if (s.empty() || s == "." || s == ".." || s[0] == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-' || c == '+';
  });
}

// Parses entry_points.txt (an INI file) for [console_scripts] and
// [gui_scripts]; other groups are metadata for the package itself.
Result<std::vector<EntryPoint>> ParseEntryPoints(std::string_view text) {
  std::vector<EntryPoint> out;
  std::string section;
  int line_no = 0;
  for (const std::string& raw : Split(text, '\n')) {
    ++line_no;
    std::string_view line = TrimAscii(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const std::string where = "entry_points.txt line " + std::to_string(line_no);
    if (line[0] == '[') {
      if (line.back() != ']') return Error(where + " has an unterminated section header");
      section = std::string(TrimAscii(line.substr(1, line.size() - 2)));
      continue;
    }
    if (section != "console_scripts" && section != "gui_scripts") continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return Error(where + " is not 'name = module:attr'");
    EntryPoint ep;
    ep.name = std::string(TrimAscii(line.substr(0, eq)));
    std::string_view value = TrimAscii(line.substr(eq + 1));
    if (size_t bracket = value.find('['); bracket != std::string_view::npos) {
      value = TrimAscii(value.substr(0, bracket));  // extras do not change the launcher
    }
    size_t colon = value.find(':');
    if (!IsSafeScriptName(ep.name)) {
      return Error(where + ": script name " + Quote(ep.name) +
                   " is not a plain file name (letters, digits, '.', '_', '-', '+')");
    }
    if (colon == std::string_view::npos) {
      return Error(where + ": " + Quote(value) + " is not 'module:attr'");
    }
    ep.module = std::string(TrimAscii(value.substr(0, colon)));
    ep.attr = std::string(TrimAscii(value.substr(colon + 1)));
    if (!IsDottedIdentifier(ep.module) || !IsDottedIdentifier(ep.attr)) {
      return Error(where + ": " + Quote(value) + " is not 'module:attr' with Python identifiers");
    }
    out.push_back(std::move(ep));
  }
  return out;
}

std::string Launcher(const EntryPoint& ep, const std::string& shebang) {
  std::string first = ep.attr.substr(0, ep.attr.find('.'));
  return shebang + "\n" + "# -*- coding: utf-8 -*-\n" + "import re\n" + "import sys\n" + "from " +
         ep.module + " import " + first + "\n" + "if __name__ == \"__main__\":\n" +
         "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n" +
         "    sys.exit(" + ep.attr + "())\n";
}

// Removes the temporary folder unless the install was committed.
class TempDir {
 public:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// Writes one file, hashing what it writes; closes on every path.
class OutFile {
 public:
  ~OutFile() {
    if (fd_ >= 0) close(fd_);
  }
  // `hash`: whether Finish() will be called (the caller may already know
  // the digest of what it writes).
  Status Open(const std::string& path, mode_t mode, bool hash = true) {
    path_ = path;
    if (hash) hasher_ = std::make_unique<Hasher>("sha256");
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd_ < 0) return Fail("cannot create");
    return Status::Ok();
  }
  Status Write(std::string_view bytes) {
    if (hasher_) hasher_->Update(bytes);
    size_ += bytes.size();
    while (!bytes.empty()) {
      ssize_t n = write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail("cannot write");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Status Close() {
    int fd = fd_;
    fd_ = -1;
    if (close(fd) != 0) return Fail("cannot write");
    return Status::Ok();
  }
  std::string Finish() { return hasher_->Finish(); }
  uint64_t size() const { return size_; }

 private:
  Status Fail(const std::string& what) const {
    return Error(what + " " + Quote(path_) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::unique_ptr<Hasher> hasher_;
};

class Installer {
 public:
  Installer(std::string wheel, const spec::PackageName& name, const spec::Version& version,
            const InstallOptions& options, std::string out_dir)
      : wheel_(std::move(wheel)),
        name_(name),
        version_(version),
        options_(options),
        out_dir_(std::move(out_dir)) {}

  Result<InstallReport> Run(int fd);
  Result<InstallReport> RunToSink(int fd, LayerSink& sink);

 private:
  Error Fail(const std::string& why, ErrorKind kind = ErrorKind::kInvalidInput) const {
    return Error("cannot install " + Quote(wheel_) + ": " + why, kind);
  }
  Error Entry(const std::string& name, const std::string& why) const {
    return Fail("entry " + Quote(name) + " " + why);
  }
  Status CheckMembers();
  Status FindDistInfo();
  Status ReadMetadata();
  Status Plan();
  Status Prepare(int fd);
  Status EnsureParent(const std::string& rel);
  using ChunkWriter = std::function<Status(std::string_view)>;
  Status Emit(const Planned& p, const ChunkWriter& write, bool* exact = nullptr);
  Status Extract(const Planned& p);
  Status WriteGenerated(const std::string& dest, std::string_view content, mode_t mode);
  Status WriteRecord();

  std::string wheel_;
  spec::PackageName name_;
  spec::Version version_;
  InstallOptions options_;
  std::string out_dir_;
  std::string shebang_;

  std::unique_ptr<ZipFile> zip_;
  std::string dist_info_;  // "<name>-<version>.dist-info"
  std::string data_dir_;   // "<name>-<version>.data"
  std::string dist_name_;  // the name part of dist_info_
  std::map<std::string, const ZipMember*> files_;
  std::vector<RecordRow> record_;
  std::vector<EntryPoint> entry_points_;
  std::vector<Planned> plan_;
  std::unique_ptr<TempDir> temp_;
  std::unordered_set<std::string> made_dirs_;
  // (path relative to site-packages, hash, size) for the new RECORD.
  std::vector<std::tuple<std::string, std::string, uint64_t>> written_;
  InstallReport report_;
};

Status Installer::CheckMembers() {
  const auto& members = zip_->members();
  const InstallLimits& lim = options_.limits;
  if (members.size() > lim.max_entries) {
    return Fail("the archive has " + std::to_string(members.size()) +
                " entries, over the limit of " + std::to_string(lim.max_entries));
  }
  uint64_t total = 0;
  std::unordered_set<std::string> exact;
  std::unordered_map<std::string, std::string> folded;   // lowercase -> name as stored
  std::unordered_map<std::string, std::string> parents;  // lowercase folder -> a file inside
  for (const ZipMember& m : members) {
    if (std::string why = UnsafeNameReason(m.name); !why.empty()) return Entry(m.name, why);
    uint32_t type = m.unix_mode() & kTypeMask;
    if (type == kTypeSymlink) {
      return Entry(m.name, "is a symbolic link (sparkenv refuses links in wheels)");
    }
    if (type != 0 && type != kTypeRegular && type != kTypeDirectory) {
      return Entry(m.name, "is a device or special file (mode " + Octal(m.unix_mode()) + ")");
    }
    if (type == kTypeDirectory && !m.is_directory()) {
      return Entry(m.name, "has a folder mode but no trailing '/'");
    }
    if (m.is_encrypted()) return Entry(m.name, "is encrypted");
    if (m.method != 0 && m.method != 8) {
      return Entry(m.name, "uses compression method " + std::to_string(m.method) +
                               " (only stored and deflate are allowed)");
    }
    if (m.uncompressed_size > lim.min_ratio_size &&
        m.uncompressed_size / lim.max_ratio >= std::max<uint64_t>(m.compressed_size, 1)) {
      return Entry(m.name, "inflates " + std::to_string(m.compressed_size) + " bytes to " +
                               std::to_string(m.uncompressed_size) + ", more than " +
                               std::to_string(lim.max_ratio) +
                               " times (the limit against archive bombs)");
    }
    if (m.uncompressed_size > lim.max_total_size - std::min(total, lim.max_total_size)) {
      return Fail("the entries inflate to more than the limit of " +
                  std::to_string(lim.max_total_size) + " bytes (the limit against archive bombs)");
    }
    total += m.uncompressed_size;
    std::string key = m.is_directory() ? m.name.substr(0, m.name.size() - 1) : m.name;
    if (!exact.insert(key).second) return Entry(m.name, "appears twice in the archive");
    std::string lower = ToLowerAscii(key);
    if (auto [it, fresh] = folded.emplace(lower, m.name); !fresh) {
      return Fail("entries " + Quote(it->second) + " and " + Quote(m.name) +
                  " differ only in case");
    }
    if (!m.is_directory()) {
      for (size_t slash = lower.find('/'); slash != std::string::npos;
           slash = lower.find('/', slash + 1)) {
        parents.emplace(lower.substr(0, slash), m.name);
      }
      files_.emplace(m.name, &m);
    }
  }
  for (const auto& [path, member] : files_) {
    if (auto it = parents.find(ToLowerAscii(path)); it != parents.end()) {
      return Fail("entry " + Quote(path) + " is a file, but " + Quote(it->second) +
                  " needs it to be a folder");
    }
  }
  // Member data may not overlap (the trick behind non-recursive zip bombs)
  // nor run into the central directory.
  std::vector<const ZipMember*> by_offset;
  by_offset.reserve(members.size());
  for (const ZipMember& m : members) by_offset.push_back(&m);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const ZipMember* a, const ZipMember* b) {
    return a->local_header_offset < b->local_header_offset;
  });
  for (size_t i = 0; i < by_offset.size(); ++i) {
    const ZipMember& m = *by_offset[i];
    uint64_t limit = i + 1 < by_offset.size() ? by_offset[i + 1]->local_header_offset
                                              : zip_->central_directory_offset();
    uint64_t need = kLocalHeaderSize + m.name.size();
    if (m.local_header_offset > limit || limit - m.local_header_offset < need ||
        limit - m.local_header_offset - need < m.compressed_size) {
      if (i + 1 < by_offset.size()) {
        return Fail("entries " + Quote(m.name) + " and " + Quote(by_offset[i + 1]->name) +
                    " overlap in the archive");
      }
      return Fail("entry " + Quote(m.name) +
                      " runs past the start of the central directory (truncated or corrupt "
                      "archive)",
                  ErrorKind::kIo);
    }
  }
  return Status::Ok();
}

Status Installer::FindDistInfo() {
  std::vector<std::string> infos;
  std::vector<std::string> datas;
  for (const ZipMember& m : zip_->members()) {
    size_t slash = m.name.find('/');
    if (slash == std::string::npos) continue;
    std::string top = m.name.substr(0, slash);
    if (!EndsWith(top, ".dist-info") && !EndsWith(top, ".data")) continue;
    auto& list = EndsWith(top, ".data") ? datas : infos;
    if (std::find(list.begin(), list.end(), top) == list.end()) list.push_back(top);
  }
  if (infos.empty()) return Fail("the archive has no .dist-info folder");
  std::sort(infos.begin(), infos.end());
  if (infos.size() > 1) {
    return Fail("the archive has several .dist-info folders (" + Quote(infos[0]) + " and " +
                Quote(infos[1]) + ")");
  }
  dist_info_ = infos[0];
  std::string stem = dist_info_.substr(0, dist_info_.size() - std::strlen(".dist-info"));
  size_t dash = stem.rfind('-');
  auto version = dash == std::string::npos ? Result<spec::Version>(Error(""))
                                           : spec::Version::Parse(stem.substr(dash + 1));
  if (dash == std::string::npos || !version.ok() || !spec::IsValidName(stem.substr(0, dash))) {
    return Fail("the .dist-info folder " + Quote(dist_info_) + " is not '<name>-<version>'");
  }
  dist_name_ = stem.substr(0, dash);
  if (spec::NormalizeName(dist_name_) != name_.normalized() || !(*version == version_)) {
    return Fail("the .dist-info folder " + Quote(dist_info_) + " is not for " + name_.normalized() +
                " " + version_.ToString());
  }
  data_dir_ = stem + ".data";
  for (const std::string& d : datas) {
    if (d != data_dir_) {
      return Fail("the .data folder " + Quote(d) + " does not match the .dist-info folder " +
                  Quote(dist_info_));
    }
  }
  return Status::Ok();
}

Status Installer::ReadMetadata() {
  auto read = [this](const std::string& file, bool required) -> Result<std::string> {
    auto it = files_.find(dist_info_ + "/" + file);
    if (it == files_.end()) {
      if (required) return Fail("the archive has no " + Quote(dist_info_ + "/" + file));
      return std::string();
    }
    auto text = zip_->ReadAll(*it->second, options_.limits.max_metadata_size);
    if (!text.ok()) return Fail(text.error().message(), ErrorKind::kIo);
    return text;
  };
  auto wheel = read("WHEEL", true);
  if (!wheel.ok()) return wheel.error();
  std::string wheel_version;
  std::string purelib;
  for (const std::string& raw : Split(*wheel, '\n')) {
    size_t colon = raw.find(':');
    if (colon == std::string::npos) continue;
    std::string_view key = TrimAscii(std::string_view(raw).substr(0, colon));
    std::string_view value = TrimAscii(std::string_view(raw).substr(colon + 1));
    if (key == "Wheel-Version") wheel_version = std::string(value);
    if (key == "Root-Is-Purelib") purelib = ToLowerAscii(value);
  }
  auto parts = Split(wheel_version, '.');
  bool numeric =
      parts.size() == 2 && std::all_of(parts.begin(), parts.end(), [](auto& p) {
        return !p.empty() && p.size() < 6 && std::all_of(p.begin(), p.end(), IsAsciiDigit);
      });
  if (!numeric) {
    return Fail("WHEEL has Wheel-Version " + Quote(wheel_version) + ", expected '<major>.<minor>'");
  }
  if (parts[0] != "1") {
    return Fail("WHEEL has Wheel-Version " + wheel_version +
                "; sparkenv installs Wheel-Version 1.x only");
  }
  if (std::stoi(parts[1]) > 0) {
    report_.warnings.push_back(wheel_ + ": WHEEL has Wheel-Version " + wheel_version +
                               ", newer than the 1.0 sparkenv knows");
  }
  if (purelib != "true" && purelib != "false") {
    return Fail("WHEEL has Root-Is-Purelib " + Quote(purelib) + ", expected 'true' or 'false'");
  }
  auto record_text = read("RECORD", true);
  if (!record_text.ok()) return record_text.error();
  auto record = ParseRecord(*record_text);
  if (!record.ok()) return Fail(record.error().message());
  record_ = std::move(record).value();
  auto eps = read("entry_points.txt", false);
  if (!eps.ok()) return eps.error();
  auto parsed = ParseEntryPoints(*eps);
  if (!parsed.ok()) return Fail(parsed.error().message());
  entry_points_ = std::move(parsed).value();
  return Status::Ok();
}

Status Installer::Plan() {
  const std::string record_path = dist_info_ + "/RECORD";
  std::unordered_map<std::string, const RecordRow*> rows;
  for (const RecordRow& row : record_) {
    if (!rows.emplace(row.path, &row).second) {
      return Fail("RECORD lists " + Quote(row.path) + " twice");
    }
    if (row.path == record_path) continue;
    auto it = files_.find(row.path);
    if (it == files_.end()) {
      return Fail("RECORD lists " + Quote(row.path) + ", which is not in the archive");
    }
    if (row.algorithm.empty()) return Entry(row.path, "has no hash in RECORD");
    if (row.size && *row.size != it->second->uncompressed_size) {
      return Entry(row.path, "is " + std::to_string(it->second->uncompressed_size) +
                                 " bytes, but RECORD says " + std::to_string(*row.size));
    }
  }
  std::unordered_map<std::string, std::string> dests;  // lowercase dest -> archive name
  auto claim = [&](const std::string& dest, const std::string& from) -> Status {
    auto [it, fresh] = dests.emplace(ToLowerAscii(dest), from);
    if (!fresh) {
      return Fail("entries " + Quote(it->second) + " and " + Quote(from) +
                  " install to the same path " + Quote(dest));
    }
    return Status::Ok();
  };
  for (const auto& [path, member] : files_) {
    if (path == record_path || path == record_path + ".jws" || path == record_path + ".p7s") {
      continue;  // rewritten below; the signatures would no longer verify
    }
    auto row = rows.find(path);
    if (row == rows.end()) return Entry(path, "is not listed in RECORD");
    Planned p;
    p.member = member;
    p.row = row->second;
    if (StartsWith(path, data_dir_ + "/")) {
      std::string rest = path.substr(data_dir_.size() + 1);
      size_t slash = rest.find('/');
      std::string key = rest.substr(0, slash);
      std::string inner = slash == std::string::npos ? "" : rest.substr(slash + 1);
      if (inner.empty()) {
        return Entry(path,
                     "is not inside a .data scheme folder (purelib, platlib, scripts, "
                     "headers or data)");
      }
      if (key == "purelib" || key == "platlib") {
        p.dest = "site-packages/" + inner;
      } else if (key == "scripts") {
        p.scheme = Scheme::kScripts;
        p.dest = "bin/" + inner;
      } else if (key == "headers") {
        p.scheme = Scheme::kHeaders;
        p.dest = "include/" + dist_name_ + "/" + inner;
      } else if (key == "data") {
        p.scheme = Scheme::kData;
        p.dest = "data/" + inner;
      } else {
        return Entry(path, "is in the unknown .data scheme " + Quote(key) +
                               " (purelib, platlib, scripts, headers or data)");
      }
    } else {
      p.dest = "site-packages/" + path;
    }
    if (Status s = claim(p.dest, path); !s.ok()) return s;
    plan_.push_back(std::move(p));
  }
  for (const EntryPoint& ep : entry_points_) {
    if (Status s = claim("bin/" + ep.name, "entry point " + ep.name); !s.ok()) return s;
  }
  // Read the archive front to back.
  std::sort(plan_.begin(), plan_.end(), [](const Planned& a, const Planned& b) {
    return a.member->local_header_offset < b.member->local_header_offset;
  });
  return Status::Ok();
}

Status Installer::EnsureParent(const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string dir = rel.substr(0, slash);
    if (made_dirs_.count(dir) != 0) continue;
    std::string full = temp_->path() + "/" + dir;
    if (mkdir(full.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error("cannot create " + Quote(full) + ": " + std::strerror(errno), ErrorKind::kIo);
    }
    made_dirs_.insert(dir);
  }
  return Status::Ok();
}

// The path RECORD uses for a layer file: relative to site-packages.
std::string RecordPathFor(const std::string& dest) {
  const std::string site = "site-packages/";
  if (StartsWith(dest, site)) return dest.substr(site.size());
  return "../" + dest;
}

// Streams the member's bytes to `write` -- a script's "#!python" shebang
// rewritten -- and checks them against RECORD (hash, and the size the
// central directory gave).
Status Installer::Emit(const Planned& p, const ChunkWriter& write, bool* exact) {
  const ZipMember& m = *p.member;
  Hasher check(p.row->algorithm);
  uint64_t streamed = 0;
  // Scripts hold back their first line until it is complete, to rewrite a
  // "#!python" shebang; everything else streams straight through.
  bool rewrite = p.scheme == Scheme::kScripts;
  std::string head;
  auto flush_head = [&]() -> Status {
    rewrite = false;
    std::string_view h = head;
    if (StartsWith(h, "#!python")) {
      size_t eol = h.find('\n');
      std::string_view rest = h.substr(
          std::strlen("#!python"),
          eol == std::string_view::npos ? std::string_view::npos : eol - std::strlen("#!python"));
      if (!rest.empty() && rest[0] == 'w') rest.remove_prefix(1);
      // "#!python" and "#!pythonw", with or without arguments (dropped: one
      // shebang argument is all Linux passes, and env takes it).
      if (rest.empty() || IsAsciiSpace(rest[0])) {
        std::string line = shebang_ + (eol == std::string_view::npos ? "" : "\n");
        if (Status s = write(line); !s.ok()) return s;
        return write(eol == std::string_view::npos ? std::string_view() : h.substr(eol + 1));
      }
    }
    return write(h);
  };
  auto each = [&](std::string_view chunk) -> Status {
    check.Update(chunk);
    streamed += chunk.size();
    if (!rewrite) return write(chunk);
    head.append(chunk);
    if (head.find('\n') == std::string::npos && head.size() < kMaxShebangLine) {
      return Status::Ok();
    }
    return flush_head();
  };
  Status result = zip_->Stream(m, each, exact);
  if (!result.ok()) return Fail(result.error().message(), result.error().kind());
  if (rewrite) {
    if (Status s = flush_head(); !s.ok()) return s;
  }
  if (streamed != m.uncompressed_size) {
    return Entry(m.name, "inflates to " + std::to_string(streamed) + " bytes, not the " +
                             std::to_string(m.uncompressed_size) + " the archive records");
  }
  std::string digest = check.Finish();
  if (digest != p.row->digest) {
    return Entry(m.name, "does not match its RECORD hash (RECORD has " +
                             RecordHash(p.row->algorithm, p.row->digest) + ", the file has " +
                             RecordHash(p.row->algorithm, digest) + ")");
  }
  return Status::Ok();
}

Status Installer::Extract(const Planned& p) {
  const ZipMember& m = *p.member;
  if (Status s = EnsureParent(p.dest); !s.ok()) return s;
  mode_t mode = (p.scheme == Scheme::kScripts || (m.unix_mode() & 0111) != 0) ? 0755 : 0644;
  // Each byte is hashed once when RECORD's sha256 is also the new RECORD's
  // hash (everything but scripts, whose first line may change).
  bool reuse = p.row->algorithm == "sha256" && p.scheme != Scheme::kScripts;
  OutFile out;
  if (Status s = out.Open(temp_->path() + "/" + p.dest, mode, !reuse); !s.ok()) return s;
  if (Status s = Emit(p, [&out](std::string_view b) { return out.Write(b); }); !s.ok()) return s;
  if (Status s = out.Close(); !s.ok()) return s;
  written_.emplace_back(RecordPathFor(p.dest),
                        RecordHash("sha256", reuse ? p.row->digest : out.Finish()), out.size());
  report_.bytes += out.size();
  return Status::Ok();
}

Status Installer::WriteGenerated(const std::string& dest, std::string_view content, mode_t mode) {
  if (Status s = EnsureParent(dest); !s.ok()) return s;
  OutFile out;
  if (Status s = out.Open(temp_->path() + "/" + dest, mode); !s.ok()) return s;
  if (Status s = out.Write(content); !s.ok()) return s;
  if (Status s = out.Close(); !s.ok()) return s;
  written_.emplace_back(RecordPathFor(dest), RecordHash("sha256", out.Finish()), out.size());
  report_.bytes += out.size();
  return Status::Ok();
}

Status Installer::WriteRecord() {
  std::string text;
  std::sort(written_.begin(), written_.end());
  for (const auto& [path, hash, size] : written_) {
    text += RecordLine(path, hash, std::to_string(size));
  }
  text += RecordLine(dist_info_ + "/RECORD", "", "");
  report_.files = written_.size() + 1;
  std::string dest = "site-packages/" + dist_info_ + "/RECORD";
  if (Status s = EnsureParent(dest); !s.ok()) return s;
  OutFile out;
  if (Status s = out.Open(temp_->path() + "/" + dest, 0644); !s.ok()) return s;
  if (Status s = out.Write(text); !s.ok()) return s;
  report_.bytes += out.size();
  return out.Close();
}

Status Installer::Prepare(int fd) {
  auto filename = spec::WheelFilename::Parse(wheel_);
  if (!filename.ok()) {
    close(fd);
    return Fail(filename.error().message());
  }
  if (filename->name() != name_.normalized() || !(filename->version() == version_)) {
    close(fd);
    return Fail("the file name is for " + filename->name() + " " + filename->version().ToString() +
                ", but the lock expects " + name_.normalized() + " " + version_.ToString());
  }
  auto xy = Split(options_.python_version, '.');
  if (xy.size() != 2 || xy[0].empty() || xy[1].empty() ||
      !std::all_of(options_.python_version.begin(), options_.python_version.end(),
                   [](char c) { return IsAsciiDigit(c) || c == '.'; })) {
    close(fd);
    return Fail("the target Python version " + Quote(options_.python_version) + " is not 'X.Y'");
  }
  shebang_ = "#!/usr/bin/env python" + options_.python_version;
  auto zip = ZipFile::FromFd(fd);
  if (!zip.ok()) return Fail(zip.error().message(), ErrorKind::kIo);
  zip_ = std::move(zip).value();
  for (auto step : {&Installer::CheckMembers, &Installer::FindDistInfo, &Installer::ReadMetadata,
                    &Installer::Plan}) {
    if (Status s = (this->*step)(); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<InstallReport> Installer::RunToSink(int fd, LayerSink& sink) {
  if (Status s = Prepare(fd); !s.ok()) return s.error();
  // Everything the layer holds, with its final size and hash, before the
  // first byte goes out: the entries must come in path order, and RECORD
  // (which lists them all) sorts before most of them.
  struct Out {
    const Planned* planned = nullptr;  // an archive member, else `content`
    std::string content;
    bool executable = false;
    uint64_t size = 0;
  };
  std::map<std::string, Out> files;
  for (const Planned& p : plan_) {
    Out out;
    out.planned = &p;
    out.executable = p.scheme == Scheme::kScripts || (p.member->unix_mode() & 0111) != 0;
    std::string hash;
    if (p.row->algorithm == "sha256" && p.scheme != Scheme::kScripts) {
      // Checked against the bytes as they stream out below.
      hash = RecordHash("sha256", p.row->digest);
      out.size = p.member->uncompressed_size;
    } else {
      // A rewritten script, or another hash algorithm: the new sha256 needs
      // a first pass over the member.
      Hasher h("sha256");
      uint64_t size = 0;
      Status s = Emit(p, [&](std::string_view b) {
        h.Update(b);
        size += b.size();
        return Status::Ok();
      });
      if (!s.ok()) return s.error();
      hash = RecordHash("sha256", h.Finish());
      out.size = size;
    }
    written_.emplace_back(RecordPathFor(p.dest), hash, out.size);
    report_.bytes += out.size;
    files.emplace(p.dest, std::move(out));
  }
  auto generated = [&](const std::string& dest, std::string content, bool executable) {
    Hasher h("sha256");
    h.Update(content);
    written_.emplace_back(RecordPathFor(dest), RecordHash("sha256", h.Finish()), content.size());
    report_.bytes += content.size();
    Out out;
    out.executable = executable;
    out.size = content.size();
    out.content = std::move(content);
    files.emplace(dest, std::move(out));
  };
  for (const EntryPoint& ep : entry_points_)
    generated("bin/" + ep.name, Launcher(ep, shebang_), true);
  generated("site-packages/" + dist_info_ + "/INSTALLER", kInstaller, false);
  std::string record;
  std::sort(written_.begin(), written_.end());
  for (const auto& [path, hash, size] : written_) {
    record += RecordLine(path, hash, std::to_string(size));
  }
  record += RecordLine(dist_info_ + "/RECORD", "", "");
  report_.files = written_.size() + 1;
  report_.bytes += record.size();
  Out record_out;
  record_out.size = record.size();
  record_out.content = std::move(record);
  files.emplace("site-packages/" + dist_info_ + "/RECORD", std::move(record_out));

  // Folders and files in byte order of their paths (a folder before what
  // it holds), as env::PackDirectory lays out a folder.
  std::vector<std::pair<std::string, const Out*>> entries;
  std::unordered_set<std::string> folders;
  for (const auto& [path, out] : files) {
    entries.emplace_back(path, &out);
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      if (folders.insert(path.substr(0, slash)).second) {
        entries.emplace_back(path.substr(0, slash), nullptr);
      }
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& entry : entries) {
    const std::string& path = entry.first;
    const Out* out = entry.second;
    if (out == nullptr) {
      if (Status s = sink.AddFolder(path); !s.ok()) return s.error();
      continue;
    }
    const Planned* planned = out->planned;
    if (planned != nullptr && sink.MinDeflatedFile() > 0 && out->size >= sink.MinDeflatedFile() &&
        planned->member->method == 8 && planned->scheme != Scheme::kScripts) {
      // Checked first (inflated and hashed, nothing written), then handed
      // over as the member's own deflate stream. A stream with bytes after
      // its end (rare, harmless) goes the usual way below instead.
      bool exact = false;
      if (Status s = Emit(
              *planned, [](std::string_view) { return Status::Ok(); }, &exact);
          !s.ok()) {
        return s.error();
      }
      if (exact) {
        const ZipMember& m = *planned->member;
        Status s = sink.AddDeflatedFile(path, out->executable, out->size, m.crc32,
                                        [&](const std::function<Status(std::string_view)>& to) {
                                          return zip_->StreamStored(m, to);
                                        });
        if (!s.ok()) return s.error();
        continue;
      }
    }
    if (Status s = sink.BeginFile(path, out->executable, out->size); !s.ok()) return s.error();
    uint64_t sent = 0;
    auto write = [&](std::string_view b) -> Status {
      sent += b.size();
      if (sent > out->size) return Fail("entry for " + Quote(path) + " grew while it was read");
      return sink.Write(b);
    };
    Status s = out->planned != nullptr ? Emit(*out->planned, write) : write(out->content);
    if (!s.ok()) return s.error();
    if (sent != out->size) return Fail("entry for " + Quote(path) + " shrank while it was read");
    if (Status e = sink.EndFile(); !e.ok()) return e.error();
  }
  report_.dist_info = dist_info_;
  return report_;
}

Result<InstallReport> Installer::Run(int fd) {
  if (Status s = Prepare(fd); !s.ok()) return s.error();
  struct stat st {};
  if (lstat(out_dir_.c_str(), &st) == 0) {
    return Fail("the output folder " + Quote(out_dir_) + " already exists");
  }
  std::string temp = out_dir_ + ".tmp-" + RandomSuffix();
  if (mkdir(temp.c_str(), 0755) != 0) {
    return Fail("cannot create " + Quote(temp) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  temp_ = std::make_unique<TempDir>(temp);
  made_dirs_.clear();
  for (const Planned& p : plan_) {
    if (Status s = Extract(p); !s.ok()) return s.error();
  }
  for (const EntryPoint& ep : entry_points_) {
    if (Status s = WriteGenerated("bin/" + ep.name, Launcher(ep, shebang_), 0755); !s.ok()) {
      return s.error();
    }
  }
  if (Status s = WriteGenerated("site-packages/" + dist_info_ + "/INSTALLER", kInstaller, 0644);
      !s.ok()) {
    return s.error();
  }
  if (Status s = WriteRecord(); !s.ok()) return s.error();
  // RENAME_NOREPLACE: a folder another process made meanwhile is never
  // replaced (plain rename would replace an empty one).
  int renamed = renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, out_dir_.c_str(), RENAME_NOREPLACE);
  if (renamed != 0 && errno == EINVAL) renamed = rename(temp.c_str(), out_dir_.c_str());
  if (renamed != 0 && errno == EEXIST) {
    return Fail("the output folder " + Quote(out_dir_) + " already exists");
  }
  if (renamed != 0) {
    return Fail(
        "cannot rename " + Quote(temp) + " to " + Quote(out_dir_) + ": " + std::strerror(errno),
        ErrorKind::kIo);
  }
  temp_->Release();
  report_.dist_info = dist_info_;
  return report_;
}

}  // namespace

Status LayerSink::AddDeflatedFile(const std::string& path, bool, uint64_t, uint32_t,
                                  const DeflateStream&) {
  return Error("this layer sink takes no deflate streams (" + Quote(path) + ")",
               ErrorKind::kInternal);
}

std::string UnsafeNameReason(const std::string& name) {
  if (name.empty()) return "has an empty name";
  for (char c : name) {
    auto u = static_cast<uint8_t>(c);
    if (u < 0x20 || u == 0x7F) return "has a control character in its name";
  }
  if (!IsValidUtf8(name)) return "has a name that is not valid UTF-8";
  if (name.find('\\') != std::string::npos) return "has a backslash in its name";
  if (name[0] == '/') return "is an absolute path";
  if (name.size() >= 2 && IsAsciiAlpha(name[0]) && name[1] == ':') {
    return "starts with a drive letter";
  }
  std::string_view path = name;
  if (path.back() == '/') path.remove_suffix(1);
  auto parts = Split(path, '/');
  for (const std::string& part : parts) {
    if (part == "..") return "has a '..' component";
  }
  for (const std::string& part : parts) {
    if (part.empty()) return "has an empty path component";
    if (part == ".") return "has a '.' component";
  }
  return "";
}

Result<InstallReport> InstallWheelFd(int fd, const std::string& wheel_filename,
                                     const spec::PackageName& name, const spec::Version& version,
                                     const InstallOptions& options, const std::string& out_dir) {
  std::string base = wheel_filename.substr(wheel_filename.rfind('/') + 1);
  std::string out = out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  Installer installer(base, name, version, options, out);
  auto report = installer.Run(fd);
  // Disk errors (from the file helpers) get the wheel's name too.
  const std::string prefix = "cannot install " + Quote(base) + ": ";
  if (!report.ok() && !StartsWith(report.error().message(), prefix)) {
    return Error(prefix + report.error().message(), report.error().kind());
  }
  return report;
}

Result<InstallReport> InstallWheelToSink(int fd, const std::string& wheel_filename,
                                         const spec::PackageName& name,
                                         const spec::Version& version,
                                         const InstallOptions& options, LayerSink& sink) {
  std::string base = wheel_filename.substr(wheel_filename.rfind('/') + 1);
  Installer installer(base, name, version, options, "");
  auto report = installer.RunToSink(fd, sink);
  const std::string prefix = "cannot install " + Quote(base) + ": ";
  if (!report.ok() && !StartsWith(report.error().message(), prefix)) {
    return Error(prefix + report.error().message(), report.error().kind());
  }
  return report;
}

Result<InstallReport> InstallWheel(const std::string& wheel_path, const spec::PackageName& name,
                                   const spec::Version& version, const InstallOptions& options,
                                   const std::string& out_dir) {
  int fd = open(wheel_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error("cannot open " + Quote(wheel_path) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  return InstallWheelFd(fd, wheel_path, name, version, options, out_dir);
}

}  // namespace sparkenv::install
