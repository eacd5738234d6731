// Event engine: every limit rejects with its reason and leaves state byte-identical; interest
// accrual matches the kinked rate model by hand; same events give the same hash.
#include "backstop/engine/engine.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <random>

#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

// WETH collateral (LTV 0.8, LT 0.825), USDC borrowable with a kinked model, an isolated asset ISO,
// and a BTC perp quoted in USDC (IM 10%, MM 5%).
State venue() {
  State s;
  AssetParams weth = asset("WETH", 9, "0.80", "0.825", true);
  weth.rates = {rt("0"), rt("0.02"), rt("1"), rt("0.8")};
  s.add_asset(weth, priced("2000"));
  AssetParams usdc = asset("USDC", 6, "0.85", "0.88", true);
  usdc.rates = {rt("0"), rt("0.04"), rt("0.75"), rt("0.8")};
  usdc.reserve_factor = rt("0.1");
  usdc.borrowable_in_isolation = true;
  s.add_asset(usdc, priced("1"));
  AssetParams iso = asset("ISO", 6, "0.5", "0.6");
  iso.isolation_ceiling = usd("1000");
  s.add_asset(iso, priced("10"));
  PerpParams btc;
  btc.symbol = "BTC-PERP";
  btc.base_decimals = 8;
  btc.quote = 1;
  btc.tiers = {{Quantity{}, rt("0.1"), rt("0.05")}};
  PerpState ps;
  ps.mark = ps.oracle = px("50000");
  s.add_market(btc, ps);
  s.add_owner("lender");
  s.add_owner("alice");
  s.add_owner("bob");
  return s;
}

constexpr AssetId kWeth = 0, kUsdc = 1, kIso = 2;
constexpr AccountId kLender = 0, kAlice = 1, kBob = 2;

Engine funded() {
  Engine e(venue());
  EXPECT_TRUE(e.apply(ev(0, Deposit{kLender, kUsdc, qty("1000000", 6)})).ok());
  EXPECT_TRUE(e.apply(ev(0, Deposit{kAlice, kWeth, qty("10", 9)})).ok());
  return e;
}

// Applies `e`, expects rejection with `code`, and that nothing observable changed.
void expect_reject(Engine& eng, const Event& e, Reject code, const std::string& reason_part) {
  const uint64_t before = eng.state_hash();
  const Outcome o = eng.apply(e);
  EXPECT_EQ(o.code, code) << o.reason;
  EXPECT_NE(o.reason.find(reason_part), std::string::npos) << o.reason;
  EXPECT_EQ(eng.state_hash(), before) << "rejected event changed state";
}

TEST(Limits, InitialMarginOnBorrow) {
  Engine e = funded();
  // weighted initial collateral 10 * 2000 * 0.8 = 16,000
  expect_reject(e, ev(1, Borrow{kAlice, kUsdc, qty("16000.000001", 6)}), Reject::InitialMargin,
                "initial requirement 16000.000001 exceeds weighted collateral 16000");
  EXPECT_TRUE(e.apply(ev(1, Borrow{kAlice, kUsdc, qty("16000", 6)})).ok());
}

TEST(Limits, WithdrawNeedsInitialMarginAndBalance) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Borrow{kAlice, kUsdc, qty("8000", 6)})).ok());
  // 8,000 debt needs 10,000 of WETH at 0.8 -> 5 WETH; withdrawing 5.000000001 fails
  expect_reject(e, ev(1, Withdraw{kAlice, kWeth, qty("5.000000001", 9)}), Reject::InitialMargin,
                "initial requirement");
  expect_reject(e, ev(1, Withdraw{kAlice, kWeth, qty("11", 9)}), Reject::InsufficientBalance,
                "balance is 10");
  // Exactly at the limit at the same instant; one second later interest has accrued and the same
  // withdrawal would fail.
  EXPECT_FALSE(Engine(e).apply(ev(2, Withdraw{kAlice, kWeth, qty("5", 9)})).ok());
  EXPECT_TRUE(e.apply(ev(1, Withdraw{kAlice, kWeth, qty("5", 9)})).ok());
}

