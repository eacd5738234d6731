// File: sim/parallel.h
// The simulator's one thread pool: fn(i) for every i in [0, n) on up to `threads` threads.
// Each index runs exactly once; fn must write only state owned by index i (results stay
// deterministic: the caller stores each at its index). While the workers run, the calling thread
// calls poll(done) about ten times a second (for progress bars). The first exception thrown by fn
// stops the hand-out of further indexes and is rethrown once every thread has stopped.
#pragma once

#include <cstddef>
#include <functional>

namespace backstop::sim {

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t done)>& poll = {});

}  // namespace backstop::sim
