#include "fetch/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace sparkenv::fetch {
namespace {

TEST(WorkerPoolTest, RunsEveryJobBeforeItIsDestroyed) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(3);
    for (int i = 0; i < 200; ++i) pool.Post([&done] { ++done; });
  }
  EXPECT_EQ(done.load(), 200);
}

TEST(WorkerPoolTest, JobsMayPostJobsAndRunOnSeveralThreads) {
  std::atomic<int> done{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  {
    WorkerPool pool(2);
    for (int i = 0; i < 50; ++i) {
      pool.Post([&] {
        pool.Post([&] {
          {
            std::lock_guard<std::mutex> lock(mu);
            threads.insert(std::this_thread::get_id());
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          ++done;
        });
      });
    }
  }
  EXPECT_EQ(done.load(), 50);
  EXPECT_LE(threads.size(), 2u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(WorkerPoolTest, DefaultThreadsIsCapped) {
  EXPECT_GE(WorkerPool::DefaultThreads(), 1);
  EXPECT_LE(WorkerPool::DefaultThreads(), 4);
  EXPECT_EQ(WorkerPool::DefaultThreads(1), 1);
}

}  // namespace
}  // namespace sparkenv::fetch
