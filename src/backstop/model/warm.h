// File: model/warm.h
// Bringing cold accounts into cache before valuing them, for loops over accounts scattered across
// a large book (the monitor's exact valuations and re-arms).
//
// Each batch of up to kWarmBatch accounts is first read with plain loads (one byte per cache line
// of the record, then of the vectors' out-of-line storage), and only then valued. The loads of a
// batch are independent, so the CPU overlaps their misses, page walks included. Software
// prefetches were the first choice and did much less on the benchmark VM: valuing 1,500 random
// accounts of a 10M-account book cost ~600 ns each with the records prefetched 16 ahead, and ~300
// ns with batches of 32 read first (BENCHMARKS.md, "Session 8"). A prefetch whose address misses
// the TLB may be dropped; a load is not.
//
// Pure functions of the account's memory; read-only, so safe to call concurrently with other
// readers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "backstop/model/account.h"

namespace backstop {

inline constexpr std::size_t kWarmBatch = 32;

// Sum of one byte of every cache line of [p, p + bytes) (a value to consume, so that the loads
// stay).
[[nodiscard]] inline uint64_t touch_lines(const void* p, std::size_t bytes) {
  if (bytes == 0) return 0;  // nothing to read (an unaligned start would otherwise read a byte)
  const auto start = reinterpret_cast<uintptr_t>(p);
  uint64_t sum = 0;
  for (uintptr_t line = start & ~uintptr_t{63}; line < start + bytes; line += 64) {
    sum += *reinterpret_cast<const unsigned char*>(std::max(line, start));
  }
  return sum;
}

// The account's record (the vectors' inline storage included).
[[nodiscard]] inline uint64_t touch_record(const MarginAccount& a) {
  return touch_lines(&a, sizeof(MarginAccount));
}

// The vectors' out-of-line storage, where they have spilled out of the record.
[[nodiscard]] inline uint64_t touch_spilled(const MarginAccount& a) {
  const char* lo = reinterpret_cast<const char*>(&a);
  const char* hi = lo + sizeof(MarginAccount);
  auto spilled = [&](const void* p) {
    const char* c = static_cast<const char*>(p);
    return c != nullptr && (c < lo || c >= hi);
  };
  uint64_t sum = 0;
  if (spilled(a.balances.data())) {
    sum += touch_lines(a.balances.data(), a.balances.size() * sizeof(TokenBalance));
  }
  if (spilled(a.positions.data())) {
    sum += touch_lines(a.positions.data(), a.positions.size() * sizeof(PerpPosition));
  }
  return sum;
}

// Calls f(i) for every i in [lo, hi), batch by batch, each batch's accounts (account(i), a
// const MarginAccount&) read first: records, then out-of-line storage (whose address is in the
// record). extra(i) may return more words to load with the records (e.g. an entry of a per-account
// array f writes); it returns uint64_t.
template <class AccountOf, class Extra, class F>
void for_each_warmed(std::size_t lo, std::size_t hi, AccountOf account, Extra extra, F f) {
  for (std::size_t b0 = lo; b0 < hi; b0 += kWarmBatch) {
    const std::size_t b1 = std::min(hi, b0 + kWarmBatch);
    uint64_t sink = 0;
    for (std::size_t i = b0; i < b1; ++i) sink += touch_record(account(i)) + extra(i);
    for (std::size_t i = b0; i < b1; ++i) sink += touch_spilled(account(i));
    asm volatile("" : : "r"(sink));  // the loads must happen; their sum is not needed
    for (std::size_t i = b0; i < b1; ++i) f(i);
  }
}

}  // namespace backstop
