// File: monitor/huge_pages.h
// An allocator for the monitor's large per-account arrays that asks the kernel for transparent
// huge pages (2 MiB) on Linux. The monitor reads one record per crossed band at a random address;
// with 4 KiB pages a 10M-account book's records (~1.9 GB) cost a TLB miss and a page walk per
// read (BENCHMARKS.md: the crossing loop is ~1.5x faster on huge pages). Allocations below
// kHugePagesFrom (16 MiB), and every allocation elsewhere, go to the global operator new: an
// array that size is within the reach of the second-level TLB with 4 KiB pages (~2-3k entries on
// current x86 cores), and faulting huge pages in can stall on compaction (under the kernel's
// default `defrag=madvise` a fault in an madvised range compacts memory directly): on the
// simulator benchmark's VM a worker's first copy of a 100k-account book and monitor (12.8 MB of
// records) took up to 85 ms on huge pages (55-85 ms for the slower of two workers) against 30-45
// ms on small ones (BENCHMARKS.md). Where the kernel does not grant huge pages (THP off, no
// contiguous memory) the memory is ordinary and nothing else changes. Stateless; thread-safe like
// operator new.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace backstop {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
inline constexpr std::size_t kHugePagesFrom = std::size_t{16} << 20;

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) {}

  T* allocate(std::size_t n) {
    if (n > (static_cast<std::size_t>(-1) - kHugePage) / sizeof(T))
      throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePagesFrom) {
      return static_cast<T*>(::operator new (bytes, std::align_val_t{alignof(T)}));
    }
    const std::size_t len = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, len);
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    (void)madvise(p, len, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePagesFrom) {
      ::operator delete (p, std::align_val_t{alignof(T)});
    } else {
      std::free(p);
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>& /*other*/) const {
    return true;
  }
};

}  // namespace backstop