TEST(Limits, BorrowCapDebtCeilingGlobalCeiling) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, SetParam{ParamTarget::Asset, kUsdc, "borrow_cap", "1000"})).ok());
  expect_reject(e, ev(2, Borrow{kAlice, kUsdc, qty("1000.5", 6)}), Reject::BorrowCap,
                "borrow cap of 1000 USDC");
  ASSERT_TRUE(e.apply(ev(2, SetParam{ParamTarget::Asset, kUsdc, "borrow_cap", "none"})).ok());
  ASSERT_TRUE(e.apply(ev(2, SetParam{ParamTarget::Asset, kUsdc, "debt_ceiling", "500"})).ok());
  expect_reject(e, ev(3, Borrow{kAlice, kUsdc, qty("600", 6)}), Reject::DebtCeiling,
                "debt ceiling of 500");
  ASSERT_TRUE(e.apply(ev(3, SetParam{ParamTarget::Asset, kUsdc, "debt_ceiling", "none"})).ok());
  ASSERT_TRUE(e.apply(ev(3, SetParam{ParamTarget::Venue, 0, "global_debt_ceiling", "700"})).ok());
  ASSERT_TRUE(e.apply(ev(4, Borrow{kAlice, kUsdc, qty("600", 6)})).ok());
  expect_reject(e, ev(4, Borrow{kAlice, kUsdc, qty("100.000001", 6)}), Reject::GlobalDebtCeiling,
                "global debt ceiling of 700");
}

TEST(Limits, SupplyCapAndLiquidity) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, SetParam{ParamTarget::Asset, kWeth, "supply_cap", "12"})).ok());
  expect_reject(e, ev(1, Deposit{kBob, kWeth, qty("2.5", 9)}), Reject::SupplyCap,
                "total supply would be 12.5");
  EXPECT_TRUE(e.apply(ev(1, Deposit{kBob, kWeth, qty("2", 9)})).ok());
  // WETH pool has 12 supplied, nothing can be borrowed beyond it
  expect_reject(e, ev(1, Borrow{kLender, kWeth, qty("12.000000001", 9)}),
                Reject::InsufficientBalance, "pool liquidity");
  expect_reject(e, ev(1, Borrow{kBob, kWeth, qty("1", 9)}), Reject::InsufficientBalance,
                "withdraw it before borrowing");
}

TEST(Limits, IsolationModeCeilingAndMixing) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Deposit{kBob, kIso, qty("1000", 6)})).ok());  // $10,000 of ISO
  expect_reject(e, ev(1, Deposit{kBob, kWeth, qty("1", 9)}), Reject::IsolationMode,
                "cannot be combined");
  expect_reject(e, ev(1, Borrow{kBob, kUsdc, qty("1000.000001", 6)}), Reject::IsolationCeiling,
                "isolation debt ceiling of 1000");
  ASSERT_TRUE(e.apply(ev(1, Borrow{kBob, kUsdc, qty("600", 6)})).ok());
  expect_reject(e, ev(1, Borrow{kBob, kWeth, qty("0.1", 9)}), Reject::IsolationMode,
                "not borrowable against isolated collateral ISO");
  ASSERT_TRUE(e.apply(ev(2, Repay{kBob, kUsdc, qty("200", 6)})).ok());
  EXPECT_EQ(e.state().assets[kIso].isolation_debt, usd("400"));
}

TEST(Limits, OpenInterestCapAndInitialMarginOnTrades) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Deposit{kBob, kUsdc, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(1, SetParam{ParamTarget::Market, 0, "oi_cap", "1.5"})).ok());
  // IM 10%: 10,000 supports 2 BTC of notional at 50,000, weighted at 0.85 -> 8,500 => 1.7 BTC
  expect_reject(e, ev(2, Trade{kBob, 0, qty("1.6", 8), px("50000"), std::nullopt}),
                Reject::OpenInterestCap, "open-interest cap of 1.5");
  ASSERT_TRUE(e.apply(ev(2, SetParam{ParamTarget::Market, 0, "oi_cap", "none"})).ok());
  expect_reject(e, ev(2, Trade{kBob, 0, qty("1.8", 8), px("50000"), std::nullopt}),
                Reject::InitialMargin, "initial requirement");
  ASSERT_TRUE(e.apply(ev(2, Trade{kBob, 0, qty("1.7", 8), px("50000"), std::nullopt})).ok());
  // reducing is always allowed, even when the mark has moved against the account
  ASSERT_TRUE(e.apply(ev(3, SetMarkPrice{0, px("46000"), std::nullopt})).ok());
  EXPECT_TRUE(e.apply(ev(3, Trade{kBob, 0, qty("-0.5", 8), px("46000"), std::nullopt})).ok());
  EXPECT_EQ(e.state().perps[0].long_oi, qty("1.2", 8));
}

