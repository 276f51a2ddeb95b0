// Running the store's transfers in parallel: Stat, Upload, Download and Read
// calls are blocking, so the store logic runs them on a bounded set of
// threads (fetch::WorkerPool) and waits on the caller's thread, which draws
// the progress bar meanwhile.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

namespace sparkenv::store {

// Runs fn(i) for every i in [0, n) on at most `jobs` threads (at least one)
// and returns once every call has returned. While it waits, the calling
// thread runs `tick` (when set) about every `interval`, and once more at the
// end. `fn` is called from the pool's threads: it must be thread-safe, and
// it decides itself whether to skip its work (e.g. after another failed).
void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn,
                 const std::function<void()>& tick = nullptr,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace sparkenv::store
