// Full margin revaluation throughput: compute_risk / maint_excess over every account of a synthetic
// book, single thread, plus a single-core streaming-read bandwidth measurement in the same binary
// so that each result can be stated against the memory-bandwidth bound of the machine it ran on.
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
#include <string>
#include <vector>

#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"
#include "backstop/model/state.h"

namespace {

using backstop::AssetId;
using backstop::int128;
using backstop::MarginAccount;
using backstop::MarketId;
using backstop::Price;
using backstop::Quantity;
using backstop::Ratio;

constexpr int64_t kNow = 1'790'000'000;
constexpr uint64_t kSeed = 0x6261636b73746f70ULL;  // "backstop"
constexpr double kTargetPerSecond = 20e6;

int128 pow10(int n) {
  return backstop::pow10_128(n);
}

Ratio ratio_bp(int64_t bp) {
  return Ratio::from_raw(bp * 100'000);
}  // basis points -> 10^-9
Price price_of(int64_t whole, int64_t nano) {
  return Price::from_raw(whole * 1'000'000'000 + nano);
}

// ------------------------------------------------------------------------------------------------
// Deterministic integer RNG helpers (std::uniform_int_distribution is implementation-defined).

struct Rng {
  std::mt19937_64 g{kSeed};
  // Uniform in [lo, hi] (modulo bias is irrelevant here).
  int64_t in(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(g() % static_cast<uint64_t>(hi - lo + 1));
  }
  // A dollar amount spread over five decades: mantissa 1..999 times 10^(0..3) -> $1 .. $999k.
  int64_t dollars() { return in(1, 999) * static_cast<int64_t>(pow10(static_cast<int>(in(0, 3)))); }
};

// ------------------------------------------------------------------------------------------------
// Venue

struct AssetDef {
  const char* symbol;
  int decimals;
  Price price;
  int64_t w_init_bp, w_maint_bp;    // collateral weights
  int64_t bw_init_bp, bw_maint_bp;  // borrow weights
  bool borrowable;
  int64_t supply_index, borrow_index;  // 10^-12
};

const std::array<AssetDef, 8> kAssets = {{
    {"USDC", 6, price_of(1, 0), 8'700, 9'000, 10'000, 10'000, true, 1'031'250'000'000,
     1'052'614'000'000},
    {"USDT", 6, price_of(0, 999'800'000), 8'500, 8'800, 10'500, 10'200, true, 1'027'000'123'456,
     1'049'871'654'321},
    {"WETH", 9, price_of(3'001, 250'000'000), 8'000, 8'500, 11'000, 10'500, true, 1'004'210'000'000,
     1'019'990'000'000},
    {"WBTC", 8, price_of(65'010, 500'000'000), 7'500, 8'000, 11'000, 10'500, true,
     1'001'100'000'000, 1'008'770'000'000},
    {"SOL", 9, price_of(150, 123'400'000), 7'000, 8'000, 11'500, 10'800, true, 1'012'345'678'901,
     1'043'210'987'654},
    {"mSOL", 9, price_of(184, 770'000'000), 7'000, 7'500, 10'000, 10'000, false, 1'000'000'000'000,
     1'000'000'000'000},
    {"JUP", 6, price_of(0, 951'234'000), 7'000, 7'500, 10'000, 10'000, false, 1'000'000'000'000,
     1'000'000'000'000},
    {"BONK", 5, price_of(0, 25'123), 7'000, 7'000, 10'000, 10'000, false, 1'000'000'000'000,
     1'000'000'000'000},
}};

struct MarketDef {
  const char* symbol;
  int base_decimals;
  Price mark;
  Price funding_index;
  int tiers;  // 1..3
};

const std::array<MarketDef, 10> kMarkets = {{
    {"BTC-PERP", 8, price_of(65'020, 100'000'000), price_of(1'234, 567'000'000), 3},
    {"ETH-PERP", 9, price_of(3'002, 10'000'000), price_of(-87, 654'321'000), 3},
    {"SOL-PERP", 9, price_of(150, 98'760'000), price_of(3, 141'592'653), 3},
    {"DOGE-PERP", 6, price_of(0, 123'456'789), price_of(0, 7'654'321), 2},
    {"AVAX-PERP", 8, price_of(35, 500'000'000), price_of(-1, 250'000'000), 2},
    {"ARB-PERP", 6, price_of(1, 120'000'000), price_of(0, 33'000'000), 2},
    {"LINK-PERP", 8, price_of(14, 200'000'000), price_of(0, 420'000'000), 2},
    {"WIF-PERP", 6, price_of(2, 350'000'000), price_of(0, -98'000'000), 1},
    {"JUP-PERP", 6, price_of(0, 950'000'000), price_of(0, 12'000'000), 1},
    {"BONK-PERP", 5, price_of(0, 25'000), price_of(0, 1'234), 1},
}};

void add_venue(backstop::State& s) {
  s.now = kNow;
  for (const AssetDef& d : kAssets) {
    backstop::AssetParams p;
    p.symbol = d.symbol;
    p.decimals = d.decimals;
    p.weight_initial = ratio_bp(d.w_init_bp);
    p.weight_maint = ratio_bp(d.w_maint_bp);
    p.borrow_weight_initial = ratio_bp(d.bw_init_bp);
    p.borrow_weight_maint = ratio_bp(d.bw_maint_bp);
    p.borrowable = d.borrowable;
    p.max_price_age_s = 60;
    backstop::AssetState st;
    st.price = d.price;
    st.price_time = kNow - 5;
    st.supply_index = backstop::Index::from_raw(d.supply_index);
    st.borrow_index = backstop::Index::from_raw(d.borrow_index);
    st.last_accrual = kNow - 5;
    s.add_asset(std::move(p), st);
  }
  // Tier floors in USDC quanta: $0, $250k, $2M; IM/MM 5%/2.5%, 10%/5%, 20%/10% (majors),
  // 10%/5% then 20%/10% (mid caps), a single 20%/10% bracket (small caps).
  const std::array<int64_t, 3> floors_usd = {0, 250'000, 2'000'000};
  for (const MarketDef& d : kMarkets) {
    backstop::PerpParams p;
    p.symbol = d.symbol;
    p.base_decimals = d.base_decimals;
    p.quote = 0;  // USDC
    p.max_price_age_s = 60;
    const int64_t first_im_bp = d.tiers == 3 ? 500 : d.tiers == 2 ? 1'000 : 2'000;
    for (int t = 0; t < d.tiers; ++t) {
      backstop::MarginTier tier;
      tier.notional_floor = Quantity::from_raw(floors_usd[static_cast<std::size_t>(t)] * 1'000'000);
      tier.initial_rate = ratio_bp(first_im_bp << t);
      tier.maint_rate = ratio_bp((first_im_bp << t) / 2);
      p.tiers.push_back(tier);
    }
    backstop::PerpState st;
    st.oracle = d.mark;
    st.mark = d.mark;
    st.price_time = kNow - 2;
    st.funding_index = d.funding_index;
    s.add_market(std::move(p), st);
  }
}

// Native quanta of `asset` worth `usd` whole dollars: usd * 10^dec * 10^9 / price.
int64_t quanta_for_usd(const AssetDef& a, int64_t usd) {
  return static_cast<int64_t>(static_cast<int128>(usd) * pow10(a.decimals + 9) / a.price.raw());
}

// ------------------------------------------------------------------------------------------------
// Books

enum class Book { Mixed, PerpOnly };

const char* book_name(Book b) {
  return b == Book::Mixed ? "mixed" : "perp_only";
}

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
};

// Picks `k` distinct values from `pool` (in place, partial Fisher-Yates), returns them sorted.
template <class T, std::size_t N>
std::vector<T> pick(Rng& rng, std::array<T, N> pool, std::size_t pool_size, std::size_t k) {
  for (std::size_t i = 0; i < k; ++i) {
    const auto j = static_cast<std::size_t>(
        rng.in(static_cast<int64_t>(i), static_cast<int64_t>(pool_size) - 1));
    std::swap(pool[i], pool[j]);
  }
  std::vector<T> out(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k));
  std::sort(out.begin(), out.end());
  return out;
}

backstop::PerpPosition make_position(Rng& rng, MarketId m, int64_t notional_usd) {
  const MarketDef& d = kMarkets[m];
  const int128 mark = d.mark.raw();
  // size = notional * 10^base * 10^9 / mark, at least one quantum; random side.
  int128 size = static_cast<int128>(notional_usd) * pow10(d.base_decimals + 9) / mark;
  if (size == 0) size = 1;
  if (rng.in(0, 1) == 1) size = -size;
  // Entry within +-10% of the mark; quote = -size * entry / 10^(base + 9 - 6) (USDC quanta).
  const int128 entry = mark * (10'000 + rng.in(-1'000, 1'000)) / 10'000;
  const int128 quote = -size * entry / pow10(d.base_decimals + 3);
  // Funding settled some time ago: snapshot up to ~0.5% of the mark behind (or equal).
  const int64_t behind =
      rng.in(0, 3) == 0 ? 0 : static_cast<int64_t>(mark * rng.in(0, 50) / 10'000);
  backstop::PerpPosition p;
  p.market = m;
  p.size = Quantity::from_raw(static_cast<int64_t>(size));
  p.quote = Quantity::from_raw(static_cast<int64_t>(quote));
  p.funding_snapshot = Price::from_raw(d.funding_index.raw() - behind);
  return p;
}

void fill_account(Rng& rng, Book kind, MarginAccount& a) {
  struct Bal {
    AssetId asset;
    int64_t scaled;
  };
  std::vector<Bal> bals;
  std::vector<MarketId> markets;
  int64_t collateral_usd = 0;
  int64_t leverage_pct = 0;  // total perp notional / collateral, percent
  if (kind == Book::Mixed) {
    const auto nb = static_cast<std::size_t>(rng.in(0, 3));
    const auto nc = static_cast<std::size_t>(rng.in(1, 4));
    const auto np = static_cast<std::size_t>(rng.in(0, 5));
    const std::array<AssetId, 5> borrowable = {0, 1, 2, 3, 4};
    const std::vector<AssetId> borrows = pick(rng, borrowable, borrowable.size(), nb);
    std::array<AssetId, 8> rest{};
    std::size_t nrest = 0;
    for (AssetId id = 0; id < kAssets.size(); ++id) {
      if (std::find(borrows.begin(), borrows.end(), id) == borrows.end()) rest[nrest++] = id;
    }
    for (AssetId id : pick(rng, rest, nrest, nc)) {
      const int64_t usd = rng.dollars();
      collateral_usd += usd;
      const AssetDef& d = kAssets[id];
      const int64_t q = quanta_for_usd(d, usd);
      bals.push_back(
          {id, std::max<int64_t>(1, static_cast<int64_t>(static_cast<int128>(q) *
                                                         1'000'000'000'000 / d.supply_index))});
    }
    // Borrow 0-95% of the collateral value in total, split evenly.
    const int64_t borrow_usd =
        nb == 0 ? 0 : collateral_usd * rng.in(0, 95) / 100 / static_cast<int64_t>(nb);
    for (AssetId id : borrows) {
      const AssetDef& d = kAssets[id];
      const int64_t q = quanta_for_usd(d, std::max<int64_t>(1, borrow_usd));
      bals.push_back(
          {id, -std::max<int64_t>(1, static_cast<int64_t>(static_cast<int128>(q) *
                                                          1'000'000'000'000 / d.borrow_index))});
    }
    const std::array<MarketId, 10> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    markets = pick(rng, all, all.size(), np);
    leverage_pct = rng.in(0, 600);
  } else {
    collateral_usd = rng.dollars();
    const int64_t q = quanta_for_usd(kAssets[0], collateral_usd);
    bals.push_back({0, static_cast<int64_t>(static_cast<int128>(q) * 1'000'000'000'000 /
                                            kAssets[0].supply_index)});
    const std::array<MarketId, 10> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    markets = pick(rng, all, all.size(), static_cast<std::size_t>(rng.in(1, 4)));
    leverage_pct = rng.in(10, 1'200);
  }
  std::sort(bals.begin(), bals.end(), [](const Bal& x, const Bal& y) { return x.asset < y.asset; });
  if (bals.size() > 4) a.balances.reserve(bals.size());
  for (const Bal& b : bals) a.balances.push_back(backstop::TokenBalance{b.asset, b.scaled});
  if (!markets.empty()) {
    const int64_t per_market = std::max<int64_t>(
        1, collateral_usd * leverage_pct / 100 / static_cast<int64_t>(markets.size()));
    if (markets.size() > 4) a.positions.reserve(markets.size());
    for (MarketId m : markets) a.positions.push_back(make_position(rng, m, per_market));
  }
}

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
BENCHMARK_CAPTURE(BM_Revalue, mixed_risk, Book::Mixed, Pass::Risk)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_Revalue, mixed_maint_excess, Book::Mixed, Pass::Excess)
    ->Arg(k10M)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

BENCHMARK_CAPTURE(BM_Revalue, perp_only_risk, Book::PerpOnly, Pass::Risk)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_Revalue, perp_only_maint_excess, Book::PerpOnly, Pass::Excess)
    ->Arg(k1M)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
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

}  // namespace

BENCHMARK_MAIN();
