#include "fetch/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace sparkenv::fetch {

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string FormatProgress(const ProgressState& state, size_t width) {
  std::string bytes = FormatBytes(state.bytes_done);
  if (state.bytes_total) bytes += "/" + FormatBytes(*state.bytes_total);
  std::string tail = "  " + bytes + "  " + std::to_string(state.files_done) + "/" +
                     std::to_string(state.files_total) + " files";
  if (state.seconds > 0) {
    tail +=
        "  " +
        FormatBytes(static_cast<uint64_t>(static_cast<double>(state.bytes_done) / state.seconds)) +
        "/s";
  }
  constexpr size_t kMinBar = 10;
  if (tail.size() + kMinBar + 2 > width) return tail.substr(2, width);
  size_t bar = std::min<size_t>(width - tail.size() - 2, 30);
  double fraction = 0;
  if (state.bytes_total && *state.bytes_total > 0) {
    fraction = static_cast<double>(state.bytes_done) / static_cast<double>(*state.bytes_total);
  } else if (state.files_total > 0) {
    fraction = static_cast<double>(state.files_done) / static_cast<double>(state.files_total);
  }
  fraction = std::clamp(fraction, 0.0, 1.0);
  auto filled = static_cast<size_t>(std::floor(fraction * static_cast<double>(bar)));
  return "[" + std::string(filled, '#') + std::string(bar - filled, '.') + "]" + tail;
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

void ProgressBar::Update(const ProgressState& state, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < kInterval) return;
  last_ = now;
  drawn_ = true;
  std::fprintf(out_, "\r%s\033[K", FormatProgress(state).c_str());
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace sparkenv::fetch
