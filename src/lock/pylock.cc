#include "lock/pylock.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "base/strings.h"
#include "base/toml_guard.h"
#include "spec/name.h"
#include "spec/wheel_filename.h"

namespace sparkenv::lock {

namespace {

// ---------------------------------------------------------------- time

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

// Validates the parts and applies an offset (minutes east of UTC).
Result<Timestamp> MakeTimestamp(int y, int mo, int d, int h, int mi, int s, int us,
                                int offset_minutes, std::string_view text) {
  auto bad = [&](const char* why) {
    return Error("invalid timestamp " + Quote(text) + ": " + why);
  };
  if (y < 1 || y > 9999) return bad("the year must be 1 to 9999");
  if (mo < 1 || mo > 12) return bad("the month must be 1 to 12");
  if (d < 1 || d > DaysInMonth(y, mo)) return bad("no such day in that month");
  if (h > 23 || mi > 59 || s > 59) return bad("the time must be 00:00:00 to 23:59:59");
  if (offset_minutes <= -24 * 60 || offset_minutes >= 24 * 60) {
    return bad("the offset must be less than 24 hours");
  }
  int64_t minutes = DaysFromCivil(y, mo, d) * 1440 + int64_t{h} * 60 + mi - offset_minutes;
  int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
  int64_t rest = minutes - days * 1440;
  Timestamp t;
  CivilFromDays(days, &t.year, &t.month, &t.day);
  if (t.year < 1 || t.year > 9999) return bad("out of range once converted to UTC");
  t.hour = static_cast<int>(rest / 60);
  t.minute = static_cast<int>(rest % 60);
  t.second = s;
  t.microsecond = us;
  return t;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsAsciiDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// ---------------------------------------------------------------- writing

bool IsBareKey(std::string_view k) {
  if (k.empty()) return false;
  return std::all_of(k.begin(), k.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '-' || c == '_'; });
}

std::string TomlKey(std::string_view k) { return IsBareKey(k) ? std::string(k) : TomlString(k); }

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t j = 1; j < n; ++j) {
      unsigned char cc = static_cast<unsigned char>(s[i + j]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

class TomlWriter {
 public:
  void Line(const std::string& s) { out_ += s + "\n"; }
  void Blank() { out_ += "\n"; }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// key = value pairs of an inline table, in the order given.
std::string InlineTable(const std::vector<std::pair<std::string, std::string>>& kv) {
  if (kv.empty()) return "{}";
  std::string s = "{ ";
  for (size_t i = 0; i < kv.size(); ++i) {
    if (i) s += ", ";
    s += kv[i].first + " = " + kv[i].second;
  }
  return s + " }";
}

std::string HashesTable(const std::map<std::string, std::string>& hashes) {
  std::vector<std::pair<std::string, std::string>> kv;
  kv.reserve(hashes.size());
  for (const auto& [algo, digest] : hashes) kv.emplace_back(TomlKey(algo), TomlString(digest));
  return InlineTable(kv);
}

// Key order for files follows the specification's order of keys.
std::string FileTable(const FileEntry& f, bool with_name) {
  std::vector<std::pair<std::string, std::string>> kv;
  if (with_name && !f.name.empty()) kv.emplace_back("name", TomlString(f.name));
  if (f.upload_time) kv.emplace_back("upload-time", f.upload_time->ToString());
  if (!f.url.empty()) kv.emplace_back("url", TomlString(f.url));
  if (!f.path.empty()) kv.emplace_back("path", TomlString(f.path));
  if (f.size) kv.emplace_back("size", std::to_string(*f.size));
  kv.emplace_back("hashes", HashesTable(f.hashes));
  if (!f.subdirectory.empty()) kv.emplace_back("subdirectory", TomlString(f.subdirectory));
  return InlineTable(kv);
}

std::string StringArray(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string s = "[\n";
  for (const std::string& i : items) s += "    " + TomlString(i) + ",\n";
  return s + "]";
}

std::string ArrayOfInline(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string s = "[\n";
  for (const std::string& i : items) s += "    " + i + ",\n";
  return s + "]";
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Orders packages by name, then version (none first), then marker text;
// WriteLock breaks remaining ties by the printed entry, so that equal models
// give equal files whatever the order of their lists.
bool PackageLess(const Package& a, const Package& b) {
  if (a.name != b.name) return a.name < b.name;
  if (a.version.has_value() != b.version.has_value()) return !a.version.has_value();
  if (a.version && *a.version != *b.version) return *a.version < *b.version;
  std::string ma = a.marker ? a.marker->ToString() : "";
  std::string mb = b.marker ? b.marker->ToString() : "";
  return ma < mb;
}

void WritePackage(const Package& p, TomlWriter* w) {
  w->Line("[[packages]]");
  w->Line("name = " + TomlString(p.name));
  if (p.version) w->Line("version = " + TomlString(p.version->ToString()));
  if (p.marker) w->Line("marker = " + TomlString(p.marker->ToString()));
  if (p.requires_python) w->Line("requires-python = " + TomlString(p.requires_python->ToString()));
  if (!p.dependencies.empty()) {
    std::vector<DependencyRef> deps = p.dependencies;
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    std::vector<std::string> items;
    for (const DependencyRef& d : deps) {
      std::vector<std::pair<std::string, std::string>> kv = {{"name", TomlString(d.name)}};
      if (!d.version.empty()) kv.emplace_back("version", TomlString(d.version));
      items.push_back(InlineTable(kv));
    }
    w->Line("dependencies = " + ArrayOfInline(items));
  }
  if (!p.index.empty()) w->Line("index = " + TomlString(p.index));
  if (p.vcs) {
    const VcsSource& v = *p.vcs;
    std::vector<std::pair<std::string, std::string>> kv = {{"type", TomlString(v.type)}};
    if (!v.url.empty()) kv.emplace_back("url", TomlString(v.url));
    if (!v.path.empty()) kv.emplace_back("path", TomlString(v.path));
    if (!v.requested_revision.empty()) {
      kv.emplace_back("requested-revision", TomlString(v.requested_revision));
    }
    kv.emplace_back("commit-id", TomlString(v.commit_id));
    if (!v.subdirectory.empty()) kv.emplace_back("subdirectory", TomlString(v.subdirectory));
    w->Line("vcs = " + InlineTable(kv));
  }
  if (p.directory) {
    const DirectorySource& d = *p.directory;
    std::vector<std::pair<std::string, std::string>> kv = {{"path", TomlString(d.path)}};
    if (d.editable) kv.emplace_back("editable", *d.editable ? "true" : "false");
    if (!d.subdirectory.empty()) kv.emplace_back("subdirectory", TomlString(d.subdirectory));
    w->Line("directory = " + InlineTable(kv));
  }
  if (p.archive) w->Line("archive = " + FileTable(*p.archive, false));
  if (p.sdist) w->Line("sdist = " + FileTable(*p.sdist, true));
  if (!p.wheels.empty()) {
    std::vector<FileEntry> wheels = p.wheels;
    std::stable_sort(wheels.begin(), wheels.end(), [](const FileEntry& a, const FileEntry& b) {
      return a.FileName() < b.FileName();
    });
    std::vector<std::string> items;
    items.reserve(wheels.size());
    for (const FileEntry& f : wheels) items.push_back(FileTable(f, true));
    w->Line("wheels = " + ArrayOfInline(items));
  }
}

void WriteTool(const SparkenvTool& t, TomlWriter* w) {
  // Keys in alphabetical order, the sub-table last.
  w->Line("[tool.sparkenv]");
  w->Line("constraints = " + StringArray(t.constraints));
  w->Line("find-links = " + StringArray(t.find_links));
  w->Line("indexes = " + StringArray(t.indexes));
  w->Line(std::string("prereleases = ") + (t.prereleases ? "true" : "false"));
  w->Line("requirements = " + StringArray(t.requirements));
  w->Line("resolution = " + TomlString(t.resolution));
  w->Line("target-tag-count = " + std::to_string(t.target_tag_count));
  w->Line("target-tags-sha256 = " + TomlString(t.target_tags_sha256));
  w->Blank();
  w->Line("[tool.sparkenv.target-markers]");
  for (const auto& [k, v] : t.target_markers) w->Line(TomlKey(k) + " = " + TomlString(v));
}

// ---------------------------------------------------------------- validation

std::string PackageLabel(size_t index, const std::string& name) {
  return "packages[" + std::to_string(index) + "] " + Quote(name);
}

Status ValidateFile(const FileEntry& f) {
  if (f.url.empty() && f.path.empty()) return Error("one of 'url' and 'path' is required");
  if (f.hashes.empty()) return Error("at least one hash is required");
  for (const auto& [algo, digest] : f.hashes) {
    if (algo.empty() || digest.empty()) return Error("hash names and values must not be empty");
  }
  if (f.size && *f.size < 0) return Error("'size' must not be negative");
  return Status::Ok();
}

Status ValidatePackage(const Package& p) {
  if (p.name.empty()) return Error("'name' is required");
  if (!spec::IsNormalizedName(p.name)) {
    return Error("name " + Quote(p.name) + " is not normalized (PEP 503)");
  }
  size_t distributions = (p.sdist ? 1 : 0) + p.wheels.size();
  size_t direct = (p.vcs ? 1 : 0) + (p.directory ? 1 : 0) + (p.archive ? 1 : 0);
  if (distributions > 0 && direct > 0) {
    return Error("'vcs', 'directory' and 'archive' cannot be combined with 'sdist' or 'wheels'");
  }
  if (distributions == 0 && direct != 1) {
    return Error(
        "exactly one source is required: 'vcs', 'directory' or 'archive', or 'sdist' and/or "
        "'wheels'");
  }
  if (p.vcs) {
    if (p.vcs->type.empty()) return Error("vcs: 'type' is required");
    if (p.vcs->commit_id.empty()) return Error("vcs: 'commit-id' is required");
    if (p.vcs->url.empty() && p.vcs->path.empty()) {
      return Error("vcs: one of 'url' and 'path' is required");
    }
  }
  if (p.directory && p.directory->path.empty()) return Error("directory: 'path' is required");
  if (p.archive) {
    Status s = ValidateFile(*p.archive);
    if (!s) return s.error().Wrap("archive");
  }
  for (size_t i = 0; i < p.wheels.size(); ++i) {
    const FileEntry& f = p.wheels[i];
    std::string where = "wheels[" + std::to_string(i) + "]";
    Status s = ValidateFile(f);
    if (!s) return s.error().Wrap(where);
    Result<spec::WheelFilename> wf = spec::WheelFilename::Parse(f.FileName());
    if (!wf) return wf.error().Wrap(where);
    if (wf->name() != p.name) {
      return Error(where + ": the name in " + Quote(f.FileName()) + " is not the package's name");
    }
    if (p.version && wf->version() != *p.version) {
      return Error(where + ": the version in " + Quote(f.FileName()) +
                   " is not the package's version " + Quote(p.version->ToString()));
    }
  }
  if (p.sdist) {
    Status s = ValidateFile(*p.sdist);
    if (!s) return s.error().Wrap("sdist");
    Result<spec::SdistFilename> sf = spec::SdistFilename::Parse(p.sdist->FileName());
    if (!sf) return sf.error().Wrap("sdist");
    if (sf->name() != p.name) {
      return Error("sdist: the name in " + Quote(p.sdist->FileName()) +
                   " is not the package's name");
    }
    if (p.version && sf->version() != *p.version) {
      return Error("sdist: the version in " + Quote(p.sdist->FileName()) +
                   " is not the package's version " + Quote(p.version->ToString()));
    }
  }
  return Status::Ok();
}

Status ValidateLockVersion(const std::string& text) {
  Result<spec::Version> v = spec::Version::Parse(text);
  if (!v) return Error("invalid lock-version " + Quote(text) + ": " + v.error().message());
  static const spec::Version kOne = spec::Version::Parse("1").value();
  static const spec::Version kTwo = spec::Version::Parse("2").value();
  if (*v < kOne || *v >= kTwo) {
    return Error("unsupported lock-version " + Quote(text) + ": sparkenv reads lock-version 1.x");
  }
  return Status::Ok();
}

Status ValidateTopLevel(const Lock& lock) {
  Status s = ValidateLockVersion(lock.lock_version);
  if (!s) return s;
  if (lock.created_by.empty()) return Error("'created-by' is required");
  if (lock.extras) {
    for (const std::string& e : *lock.extras) {
      if (!spec::IsNormalizedName(e)) {
        return Error("extras: " + Quote(e) + " is not normalized (PEP 685)");
      }
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- reading

class LockReader {
 public:
  explicit LockReader(std::string_view source) : source_(source) {}

  Error Fail(const toml::node* at, const std::string& message) const {
    std::string where(source_);
    if (at != nullptr && at->source().begin.line > 0) {
      where += ":" + std::to_string(at->source().begin.line);
    }
    return Error(where + ": " + context_ + message);
  }

  void SetContext(std::string c) { context_ = std::move(c); }

  // Optional string; an error when present with another type.
  Result<std::optional<std::string>> String(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::optional<std::string>();
    const toml::value<std::string>* v = n->as_string();
    if (v == nullptr) {
      return Fail(n, Quote(key) + ": expected a string, not " + toml_guard::TypeName(*n));
    }
    return std::optional<std::string>(toml_guard::TomlText(v->get()));
  }

  Result<std::string> RequiredString(const toml::table& t, std::string_view key,
                                     const toml::node* parent) const {
    Result<std::optional<std::string>> s = String(t, key);
    if (!s) return s.error();
    if (!s->has_value()) return Fail(parent, Quote(key) + " is required");
    return **s;
  }

  Result<std::optional<std::vector<std::string>>> StringArray(const toml::table& t,
                                                              std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::optional<std::vector<std::string>>();
    const toml::array* a = n->as_array();
    if (a == nullptr)
      return Fail(n, Quote(key) + ": expected an array, not " + toml_guard::TypeName(*n));
    std::vector<std::string> out;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& item = *a->get(i);
      const toml::value<std::string>* v = item.as_string();
      if (v == nullptr) {
        return Fail(&item, Quote(key) + "[" + std::to_string(i) + "]: expected a string, not " +
                               toml_guard::TypeName(item));
      }
      out.push_back(toml_guard::TomlText(v->get()));
    }
    return std::optional<std::vector<std::string>>(std::move(out));
  }

  Result<const toml::table*> Table(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return static_cast<const toml::table*>(nullptr);
    const toml::table* tt = n->as_table();
    if (tt == nullptr)
      return Fail(n, Quote(key) + ": expected a table, not " + toml_guard::TypeName(*n));
    return tt;
  }

  Result<FileEntry> File(const toml::table& t, const std::string& what) const {
    FileEntry f;
    for (auto [key, field] :
         {std::pair{"name", &f.name}, std::pair{"url", &f.url}, std::pair{"path", &f.path},
          std::pair{"subdirectory", &f.subdirectory}}) {
      Result<std::optional<std::string>> s = String(t, key);
      if (!s) return Error(s.error().message());
      if (s->has_value()) *field = **s;
    }
    if (const toml::node* n = t.get("size")) {
      const toml::value<int64_t>* v = n->as_integer();
      if (v == nullptr)
        return Fail(n, what + ": 'size': expected an integer, not " + toml_guard::TypeName(*n));
      f.size = v->get();
    }
    if (const toml::node* n = t.get("upload-time")) {
      const toml::value<toml::date_time>* v = n->as_date_time();
      if (v == nullptr) {
        return Fail(
            n, what + ": 'upload-time': expected a date-time, not " + toml_guard::TypeName(*n));
      }
      const toml::date_time& dt = v->get();
      int offset = dt.offset ? dt.offset->minutes : 0;
      Result<Timestamp> ts = MakeTimestamp(
          dt.date.year, dt.date.month, dt.date.day, dt.time.hour, dt.time.minute, dt.time.second,
          static_cast<int>(dt.time.nanosecond / 1000), offset, "upload-time");
      if (!ts) return Fail(n, what + ": " + ts.error().message());
      f.upload_time = *ts;
    }
    const toml::node* hn = t.get("hashes");
    if (hn == nullptr) return Fail(&t, what + ": 'hashes' is required");
    const toml::table* ht = hn->as_table();
    if (ht == nullptr)
      return Fail(hn, what + ": 'hashes': expected a table, not " + toml_guard::TypeName(*hn));
    for (auto&& [k, v] : *ht) {
      const toml::value<std::string>* s = v.as_string();
      if (s == nullptr) {
        return Fail(&v, what + ": hashes." + toml_guard::TomlText(k.str()) +
                            ": expected a string, not " + toml_guard::TypeName(v));
      }
      f.hashes[toml_guard::TomlText(k.str())] = toml_guard::TomlText(s->get());
    }
    return f;
  }

  Result<Package> ReadPackage(const toml::table& t) {
    Package p;
    Result<std::string> name = RequiredString(t, "name", &t);
    if (!name) return name.error();
    p.name = *name;
    SetContext(context_ + Quote(p.name) + ": ");

    Result<std::optional<std::string>> version = String(t, "version");
    if (!version) return version.error();
    if (version->has_value()) {
      Result<spec::Version> v = spec::Version::Parse(**version);
      if (!v) return Fail(t.get("version"), v.error().message());
      p.version = *v;
    }
    Result<std::optional<std::string>> marker = String(t, "marker");
    if (!marker) return marker.error();
    if (marker->has_value()) {
      Result<spec::Marker> m = spec::Marker::Parse(**marker);
      if (!m) return Fail(t.get("marker"), m.error().message());
      p.marker = *m;
    }
    Result<std::optional<std::string>> rp = String(t, "requires-python");
    if (!rp) return rp.error();
    if (rp->has_value()) {
      Result<spec::SpecifierSet> s = spec::SpecifierSet::Parse(**rp);
      if (!s) return Fail(t.get("requires-python"), "requires-python: " + s.error().message());
      p.requires_python = *s;
    }
    if (const toml::node* n = t.get("dependencies")) {
      const toml::array* a = n->as_array();
      if (a == nullptr) {
        return Fail(
            n, "'dependencies': expected an array, not " + std::string(toml_guard::TypeName(*n)));
      }
      for (size_t i = 0; i < a->size(); ++i) {
        const toml::node& item = *a->get(i);
        const toml::table* dt = item.as_table();
        std::string where = "dependencies[" + std::to_string(i) + "]";
        if (dt == nullptr) {
          return Fail(&item, where + ": expected a table, not " + toml_guard::TypeName(item));
        }
        DependencyRef d;
        Result<std::optional<std::string>> dn = String(*dt, "name");
        if (!dn) return dn.error();
        Result<std::optional<std::string>> dv = String(*dt, "version");
        if (!dv) return dv.error();
        d.name = dn->value_or("");
        d.version = dv->value_or("");
        p.dependencies.push_back(std::move(d));
      }
    }
    Result<std::optional<std::string>> index = String(t, "index");
    if (!index) return index.error();
    p.index = index->value_or("");

    Result<const toml::table*> vcs = Table(t, "vcs");
    if (!vcs) return vcs.error();
    if (*vcs != nullptr) {
      VcsSource v;
      for (auto [key, field] :
           {std::pair{"type", &v.type}, std::pair{"url", &v.url}, std::pair{"path", &v.path},
            std::pair{"requested-revision", &v.requested_revision},
            std::pair{"commit-id", &v.commit_id}, std::pair{"subdirectory", &v.subdirectory}}) {
        Result<std::optional<std::string>> s = String(**vcs, key);
        if (!s) return s.error();
        if (s->has_value()) *field = **s;
      }
      p.vcs = v;
    }
    Result<const toml::table*> dir = Table(t, "directory");
    if (!dir) return dir.error();
    if (*dir != nullptr) {
      DirectorySource d;
      Result<std::optional<std::string>> path = String(**dir, "path");
      if (!path) return path.error();
      Result<std::optional<std::string>> sub = String(**dir, "subdirectory");
      if (!sub) return sub.error();
      d.path = path->value_or("");
      d.subdirectory = sub->value_or("");
      if (const toml::node* e = (*dir)->get("editable")) {
        const toml::value<bool>* b = e->as_boolean();
        if (b == nullptr) {
          return Fail(e, "directory: 'editable': expected a boolean, not " +
                             std::string(toml_guard::TypeName(*e)));
        }
        d.editable = b->get();
      }
      p.directory = d;
    }
    Result<const toml::table*> archive = Table(t, "archive");
    if (!archive) return archive.error();
    if (*archive != nullptr) {
      Result<FileEntry> f = File(**archive, "archive");
      if (!f) return f.error();
      p.archive = *f;
    }
    Result<const toml::table*> sdist = Table(t, "sdist");
    if (!sdist) return sdist.error();
    if (*sdist != nullptr) {
      Result<FileEntry> f = File(**sdist, "sdist");
      if (!f) return f.error();
      p.sdist = *f;
    }
    if (const toml::node* n = t.get("wheels")) {
      const toml::array* a = n->as_array();
      if (a == nullptr) {
        return Fail(n, "'wheels': expected an array, not " + std::string(toml_guard::TypeName(*n)));
      }
      for (size_t i = 0; i < a->size(); ++i) {
        const toml::node& item = *a->get(i);
        std::string where = "wheels[" + std::to_string(i) + "]";
        const toml::table* wt = item.as_table();
        if (wt == nullptr)
          return Fail(&item, where + ": expected a table, not " + toml_guard::TypeName(item));
        Result<FileEntry> f = File(*wt, where);
        if (!f) return f.error();
        p.wheels.push_back(std::move(f).value());
      }
    }
    if (const toml::node* n = t.get("attestation-identities")) {
      const toml::array* a = n->as_array();
      if (a == nullptr) {
        return Fail(n, "'attestation-identities': expected an array, not " +
                           std::string(toml_guard::TypeName(*n)));
      }
      for (size_t i = 0; i < a->size(); ++i) {
        const toml::node& item = *a->get(i);
        std::string where = "attestation-identities[" + std::to_string(i) + "]";
        const toml::table* at = item.as_table();
        if (at == nullptr)
          return Fail(&item, where + ": expected a table, not " + toml_guard::TypeName(item));
        Result<std::optional<std::string>> kind = String(*at, "kind");
        if (!kind) return kind.error();
        if (!kind->has_value()) return Fail(&item, where + ": 'kind' is required");
      }
    }
    Result<const toml::table*> tool = Table(t, "tool");
    if (!tool) return tool.error();
    Status s = ValidatePackage(p);
    if (!s) return Fail(&t, s.error().message());
    return p;
  }

  Result<SparkenvTool> ReadTool(const toml::table& t) {
    SparkenvTool tool;
    SetContext("[tool.sparkenv]: ");
    for (auto [key, field] :
         {std::pair{"requirements", &tool.requirements},
          std::pair{"constraints", &tool.constraints}, std::pair{"indexes", &tool.indexes},
          std::pair{"find-links", &tool.find_links}}) {
      Result<std::optional<std::vector<std::string>>> a = StringArray(t, key);
      if (!a) return a.error();
      if (a->has_value()) *field = **a;
    }
    Result<std::optional<std::string>> resolution = String(t, "resolution");
    if (!resolution) return resolution.error();
    tool.resolution = resolution->value_or("");
    Result<std::optional<std::string>> sha = String(t, "target-tags-sha256");
    if (!sha) return sha.error();
    tool.target_tags_sha256 = sha->value_or("");
    if (const toml::node* n = t.get("target-tag-count")) {
      const toml::value<int64_t>* v = n->as_integer();
      if (v == nullptr) {
        return Fail(n, "'target-tag-count': expected an integer, not " +
                           std::string(toml_guard::TypeName(*n)));
      }
      tool.target_tag_count = v->get();
    }
    if (const toml::node* n = t.get("prereleases")) {
      const toml::value<bool>* v = n->as_boolean();
      if (v == nullptr) {
        return Fail(
            n, "'prereleases': expected a boolean, not " + std::string(toml_guard::TypeName(*n)));
      }
      tool.prereleases = v->get();
    }
    Result<const toml::table*> markers = Table(t, "target-markers");
    if (!markers) return markers.error();
    if (*markers != nullptr) {
      for (auto&& [k, v] : **markers) {
        const toml::value<std::string>* s = v.as_string();
        if (s == nullptr) {
          return Fail(&v, "target-markers." + toml_guard::TomlText(k.str()) +
                              ": expected a string, not " + toml_guard::TypeName(v));
        }
        tool.target_markers[toml_guard::TomlText(k.str())] = toml_guard::TomlText(s->get());
      }
    }
    return tool;
  }

  Result<Lock> ReadRoot(const toml::table& root) {
    Lock lock;
    Result<std::string> version = RequiredString(root, "lock-version", nullptr);
    if (!version) return version.error();
    lock.lock_version = *version;
    Status vs = ValidateLockVersion(lock.lock_version);
    if (!vs) return Fail(root.get("lock-version"), vs.error().message());
    Result<std::string> created_by = RequiredString(root, "created-by", nullptr);
    if (!created_by) return created_by.error();
    lock.created_by = *created_by;

    Result<std::optional<std::vector<std::string>>> envs = StringArray(root, "environments");
    if (!envs) return envs.error();
    if (envs->has_value()) {
      for (const std::string& e : **envs) {
        Result<spec::Marker> m = spec::Marker::Parse(e);
        if (!m) return Fail(root.get("environments"), "environments: " + m.error().message());
        lock.environments.push_back(*m);
      }
    }
    Result<std::optional<std::string>> rp = String(root, "requires-python");
    if (!rp) return rp.error();
    if (rp->has_value()) {
      Result<spec::SpecifierSet> s = spec::SpecifierSet::Parse(**rp);
      if (!s) return Fail(root.get("requires-python"), "requires-python: " + s.error().message());
      lock.requires_python = *s;
    }
    for (auto [key, field] : {std::pair{"extras", &lock.extras},
                              std::pair{"dependency-groups", &lock.dependency_groups},
                              std::pair{"default-groups", &lock.default_groups}}) {
      Result<std::optional<std::vector<std::string>>> a = StringArray(root, key);
      if (!a) return a.error();
      *field = *a;
    }
    Status top = ValidateTopLevel(lock);
    if (!top) return Fail(nullptr, top.error().message());

    const toml::node* pn = root.get("packages");
    if (pn == nullptr) return Fail(nullptr, "'packages' is required");
    const toml::array* pa = pn->as_array();
    if (pa == nullptr)
      return Fail(pn,
                  "'packages': expected an array, not " + std::string(toml_guard::TypeName(*pn)));
    for (size_t i = 0; i < pa->size(); ++i) {
      const toml::node& item = *pa->get(i);
      SetContext("packages[" + std::to_string(i) + "] ");
      const toml::table* pt = item.as_table();
      if (pt == nullptr)
        return Fail(&item, std::string("expected a table, not ") + toml_guard::TypeName(item));
      Result<Package> p = ReadPackage(*pt);
      if (!p) return p.error();
      lock.packages.push_back(std::move(p).value());
    }
    SetContext("");
    Result<const toml::table*> tool = Table(root, "tool");
    if (!tool) return tool.error();
    if (*tool != nullptr) {
      Result<const toml::table*> ours = Table(**tool, "sparkenv");
      if (!ours) return ours.error();
      if (*ours != nullptr) {
        Result<SparkenvTool> t = ReadTool(**ours);
        if (!t) return t.error();
        lock.sparkenv = std::move(t).value();
      }
    }
    return lock;
  }

 private:
  std::string_view source_;
  std::string context_;
};

}  // namespace

Result<Timestamp> Timestamp::Parse(std::string_view text) {
  // YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  Error bad("invalid timestamp " + Quote(text) + ": expected YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
  if (text.size() < 19 || !Digits(text, 0, 4, &y) || text[4] != '-' || !Digits(text, 5, 2, &mo) ||
      text[7] != '-' || !Digits(text, 8, 2, &d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !Digits(text, 11, 2, &h) ||
      text[13] != ':' || !Digits(text, 14, 2, &mi) || text[16] != ':' || !Digits(text, 17, 2, &s)) {
    return bad;
  }
  size_t pos = 19;
  int us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int digits = 0;
    while (pos < text.size() && IsAsciiDigit(text[pos])) {
      if (digits < 6) {
        us = us * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (pos == start) return bad;
    while (digits < 6) {
      us *= 10;
      ++digits;
    }
  }
  int offset = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      int oh = 0, om = 0;
      if (!Digits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
          !Digits(text, pos + 4, 2, &om) || om > 59) {
        return bad;
      }
      offset = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return bad;
    }
  }
  if (pos != text.size()) return bad;
  return MakeTimestamp(y, mo, d, h, mi, s, us, offset, text);
}

std::string Timestamp::ToString() const {
  char buf[48];
  if (microsecond != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", year, month, day, hour,
                  minute, second, microsecond);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute,
                  second);
  }
  return buf;
}

std::string FileEntry::FileName() const {
  if (!name.empty()) return name;
  if (!path.empty()) {
    size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }
  std::string_view u = url;
  size_t scheme = u.find("://");
  if (scheme != std::string_view::npos) {
    size_t path_start = u.find('/', scheme + 3);
    u = path_start == std::string_view::npos ? std::string_view() : u.substr(path_start);
  }
  u = u.substr(0, std::min(u.find('?'), u.find('#')));
  size_t slash = u.rfind('/');
  std::string_view last = slash == std::string_view::npos ? u : u.substr(slash + 1);
  std::string out;
  for (size_t i = 0; i < last.size(); ++i) {
    auto hex = [](char c) {
      if (IsAsciiDigit(c)) return c - '0';
      c = AsciiLower(c);
      return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    };
    if (last[i] == '%' && i + 2 < last.size() && hex(last[i + 1]) >= 0 && hex(last[i + 2]) >= 0) {
      out += static_cast<char>(hex(last[i + 1]) * 16 + hex(last[i + 2]));
      i += 2;
    } else {
      out += last[i];
    }
  }
  return out;
}

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

Status ValidateLock(const Lock& lock, std::string_view source) {
  std::string where(source);
  Status top = ValidateTopLevel(lock);
  if (!top) return Error(where + ": " + top.error().message());
  for (size_t i = 0; i < lock.packages.size(); ++i) {
    Status s = ValidatePackage(lock.packages[i]);
    if (!s) {
      return Error(where + ": " + PackageLabel(i, lock.packages[i].name) + ": " +
                   s.error().message());
    }
  }
  return Status::Ok();
}

Result<std::string> WriteLock(const Lock& lock, std::string_view source) {
  Status valid = ValidateLock(lock, source);
  if (!valid) return valid.error();

  struct Entry {
    const Package* package;
    std::string text;
  };
  std::vector<Entry> entries;
  entries.reserve(lock.packages.size());
  for (const Package& p : lock.packages) {
    TomlWriter pw;
    WritePackage(p, &pw);
    entries.push_back({&p, std::move(pw.out())});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (PackageLess(*a.package, *b.package)) return true;
    if (PackageLess(*b.package, *a.package)) return false;
    return a.text < b.text;
  });

  TomlWriter w;
  w.Line("lock-version = " + TomlString(lock.lock_version));
  if (!lock.environments.empty()) {
    std::vector<std::string> envs;
    for (const spec::Marker& m : lock.environments) envs.push_back(m.ToString());
    envs = Sorted(std::move(envs));
    envs.erase(std::unique(envs.begin(), envs.end()), envs.end());
    w.Line("environments = " + StringArray(envs));
  }
  if (lock.requires_python) {
    w.Line("requires-python = " + TomlString(lock.requires_python->ToString()));
  }
  if (lock.extras) w.Line("extras = " + StringArray(Sorted(*lock.extras)));
  if (lock.dependency_groups) {
    w.Line("dependency-groups = " + StringArray(Sorted(*lock.dependency_groups)));
  }
  if (lock.default_groups) w.Line("default-groups = " + StringArray(Sorted(*lock.default_groups)));
  w.Line("created-by = " + TomlString(lock.created_by));
  for (const Entry& e : entries) {
    w.Blank();
    w.out() += e.text;
  }
  if (lock.sparkenv) {
    w.Blank();
    WriteTool(*lock.sparkenv, &w);
  }
  if (!ValidUtf8(w.out())) {
    return Error(std::string(source) + ": cannot write the lock: a value is not valid UTF-8");
  }
  return std::move(w.out());
}

Result<Lock> ReadLock(std::string_view text, std::string_view source) {
  Result<toml::table> parsed = toml_guard::Parse(text, source);
  if (!parsed) return parsed.error();
  LockReader reader(source);
  return reader.ReadRoot(*parsed);
}

}  // namespace sparkenv::lock
