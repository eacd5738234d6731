// Valuing cold accounts scattered over a large book, as the monitor's exact valuations and re-arms
// do (a few thousand accounts per tick, each at a random place in a multi-GB book): software
// prefetches against batches read with plain loads first (model/warm.h, for_each_warmed).
//
//   margin/cold_valuation/<accounts>/<mode>
//     mode 0: no help; 1: record prefetched 16 accounts ahead and out-of-line storage 8 ahead (the
//     monitor before session 8); 2: batches of 32 read first (model/warm.h); 3: the same accounts
//     again right after mode 2, still in cache (the compute alone; ns/account counts only that
//     second pass, the Time column both).
//   Each iteration values 1,500 accounts drawn at random (sorted, as the monitor's lists are)
//   after a 256 MB buffer has been streamed to push the book out of the caches (not timed).
//   Counter ns/account: wall time per valued account.
//
// Mixed book of bench/book.h. Run: scripts/bench.sh 'margin/cold_valuation'.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"
#include "backstop/model/warm.h"
#include "book.h"

namespace {

using backstop::AccountId;
using backstop::MarginAccount;

struct ColdBook {
  backstop::State state;
  backstop::MarginCache cache;
};

ColdBook& cold_book(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<ColdBook>> books;
  auto& b = books[n];
  if (!b) {
    b = std::make_unique<ColdBook>();
    backstop::bench::add_venue(b->state);
    backstop::bench::Rng rng;
    b->state.accounts.resize(n);
    for (MarginAccount& a : b->state.accounts) {
      backstop::bench::fill_account(rng, backstop::bench::Book::Mixed, a);
    }
    b->cache = backstop::build_margin_cache(b->state);
  }
  return *b;
}

void prefetch_lines(const void* p, std::size_t bytes) {
  const auto start = reinterpret_cast<uintptr_t>(p);
  for (uintptr_t line = start & ~uintptr_t{63}; line < start + bytes; line += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(line));
  }
}

void prefetch_spilled(const MarginAccount& a) {
  const char* lo = reinterpret_cast<const char*>(&a);
  const char* hi = lo + sizeof(MarginAccount);
  auto spilled = [&](const void* p) {
    const char* c = static_cast<const char*>(p);
    return c != nullptr && (c < lo || c >= hi);
  };
  if (spilled(a.balances.data())) {
    prefetch_lines(a.balances.data(), a.balances.size() * sizeof(backstop::TokenBalance));
  }
  if (spilled(a.positions.data())) {
    prefetch_lines(a.positions.data(), a.positions.size() * sizeof(backstop::PerpPosition));
  }
}

void BM_ColdValuation(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto mode = st.range(1);
  ColdBook& b = cold_book(n);
  const std::vector<MarginAccount>& accounts = b.state.accounts;
  std::vector<char> flush(std::size_t{256} << 20, 1);
  std::mt19937_64 g(backstop::bench::kSeed + 5);
  std::vector<AccountId> ids(1'500);
  std::vector<int64_t> out(ids.size());
  double seconds = 0;
  for (auto _ : st) {
    st.PauseTiming();
    for (AccountId& id : ids) id = static_cast<AccountId>(g() % n);
    std::sort(ids.begin(), ids.end());
    uint64_t sum = 0;
    for (std::size_t i = 0; i < flush.size(); i += 64) sum += static_cast<unsigned char>(flush[i]);
    benchmark::DoNotOptimize(sum);
    st.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    auto value = [&](std::size_t i) {
      out[i] = backstop::maint_excess(b.cache, accounts[ids[i]]).raw();
    };
    const std::size_t m = ids.size();
    if (mode == 0) {
      for (std::size_t i = 0; i < m; ++i) value(i);
    } else if (mode == 1) {
      for (std::size_t i = 0; i < m; ++i) {
        if (i + 16 < m) prefetch_lines(&accounts[ids[i + 16]], sizeof(MarginAccount));
        if (i + 8 < m) prefetch_spilled(accounts[ids[i + 8]]);
        value(i);
      }
    } else {
      auto account = [&](std::size_t i) -> const MarginAccount& { return accounts[ids[i]]; };
      auto none = [](std::size_t /*i*/) { return uint64_t{0}; };
      backstop::for_each_warmed(0, m, account, none, value);
      if (mode == 3) {
        // The same accounts again, now in cache: what the valuations cost without the misses.
        const auto t1 = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < m; ++i) value(i);
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        benchmark::DoNotOptimize(out.data());
        continue;
      }
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["ns/account"] =
      seconds * 1e9 / static_cast<double>(st.iterations()) / static_cast<double>(ids.size());
}

BENCHMARK(BM_ColdValuation)
    ->Name("margin/cold_valuation")
    ->ArgsProduct({{1'000'000, 10'000'000}, {0, 1, 2, 3}})
    ->Iterations(20)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