// Review finding: a reducing trade at an absurd price moved value out of the account and left
// bad debt. Reducing is free only while it does not lower the maintenance excess (or the account
// still meets its initial requirement).
TEST(Limits, ReducingAtAnAbsurdPriceIsRejected) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Deposit{kBob, kUsdc, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(1, Trade{kBob, 0, qty("1.5", 8), px("50000"), std::nullopt})).ok());
  ASSERT_TRUE(e.apply(ev(1, Deposit{kAlice, kUsdc, qty("100000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(2, SetMarkPrice{0, px("45000"), std::nullopt})).ok());
  // bob: collateral 8,500 weighted, PnL -7,500; below his initial requirement now
  ASSERT_FALSE(e.risk(kBob).initial_ok);
  expect_reject(e, ev(2, Trade{kBob, 0, qty("-1.5", 8), px("1"), kAlice}), Reject::InitialMargin,
                "would lower its maintenance excess");
  // at the mark it is a plain de-risking: accepted
  EXPECT_TRUE(e.apply(ev(2, Trade{kBob, 0, qty("-1", 8), px("45000"), kAlice})).ok());
}

// Review finding: the OI cap was checked after the first leg of a two-sided trade, so a transfer
// of an existing position between two accounts was refused at the cap.
TEST(Limits, OpenInterestCapAppliesToTheWholeTrade) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Deposit{kBob, kUsdc, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(1, Deposit{kLender, kWeth, qty("100", 9)})).ok());
  ASSERT_TRUE(e.apply(ev(1, SetParam{ParamTarget::Market, 0, "oi_cap", "1"})).ok());
  ASSERT_TRUE(e.apply(ev(1, Trade{kBob, 0, qty("1", 8), px("50000"), std::nullopt})).ok());
  // alice buys bob's long: long OI stays 1
  EXPECT_TRUE(e.apply(ev(2, Trade{kAlice, 0, qty("1", 8), px("50000"), kBob})).ok());
  EXPECT_EQ(e.state().perps[0].long_oi, qty("1", 8));
  expect_reject(e, ev(2, Trade{kLender, 0, qty("0.1", 8), px("50000"), std::nullopt}),
                Reject::OpenInterestCap, "open-interest cap of 1");
}

TEST(Limits, ClosingRealisesPnlIntoQuoteBalance) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Deposit{kBob, kUsdc, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(1, Trade{kBob, 0, qty("1", 8), px("50000"), kAlice})).ok());
  ASSERT_TRUE(e.apply(ev(2, Trade{kBob, 0, qty("-1", 8), px("51000"), kAlice})).ok());
  const MarginAccount& bob = e.state().accounts[kBob];
  EXPECT_TRUE(bob.positions.empty());
  ASSERT_EQ(bob.balances.size(), 1u);
  EXPECT_EQ(bob.balances[0].scaled, dec("11000", 6));
  // alice took the other side and lost 1,000: it becomes a USDC borrow against her WETH
  EXPECT_EQ(e.risk(kAlice).total_debt, usd("1000"));
  EXPECT_EQ(e.state().perps[0].long_oi, Quantity{});
  EXPECT_EQ(e.state().perps[0].short_oi, Quantity{});
}

TEST(Limits, FundingSettlesOnTrade) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(1, Deposit{kBob, kUsdc, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(1, Trade{kBob, 0, qty("1", 8), px("50000"), std::nullopt})).ok());
  ASSERT_TRUE(e.apply(ev(2, Funding{0, std::nullopt, rt("0.0001")})).ok());  // 5 USDC per BTC
  EXPECT_EQ(e.risk(kBob).unrealized_pnl, usd("-5"));
  expect_reject(e, ev(2, Funding{0, px("1"), rt("0.0001")}), Reject::InvalidParam, "exactly one");
}

