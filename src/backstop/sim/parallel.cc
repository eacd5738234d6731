#include "backstop/sim/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace backstop::sim {

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t done)>& poll) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  auto worker = [&]() {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        fn(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
        failed.store(true);
        next.store(n);
        return;
      }
      done.fetch_add(1);
    }
  };
  const auto t = static_cast<unsigned>(
      std::max<std::size_t>(1, std::min<std::size_t>(threads == 0 ? 1 : threads, n)));
  std::vector<std::thread> pool;
  pool.reserve(t);
  for (unsigned k = 0; k < t; ++k) pool.emplace_back(worker);
  if (poll) {
    while (done.load() < n && !failed.load()) {
      poll(done.load());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (std::thread& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  if (poll) poll(done.load());
}

}  // namespace backstop::sim
