// Atomic resolution steps (resolution/resolver.h, "Atomic steps"; resolution/step.cc): a fault
// injected anywhere inside a liquidation / waterfall step leaves every piece of state exactly as
// it was before the step, the exception propagates out of Resolver::apply, and the Resolver goes
// on as if the step had never started.
//
// Fault injection: ResolverTestHook (a friend of Resolver, test-only) arms the resolver's fault
// counter. Fault points are the start of every step, every change (balance adjust, fill,
// socialisation), every journal post, every record written inside a step, and finish() (which
// throws ConservationError there; OverflowError elsewhere).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <tuple>

#include "backstop/resolution/resolver.h"
#include "backstop/scenario/scenario.h"
#include "test_util.h"

namespace backstop {

struct ResolverTestHook {
  static void fault_at_point(Resolver& r, int64_t k) {
    r.fault_.at_point = k;
    r.fault_.at_step = 0;
  }
  static void fault_at_step(Resolver& r, int64_t j) {
    r.fault_.at_point = 0;
    r.fault_.at_step = j;
  }
  static void disarm(Resolver& r) { fault_at_point(r, 0); }
  [[nodiscard]] static int64_t points(const Resolver& r) { return r.fault_.points; }
  [[nodiscard]] static int64_t steps(const Resolver& r) { return r.fault_.steps; }
  [[nodiscard]] static std::size_t pending_socializations(const Resolver& r) {
    return r.pending_social_.size();
  }
};

namespace {

namespace fs = std::filesystem;
using namespace testing_util;
using Hook = ResolverTestHook;

// Everything a step may change, in comparable form.
struct Snapshot {
  uint64_t state_hash = 0;
  std::vector<JournalEntry> journal;
  std::vector<
      std::tuple<Timestamp, std::string_view, std::optional<AccountId>, std::vector<RecordField>>>
      records;
  std::tuple<int64_t, int64_t, int64_t, Value, Value> totals;
  std::vector<DeficitPoint> bad_debt;
  std::vector<std::tuple<AssetId, Quantity, Quantity, Quantity>> outstanding;
  std::map<AssetId, Quantity> treasury;
  std::vector<std::tuple<AssetId, Quantity, Quantity>> insurance;  // balance, step_paid
  std::vector<std::tuple<AssetId, Quantity, Quantity>> tranche;    // staked, slashed
  std::map<AssetId, Quantity> capital;
  std::vector<std::pair<std::optional<Price>, std::optional<Price>>> models;  // marginal prices
  std::size_t auctions = 0;
  std::size_t pending_social = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snap(const Resolver& r) {
  Snapshot s;
  s.state_hash = r.engine().state_hash();
  s.journal.assign(r.journal().entries().begin(), r.journal().entries().end());
  for (const ResolutionRecord& x : r.records()) {
    s.records.emplace_back(x.time, x.kind, x.account, x.fields);
  }
  const ResolutionTotals& t = r.totals();
  s.totals = {t.liquidations, t.declined, t.adl_fills, t.liquidated_value, t.bad_debt};
  s.bad_debt = r.bad_debt().history();
  for (AssetId a : r.bad_debt().assets()) {
    const DeficitTotals d = r.bad_debt().totals(a);
    s.outstanding.emplace_back(a, d.accrued, d.covered, d.outstanding);
  }
  s.treasury = r.treasury();
  for (const auto& [a, f] : r.config().insurance)
    s.insurance.emplace_back(a, f.balance, f.step_paid);
  for (const auto& [a, x] : r.config().tranche)
    s.tranche.emplace_back(a, x.staked, x.slashed_in_period);
  s.capital = r.config().liquidator.capital;
  for (const auto& [a, m] : r.config().asset_liquidity) {
    s.models.emplace_back(m.marginal(Side::Sell), m.marginal(Side::Buy));
  }
  for (const auto& [id, m] : r.config().market_liquidity) {
    s.models.emplace_back(m.marginal(Side::Sell), m.marginal(Side::Buy));
  }
  s.auctions = r.running_auctions();
  s.pending_social = Hook::pending_socializations(r);
  return s;
}

// A scenario run driven event by event.
struct Driven {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Resolver> resolver;
  const Scenario* sc = nullptr;
  std::size_t next = 0;

