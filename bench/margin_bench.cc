// Full margin revaluation throughput: compute_risk / maint_excess over every account of a synthetic
// book, and the compact structure-of-arrays kernel (margin/compact.h, revalue() over a CompactBook,
// checksum equal to the maint_excess pass) on the same books, single thread, plus a single-core
// streaming-read bandwidth measurement in the same binary so that each result can be stated
// against the memory-bandwidth bound of the machine it ran on.
//
// Books (deterministic: std::mt19937_64 with a fixed seed, integer-only generation, so the first 1M
// accounts of the 10M book are exactly the 1M book):
//   Mixed     1-4 collateral deposits, 0-3 borrows, 0-5 perp positions per account
//   PerpOnly  1 USDC deposit + 1-4 perp positions per account
// 8 assets (USDC 6 decimals at $1, USDT, WETH 9, WBTC 8, SOL 9, mSOL 9, JUP 6, BONK 5) with accrued
// supply/borrow indexes (so balance conversions do real work) and 10 USDC-quoted perp markets with
// 1-3 margin tiers. Only one book is alive at a time (the previous one is freed before the next is
// built), so the peak is one 10M book (~5 GB, most of it State's owner table and name map).
//
// Counters (per benchmark):
//   items_per_second  accounts revalued per second (one core)
//   B/acct            bytes the pass streams from memory per account: sizeof(MarginAccount) (the
//                     account array is read sequentially, every line of it) + the 64-byte cache
//                     lines of out-of-line small_vector storage actually read (balances > 4,
//                     positions > 4)
//   B/acct_used       bytes the valuation dereferences: data pointer + size of both vectors, then
//                     size * element size (TokenBalance 16 B, PerpPosition 32 B)
//   GB/s              B/acct * accounts/s: the memory traffic the pass generates
//   ns/acct           CPU nanoseconds per account
//   bound/s           stream bandwidth (BM_StreamSum) / B/acct: accounts/s if purely memory bound
//   of_bound          measured accounts/s / bound/s
//   of_target         measured accounts/s / 20M (the target for perp-only, <= 4 positions)
//   liq               liquidatable accounts. The checksum of every iteration (liquidatable count,
//                     accounts with a health factor, sums of equity and maintenance margin; or sum
//                     of maint_excess) must equal the reference pass, else the benchmark fails.
//   throws            accounts whose valuation threw OverflowError (a compute_risk limitation,
//                     reported in BENCHMARKS.md)
//
// Run: scripts/bench.sh (see BENCHMARKS.md). Not part of CI.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "backstop/margin/cache.h"
#include "backstop/margin/compact.h"
#include "backstop/margin/risk.h"
#include "backstop/model/state.h"
#include "book.h"

