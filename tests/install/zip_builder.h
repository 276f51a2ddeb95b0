// Test helper: writes zip archives byte by byte, so tests can craft the
// hostile ones (links, devices, bombs, lying sizes, overlapping members) no
// ordinary zip tool would produce, and well-formed wheels with a correct
// RECORD. Header-only; used by src/install/*_test.cc and the fuzz seeds.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "install/record.h"

namespace sparkenv::install::testing {

struct ZipItem {
  ZipItem(std::string n, std::string d, bool def = true, uint32_t mode = 0100644)
      : name(std::move(n)), data(std::move(d)), deflate(def), unix_mode(mode) {}
  std::string name;
  std::string data;
  bool deflate = true;
  uint32_t unix_mode = 0100644;  // external attributes >> 16, host Unix
  uint16_t flags = 0;
  // Lies told by the central directory (unset: the truth).
  std::optional<uint64_t> claimed_size;
  std::optional<uint64_t> claimed_compressed_size;
  std::optional<uint32_t> claimed_crc;
  std::optional<std::string> local_name;  // a different name in the local header
  std::string after_deflate;              // bytes after the deflate stream, inside the member
};

inline void Put16(std::string& b, uint32_t v) {
  b.push_back(static_cast<char>(v & 0xFF));
  b.push_back(static_cast<char>((v >> 8) & 0xFF));
}
inline void Put32(std::string& b, uint32_t v) {
  Put16(b, v & 0xFFFF);
  Put16(b, v >> 16);
}

inline std::string RawDeflate(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Builds a zip archive of `items`; `overlap_with_previous` makes every
// member's central record point at the first member's data (a bomb trick).
inline std::string BuildZip(const std::vector<ZipItem>& items, bool point_all_at_first = false) {
  std::string out;
  std::string central;
  uint32_t first_offset = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const ZipItem& it = items[i];
    std::string body = it.deflate ? RawDeflate(it.data) + it.after_deflate : it.data;
    auto crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(it.data.data()),
                                           static_cast<uInt>(it.data.size())));
    uint32_t offset = static_cast<uint32_t>(out.size());
    if (i == 0) first_offset = offset;
    const std::string& lname = it.local_name ? *it.local_name : it.name;
    uint16_t method = it.deflate ? 8 : 0;
    uint32_t csize = static_cast<uint32_t>(it.claimed_compressed_size.value_or(body.size()));
    uint32_t usize = static_cast<uint32_t>(it.claimed_size.value_or(it.data.size()));
    uint32_t ccrc = it.claimed_crc.value_or(crc);
    Put32(out, 0x04034b50);
    Put16(out, 20);
    Put16(out, it.flags);
    Put16(out, method);
    Put32(out, 0);
    Put32(out, ccrc);
    Put32(out, csize);
    Put32(out, usize);
    Put16(out, static_cast<uint32_t>(lname.size()));
    Put16(out, 0);
    out += lname;
    out += body;
    Put32(central, 0x02014b50);
    Put16(central, (3u << 8) | 20);
    Put16(central, 20);
    Put16(central, it.flags);
    Put16(central, method);
    Put32(central, 0);
    Put32(central, ccrc);
    Put32(central, csize);
    Put32(central, usize);
    Put16(central, static_cast<uint32_t>(it.name.size()));
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0);
    Put32(central, it.unix_mode << 16);
    Put32(central, point_all_at_first ? first_offset : offset);
    central += it.name;
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, static_cast<uint32_t>(items.size()));
  Put16(out, static_cast<uint32_t>(items.size()));
  Put32(out, static_cast<uint32_t>(central.size()));
  Put32(out, cd_offset);
  Put16(out, 0);
  return out;
}

inline std::string Sha256Record(const std::string& data) {
  Hasher h("sha256");
  h.Update(data);
  return RecordHash("sha256", h.Finish());
}

// A wheel: `files` plus <dist_info>/WHEEL (unless given) and a correct
// <dist_info>/RECORD listing every other item (unless `record` is given).
struct WheelSpec {
  std::string dist_info = "demo-1.0.dist-info";
  std::vector<ZipItem> files;
  std::string wheel_file =
      "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
  std::optional<std::string> record;
  std::vector<std::string> unrecorded;  // names left out of the generated RECORD
};

inline std::vector<ZipItem> WheelItems(const WheelSpec& spec) {
  std::vector<ZipItem> items = spec.files;
  items.push_back({spec.dist_info + "/WHEEL", spec.wheel_file});
  std::string record;
  if (spec.record) {
    record = *spec.record;
  } else {
    for (const ZipItem& it : items) {
      if (!it.name.empty() && it.name.back() == '/') continue;
      bool skip = false;
      for (const auto& u : spec.unrecorded) skip = skip || u == it.name;
      if (skip) continue;
      record += RecordLine(it.name, Sha256Record(it.data), std::to_string(it.data.size()));
    }
    record += spec.dist_info + "/RECORD,,\n";
  }
  items.push_back({spec.dist_info + "/RECORD", record});
  return items;
}

inline std::string BuildWheel(const WheelSpec& spec) { return BuildZip(WheelItems(spec)); }

}  // namespace sparkenv::install::testing