  explicit Driven(const Scenario& s) : sc(&s) {
    engine = std::make_unique<Engine>(s.initial);
    resolver = std::make_unique<Resolver>(*engine, *s.resolution);
  }
  // Applies events until one throws; returns the index of that event (none: all applied).
  std::optional<std::size_t> until_fault() {
    for (; next < sc->events.size(); ++next) {
      try {
        (void)resolver->apply(sc->events[next]);
      } catch (const std::exception&) {
        return next++;
      }
    }
    return std::nullopt;
  }
};

Scenario load(const std::string& name) {
  const fs::path p = fs::path(BACKSTOP_SOURCE_DIR) / "examples" / "liquidation" / name;
  ParseResult pr = parse_scenario_file(p.string());
  if (!pr.scenario) throw std::runtime_error("cannot parse " + p.string());
  return std::move(*pr.scenario);
}

// The golden scenarios (examples/liquidation/*.toml), in name order.
std::vector<fs::path> golden_files() {
  const fs::path dir = fs::path(BACKSTOP_SOURCE_DIR) / "examples" / "liquidation";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every golden in examples/liquidation: for every fault point k of the clean run (a stride when
// there are many), the run that throws at k is, right after the throw and after all the remaining
// events, identical to the run that throws at the start of the same step (the step never began).
// The journal and the bad-debt ledger stay internally consistent.
TEST(ResolutionAtomic, EveryFaultPointOfEveryGoldenRollsBackToTheStepStart) {
  const std::vector<fs::path> files = golden_files();
  ASSERT_GE(files.size(), 12U);
  int64_t mid_step_faults = 0;
  int files_with_steps = 0;
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    const Scenario sc = load(f.filename().string());
    if (!sc.resolution) continue;
    Driven clean(sc);
    ASSERT_FALSE(clean.until_fault().has_value());
    const Snapshot clean_end = snap(*clean.resolver);
    const int64_t total = Hook::points(*clean.resolver);
    if (Hook::steps(*clean.resolver) == 0) continue;  // nothing liquidated (autoline only)
    ++files_with_steps;
    const int64_t stride = std::max<int64_t>(1, total / 150);
    for (int64_t k = 1; k <= total; k += stride) {
      SCOPED_TRACE("fault point " + std::to_string(k));
      Driven faulty(sc);
      Hook::fault_at_point(*faulty.resolver, k);
      const auto at = faulty.until_fault();
      ASSERT_TRUE(at.has_value());
      const int64_t step = Hook::steps(*faulty.resolver);
      const Snapshot after_fault = snap(*faulty.resolver);

      Driven never(sc);
      Hook::fault_at_step(*never.resolver, step);
      ASSERT_EQ(never.until_fault(), at);
      const Snapshot never_started = snap(*never.resolver);
      EXPECT_EQ(after_fault, never_started);
      faulty.resolver->journal().check_balanced();
      faulty.resolver->bad_debt().check();
      if (Hook::points(*faulty.resolver) != Hook::points(*never.resolver)) ++mid_step_faults;

      // Both go on identically (the Resolver stays usable after a failed step).
      Hook::disarm(*faulty.resolver);
      Hook::disarm(*never.resolver);
      ASSERT_FALSE(faulty.until_fault().has_value());
      ASSERT_FALSE(never.until_fault().has_value());
      EXPECT_EQ(snap(*faulty.resolver), snap(*never.resolver));
      faulty.resolver->journal().check_balanced();
    }
    // Disarmed, the hook changes nothing.
    EXPECT_EQ(snap(*clean.resolver), clean_end);
  }
  EXPECT_GE(files_with_steps, 11);
  EXPECT_GT(mid_step_faults, 100);  // most faults hit after the step had changed something
}

// Engine::reset_to after every golden: an engine that starts tracking its changes before the
// first event or half-way through, then is driven by a resolver through the rest (cleanly, and
// with a fault injected in its first or third step), lists every account that differs from where
// it started: a reset that copies only those gives back that state's hash. Where the second half
// left some accounts alone, fewer than all are listed.
TEST(ResolutionAtomic, EveryGoldenResetsToItsStartThroughTheChangedAccounts) {
  const std::vector<fs::path> files = golden_files();
  int partial = 0;
  int faulted = 0;
  int runs = 0;
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    const Scenario sc = load(f.filename().string());
    if (!sc.resolution) continue;
    for (const std::size_t split : {std::size_t{0}, sc.events.size() / 2}) {
      for (const int64_t fault_step : {int64_t{0}, int64_t{1}, int64_t{3}}) {
        Engine e(sc.initial);
        Resolver r(e, *sc.resolution);
        for (std::size_t i = 0; i < split; ++i) (void)r.apply(sc.events[i]);
        const Engine start(e.state());
        e.track_changes();
        Hook::fault_at_step(r, Hook::steps(r) + fault_step);
        if (fault_step == 0) Hook::disarm(r);
        for (std::size_t i = split; i < sc.events.size(); ++i) {
          try {
            (void)r.apply(sc.events[i]);
          } catch (const std::exception&) {
            ++faulted;
          }
        }
        const std::size_t listed =
            std::set<AccountId>(e.changed_accounts().begin(), e.changed_accounts().end()).size();
        if (listed > 0 && listed < e.state().accounts.size()) ++partial;
        e.reset_to(start);
        EXPECT_EQ(e.state_hash(), start.state_hash())
            << "from event " << split << ", fault at step " << fault_step;
        EXPECT_TRUE(e.changed_accounts().empty());
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 60);
  EXPECT_GT(partial, 10);
  EXPECT_GT(faulted, 10);
}

// Records without fields (ResolutionConfig::record_fields, the simulator's setting) change
// nothing but the fields: over every golden, the same records by time, kind and account, the same
// state, journal and totals. And totals().adl_notional is the sum over the adl_fill records of
// size x price in USD, each rounded up (what the simulator used to add up from the records).
TEST(ResolutionAtomic, RecordsWithoutFieldsChangeNothingElse) {
  const std::vector<fs::path> files = golden_files();
  int adl_files = 0;
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    const Scenario sc = load(f.filename().string());
    if (!sc.resolution) continue;
    Engine full_e(sc.initial);
    Resolver full(full_e, *sc.resolution);
    ResolutionConfig bare_cfg = *sc.resolution;
    bare_cfg.record_fields = false;
    Engine bare_e(sc.initial);
    Resolver bare(bare_e, bare_cfg);
    for (const Event& ev : sc.events) {
      (void)full.apply(ev);
      (void)bare.apply(ev);
    }
    Snapshot a = snap(full);
    Snapshot b = snap(bare);
    ASSERT_EQ(a.records.size(), b.records.size());
    Value adl{};
    for (std::size_t i = 0; i < a.records.size(); ++i) {
      EXPECT_TRUE(std::get<3>(b.records[i]).empty());
      std::get<3>(b.records[i]) = std::get<3>(a.records[i]);
      if (std::get<1>(a.records[i]) != "adl_fill") continue;
      std::optional<Quantity> size;
      std::optional<Price> price;
      std::optional<MarketId> market;
      for (const auto& [k, v] : std::get<3>(a.records[i])) {
        if (k == "market") market = full_e.state().find_market(v.str());
        if (k == "size") size = Quantity::from_raw(static_cast<int64_t>(v.as_decimal()->first));
        if (k == "price") price = Price::from_raw(static_cast<int64_t>(v.as_decimal()->first));
      }
      ASSERT_TRUE(size && price && market);
      const State& s = full_e.state();
      const PerpParams& pp = s.perp_params[*market];
      const Quantity quote = to_quote(size->raw(), price->raw(), pp.base_decimals,
                                      s.asset_params[pp.quote].decimals, Rounding::Up);
      adl += value_of(quote, s.asset_params[pp.quote].decimals, s.assets[pp.quote].price,
                      Rounding::Up);
    }
    EXPECT_EQ(a, b);
    EXPECT_EQ(full.totals().adl_notional, adl);
    EXPECT_EQ(bare.totals().adl_notional, adl);
    if (adl.is_positive()) ++adl_files;
  }
  EXPECT_GE(adl_files, 1);
}

// ---- hand-made venues ------------------------------------------------------------------------

// USDC (6 decimals, $1) and WETH (9 decimals, LT 0.85, bonus 5%); bob supplies 100,000 USDC,
// alice deposits 10 WETH and borrows 15,000 USDC at $2,000 (as in resolution_test.cc).
struct Lending {
  State initial;
  AccountId alice = 0;
  AccountId bob = 0;
};

Lending lending_venue() {
  Lending v;
  State& s = v.initial;
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  weth.liquidation_bonus = rt("0.05");
  s.add_asset(weth, priced("2000"));
  v.alice = s.owners[s.add_owner("alice")].accounts[0];
  v.bob = s.owners[s.add_owner("bob")].accounts[0];
  Engine e(s);
  EXPECT_TRUE(e.apply(ev(0, Deposit{v.bob, 0, qty("100000", 6)})).ok());
  EXPECT_TRUE(e.apply(ev(0, Deposit{v.alice, 1, qty("10", 9)})).ok());
  EXPECT_TRUE(e.apply(ev(0, Borrow{v.alice, 0, qty("15000", 6)})).ok());
  v.initial = e.state();
  return v;
}

ResolutionConfig lending_config() {
  ResolutionConfig c;
  c.enabled = true;
  c.protocol_fee = rt("0.1");
  c.insurance[0] = InsuranceFund{qty("2000", 6), Quantity::from_raw(1), {}, std::nullopt, {}};
  c.tranche[0] = StakedTranche{qty("1000", 6), rt("0.3"), {}, std::nullopt};
  c.liquidator.require_profit = false;
  c.asset_liquidity.emplace(1, LiquidityModel(SlippageCurve(SlippageParams{
                                   Pair{9, 6}, px("2000"), qty("1000000", 6), rt("0.1")})));
  return c;
}

// The Aave close-factor liquidation at WETH $1,700 (resolution_test.cc AaveCloseFactorLiquidation:
// 7,500 USDC repaid for 4.63235294 WETH) is the first and only step of the event. Its fault
// points: 1 step start, 2 debt repaid, 3 collateral seized (+ treasury fee), 4 journal, 5 liquidity
// model + capital + totals + record, 6 finish (ConservationError). A fault at 3 (OverflowError)
// or at 6 (ConservationError) leaves exactly the state of a plain engine that applied the price
// event: nothing journaled, recorded, paid or consumed.
TEST(ResolutionAtomic, LendingLiquidationFaultLeavesTheEventOnly) {
  const Lending v = lending_venue();
  Engine plain(v.initial);
  ASSERT_TRUE(plain.apply(ev(10, SetAssetPrice{1, px("1700")})).ok());
  {  // the clean run liquidates (the step exists and changes things)
    Engine e(v.initial);
    Resolver r(e, lending_config());
    ASSERT_TRUE(r.apply(ev(10, SetAssetPrice{1, px("1700")})).ok());
    ASSERT_EQ(r.totals().liquidations, 1);
    EXPECT_EQ(Hook::points(r), 6);
    EXPECT_FALSE(r.treasury().empty());
    EXPECT_NE(e.state_hash(), plain.state_hash());
  }
  // Reference: the step never starts (a fault at its start).
  Engine ref_e(v.initial);
  Resolver ref(ref_e, lending_config());
  Hook::fault_at_step(ref, 1);
  EXPECT_THROW((void)ref.apply(ev(10, SetAssetPrice{1, px("1700")})), OverflowError);
  EXPECT_EQ(ref_e.state_hash(), plain.state_hash());
  for (const int64_t k : {2, 3, 4, 5}) {
    Engine e(v.initial);
    Resolver r(e, lending_config());
    Hook::fault_at_point(r, k);
    EXPECT_THROW((void)r.apply(ev(10, SetAssetPrice{1, px("1700")})), OverflowError);
    EXPECT_EQ(e.state_hash(), plain.state_hash()) << k;
    EXPECT_EQ(snap(r), snap(ref)) << k;
    EXPECT_EQ(r.journal().size(), 0U);
    EXPECT_TRUE(r.records().empty());
    EXPECT_TRUE(r.treasury().empty());
    EXPECT_EQ(r.totals().liquidations, 0);
    EXPECT_EQ(r.config().insurance.at(0).balance, qty("2000", 6));
  }
  Engine e(v.initial);
  Resolver r(e, lending_config());
  Hook::fault_at_point(r, 6);
  EXPECT_THROW((void)r.apply(ev(10, SetAssetPrice{1, px("1700")})), ConservationError);
  EXPECT_EQ(e.state_hash(), plain.state_hash());
  EXPECT_EQ(r.totals().liquidations, 0);
  // Disarmed, the next event liquidates as the clean run did at t = 10.
  Hook::disarm(r);
  ASSERT_TRUE(r.apply(ev(11, SetAssetPrice{1, px("1700")})).ok());
  EXPECT_EQ(r.totals().liquidations, 1);
  ASSERT_EQ(r.records().size(), 1U);
  EXPECT_EQ(r.records()[0].fields[2].second, "7500");  // debt_repaid
}

// The Aave deficit at WETH $1,000 (resolution_test.cc AaveDeficitGoesThroughTheWaterfall): steps
// 1 liquidation (9,523.809524 repaid), 2 write-off (5,476.190476), 3 insurance fund pays
// 1,999.999999, 4 tranche pays 300, 5 suppliers' haircut 3,176.190477. A fault after the tranche
// was slashed (in step 4) leaves steps 1-3 done and step 4 undone: tranche back at 1,000, the
// outstanding deficit 5,476.190476 - 1,999.999999 = 3,476.190477, three journal entries, and the
// USDC supply index untouched.
TEST(ResolutionAtomic, WaterfallStepFaultKeepsTheCompletedSteps) {
  const Lending v = lending_venue();
  auto run = [&](int64_t fault_step, int64_t extra_points) {
    auto e = std::make_unique<Engine>(v.initial);
    auto r = std::make_unique<Resolver>(*e, lending_config());
    if (fault_step > 0) {
      // Find the first point of the step, then fault `extra_points` later.
      Engine probe_e(v.initial);
      Resolver probe(probe_e, lending_config());
      Hook::fault_at_step(probe, fault_step);
      EXPECT_THROW((void)probe.apply(ev(10, SetAssetPrice{1, px("1000")})), OverflowError);
      Hook::fault_at_point(*r, Hook::points(probe) + extra_points);
    }
    std::optional<std::string> what;
    try {
      (void)r->apply(ev(10, SetAssetPrice{1, px("1000")}));
    } catch (const std::exception& x) {
      what = x.what();
    }
    return std::make_tuple(std::move(e), std::move(r), what);
  };
  auto [ce, clean, cw] = run(0, 0);
  ASSERT_FALSE(cw.has_value());
  ASSERT_EQ(Hook::steps(*clean), 5);
  // Step 4 (tranche): start, journal, record, finish -> a fault at its journal point.
  auto [fe, faulty, fw] = run(4, 1);
  ASSERT_TRUE(fw.has_value());
  EXPECT_EQ(Hook::steps(*faulty), 4);
  EXPECT_EQ(faulty->journal().size(), 3U);
  EXPECT_EQ(faulty->config().tranche.at(0).staked, qty("1000", 6));
  EXPECT_EQ(faulty->config().insurance.at(0).balance, Quantity::from_raw(1));
  EXPECT_EQ(faulty->bad_debt().outstanding(0), qty("3476.190477", 6));
  EXPECT_EQ(fe->state().assets[0].supply_index, index_one());
  faulty->bad_debt().check();
  faulty->journal().check_balanced();
  // ... exactly the run where step 4 never started.
  auto [ne, never, nw] = run(4, 0);
  ASSERT_TRUE(nw.has_value());
  EXPECT_EQ(snap(*faulty), snap(*never));
  // Mutualization (step 5) fails after the supply index moved: it moves back.
  auto [me, mut, mw] = run(5, 1);
  ASSERT_TRUE(mw.has_value());
  EXPECT_EQ(me->state().assets[0].supply_index, index_one());
  EXPECT_EQ(mut->bad_debt().outstanding(0), qty("3176.190477", 6));
  EXPECT_EQ(mut->config().tranche.at(0).staked, qty("700", 6));
}

// perp-partial-to-buffer.toml: the liquidation at t = 60 is the event's only step (start 1,
// fill 2, fee 3, journal 4, record 5, finish 6). A fault after the fill, before the fee, leaves
// the state of a plain engine that ran both events (no resolution at all), the insurance fund at
// 0, and nothing in the journal or the records.
TEST(ResolutionAtomic, PerpLiquidationFaultLeavesTheEventsOnly) {
  const Scenario sc = load("perp-partial-to-buffer.toml");
  Engine plain(sc.initial);
  for (const Event& e : sc.events) ASSERT_TRUE(plain.apply(e).ok());
  Driven clean(sc);
  ASSERT_FALSE(clean.until_fault().has_value());
  ASSERT_EQ(Hook::points(*clean.resolver), 6);
  for (const int64_t k : {2, 3, 4, 5, 6}) {
    Driven faulty(sc);
    Hook::fault_at_point(*faulty.resolver, k);
    ASSERT_EQ(faulty.until_fault(), std::optional<std::size_t>(sc.events.size() - 1)) << k;
    EXPECT_EQ(faulty.engine->state_hash(), plain.state_hash()) << k;
    EXPECT_EQ(faulty.resolver->journal().size(), 0U);
    EXPECT_TRUE(faulty.resolver->records().empty());
    EXPECT_EQ(faulty.resolver->totals().liquidations, 0);
    EXPECT_EQ(faulty.resolver->config().insurance.at(0).balance, Quantity{});
  }
}

// Two positions, one step (perps.cc, liquidate_perps; docs/resolution.md "Atomic steps"): alice
// (1,000 USDC) is long 0.5 BTC at 10,000 and 2 ETH at 1,000, MM 5 %. At BTC 8,500 her equity is
// 250 < MM 312.5 and the full policy closes both positions in one step. A fault anywhere in it,
// after the first close included, leaves both positions open: the state of a plain engine.
const char* kTwoPerps = R"(
version = 1
name = "two-perps"
[[asset]]
symbol = "USDC"
decimals = 6
price = "1"
weight_initial = "1"
weight_maint = "1"
borrowable = true
[[market]]
symbol = "BTC-PERP"
base_decimals = 8
quote = "USDC"
mark = "10000"
tiers = [{ notional = "0", initial = "0.10", maint = "0.05" }]
[[market]]
symbol = "ETH-PERP"
base_decimals = 8
quote = "USDC"
mark = "1000"
tiers = [{ notional = "0", initial = "0.10", maint = "0.05" }]
[resolution]
perp_policy = "full"
perp_fee = "0.01"
perp_fee_to_insurance = "0.5"
[[resolution.insurance]]
asset = "USDC"
balance = "0"
[[account]]
id = "alice"
deposits = { USDC = "1000" }
[[account]]
id = "bob"
deposits = { USDC = "100000" }
[[event]]
t = 0
type = "trade"
account = "alice"
market = "BTC-PERP"
size = "0.5"
price = "10000"
counterparty = "bob"
[[event]]
t = 0
type = "trade"
account = "alice"
market = "ETH-PERP"
size = "2"
price = "1000"
counterparty = "bob"
[[event]]
t = 60
type = "mark"
market = "BTC-PERP"
mark = "8500"
)";

TEST(ResolutionAtomic, APerpLiquidationIsOneStepForAllItsPositions) {
  ParseResult pr = parse_scenario(kTwoPerps, "two-perps.toml");
  ASSERT_TRUE(pr.scenario.has_value());
  const Scenario& sc = *pr.scenario;
  Engine plain(sc.initial);
  for (const Event& e : sc.events) ASSERT_TRUE(plain.apply(e).ok());
  Driven clean(sc);
  ASSERT_FALSE(clean.until_fault().has_value());
  ASSERT_EQ(Hook::steps(*clean.resolver), 1);
  ASSERT_EQ(clean.resolver->totals().liquidations, 2);
  ASSERT_EQ(clean.resolver->records().size(), 2U);
  const int64_t points = Hook::points(*clean.resolver);
  ASSERT_GE(points, 8);  // start, then fill, fee, journal, record per position, finish
  for (int64_t k = 2; k <= points; ++k) {
    Driven faulty(sc);
    Hook::fault_at_point(*faulty.resolver, k);
    ASSERT_EQ(faulty.until_fault(), std::optional<std::size_t>(sc.events.size() - 1)) << k;
    EXPECT_EQ(faulty.engine->state_hash(), plain.state_hash()) << k;
    EXPECT_EQ(faulty.resolver->journal().size(), 0U) << k;
    EXPECT_TRUE(faulty.resolver->records().empty()) << k;
    EXPECT_EQ(faulty.resolver->totals().liquidations, 0) << k;
  }
}

// perp-socialized-loss.toml: the 400 USDC socialised over bob and carol (200 each) is the last
// step; a fault at its journal post (both position quotes already cut, both records written)
// restores both quotes (bob 10,000, carol -10,000), removes the records, keeps the loss pending
// (deficit outstanding 400), and the next event socialises it exactly as the clean run did.
TEST(ResolutionAtomic, SocializationFaultKeepsTheLossPending) {
  const Scenario sc = load("perp-socialized-loss.toml");
  Driven clean(sc);
  ASSERT_FALSE(clean.until_fault().has_value());
  const int64_t total = Hook::points(*clean.resolver);
  Driven faulty(sc);
  Hook::fault_at_point(*faulty.resolver, total - 1);  // socialisation: ..., journal, finish
  ASSERT_TRUE(faulty.until_fault().has_value());
  const Resolver& r = *faulty.resolver;
  const State& s = faulty.engine->state();
  const AccountId bob = s.owners[*s.find_owner("bob")].accounts[0];
  const AccountId carol = s.owners[*s.find_owner("carol")].accounts[0];
  EXPECT_EQ(s.accounts[bob].position(0)->quote, qty("10000", 6));
  EXPECT_EQ(s.accounts[carol].position(0)->quote, qty("-10000", 6));
  for (const ResolutionRecord& x : r.records()) EXPECT_NE(x.kind, "socialization");
  EXPECT_EQ(r.bad_debt().outstanding(0), qty("400", 6));
  EXPECT_EQ(Hook::pending_socializations(r), 1U);
  Hook::disarm(*faulty.resolver);
  ASSERT_TRUE(faulty.resolver->apply(ev(61, SetMarkPrice{0, px("9000"), std::nullopt})).ok());
  EXPECT_EQ(s.accounts[bob].position(0)->quote, qty("9800", 6));
  EXPECT_EQ(s.accounts[carol].position(0)->quote, qty("-10200", 6));
  EXPECT_EQ(r.bad_debt().outstanding(0), Quantity{});
  EXPECT_EQ(Hook::pending_socializations(r), 0U);
}

// An engine that does not track its changes is copied in full.
TEST(ResolutionAtomic, AnUntrackedEngineResetsInFull) {
  const Lending v = lending_venue();
  const Engine start(v.initial);
  Engine e(v.initial);
  ASSERT_TRUE(e.apply(ev(10, Deposit{v.bob, 0, qty("5", 6)})).ok());
  EXPECT_TRUE(e.changed_accounts().empty());
  e.reset_to(start);
  EXPECT_EQ(e.state_hash(), start.state_hash());
}

}  // namespace
}  // namespace backstop