namespace {

using backstop::AssetId;
using backstop::int128;
using backstop::MarginAccount;
using backstop::MarketId;
using backstop::Price;
using backstop::Quantity;
using backstop::Ratio;

constexpr double kTargetPerSecond = 20e6;

using backstop::bench::add_venue;
using backstop::bench::Book;
using backstop::bench::book_name;
using backstop::bench::fill_account;
using backstop::bench::kSeed;
using backstop::bench::Rng;

// Checksums of one pass over the book. Every benchmark iteration must reproduce the reference pass
// made when the book is built, else the benchmark fails.
struct RiskSum {
  int64_t liquidatable = 0;
  int64_t with_health = 0;  // accounts with a health factor (some debt or requirement)
  int128 equity = 0;
  int128 maint_margin = 0;
  int64_t throws = 0;  // accounts whose valuation threw OverflowError (see BENCHMARKS.md)
  bool operator==(const RiskSum&) const = default;
};

struct ExcessSum {
  int128 excess = 0;
  int64_t negative = 0;
  int64_t throws = 0;
  bool operator==(const ExcessSum&) const = default;
};

struct Fixture {
  Book kind{};
  std::size_t n = 0;
  backstop::State state;
  backstop::MarginCache cache;
  double bytes_streamed = 0;  // per account: struct + out-of-line cache lines read
  double bytes_used = 0;      // per account: headers + elements dereferenced
  double heap_fraction = 0;   // accounts with at least one spilled vector
  double avg_balances = 0;
  double avg_positions = 0;
  RiskSum risk_ref;
  ExcessSum excess_ref;
  // Compact kernel (margin/compact.h), built on first use.
  std::unique_ptr<backstop::CompactBook> compact;
  std::vector<backstop::Value> out;  // revalue() output, reused by every iteration
  double compact_bytes = 0;          // per account, see BM_Compact
  double compact_slow = 0;           // fraction of accounts the kernel does not handle
};

// Cache lines [p, p + bytes) spans.
double lines_bytes(const void* p, std::size_t bytes) {
  if (bytes == 0) return 0;
  const auto first = reinterpret_cast<std::uintptr_t>(p) >> 6;
  const auto last = (reinterpret_cast<std::uintptr_t>(p) + bytes - 1) >> 6;
  return static_cast<double>((last - first + 1) * 64);
}

bool is_inline(const void* data, const MarginAccount& a) {
  const auto* lo = reinterpret_cast<const char*>(&a);
  const auto* p = static_cast<const char*>(data);
  return p >= lo && p < lo + sizeof(MarginAccount);
}

// Valuation of one account into the checksum. compute_risk narrows every ratio to int64 and throws
// OverflowError when one does not fit (e.g. collateral_to_debt of $10k against a 1 micro-dollar
// debt); such accounts are counted, not hidden, and the pass goes on.
void fold_risk(RiskSum& c, const backstop::MarginCache& cache, const MarginAccount& a) {
  backstop::AccountRisk r;
  try {
    r = backstop::compute_risk(cache, a);
  } catch (const backstop::OverflowError&) {
    ++c.throws;
    return;
  }
  c.liquidatable += r.liquidatable ? 1 : 0;
  c.with_health += r.health_factor.has_value() ? 1 : 0;
  c.equity += r.equity.raw();
  c.maint_margin += r.maintenance_margin.raw();
}

void fold_excess(ExcessSum& c, const backstop::MarginCache& cache, const MarginAccount& a) {
  backstop::Value v;
  try {
    v = backstop::maint_excess(cache, a);
  } catch (const backstop::OverflowError&) {
    ++c.throws;
    return;
  }
  c.excess += v.raw();
  c.negative += v.is_negative() ? 1 : 0;
}

std::unique_ptr<Fixture> build_fixture(Book kind, std::size_t n) {
  const auto t0 = std::chrono::steady_clock::now();
  auto f = std::make_unique<Fixture>();
  f->kind = kind;
  f->n = n;
  backstop::State& s = f->state;
  add_venue(s);
  s.accounts.reserve(n);
  s.owners.reserve(n);
  Rng rng;
  rng.g.seed(kSeed + (kind == Book::Mixed ? 0 : 1));
  for (std::size_t i = 0; i < n; ++i) {
    std::array<char, 24> name{};
    std::snprintf(name.data(), name.size(), "u%zu", i);
    const backstop::OwnerId o = s.add_owner(name.data());
    fill_account(rng, kind, s.accounts[s.owners[o].accounts[0]]);
  }
  f->cache = backstop::build_margin_cache(s);

  double streamed = 0;
  double used = 0;
  std::size_t spilled = 0;
  std::size_t nbal = 0;
  std::size_t npos = 0;
  for (const MarginAccount& a : s.accounts) {
    const std::size_t bb = a.balances.size() * sizeof(backstop::TokenBalance);
    const std::size_t pb = a.positions.size() * sizeof(backstop::PerpPosition);
    streamed += sizeof(MarginAccount);
    // The valuation reads the data pointer and size of each small_vector, then the elements.
    used += static_cast<double>(2 * 2 * sizeof(void*) + bb + pb);
    const bool bal_heap = !is_inline(a.balances.data(), a) && bb > 0;
    const bool pos_heap = !is_inline(a.positions.data(), a) && pb > 0;
    if (bal_heap) streamed += lines_bytes(a.balances.data(), bb);
    if (pos_heap) streamed += lines_bytes(a.positions.data(), pb);
    spilled += (bal_heap || pos_heap) ? 1 : 0;
    nbal += a.balances.size();
    npos += a.positions.size();
  }
  const auto dn = static_cast<double>(n);
  f->bytes_streamed = streamed / dn;
  f->bytes_used = used / dn;
  f->heap_fraction = static_cast<double>(spilled) / dn;
  f->avg_balances = static_cast<double>(nbal) / dn;
  f->avg_positions = static_cast<double>(npos) / dn;

  // Reference pass (also faults in every page): the benchmark loops must reproduce it exactly.
  for (const MarginAccount& a : s.accounts) {
    fold_risk(f->risk_ref, f->cache, a);
    fold_excess(f->excess_ref, f->cache, a);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "[margin_bench] built %s book, %zu accounts in %.1f s: sizeof(MarginAccount)=%zu, "
               "%.2f balances + %.2f positions per account, %.1f%% with heap storage, "
               "%lld liquidatable, %lld compute_risk / %lld maint_excess OverflowError throws\n",
               book_name(kind), n, secs, sizeof(MarginAccount), f->avg_balances, f->avg_positions,
               100.0 * f->heap_fraction, static_cast<long long>(f->risk_ref.liquidatable),
               static_cast<long long>(f->risk_ref.throws),
               static_cast<long long>(f->excess_ref.throws));
  return f;
}

// One book alive at a time: building the next frees the previous first.
Fixture& fixture(Book kind, std::size_t n) {
  static std::unique_ptr<Fixture> current;
  if (!current || current->kind != kind || current->n != n) {
    current.reset();
    current = build_fixture(kind, n);
  }
  return *current;
}

// ------------------------------------------------------------------------------------------------
// Single-core streaming read bandwidth: sum of a 1 GiB int64 array (far beyond the 32 MiB L3).

constexpr std::size_t kStreamElems = std::size_t{1} << 27;  // 1 GiB of int64

int64_t stream_sum(const int64_t* p, std::size_t n) {
  int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (std::size_t i = 0; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

std::unique_ptr<int64_t[]> make_stream_buffer() {
  std::unique_ptr<int64_t[]> buf(new int64_t[kStreamElems]);
  for (std::size_t i = 0; i < kStreamElems; ++i) buf[i] = static_cast<int64_t>(i & 0xFFFF);
  return buf;
}

constexpr int64_t stream_expected() {
  // Each 64Ki block sums to 65535 * 65536 / 2; 2^27 / 2^16 = 2048 blocks.
  return int64_t{65535} * 65536 / 2 * 2048;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Bytes per CPU second of this thread, best of 5 passes; measured once per process.
double stream_bandwidth() {
  static const double bw = [] {
    auto buf = make_stream_buffer();
    double best = 0;
    for (int pass = 0; pass < 5; ++pass) {
      const double t0 = thread_cpu_seconds();
      const int64_t sum = stream_sum(buf.get(), kStreamElems);
      const double secs = thread_cpu_seconds() - t0;
      benchmark::DoNotOptimize(sum);
      if (sum != stream_expected()) std::abort();
      best = std::max(best, static_cast<double>(kStreamElems * sizeof(int64_t)) / secs);
    }
    return best;
  }();
  return bw;
}

void BM_StreamSum(benchmark::State& st) {
  auto buf = make_stream_buffer();
  for (auto _ : st) {
    const int64_t sum = stream_sum(buf.get(), kStreamElems);
    benchmark::DoNotOptimize(sum);
    if (sum != stream_expected()) {
      st.SkipWithError("stream sum mismatch");
      break;
    }
  }
  const auto bytes = static_cast<double>(kStreamElems * sizeof(int64_t));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) *
                       static_cast<int64_t>(kStreamElems * sizeof(int64_t)));
  st.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  // Accounts/s a purely bandwidth-bound pass could reach at sizeof(MarginAccount) bytes/account.
  st.counters["bound/s@sizeof"] =
      benchmark::Counter(bytes / static_cast<double>(sizeof(MarginAccount)),
                         benchmark::Counter::kIsIterationInvariantRate);
}

// ------------------------------------------------------------------------------------------------
// Revaluation passes

enum class Pass { Risk, Excess };

// Rates are per CPU second of the benchmark thread (Google Benchmark's default for items/s, and
// thread CPU time here for the derived counters), so that other processes on this 2-core machine do
// not count against the pass; wall time is printed alongside.
void report(benchmark::State& st, const Fixture& f, Pass pass, double cpu_secs) {
  const auto n = static_cast<double>(f.n);
  const double per_s = n * static_cast<double>(st.iterations()) / cpu_secs;
  const double bound = stream_bandwidth() / f.bytes_streamed;
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(f.n));
  st.counters["B/acct"] = f.bytes_streamed;
  st.counters["B/acct_used"] = f.bytes_used;
  st.counters["GB/s"] = per_s * f.bytes_streamed / 1e9;
  st.counters["ns/acct"] = 1e9 / per_s;
  st.counters["bound/s"] = bound;
  st.counters["of_bound"] = per_s / bound;
  st.counters["of_target"] = per_s / kTargetPerSecond;
  st.counters["liq"] = static_cast<double>(f.risk_ref.liquidatable);
  st.counters["throws"] =
      static_cast<double>(pass == Pass::Risk ? f.risk_ref.throws : f.excess_ref.throws);
}

void BM_Revalue(benchmark::State& st, Book kind, Pass pass) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const Fixture& f = fixture(kind, n);
  stream_bandwidth();  // measured before timing starts
  const backstop::MarginCache& c = f.cache;
  const std::vector<MarginAccount>& accounts = f.state.accounts;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : st) {
    bool same = false;
    if (pass == Pass::Risk) {
      RiskSum sum;
      for (const MarginAccount& a : accounts) fold_risk(sum, c, a);
      benchmark::DoNotOptimize(sum);
      same = sum == f.risk_ref;
    } else {
      ExcessSum sum;
      for (const MarginAccount& a : accounts) fold_excess(sum, c, a);
      benchmark::DoNotOptimize(sum);
      same = sum == f.excess_ref;
    }
    if (!same) {
      st.SkipWithError("checksum differs from the reference pass");
      break;
    }
  }
  report(st, f, pass, thread_cpu_seconds() - cpu0);
}

