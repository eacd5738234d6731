// Liquidations per second (resolution/resolver.h): a book of N accounts, half lending (WETH
// collateral, USDC debt at a loan-to-value of 50-84%) and half perp (USDC deposit, BTC-PERP long at
// 2-19x), against one deep USDC supplier that holds the opposite short. The crash tick moves WETH
// and BTC-PERP down 25% at the same timestamp (two Resolver::apply calls, both timed): lending
// accounts above LTV 0.6375 and most perp longs fall below maintenance, many beyond bankruptcy,
// so the tick runs close-factor liquidations, partial perp liquidations, write-offs and the
// waterfall (insurance fund, staked tranche, mutualization, recap debt). Each iteration starts
// from a fresh Engine and Resolver on the same book (untimed; the monitor's construction is a full
// scan).
//
// Counters: liq/s (liquidation records per second of the timed ticks), liquidations, accounts
// (distinct accounts liquidated), unsafe (accounts below maintenance right after the crash, from
// a full rescan with resolution disabled), bad_debt (write-off records), waterfall (waterfall
// steps).
//
// Run: cmake --preset release && cmake --build --preset release --target backstop_bench -j1 &&
//      taskset -c 1 build/release/bench/backstop_bench --benchmark_filter=resolution
//      --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <memory>
#include <set>
#include <string>

#include "backstop/margin/risk.h"
#include "backstop/resolution/resolver.h"
#include "book.h"

