// Shared by the monitor tests (monitor_test.cc, monitor_band_test.cc): a random venue built
// through the engine, the full rescan the monitor must equal, and random price steps.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "backstop/engine/engine.h"
#include "backstop/margin/risk.h"
#include "test_util.h"

namespace backstop::monitor_testing {

using namespace testing_util;

struct RandomVenue {
  Engine engine;
  std::vector<AccountId> accounts;
};

// Three assets (USDC, WETH, WBTC; all borrowable with a kinked rate model so that indexes move),
// two USDC-quoted perps with two tiers, `owners` cross accounts with random deposits, borrows and
// positions opened through the engine (so every limit holds when the book is built). `upnl` is the
// venue's weight of unrealised profit: below a market's maintenance rate it makes a long's rise
// adverse (the margin grows faster than the counted profit).
inline RandomVenue make_venue(std::mt19937_64& rng, int owners, const char* upnl = "1") {
  State s;
  s.params.upnl_weight_maint = rt(upnl);
  s.params.upnl_weight_initial = rt(upnl);
  RateModel rates{rt("0.02"), rt("0.08"), rt("1.5"), rt("0.8")};
  AssetParams usdc = asset("USDC", 6, "0.85", "0.9", true);
  usdc.rates = rates;
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  weth.rates = rates;
  weth.borrow_weight_maint = rt("1.05");
  AssetParams wbtc = asset("WBTC", 8, "0.7", "0.78", true);
  wbtc.rates = rates;
  s.add_asset(usdc, priced("1"));
  s.add_asset(weth, priced("2000"));
  s.add_asset(wbtc, priced("60000"));
  add_btc_eth_perps(s, 0);
  std::vector<AccountId> ids;
  for (int i = 0; i < owners; ++i) {
    const OwnerId o = s.add_owner(fmt::format("u{}", i));
    ids.push_back(s.owners[o].accounts[0]);
  }
  RandomVenue v{Engine(std::move(s)), ids};
  auto apply = [&](EventBody b) { (void)v.engine.apply(ev(0, std::move(b))); };
  std::uniform_int_distribution<int> pick(0, 9);
  for (AccountId a : ids) {
    apply(Deposit{a, 0, Quantity::from_raw(static_cast<int64_t>(rng() % 50'000'000'000))});
    if (pick(rng) < 5)
      apply(Deposit{a, 1, Quantity::from_raw(static_cast<int64_t>(rng() % 20'000'000'000))});
    if (pick(rng) < 3)
      apply(Deposit{a, 2, Quantity::from_raw(static_cast<int64_t>(rng() % 50'000'000))});
  }
  for (AccountId a : ids) {
    const int kind = pick(rng);
    if (kind < 4) {
      const auto asset_id = static_cast<AssetId>(rng() % 3);
      const int64_t unit = asset_id == 0 ? 1'000'000 : asset_id == 1 ? 1'000'000'000 : 100'000'000;
      const int64_t whole = asset_id == 0 ? 40'000 : asset_id == 1 ? 20 : 1;
      apply(Borrow{a, asset_id,
                   Quantity::from_raw(
                       static_cast<int64_t>(rng() % static_cast<uint64_t>(whole * unit)) + 1)});
    }
    if (kind >= 3) {
      const auto m = static_cast<MarketId>(rng() % 2);
      const int64_t max_size = m == 0 ? 100'000'000 : 10'000'000'000;  // 1 BTC, 10 ETH
      int64_t size = static_cast<int64_t>(rng() % static_cast<uint64_t>(max_size)) + 1;
      if (rng() % 2 == 0) size = -size;
      const Price p = v.engine.state().perps[m].mark;
      apply(Trade{a, m, Quantity::from_raw(size), p, std::nullopt});
    }
  }
  return v;
}

inline std::set<AccountId> rescan(const Engine& e) {
  std::set<AccountId> out;
  for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
    if (maint_excess(e.cache(), e.state().accounts[id]).is_negative()) out.insert(id);
  }
  return out;
}

// The changes a sync must report between two rescans: (became unsafe, became safe), sorted.
inline std::pair<std::vector<AccountId>, std::vector<AccountId>> set_changes(
    const std::set<AccountId>& prev, const std::set<AccountId>& now) {
  std::pair<std::vector<AccountId>, std::vector<AccountId>> out;
  std::set_difference(now.begin(), now.end(), prev.begin(), prev.end(),
                      std::back_inserter(out.first));
  std::set_difference(prev.begin(), prev.end(), now.begin(), now.end(),
                      std::back_inserter(out.second));
  return out;
}

// Moves a price by a random relative step in [-max_bp, +max_bp] basis points.
inline Price moved(std::mt19937_64& rng, Price p, int max_bp) {
  const int64_t bp = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * max_bp + 1)) - max_bp;
  const int128 next = mul_div(p.raw(), 10'000 + bp, 10'000, Rounding::Down);
  return Price::from_raw(std::max<int64_t>(static_cast<int64_t>(next), 1));
}

}  // namespace backstop::monitor_testing
