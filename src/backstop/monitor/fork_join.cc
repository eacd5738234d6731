#include "backstop/monitor/fork_join.h"

#include <chrono>

namespace backstop {
namespace {

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

ForkJoin::ForkJoin(unsigned threads, bool spin) : spin_(spin) {
  const unsigned n = threads == 0 ? 0 : threads - 1;
  helpers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) helpers_.emplace_back([this, i] { helper(i + 1); });
}

ForkJoin::~ForkJoin() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void ForkJoin::run(const std::function<void(unsigned)>& f) {
  if (helpers_.empty()) {
    f(0);
    return;
  }
  fn_ = &f;
  error_ = nullptr;
  running_.store(static_cast<unsigned>(helpers_.size()), std::memory_order_relaxed);
  {
    const std::lock_guard<std::mutex> lock(mu_);  // no helper can miss the wake-up
    job_.fetch_add(1, std::memory_order_release);
  }
  if (!spin_) wake_.notify_all();
  std::exception_ptr mine;
  try {
    f(0);
  } catch (...) {
    mine = std::current_exception();
  }
  while (running_.load(std::memory_order_acquire) != 0) relax();
  fn_ = nullptr;
  if (mine) std::rethrow_exception(mine);
  const std::lock_guard<std::mutex> lock(mu_);
  if (error_) std::rethrow_exception(error_);
}

bool ForkJoin::wait_for_job(uint64_t seen) {
  auto ready = [&] {
    return stop_.load(std::memory_order_acquire) || job_.load(std::memory_order_acquire) != seen;
  };
  if (spin_) {
    while (!ready()) relax();
  } else {
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
    while (!ready() && std::chrono::steady_clock::now() < until) relax();
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait(lock, ready);
  }
  return !stop_.load(std::memory_order_acquire);
}

void ForkJoin::helper(unsigned index) {
  uint64_t seen = 0;
  while (wait_for_job(seen)) {
    seen = job_.load(std::memory_order_acquire);
    std::exception_ptr err;
    try {
      (*fn_)(index);
    } catch (...) {
      err = std::current_exception();
    }
    if (err) {
      const std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = err;
    }
    running_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace backstop