// Same work on a 2048-account slice that stays in L2 (512 KiB): the pure compute cost per account,
// with memory out of the picture. If this is not much faster than the full pass, the full pass is
// compute bound.
void BM_RevalueHot(benchmark::State& st, Book kind) {
  const Fixture& f = fixture(kind, static_cast<std::size_t>(st.range(0)));
  constexpr std::size_t kHot = 2048;
  const backstop::MarginCache& c = f.cache;
  const MarginAccount* first = f.state.accounts.data();
  for (auto _ : st) {
    RiskSum sum;
    for (std::size_t i = 0; i < kHot; ++i) fold_risk(sum, c, first[i]);
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(kHot));
  st.counters["ns/acct"] =
      benchmark::Counter(static_cast<double>(kHot), benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
}

// ------------------------------------------------------------------------------------------------
// Compact kernel (margin/compact.h): revalue() over the CompactBook built from the same accounts,
// then the same ExcessSum fold over its output, which must equal the maint_excess reference.
//
// B/acct for this case = what the pass streams: the 32-byte CompactAccount header, 9 B per
// position slot (int64 size + uint8 market), the 8-byte Value written to `out` (and read back by
// the fold); plus, for accounts the kernel does not handle (slow), the bytes maint_excess streams
// for them (B/acct of the maint_excess case, per account). B/acct_used = the same without the
// unused slots (none here).

void ensure_compact(Fixture& f) {
  if (f.compact) return;
  const auto t0 = std::chrono::steady_clock::now();
  f.compact = std::make_unique<backstop::CompactBook>(f.cache, f.state.accounts);
  f.out.assign(f.n, backstop::Value{});
  const std::span<const backstop::CompactAccount> hs = f.compact->accounts();
  double bytes = 0;
  std::size_t slow = 0;
  for (std::size_t i = 0; i < f.n; ++i) {
    const MarginAccount& a = f.state.accounts[i];
    bytes += sizeof(backstop::CompactAccount) + sizeof(backstop::Value);
    bytes += static_cast<double>(hs[i].count) * (sizeof(int64_t) + sizeof(uint8_t));
    if (hs[i].slow != 0) {
      ++slow;
      bytes += sizeof(MarginAccount);
      const std::size_t bb = a.balances.size() * sizeof(backstop::TokenBalance);
      const std::size_t pb = a.positions.size() * sizeof(backstop::PerpPosition);
      if (!is_inline(a.balances.data(), a) && bb > 0) bytes += lines_bytes(a.balances.data(), bb);
      if (!is_inline(a.positions.data(), a) && pb > 0) bytes += lines_bytes(a.positions.data(), pb);
    }
  }
  const auto dn = static_cast<double>(f.n);
  f.compact_bytes = bytes / dn;
  f.compact_slow = static_cast<double>(slow) / dn;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "[margin_bench] compact %s book in %.1f s: %zu position slots, %.1f%% of accounts "
               "not handled by the kernel, %.1f B/acct streamed\n",
               book_name(f.kind), secs, f.compact->position_slots(), 100.0 * f.compact_slow,
               f.compact_bytes);
}

