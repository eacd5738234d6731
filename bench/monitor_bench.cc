// Incremental monitor latency (issue 3, item 1): a book of N accounts that are all above
// maintenance, and one mark-price tick that pushes at most 1,000 of them below it. Measures the
// time from "the price changed" to "the exact set of accounts that crossed is known"
// (MarginMonitor::detect; the re-indexing after it, MarginMonitor::rearm, is timed separately),
// and, in the same run and on the same book and tick, a full rescan (maint_excess on every
// account), so the ratio is like for like.
//
// The tick: BTC-PERP's mark moves down by the largest whole number of basis points that makes at
// most kTargetUnsafe accounts unsafe (found by bisection with full rescans before timing starts).
// Each iteration applies the tick (timed), checks the reported set against the full rescan's, and
// then moves the price back (untimed), so every timed tick starts from the same price.
//
// Counters: us/tick (CPU of detect), us/rearm (CPU of the rearm after it), evaluated (candidates
// the tick crossed), exact (of which valued exactly; the rest the screen settled), unsafe
// (accounts that crossed), edges (band edges held), build_s (monitor construction = one full scan +
// index), and for the rescan: ms/rescan and ratio = rescan time / tick time.
//
// Run: scripts/bench.sh monitor (see BENCHMARKS.md). Not part of CI.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"
#include "backstop/monitor/monitor.h"
#include "book.h"