TEST(Prices, InvalidAbsurdAndBackwards) {
  Engine e = funded();
  expect_reject(e, ev(1, SetAssetPrice{kWeth, px("0")}), Reject::InvalidPrice, "not positive");
  expect_reject(e, ev(1, SetAssetPrice{kWeth, px("-5")}), Reject::InvalidPrice, "not positive");
  ASSERT_TRUE(e.apply(ev(1, SetParam{ParamTarget::Asset, kWeth, "max_price_move", "0.5"})).ok());
  // a bad print: WETH 2000 -> 323 (-84%) is rejected; -40% is accepted
  expect_reject(e, ev(2, SetAssetPrice{kWeth, px("323")}), Reject::AbsurdPriceMove,
                "moves more than 0.5");
  EXPECT_TRUE(e.apply(ev(2, SetAssetPrice{kWeth, px("1200")})).ok());
  expect_reject(e, ev(1, Tick{}), Reject::TimeWentBackwards, "before the current time 2");
}

TEST(Prices, StalePriceBlocksBorrowAndLiquidation) {
  Engine e = funded();
  ASSERT_TRUE(e.apply(ev(0, SetParam{ParamTarget::Asset, kWeth, "max_price_age", "60"})).ok());
  ASSERT_TRUE(e.apply(ev(10, Borrow{kAlice, kUsdc, qty("15000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(30, SetAssetPrice{kWeth, px("1800")})).ok());  // HF 14,850/15,000 < 1
  EXPECT_TRUE(e.risk(kAlice).liquidatable);
  ASSERT_TRUE(e.apply(ev(100, Tick{})).ok());  // price from t=30 is 70 s old
  EXPECT_FALSE(e.risk(kAlice).liquidatable);
  expect_reject(e, ev(100, Borrow{kAlice, kUsdc, qty("1", 6)}), Reject::StalePrice, "stale");
}

TEST(Params, InvalidValuesRejected) {
  Engine e = funded();
  expect_reject(e, ev(1, SetParam{ParamTarget::Asset, kWeth, "weight_initial", "0.9"}),
                Reject::InvalidParam, "must not exceed weight_maint");
  expect_reject(e, ev(1, SetParam{ParamTarget::Asset, kWeth, "colour", "blue"}),
                Reject::InvalidParam, "unknown asset parameter");
  expect_reject(e, ev(1, SetParam{ParamTarget::Asset, kWeth, "weight_maint", "abc"}),
                Reject::InvalidParam, "invalid character");
  EXPECT_TRUE(e.apply(ev(1, SetParam{ParamTarget::Asset, kWeth, "weight_maint", "0.7"})).ok() ==
              false);  // below weight_initial 0.8
  // review finding: negative limits and guards were accepted
  expect_reject(e, ev(1, SetParam{ParamTarget::Market, 0, "max_price_move", "-0.5"}),
                Reject::InvalidParam, "max_price_move must be > 0");
  expect_reject(e, ev(1, SetParam{ParamTarget::Market, 0, "max_price_age", "-10"}),
                Reject::InvalidParam, "max_price_age must be positive");
  expect_reject(e, ev(1, SetParam{ParamTarget::Market, 0, "oi_cap", "-5"}), Reject::InvalidParam,
                "oi_cap must be >= 0");
  expect_reject(e, ev(1, SetParam{ParamTarget::Asset, kWeth, "supply_cap", "-1"}),
                Reject::InvalidParam, "caps must be >= 0");
  expect_reject(e, ev(1, SetParam{ParamTarget::Venue, 0, "global_debt_ceiling", "-1"}),
                Reject::InvalidParam, "must be >= 0");
}

// The parser validates names against param_fields(); every listed name must be one the engine
// applies (a listed-but-unknown name would be a silent rejection at run time).
TEST(Params, EveryListedFieldIsAccepted) {
  const std::pair<ParamTarget, const char*> values[] = {
      {ParamTarget::Venue, "0.5"}, {ParamTarget::Asset, "none"}, {ParamTarget::Market, "none"}};
  for (const auto& [target, none_value] : values) {
    for (std::string_view f : param_fields(target)) {
      Engine e = funded();
      std::string v = "1";
      if (f == "borrowable" || f == "borrowable_in_isolation") v = "true";
      if (f == "weight_initial") v = "0.5";
      if (f == "upnl_weight_initial") v = "0.5";
      if (f == "max_price_age") v = "60";
      if (f == "max_price_move") v = "0.5";
      if (f.starts_with("rate.optimal")) v = "0.9";
      if (f.find("cap") != std::string_view::npos || f.find("ceiling") != std::string_view::npos) {
        v = none_value;
      }
      const Outcome o = e.apply(ev(1, SetParam{target, 0, std::string(f), v}));
      EXPECT_TRUE(o.ok()) << f << ": " << o.reason;
    }
  }
}

// Kinked model by hand (Aave v3 DefaultReserveInterestRateStrategy shape): U = 0.8 exactly at the
// kink -> borrow 0 + 0.04 * 0.8 / 0.8 = 4%; supply = 4% * 0.8 * (1 - 0.1) = 2.88%. After one year
// of linear accrual: borrow index 1.04, supply index 1.0288.
TEST(Interest, OneYearAtTheKink) {
  Engine e(venue());
  ASSERT_TRUE(e.apply(ev(0, Deposit{kLender, kUsdc, qty("1000000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Deposit{kAlice, kWeth, qty("1000", 9)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Borrow{kAlice, kUsdc, qty("800000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(kSecondsPerYear, Tick{})).ok());
  const AssetState& u = e.state().assets[kUsdc];
  EXPECT_EQ(u.borrow_index, Index::from_raw(1'040'000'000'000));
  EXPECT_EQ(u.supply_index, Index::from_raw(1'028'800'000'000));
  EXPECT_EQ(e.risk(kAlice).total_debt, usd("832000"));
  EXPECT_EQ(e.risk(kLender).collateral_value, usd("1028800"));
  EXPECT_EQ(total_borrow(u), qty("832000", 6));
}

std::vector<Event> random_events(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<Event> out;
  Timestamp t = 0;
  for (int i = 0; i < n; ++i) {
    t += static_cast<Timestamp>(rng() % 3600);
    const auto acct = static_cast<AccountId>(rng() % 3);
    const int64_t amt = static_cast<int64_t>(rng() % 5000) + 1;
    switch (rng() % 7) {
      case 0:
        out.push_back(ev(t, Deposit{acct, kUsdc, qty(std::to_string(amt), 6)}));
        break;
      case 1:
        out.push_back(ev(t, Deposit{acct, kWeth, qty(std::to_string(amt % 7 + 1), 9)}));
        break;
      case 2:
        out.push_back(ev(t, Borrow{acct, kUsdc, qty(std::to_string(amt), 6)}));
        break;
      case 3:
        out.push_back(ev(t, Repay{acct, kUsdc, qty(std::to_string(amt), 6)}));
        break;
      case 4:
        out.push_back(ev(t, SetAssetPrice{kWeth, Price::from_raw(1'500'000'000'000 +
                                                                 static_cast<int64_t>(
                                                                     rng() % 1'000'000'000'000))}));
        break;
      case 5:
        out.push_back(
            ev(t, Trade{acct, 0,
                        Quantity::from_raw(static_cast<int64_t>(rng() % 20'000'000) - 10'000'000),
                        px("50000"), std::nullopt}));
        break;
      default:
        out.push_back(ev(t, Withdraw{acct, kWeth, qty("1", 9)}));
        break;
    }
  }
  return out;
}

TEST(Determinism, SameEventsSameHashDifferentEventsDifferentHash) {
  const auto events = random_events(42, 400);
  Engine a(venue()), b(venue());
  int rejected = 0;
  for (const Event& e : events) {
    const Outcome oa = a.apply(e);
    const Outcome ob = b.apply(e);
    ASSERT_EQ(oa.code, ob.code);
    ASSERT_EQ(oa.reason, ob.reason);
    rejected += oa.ok() ? 0 : 1;
    ASSERT_EQ(a.state_hash(), b.state_hash());
  }
  EXPECT_GT(rejected, 0);
  EXPECT_LT(rejected, 400);
  Engine c(venue());
  auto other = events;
  other.front().body = Deposit{kAlice, kUsdc, qty("1", 6)};
  for (const Event& e : other) (void)c.apply(e);
  EXPECT_NE(a.state_hash(), c.state_hash());
}

// The hash is XXH3-64 of the canonical serialization (engine/hash.cc, docs/json-output.md): every
// integer as 8 little-endian bytes, a string as its length then its bytes. Built here by hand for
// a state with one owner and its empty account, it pins the byte format the hashes users keep
// were computed from.
TEST(Determinism, StateHashIsXxh3OfTheCanonicalBytes) {
  State s;
  s.add_owner("alice");
  std::string bytes;
  auto i64 = [&](int64_t v) {
    for (int i = 0; i < 8; ++i) {
      bytes.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF));
    }
  };
  auto str = [&](const std::string& t) {
    i64(static_cast<int64_t>(t.size()));
    bytes += t;
  };
  str("backstop.state/1");
  i64(s.now);
  str(s.params.preset);
  i64(s.params.upnl_weight_initial.raw());
  i64(s.params.upnl_weight_maint.raw());
  i64(0);  // no global debt ceiling
  i64(0);  // assets
  i64(0);  // markets
  i64(1);  // owners
  str("alice");
  i64(1);  // accounts: owner 0, sub 0, cross, not isolated (-1), no balances, no positions
  for (const int64_t v : {0, 0, 0, -1, 0, 0}) i64(v);
  const Engine e(std::move(s));
  EXPECT_EQ(e.state_hash(), XXH3_64bits(bytes.data(), bytes.size()));
}

// Copies of a State share the owner-name map until one of them adds an owner (copy on write).
TEST(State, CopiesShareOwnerNamesUntilOneAddsAnOwner) {
  const State a = venue();
  State b = a;
  EXPECT_EQ(a.owner_ids.get(), b.owner_ids.get());
  const OwnerId carol = b.add_owner("carol");
  EXPECT_NE(a.owner_ids.get(), b.owner_ids.get());
  EXPECT_EQ(b.find_owner("carol"), carol);
  EXPECT_EQ(a.find_owner("carol"), std::nullopt);
  EXPECT_EQ(a.find_owner("bob"), b.find_owner("bob"));
  EXPECT_EQ(a.owners.size() + 1, b.owners.size());
  const auto* before = b.owner_ids.get();
  (void)b.add_owner("dave");  // no longer shared: changed in place
  EXPECT_EQ(b.owner_ids.get(), before);
  EXPECT_EQ(State{}.find_owner("alice"), std::nullopt);
}

// resolution_books() keeps the valuation cache: right for a balance change, and a debug build
// catches a caller that changes a price through it.
TEST(Cache, ResolutionBooksKeepsTheCacheAndDebugBuildsCheckIt) {
  Engine e = funded();
  const Value before = e.risk(kAlice).excess_maint;
  e.resolution_books().accounts[kAlice].balance_mut(kWeth).scaled /= 2;
  const Value after = e.risk(kAlice).excess_maint;  // the kept cache values the new balance
  EXPECT_LT(after, before);
  EXPECT_EQ(e.cache(), build_margin_cache(e.state()));
  e.resolution_books().assets[kWeth].price = px("1000");
#ifndef NDEBUG
  EXPECT_THROW((void)e.cache(), std::logic_error);
#endif
  (void)e.resolution_state();  // the right accessor for a price: the cache is rebuilt
  EXPECT_EQ(e.cache().assets[kWeth].price, px("1000"));
}

// Property: applying then rejecting never leaks partial state, for every event kind.
TEST(Determinism, RejectedEventsNeverChangeState) {
  const auto events = random_events(7, 600);
  Engine e(venue());
  for (const Event& ev_ : events) {
    const uint64_t before = e.state_hash();
    const Outcome o = e.apply(ev_);
    if (!o.ok()) {
      ASSERT_EQ(e.state_hash(), before) << o.reason;
    }
  }
}

}  // namespace
}  // namespace backstop
