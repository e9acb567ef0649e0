#pragma once
// Runs independent pieces of the report (bootstraps, pairs) on every core. Each piece writes only
// its own result, so the results are the same whatever the number of threads.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nnd::analysis {

// work(i) for i in [0, count), spread over the machine's cores; the results in order. The first
// exception a piece throws is rethrown once all have finished.
template <typename Work>
auto in_parallel(size_t count, Work work) -> std::vector<decltype(work(size_t{0}))> {
  std::vector<decltype(work(size_t{0}))> results(count);
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (size_t i; (i = next++) < count;) {
      try {
        results[i] = work(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), count);
  {
    std::vector<std::jthread> helpers;
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(worker);
    worker();
  }
  if (error) std::rethrow_exception(error);
  return results;
}

}  // namespace nnd::analysis
