#include "store/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "fetch/worker_pool.h"

namespace sparkenv::store {

void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn,
                 const std::function<void()>& tick, std::chrono::milliseconds interval) {
  if (n == 0) {
    if (tick) tick();
    return;
  }
  std::mutex mu;
  std::condition_variable cv;
  size_t done = 0;  // guarded by mu
  {
    const int threads =
        static_cast<int>(std::min<size_t>(n, static_cast<size_t>(std::max(jobs, 1))));
    fetch::WorkerPool pool(threads);
    for (size_t i = 0; i < n; ++i) {
      pool.Post([&, i] {
        fn(i);
        std::lock_guard<std::mutex> lock(mu);
        ++done;
        cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    while (done < n) {
      if (tick) {
        cv.wait_for(lock, interval, [&] { return done == n; });
        lock.unlock();
        tick();
        lock.lock();
      } else {
        cv.wait(lock, [&] { return done == n; });
      }
    }
  }  // the pool joins its threads here
  if (tick) tick();
}

}  // namespace sparkenv::store
