#include "store/hadoop_token.h"

#include <cstdint>

#include "base/strings.h"

namespace sparkenv::store {

namespace {

constexpr char kUrlSafe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i + 3 <= in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kUrlSafe[(v >> 18) & 63];
    out += kUrlSafe[(v >> 12) & 63];
    out += kUrlSafe[(v >> 6) & 63];
    out += kUrlSafe[v & 63];
    i += 3;
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += kUrlSafe[(v >> 18) & 63];
    out += kUrlSafe[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kUrlSafe[(v >> 18) & 63];
    out += kUrlSafe[(v >> 12) & 63];
    out += kUrlSafe[(v >> 6) & 63];
  }
  return out;
}

// Accepts both alphabets, with or without padding (as commons-codec does).
std::optional<std::string> Base64Decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// Hadoop's WritableUtils vint/vlong.
void WriteVLong(int64_t i, std::string* out) {
  if (i >= -112 && i <= 127) {
    out->push_back(static_cast<char>(i));
    return;
  }
  int len = -112;
  if (i < 0) {
    i ^= -1L;
    len = -120;
  }
  for (int64_t tmp = i; tmp != 0; tmp >>= 8) --len;
  out->push_back(static_cast<char>(len));
  len = (len < -120) ? -(len + 120) : -(len + 112);
  for (int idx = len; idx != 0; --idx) {
    int shift = (idx - 1) * 8;
    out->push_back(static_cast<char>((i >> shift) & 0xFF));
  }
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Done() const { return pos_ >= data_.size(); }
  size_t pos() const { return pos_; }

  std::optional<int64_t> VLong() {
    if (pos_ >= data_.size()) return std::nullopt;
    auto first = static_cast<int8_t>(data_[pos_++]);
    if (first >= -112) return first;
    bool negative = first < -120;
    int len = negative ? -119 - first : -111 - first;
    int64_t v = 0;
    for (int i = 1; i < len; ++i) {
      if (pos_ >= data_.size()) return std::nullopt;
      v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    }
    return negative ? (v ^ -1L) : v;
  }

  std::optional<std::string> Bytes(int64_t n) {
    if (n < 0 || static_cast<uint64_t>(n) > data_.size() - pos_) return std::nullopt;
    std::string out(data_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return out;
  }

  // A vint length, then that many bytes (Text, or a vint-prefixed array).
  std::optional<std::string> Prefixed() {
    auto n = VLong();
    if (!n) return std::nullopt;
    return Bytes(*n);
  }

  // Protobuf varint.
  std::optional<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return std::nullopt;
      auto b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    return std::nullopt;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

std::optional<HadoopToken> ReadWritableToken(Reader* r) {
  HadoopToken t;
  auto id = r->Prefixed();
  auto pw = id ? r->Prefixed() : std::nullopt;
  auto kind = pw ? r->Prefixed() : std::nullopt;
  auto service = kind ? r->Prefixed() : std::nullopt;
  if (!service) return std::nullopt;
  t.identifier = std::move(*id);
  t.password = std::move(*pw);
  t.kind = std::move(*kind);
  t.service = std::move(*service);
  return t;
}

// Walks the fields of one protobuf message: calls `field(number, bytes)`
// for length-delimited fields; skips varints and fixed-size ones.
template <typename F>
bool WalkProto(std::string_view message, F field) {
  Reader r(message);
  while (!r.Done()) {
    auto key = r.Varint();
    if (!key) return false;
    uint64_t number = *key >> 3;
    switch (*key & 7) {
      case 0:
        if (!r.Varint()) return false;
        break;
      case 1:
        if (!r.Bytes(8)) return false;
        break;
      case 5:
        if (!r.Bytes(4)) return false;
        break;
      case 2: {
        auto len = r.Varint();
        if (!len || *len > message.size()) return false;
        auto bytes = r.Bytes(static_cast<int64_t>(*len));
        if (!bytes) return false;
        if (!field(number, *bytes)) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

std::string HadoopToken::EncodeToUrlString() const {
  std::string raw;
  for (const std::string* part : {&identifier, &password, &kind, &service}) {
    WriteVLong(static_cast<int64_t>(part->size()), &raw);
    raw += *part;
  }
  return Base64UrlEncode(raw);
}

Result<HadoopToken> HadoopToken::DecodeFromUrlString(std::string_view text) {
  std::optional<std::string> raw = Base64Decode(TrimAscii(text));
  if (!raw) return Error("a delegation token must be URL-safe base64 (Token.encodeToUrlString)");
  Reader r(*raw);
  std::optional<HadoopToken> t = ReadWritableToken(&r);
  if (!t || !r.Done()) {
    return Error(
        "a delegation token must hold identifier, password, kind and service "
        "(Token.encodeToUrlString); this one does not decode");
  }
  return *t;
}

Result<std::vector<HadoopToken>> ParseTokenStorage(std::string_view bytes,
                                                   const std::string& source) {
  auto bad = [&](const std::string& why) {
    return Error("token file " + Quote(source) + ": " + why);
  };
  if (bytes.size() < 5 || bytes.substr(0, 4) != "HDTS") {
    return bad("not a Hadoop token storage file (no HDTS header)");
  }
  auto version = static_cast<uint8_t>(bytes[4]);
  std::vector<HadoopToken> tokens;
  Reader r(bytes.substr(5));
  if (version == 0) {  // Credentials.write: vint count, (Text alias, Token)*, secrets
    auto count = r.VLong();
    if (!count || *count < 0) return bad("malformed token count");
    for (int64_t i = 0; i < *count; ++i) {
      auto alias = r.Prefixed();
      std::optional<HadoopToken> t = alias ? ReadWritableToken(&r) : std::nullopt;
      if (!t) return bad("token " + std::to_string(i + 1) + " is truncated");
      tokens.push_back(std::move(*t));
    }
    return tokens;
  }
  if (version != 1) return bad("unknown token storage version " + std::to_string(version));
  // CredentialsProto, length-delimited: tokens = 1 (CredentialsKVProto:
  // alias = 1, token = 2 (TokenProto: identifier 1, password 2, kind 3,
  // service 4), secret = 3).
  auto len = r.Varint();
  if (!len) return bad("malformed protobuf length");
  auto message = r.Bytes(static_cast<int64_t>(*len));
  if (!message) return bad("truncated protobuf message");
  bool ok = WalkProto(*message, [&](uint64_t number, const std::string& kv) {
    if (number != 1) return true;  // secrets
    return WalkProto(kv, [&](uint64_t kv_number, const std::string& token) {
      if (kv_number != 2) return true;
      HadoopToken t;
      bool fields_ok = WalkProto(token, [&](uint64_t f, const std::string& value) {
        if (f == 1) t.identifier = value;
        if (f == 2) t.password = value;
        if (f == 3) t.kind = value;
        if (f == 4) t.service = value;
        return true;
      });
      if (fields_ok) tokens.push_back(std::move(t));
      return fields_ok;
    });
  });
  if (!ok) return bad("malformed protobuf credentials");
  return tokens;
}

std::optional<HadoopToken> SelectHdfsToken(const std::vector<HadoopToken>& tokens,
                                           const std::vector<std::string>& services) {
  for (const auto& service : services) {
    for (const auto& t : tokens) {
      bool hdfs_kind = t.kind == "HDFS_DELEGATION_TOKEN" || t.kind == "WEBHDFS delegation" ||
                       t.kind == "SWEBHDFS delegation";
      if (hdfs_kind && EqualsIgnoreCaseAscii(t.service, service)) return t;
    }
  }
  return std::nullopt;
}

}  // namespace sparkenv::store