ExcessSum compact_pass(Fixture& f, std::size_t first, std::size_t count) {
  const backstop::RevalueStats st =
      backstop::revalue(f.cache, *f.compact, f.state.accounts, first,
                        std::span<backstop::Value>(f.out.data() + first, count));
  ExcessSum sum;
  for (std::size_t i = first; i < first + count; ++i) {
    sum.excess += f.out[i].raw();
    sum.negative += f.out[i].is_negative() ? 1 : 0;
  }
  // maint_excess threw on these (out is 0 there): fold_excess counts them, as here
  sum.throws = static_cast<int64_t>(st.overflowed.size());
  return sum;
}

void BM_Compact(benchmark::State& st, Book kind) {
  const auto n = static_cast<std::size_t>(st.range(0));
  Fixture& f = fixture(kind, n);
  ensure_compact(f);
  stream_bandwidth();  // measured before timing starts
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : st) {
    const ExcessSum sum = compact_pass(f, 0, f.n);
    benchmark::DoNotOptimize(sum);
    if (!(sum == f.excess_ref)) {
      st.SkipWithError("checksum differs from the maint_excess reference pass");
      break;
    }
  }
  const double cpu_secs = thread_cpu_seconds() - cpu0;
  const auto dn = static_cast<double>(f.n);
  const double per_s = dn * static_cast<double>(st.iterations()) / cpu_secs;
  const double bound = stream_bandwidth() / f.compact_bytes;
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(f.n));
  st.counters["B/acct"] = f.compact_bytes;
  st.counters["GB/s"] = per_s * f.compact_bytes / 1e9;
  st.counters["ns/acct"] = 1e9 / per_s;
  st.counters["bound/s"] = bound;
  st.counters["of_bound"] = per_s / bound;
  st.counters["of_target"] = per_s / kTargetPerSecond;
  st.counters["slow"] = f.compact_slow;
  st.counters["throws"] = static_cast<double>(f.excess_ref.throws);
}