namespace {

using namespace backstop;

constexpr int64_t kUsdcOne = 1'000'000;
constexpr int64_t kEthOne = 1'000'000'000;
constexpr int64_t kBtcOne = 100'000'000;
constexpr int64_t kBtcMark = 60'000;
constexpr int64_t kCrashBp = 2'500;

Ratio ratio(int64_t milli) {
  return Ratio::from_raw(milli * 1'000'000);
}

// Balances are set directly at index 1 (scaled == native quanta) with the asset totals and open
// interest kept consistent, so the book of 100k accounts builds in milliseconds.
State make_book(std::size_t n) {
  State s;
  AssetParams usdc;
  usdc.symbol = "USDC";
  usdc.decimals = 6;
  usdc.weight_initial = ratio(850);
  usdc.weight_maint = ratio(900);
  usdc.borrowable = true;
  AssetState us;
  us.price = Price::from_raw(kPriceOne);
  s.add_asset(usdc, us);
  AssetParams weth = usdc;
  weth.symbol = "WETH";
  weth.decimals = 9;
  weth.weight_initial = ratio(800);
  weth.weight_maint = ratio(850);
  weth.liquidation_bonus = ratio(50);
  AssetState ws;
  ws.price = Price::from_raw(2'000 * kPriceOne);
  s.add_asset(weth, ws);
  PerpParams p;
  p.symbol = "BTC-PERP";
  p.base_decimals = 8;
  p.quote = 0;
  p.tiers = {MarginTier{Quantity{}, ratio(50), ratio(25)}};
  PerpState ps;
  ps.mark = ps.oracle = Price::from_raw(kBtcMark * kPriceOne);
  s.add_market(p, ps);
  const OwnerId lp_owner = s.add_owner("lp");
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = "u";  // (not "u" + ...: GCC 12 -O3 -Wrestrict false positive)
    name += std::to_string(i);
    s.add_owner(name);
  }
  bench::Rng rng;
  int64_t supplied = 1'000'000'000 * kUsdcOne;  // the lp's $1B
  int64_t borrowed = 0;
  int64_t eth_supplied = 0;
  int64_t longs = 0;
  int64_t long_quote = 0;
  for (std::size_t i = 0; i < n; ++i) {
    MarginAccount& a = s.accounts[s.owners[static_cast<OwnerId>(i + 1)].accounts[0]];
    if (i % 2 == 0) {
      const int64_t eth = rng.in(1, 100) * kEthOne;
      const int64_t debt = 2'000 * (eth / 1'000) * rng.in(500, 840) / 1'000;  // USDC quanta
      a.balances.push_back(TokenBalance{0, -debt});
      a.balances.push_back(TokenBalance{1, eth});
      borrowed += debt;
      eth_supplied += eth;
    } else {
      const int64_t deposit = rng.in(1'000, 100'000) * kUsdcOne;
      const int64_t notional = deposit * rng.in(2, 19);
      const int64_t size = notional * kBtcOne / (kBtcMark * kUsdcOne);
      a.balances.push_back(TokenBalance{0, deposit});
      PerpPosition pos;
      pos.market = 0;
      pos.size = Quantity::from_raw(size);
      pos.quote = Quantity::from_raw(-size * kBtcMark * kUsdcOne / kBtcOne);
      a.positions.push_back(pos);
      supplied += deposit;
      longs += size;
      long_quote += pos.quote.raw();
    }
  }
  MarginAccount& lp = s.accounts[s.owners[lp_owner].accounts[0]];
  lp.balances.push_back(TokenBalance{0, 1'000'000'000 * kUsdcOne});
  PerpPosition shorts;
  shorts.market = 0;
  shorts.size = Quantity::from_raw(-longs);
  shorts.quote = Quantity::from_raw(-long_quote);
  lp.positions.push_back(shorts);
  s.assets[0].total_supply_scaled = supplied;
  s.assets[0].total_borrow_scaled = borrowed;
  s.assets[1].total_supply_scaled = eth_supplied;
  s.perps[0].long_oi = Quantity::from_raw(longs);
  s.perps[0].short_oi = Quantity::from_raw(longs);
  return s;
}

ResolutionConfig config() {
  ResolutionConfig c;
  c.enabled = true;
  c.protocol_fee = ratio(100);
  c.waterfall = {Layer::InsuranceFund, Layer::StakedTranche, Layer::Mutualization,
                 Layer::RecapDebt};
  c.insurance[0] =
      InsuranceFund{Quantity::from_raw(1'000'000 * kUsdcOne), {}, {}, std::nullopt, {}};
  c.tranche[0] =
      StakedTranche{Quantity::from_raw(5'000'000 * kUsdcOne), ratio(300), {}, std::nullopt};
  return c;
}

Price crashed(Price p) {
  return Price::from_raw(p.raw() / 10'000 * (10'000 - kCrashBp));
}

Event crash_eth(const State& s) {
  return Event{1, SetAssetPrice{1, crashed(s.assets[1].price)}, "bench"};
}
Event crash_btc(const State& s) {
  return Event{1, SetMarkPrice{0, crashed(s.perps[0].mark), std::nullopt}, "bench"};
}

void BM_ResolutionCrashTick(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const State book = make_book(n);
  std::size_t unsafe = 0;
  {
    Engine e(book);
    (void)e.apply(crash_eth(e.state()));
    (void)e.apply(crash_btc(e.state()));
    for (const MarginAccount& a : e.state().accounts) {
      if (maint_excess(e.cache(), a).is_negative()) ++unsafe;
    }
  }
  int64_t liquidations = 0;
  int64_t accounts = 0;
  int64_t bad_debt = 0;
  int64_t waterfall = 0;
  for (auto _ : st) {
    st.PauseTiming();
    auto engine = std::make_unique<Engine>(book);
    auto r = std::make_unique<Resolver>(*engine, config());
    const Event eth = crash_eth(engine->state());
    const Event btc = crash_btc(engine->state());
    st.ResumeTiming();
    benchmark::DoNotOptimize(r->apply(eth));
    benchmark::DoNotOptimize(r->apply(btc));
    st.PauseTiming();
    std::set<AccountId> liquidated;
    for (const ResolutionRecord& rec : r->records()) {
      if (rec.kind == "liquidation") {
        ++liquidations;
        liquidated.insert(*rec.account);
      } else if (rec.kind == "bad_debt") {
        ++bad_debt;
      } else if (rec.kind == "waterfall") {
        ++waterfall;
      }
    }
    accounts += static_cast<int64_t>(liquidated.size());
    r.reset();
    engine.reset();
    st.ResumeTiming();
  }
  const auto iters = static_cast<double>(st.iterations());
  st.counters["liq/s"] =
      benchmark::Counter(static_cast<double>(liquidations), benchmark::Counter::kIsRate);
  st.counters["liquidations"] = static_cast<double>(liquidations) / iters;
  st.counters["accounts"] = static_cast<double>(accounts) / iters;
  st.counters["unsafe"] = static_cast<double>(unsafe);
  st.counters["bad_debt"] = static_cast<double>(bad_debt) / iters;
  st.counters["waterfall"] = static_cast<double>(waterfall) / iters;
}

BENCHMARK(BM_ResolutionCrashTick)
    ->Name("resolution/crash_tick")
    ->Arg(1'000)
    ->Arg(10'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
