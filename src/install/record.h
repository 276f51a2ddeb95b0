// The wheel's RECORD file (binary distribution format, "The .dist-info
// directory"): one CSV row per file — path, "<algorithm>=<urlsafe base64
// digest without padding>", size — and the streaming hash that checks a row
// while the file is written.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::install {

struct RecordRow {
  std::string path;
  std::string algorithm;  // "" when the row has no hash (only RECORD itself may)
  std::string digest;     // raw digest bytes, decoded from base64
  std::optional<uint64_t> size;
};

// Parses RECORD (CSV with the quoting rules of Python's csv module, as the
// spec's writers use). Accepts sha256, sha384 and sha512 — the spec forbids
// weaker algorithms (md5, sha1) — and refuses malformed rows, naming the line.
Result<std::vector<RecordRow>> ParseRecord(std::string_view text);

// Writes one RECORD line (ending in "\n"), quoting the path when it holds a
// comma, a quote or a line break.
std::string RecordLine(std::string_view path, std::string_view hash, std::string_view size);

// "sha256=<urlsafe base64 without padding>" of `digest` bytes.
std::string RecordHash(std::string_view algorithm, std::string_view digest);
std::string UrlsafeBase64NoPad(std::string_view bytes);

// An incremental message digest (OpenSSL EVP).
class Hasher {
 public:
  // `algorithm` is one ParseRecord accepts.
  explicit Hasher(std::string_view algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(std::string_view bytes);
  // The raw digest; the hasher must not be used afterwards.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sparkenv::install