namespace {

using backstop::AccountId;
using backstop::MarginAccount;
using backstop::MarginCache;
using backstop::MarginMonitor;
using backstop::Price;
namespace bb = backstop::bench;

constexpr std::size_t kTargetUnsafe = 1'000;
constexpr backstop::MarketId kTickMarket = 0;  // BTC-PERP

double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Threads for detect (MarginMonitor::set_threads): BACKSTOP_MONITOR_THREADS=N, default 1; with
// N > 1 the helpers spin between ticks (a dedicated machine), and the latency to read is the wall
// time (us/tick_wall), not the CPU time of the calling thread.
unsigned detect_threads() {
  const char* v = std::getenv("BACKSTOP_MONITOR_THREADS");
  const int n = v == nullptr ? 1 : std::atoi(v);
  return n < 1 ? 1U : static_cast<unsigned>(n);
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Learned volatilities (MarginMonitor::learn_volatility): BACKSTOP_MONITOR_LEARNED=1 gives the
// monitor one hour of one-minute ticks before the measurements (every mark and every non-USD asset
// price a random walk of ~80 % annual volatility, the USD stables still), then re-splits every
// band at the generation prices with what it learned (a full sync), as a monitor that has been
// running would have them. Default: no history (every source the same volatility).
bool learned_warmup() {
  const char* v = std::getenv("BACKSTOP_MONITOR_LEARNED");
  return v != nullptr && std::atoi(v) != 0;
}

std::vector<AccountId> rescan(const MarginCache& c, const std::vector<MarginAccount>& accounts) {
  std::vector<AccountId> out;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    if (backstop::maint_excess(c, accounts[i]).is_negative()) {
      out.push_back(static_cast<AccountId>(i));
    }
  }
  return out;
}

// One market's tick for monitor/first_tick: the largest fall with at most kTargetUnsafe accounts
// unsafe, the accounts it makes unsafe (a full rescan) and that rescan's CPU time.
struct Tick {
  int64_t bp = 0;
  MarginCache moved;
  std::vector<AccountId> expected;
  double rescan_seconds = 0;
};

struct Fixture {
  std::size_t n = 0;
  backstop::State state;
  MarginCache base;   // prices at generation
  MarginCache moved;  // BTC-PERP mark after the tick
  int64_t tick_bp = 0;
  std::vector<AccountId> expected;  // accounts the tick makes unsafe (full rescan)
  std::vector<Tick> plan;           // every market's tick (monitor/first_tick)
  std::unique_ptr<MarginMonitor> monitor;
  double build_seconds = 0;
  double rescan_seconds = 0;  // CPU seconds of one full rescan (set by BM_FullRescan)
};

MarginCache with_mark_bp(const MarginCache& base, int64_t down_bp,
                         backstop::MarketId market = kTickMarket) {
  MarginCache c = base;
  const int64_t mark = base.markets[market].mark.raw();
  backstop::override_mark_price(c, market,
                                Price::from_raw(static_cast<int64_t>(backstop::mul_div(
                                    mark, 10'000 - down_bp, 10'000, backstop::Rounding::Down))));
  return c;
}

// Largest fall (bp) of a market's mark with at most kTargetUnsafe accounts unsafe (bisection with
// full rescans).
int64_t largest_tick(const MarginCache& base, const std::vector<MarginAccount>& accounts,
                     backstop::MarketId market) {
  int64_t lo = 0;
  int64_t hi = 5'000;
  while (hi - lo > 1) {
    const int64_t mid = (lo + hi) / 2;
    if (rescan(with_mark_bp(base, mid, market), accounts).size() <= kTargetUnsafe) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void warm_up(Fixture& f) {
  MarginMonitor& m = *f.monitor;
  backstop::State& s = f.state;
  m.learn_volatility(3'600);
  std::mt19937_64 g(bb::kSeed + 11);
  std::normal_distribution<double> z;
  constexpr double kMinuteSigma = 0.8 / 725.0;  // 80 % annual: 0.8 / sqrt(525,600 minutes)
  MarginCache c = f.base;
  auto step = [&](int64_t raw) {
    const double next = static_cast<double>(raw) * std::exp(kMinuteSigma * z(g));
    return Price::from_raw(std::max<int64_t>(1, static_cast<int64_t>(next)));
  };
  // The first detect opens the window; 61 one-minute ticks later it has closed.
  for (int k = 1; k <= 62; ++k) {
    s.now += 60;
    for (backstop::MarketId mk = 0; mk < c.markets.size(); ++mk) {
      backstop::override_mark_price(c, mk, step(c.markets[mk].mark.raw()));
    }
    for (backstop::AssetId a = 0; a < c.assets.size(); ++a) {
      if (s.asset_params[a].symbol.starts_with("USD")) continue;
      backstop::override_asset_price(c, a, step(c.assets[a].price.raw()));
    }
    (void)m.sync(s, c, {});
  }
  (void)m.sync(s, f.base, {}, /*full=*/true);  // every band re-split at the generation prices
  const backstop::SourceLayout l = backstop::source_layout(f.base);
  std::fprintf(stderr, "[monitor_bench] learned log2 volatility: assets");
  for (backstop::AssetId a = 0; a < l.assets; ++a) {
    std::fprintf(stderr, " %s=%d", s.asset_params[a].symbol.c_str(), m.volatility().at(l.price(a)));
  }
  std::fprintf(stderr, "; marks");
  for (backstop::MarketId mk = 0; mk < l.markets; ++mk) {
    std::fprintf(stderr, " %d", m.volatility().at(l.mark(mk)));
  }
  std::fprintf(stderr, "\n");
}

std::unique_ptr<Fixture> build(std::size_t n) {
  auto f = std::make_unique<Fixture>();
  f->n = n;
  backstop::State& s = f->state;
  bb::add_venue(s);
  f->base = backstop::build_margin_cache(s);
  s.accounts.reserve(n);
  s.owners.reserve(n);
  bb::Rng rng;
  rng.g.seed(bb::kSeed + 7);
  std::size_t redrawn = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::array<char, 24> name{};
    std::snprintf(name.data(), name.size(), "u%zu", i);
    const backstop::OwnerId o = s.add_owner(name.data());
    MarginAccount& a = s.accounts[s.owners[o].accounts[0]];
    // A live venue has no account below maintenance before the tick: redraw those.
    for (;;) {
      bb::fill_account(rng, bb::Book::Mixed, a);
      if (!backstop::maint_excess(f->base, a).is_negative()) break;
      a.balances.clear();
      a.positions.clear();
      ++redrawn;
    }
  }
  // Every market's tick, before the monitor exists: the bisections rescan the whole book ~140
  // times (minutes at 10M), and done between the monitor's build and its first ticks they would
  // leave its memory idle and evicted for that long, which a live monitor's is not (BENCHMARKS.md,
  // "Idle memory on this machine").
  for (backstop::MarketId mk = 0; mk < f->base.markets.size(); ++mk) {
    Tick t;
    t.bp = largest_tick(f->base, s.accounts, mk);
    t.moved = with_mark_bp(f->base, t.bp, mk);
    const double r0 = cpu_now();
    t.expected = rescan(t.moved, s.accounts);
    t.rescan_seconds = cpu_now() - r0;
    f->plan.push_back(std::move(t));
  }
  const int64_t lo = f->plan[kTickMarket].bp;
  f->tick_bp = lo;
  f->moved = f->plan[kTickMarket].moved;
  f->expected = f->plan[kTickMarket].expected;
  const double t0 = cpu_now();
  f->monitor = std::make_unique<MarginMonitor>(s, f->base);
  f->build_seconds = cpu_now() - t0;
  if (learned_warmup()) warm_up(*f);
  if (detect_threads() > 1) f->monitor->set_threads(detect_threads(), 2'048, /*spin=*/true);
  std::fprintf(
      stderr,
      "[monitor_bench] %zu accounts (%zu redrawn below maintenance), tick BTC-PERP -%lld bp "
      "-> %zu unsafe; monitor built in %.1f s CPU, %zu band edges\n",
      n, redrawn, static_cast<long long>(lo), f->expected.size(), f->build_seconds,
      f->monitor->edges());
  return f;
}

Fixture& fixture(std::size_t n) {
  static std::unique_ptr<Fixture> current;
  if (!current || current->n != n) {
    current.reset();
    current = build(n);
  }
  return *current;
}

void BM_FullRescan(benchmark::State& st) {
  Fixture& f = fixture(static_cast<std::size_t>(st.range(0)));
  const double t0 = cpu_now();
  for (auto _ : st) {
    const auto found = rescan(f.moved, f.state.accounts);
    if (found != f.expected) {
      st.SkipWithError("rescan differs");
      break;
    }
    benchmark::DoNotOptimize(found.data());
  }
  f.rescan_seconds = (cpu_now() - t0) / static_cast<double>(st.iterations());
  st.counters["ms/rescan"] = f.rescan_seconds * 1e3;
  st.counters["unsafe"] = static_cast<double>(f.expected.size());
}

void BM_MonitorTick(benchmark::State& st) {
  Fixture& f = fixture(static_cast<std::size_t>(st.range(0)));
  MarginMonitor& m = *f.monitor;
  double cpu = 0;
  double wall = 0;
  double rearm_cpu = 0;
  const backstop::MonitorStats before = m.stats();
  std::size_t evaluated = 0;
  std::size_t exact = 0;
  for (auto _ : st) {
    const double w0 = wall_now();
    const double t0 = cpu_now();
    const auto ch = m.detect(f.state, f.moved, {});
    const double t1 = cpu_now();
    wall += wall_now() - w0;
    cpu += t1 - t0;
    evaluated = ch.evaluated;
    exact = ch.exact;
    st.PauseTiming();
    const double t2 = cpu_now();
    m.rearm(f.state, f.moved);
    rearm_cpu += cpu_now() - t2;
    const bool same = ch.became_unsafe == f.expected && ch.became_safe.empty();
    const auto back = m.sync(f.state, f.base, {});
    const bool restored = back.became_safe == f.expected && m.unsafe().empty();
    st.ResumeTiming();
    if (!same || !restored) {
      st.SkipWithError("monitor set differs from the full rescan");
      break;
    }
  }
  const double per_tick = cpu / static_cast<double>(st.iterations());
  st.counters["us/tick"] = per_tick * 1e6;
  st.counters["us/tick_wall"] = wall / static_cast<double>(st.iterations()) * 1e6;
  st.counters["threads"] = static_cast<double>(detect_threads());
  st.counters["us/rearm"] = rearm_cpu / static_cast<double>(st.iterations()) * 1e6;
  st.counters["evaluated"] = static_cast<double>(evaluated);
  st.counters["exact"] = static_cast<double>(exact);
  st.counters["unsafe"] = static_cast<double>(f.expected.size());
  st.counters["edges"] = static_cast<double>(m.edges());
  st.counters["build_s"] = f.build_seconds;
  st.counters["tick_bp"] = static_cast<double>(f.tick_bp);
  st.counters["fragile"] = static_cast<double>(m.fragile_count());
  // Edges crossed per detect (live and stale), over the timed ticks and the moves back alike.
  const double detects = 2.0 * static_cast<double>(st.iterations());
  st.counters["edges_crossed"] =
      static_cast<double>(m.stats().edges_crossed - before.edges_crossed) / detects;
  st.counters["stale_crossed"] =
      static_cast<double>(m.stats().stale_crossed - before.stale_crossed) / detects;
  if (f.rescan_seconds > 0) st.counters["ratio"] = f.rescan_seconds / per_tick;
}

// The first tick on each market since the monitor was built: bands are as the build split them,
// none adapted to an earlier tick of that market (BM_MonitorTick repeats one tick, so from its
// second iteration on the accounts it crosses were re-armed at the tick's prices). For each of
// the venue's markets (Fixture::plan, computed before the monitor was built): detect (timed),
// check against the rescan, rearm, move back; the ticks run back to back, as a live monitor sees
// them, with only the monitor's own work (rearm, the move back) between two ticks. Registered
// before monitor/full_rescan, so that nothing streams the book between the monitor's build (and
// warm-up) and its first ticks. Counters: median and largest us/tick over the markets, median wall
// time, totals of evaluated / exact / unsafe, edges crossed (live and stale) per tick, and the
// ratio to the median CPU time of the plan's full rescans (ms/rescan), measured in this run.
void BM_MonitorFirstTick(benchmark::State& st) {
  Fixture& f = fixture(static_cast<std::size_t>(st.range(0)));
  MarginMonitor& m = *f.monitor;
  const std::vector<Tick>& plan = f.plan;
  std::vector<double> ticks;
  std::vector<double> walls;
  std::vector<double> rearms;  // CPU of the rearm after each tick
  double evaluated = 0;
  double exact = 0;
  double unsafe = 0;
  double edges_crossed = 0;
  double stale_crossed = 0;
  for (auto _ : st) {
    for (backstop::MarketId mk = 0; mk < plan.size(); ++mk) {
      const Tick& t = plan[mk];
      const double w0 = wall_now();
      const double t0 = cpu_now();
      const backstop::MonitorStats before = m.stats();
      const auto ch = m.detect(f.state, t.moved, {});
      ticks.push_back((cpu_now() - t0) * 1e6);
      walls.push_back((wall_now() - w0) * 1e6);
      st.PauseTiming();
      const uint64_t crossed = m.stats().edges_crossed - before.edges_crossed;
      const uint64_t stale = m.stats().stale_crossed - before.stale_crossed;
      edges_crossed += static_cast<double>(crossed);
      stale_crossed += static_cast<double>(stale);
      evaluated += static_cast<double>(ch.evaluated);
      exact += static_cast<double>(ch.exact);
      unsafe += static_cast<double>(ch.became_unsafe.size());
      const double r0 = cpu_now();
      m.rearm(f.state, t.moved);
      rearms.push_back((cpu_now() - r0) * 1e6);
      const bool same = ch.became_unsafe == t.expected && ch.became_safe.empty();
      const auto back = m.sync(f.state, f.base, {});
      const bool restored = back.became_safe == t.expected && m.unsafe().empty();
      std::fprintf(stderr,
                   "[monitor_bench] first tick %s -%lld bp: %zu unsafe, %zu evaluated, %zu exact, "
                   "%llu edges crossed (%llu stale), %.0f us CPU, %.0f us wall\n",
                   f.state.perp_params[mk].symbol.c_str(), static_cast<long long>(t.bp),
                   t.expected.size(), ch.evaluated, ch.exact,
                   static_cast<unsigned long long>(crossed), static_cast<unsigned long long>(stale),
                   ticks.back(), walls.back());
      st.ResumeTiming();
      if (!same || !restored) {
        st.SkipWithError("monitor set differs from the full rescan");
        return;
      }
    }
  }
  std::vector<double> sorted = ticks;
  std::sort(sorted.begin(), sorted.end());
  st.counters["us/tick"] = sorted[sorted.size() / 2];
  st.counters["us/tick_max"] = sorted.back();
  std::sort(walls.begin(), walls.end());
  st.counters["us/tick_wall"] = walls[walls.size() / 2];
  st.counters["threads"] = static_cast<double>(detect_threads());
  std::sort(rearms.begin(), rearms.end());
  st.counters["us/rearm"] = rearms[rearms.size() / 2];
  st.counters["ticks"] = static_cast<double>(ticks.size());
  st.counters["evaluated"] = evaluated;
  st.counters["exact"] = exact;
  st.counters["unsafe"] = unsafe;
  const auto n_ticks = static_cast<double>(ticks.size());
  st.counters["edges_crossed"] = edges_crossed / n_ticks;
  st.counters["stale_crossed"] = stale_crossed / n_ticks;
  std::vector<double> rescans;
  for (const Tick& t : plan) rescans.push_back(t.rescan_seconds);
  std::sort(rescans.begin(), rescans.end());
  const double rescan_s = rescans[rescans.size() / 2];
  st.counters["ms/rescan"] = rescan_s * 1e3;
  st.counters["ratio"] = rescan_s * 1e6 / sorted[sorted.size() / 2];
}

BENCHMARK(BM_MonitorFirstTick)
    ->Name("monitor/first_tick")
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_FullRescan)
    ->Name("monitor/full_rescan")
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK(BM_MonitorTick)
    ->Name("monitor/tick")
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);
BENCHMARK(BM_MonitorFirstTick)
    ->Name("monitor/first_tick")
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_FullRescan)
    ->Name("monitor/full_rescan")
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_MonitorTick)
    ->Name("monitor/tick")
    ->Arg(10'000'000)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(100);

}  // namespace
