#include "install/record.h"

#include <openssl/evp.h>

#include "base/strings.h"

namespace sparkenv::install {

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

// Decodes urlsafe base64 with or without '=' padding; nullopt when invalid.
std::optional<std::string> DecodeBase64(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = B64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

size_t DigestSize(std::string_view algorithm) {
  if (algorithm == "sha256") return 32;
  if (algorithm == "sha384") return 48;
  if (algorithm == "sha512") return 64;
  return 0;
}

// Splits one CSV record starting at `pos` (Python csv dialect "excel":
// fields may be quoted, "" inside quotes is a quote). Advances `pos` past
// the line end. Returns nullopt on an unterminated quote.
std::optional<std::vector<std::string>> CsvRow(std::string_view text, size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < text.size()) {
    char c = text[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          fields.back().push_back('"');
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
      return fields;
    } else {
      fields.back().push_back(c);
    }
    ++pos;
  }
  if (quoted) return std::nullopt;
  return fields;
}

}  // namespace

std::string UrlsafeBase64NoPad(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : bytes) {
    acc = (acc << 8) | static_cast<uint8_t>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::string RecordHash(std::string_view algorithm, std::string_view digest) {
  return std::string(algorithm) + "=" + UrlsafeBase64NoPad(digest);
}

std::string RecordLine(std::string_view path, std::string_view hash, std::string_view size) {
  std::string line;
  if (path.find_first_of(",\"\r\n") != std::string_view::npos) {
    line.push_back('"');
    for (char c : path) {
      if (c == '"') line.push_back('"');
      line.push_back(c);
    }
    line.push_back('"');
  } else {
    line.append(path);
  }
  line.append(",").append(hash).append(",").append(size).append("\n");
  return line;
}

Result<std::vector<RecordRow>> ParseRecord(std::string_view text) {
  std::vector<RecordRow> rows;
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    ++line;
    const std::string where = "RECORD line " + std::to_string(line);
    auto fields = CsvRow(text, pos);
    if (!fields) return Error(where + " has an unterminated quote");
    if (fields->size() == 1 && (*fields)[0].empty()) continue;  // blank line
    if (fields->size() != 3) {
      return Error(where + " has " + std::to_string(fields->size()) +
                   " fields, expected 3 (path,hash,size)");
    }
    RecordRow row;
    row.path = (*fields)[0];
    const std::string& hash = (*fields)[1];
    const std::string& size = (*fields)[2];
    if (row.path.empty()) return Error(where + " has an empty path");
    if (!hash.empty()) {
      size_t eq = hash.find('=');
      if (eq == std::string::npos) {
        return Error(where + ": hash " + Quote(hash) + " is not '<algorithm>=<digest>'");
      }
      row.algorithm = hash.substr(0, eq);
      if (DigestSize(row.algorithm) == 0) {
        return Error(where + ": hash algorithm " + Quote(row.algorithm) +
                     " is not accepted (sha256, sha384 or sha512)");
      }
      auto digest = DecodeBase64(std::string_view(hash).substr(eq + 1));
      if (!digest || digest->size() != DigestSize(row.algorithm)) {
        return Error(where + ": hash " + Quote(hash) + " is not a valid " + row.algorithm +
                     " digest");
      }
      row.digest = std::move(*digest);
    }
    if (!size.empty()) {
      uint64_t n = 0;
      for (char c : size) {
        if (!IsAsciiDigit(c) || n > (UINT64_MAX - 9) / 10) {
          return Error(where + ": size " + Quote(size) + " is not a number");
        }
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      row.size = n;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

struct Hasher::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(std::string_view algorithm) : state_(std::make_unique<State>()) {
  const EVP_MD* md = algorithm == "sha512"   ? EVP_sha512()
                     : algorithm == "sha384" ? EVP_sha384()
                                             : EVP_sha256();
  state_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->ctx, md, nullptr);
}

Hasher::~Hasher() = default;

void Hasher::Update(std::string_view bytes) {
  EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
}

std::string Hasher::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(state_->ctx, out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace sparkenv::install
