// The one-line progress bar of a fetch (and, later, a build): bytes and
// files done out of the total, and the transfer rate. Drawn on stderr only
// when it is a terminal, at most every ProgressBar::kInterval.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace sparkenv::fetch {

struct ProgressState {
  uint64_t bytes_done = 0;
  std::optional<uint64_t> bytes_total;  // unknown when some size is unknown
  size_t files_done = 0;
  size_t files_total = 0;
  double seconds = 0;  // since the start
};

// "1.5 MiB", "812 B", "3.2 GiB": binary units, one decimal above bytes.
std::string FormatBytes(uint64_t bytes);

// One line of at most `width` columns, without a line ending, e.g.
// "[#######.............]  12.0 MiB/40.0 MiB  3/10 files  6.0 MiB/s".
std::string FormatProgress(const ProgressState& state, size_t width = 80);

// Whether stderr is a terminal (where a progress bar makes sense).
bool StderrIsTerminal();

// Redraws one line on `out` (\r, then the line, then erase-to-end-of-line).
// Not thread-safe: one caller draws.
class ProgressBar {
 public:
  static constexpr std::chrono::milliseconds kInterval{100};

  explicit ProgressBar(std::FILE* out) : out_(out) {}
  // Draws `state` unless the last draw was less than kInterval ago (`force`
  // draws anyway).
  void Update(const ProgressState& state, bool force = false);
  // Erases the line, if anything was drawn.
  void Finish();

 private:
  std::FILE* out_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace sparkenv::fetch