// The kernel on a 4096-account slice that stays in L1/L2 (~220 KiB with its output): compute cost
// only. The slice's checksum is checked against maint_excess on the same accounts.
void BM_CompactHot(benchmark::State& st, Book kind) {
  Fixture& f = fixture(kind, static_cast<std::size_t>(st.range(0)));
  ensure_compact(f);
  constexpr std::size_t kHot = 4096;
  ExcessSum ref;
  for (std::size_t i = 0; i < kHot; ++i) fold_excess(ref, f.cache, f.state.accounts[i]);
  for (auto _ : st) {
    const ExcessSum sum = compact_pass(f, 0, kHot);
    benchmark::DoNotOptimize(sum);
    if (!(sum == ref)) {
      st.SkipWithError("checksum differs from maint_excess");
      break;
    }
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(kHot));
  st.counters["ns/acct"] =
      benchmark::Counter(static_cast<double>(kHot), benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
}

constexpr int64_t k1M = 1'000'000;
constexpr int64_t k10M = 10'000'000;

// Registration order is run order: all benchmarks of one book run back to back so that each book
// is built once.
BENCHMARK(BM_StreamSum)->Unit(benchmark::kMillisecond)->MinTime(2.0);

BENCHMARK_CAPTURE(BM_Revalue, mixed_risk, Book::Mixed, Pass::Risk)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_Revalue, mixed_maint_excess, Book::Mixed, Pass::Excess)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_RevalueHot, mixed_risk_l2, Book::Mixed)
    ->Arg(k1M)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Compact, mixed_compact, Book::Mixed)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_Revalue, mixed_risk, Book::Mixed, Pass::Risk)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_Revalue, mixed_maint_excess, Book::Mixed, Pass::Excess)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_Compact, mixed_compact, Book::Mixed)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

BENCHMARK_CAPTURE(BM_Revalue, perp_only_risk, Book::PerpOnly, Pass::Risk)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_Revalue, perp_only_maint_excess, Book::PerpOnly, Pass::Excess)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_Compact, perp_only_compact, Book::PerpOnly)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_CompactHot, perp_only_compact_l2, Book::PerpOnly)
    ->Arg(k1M)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RevalueHot, perp_only_risk_l2, Book::PerpOnly)
    ->Arg(k1M)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Revalue, perp_only_risk, Book::PerpOnly, Pass::Risk)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_Revalue, perp_only_maint_excess, Book::PerpOnly, Pass::Excess)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_Compact, perp_only_compact, Book::PerpOnly)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
