// File: monitor/fork_join.h
// A fixed team of threads for short fork-join jobs (the monitor's detect: ~1 ms, so threads are
// started once, not per job). run(f) calls f(i) for every i in [0, size()): f(0) on the calling
// thread, the others on the helpers, and returns when all have finished, rethrowing the first
// exception. f must write only what index i owns.
//
// Between jobs a helper spins for ~20 us and then sleeps; waking a sleeping thread can cost tens
// to hundreds of microseconds (more on a virtual machine). With `spin` the helpers never sleep:
// each keeps a core busy for the team's lifetime, and a job starts within a microsecond. The
// caller always spins while it waits for the helpers (jobs are short by design).
// One caller at a time; not copyable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace backstop {

class ForkJoin {
 public:
  explicit ForkJoin(unsigned threads, bool spin = false);
  ~ForkJoin();
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;

  [[nodiscard]] unsigned size() const { return static_cast<unsigned>(helpers_.size()) + 1; }
  void run(const std::function<void(unsigned)>& f);

 private:
  void helper(unsigned index);
  [[nodiscard]] bool wait_for_job(uint64_t seen);  // false: stop

  const bool spin_;
  std::mutex mu_;  // guards the sleep, error_
  std::condition_variable wake_;
  std::atomic<uint64_t> job_{0};      // job number; a helper runs each new one once
  std::atomic<unsigned> running_{0};  // helpers still in the current job
  std::atomic<bool> stop_{false};
  const std::function<void(unsigned)>* fn_ = nullptr;  // published by job_
  std::exception_ptr error_;
  std::vector<std::thread> helpers_;
};

}  // namespace backstop
