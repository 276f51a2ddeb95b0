// A fixed set of worker threads running jobs from one queue: the bounded
// pool that hashes (and, later, extracts) finished downloads while the HTTP
// client's event loop keeps downloading.
//
// Thread-safe: Post() may be called from any thread, including a worker.
// The destructor runs every job already posted, then joins the workers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sparkenv::fetch {

class WorkerPool {
 public:
  // `threads` < 1 means one thread.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Post(std::function<void()> job);

  // A sensible size for disk- and CPU-bound work: the number of cores, at
  // most `cap`.
  static int DefaultThreads(int cap = 4);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stop_ = false;                       // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sparkenv::fetch
