// Synthetic books shared by the benchmarks (bench/margin_bench.cc, bench/monitor_bench.cc).
// Deterministic: std::mt19937_64 with a fixed seed and integer-only generation.
//   venue     8 assets (USDC 6 decimals at $1, USDT, WETH 9, WBTC 8, SOL 9, mSOL 9, JUP 6, BONK 5)
//             with accrued supply/borrow indexes, 10 USDC-quoted perps with 1-3 margin tiers
//   Mixed     1-4 collateral deposits, 0-3 borrows, 0-5 perp positions per account
//   PerpOnly  1 USDC deposit + 1-4 perp positions per account
#pragma once

#include <array>
#include <cstdint>
#include <random>

#include "backstop/model/state.h"

namespace backstop::bench {

inline constexpr int64_t kNow = 1'790'000'000;
inline constexpr uint64_t kSeed = 0x6261636b73746f70ULL;  // "backstop"

// Deterministic integer RNG helpers (std::uniform_int_distribution is implementation-defined).
struct Rng {
  std::mt19937_64 g{kSeed};
  // Uniform in [lo, hi] (modulo bias is irrelevant here).
  int64_t in(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(g() % static_cast<uint64_t>(hi - lo + 1));
  }
  // A dollar amount spread over five decades: mantissa 1..999 times 10^(0..3) -> $1 .. $999k.
  int64_t dollars();
};

enum class Book { Mixed, PerpOnly };
[[nodiscard]] const char* book_name(Book b);

inline constexpr std::size_t kBenchAssets = 8;
inline constexpr std::size_t kBenchMarkets = 10;

// The venue: assets, markets, prices and indexes; s.now = kNow.
void add_venue(State& s);
// Fills one account of the given kind (balances sorted by asset, positions by market).
void fill_account(Rng& rng, Book kind, MarginAccount& a);

}  // namespace backstop::bench
