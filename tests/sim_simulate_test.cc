// `backstop simulate`: the config language, each scenario source, the cascade against a linear
// impact curve (hand-derived), the oracle and liquidator environment, reproducibility whatever the
// thread count, and the analyses' monotonicity.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "backstop/report/simulation.h"
#include "backstop/sim/simulate.h"

namespace backstop::sim {
namespace {

// A perp venue: USDC margin, BTC-PERP at 10,000 with 5 % maintenance, full liquidation against a
// linear slippage curve of depth 2,000,000 USDC (k = 1), no fees into the price.
const std::string kPerpVenue = R"(
version = 1
name = "t"
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

[resolution]
perp_policy = "full"

[[resolution.insurance]]
asset = "USDC"
balance = "100000"
min_balance = "1"

[[resolution.liquidity]]
market = "BTC-PERP"
model = "slippage"
depth = "2000000"
k = "1"
shape = "linear"

[[account]]
id = "mm"
deposits = { USDC = "10000000" }
)";

// Three 10 BTC longs opened at 10,000 against the market maker, with margins 10,000 / 14,000 /
// 20,000 USDC. Long of size s, entry E, margin M is below maintenance when
// M + s (P - E) < 0.05 s P, i.e. P < (s E - M) / (0.95 s):
//   A: (100,000 - 10,000) / 9.5 = 9,473.68     B: 86,000 / 9.5 = 9,052.63
//   C: 80,000 / 9.5 = 8,421.05
const std::string kThreeLongs = R"(
[[account]]
id = "a"
deposits = { USDC = "10000" }
[[account]]
id = "b"
deposits = { USDC = "14000" }
[[account]]
id = "c"
deposits = { USDC = "20000" }
[[event]]
t = 0
type = "trade"
account = "a"
market = "BTC-PERP"
size = "10"
price = "10000"
counterparty = "mm"
[[event]]
t = 0
type = "trade"
account = "b"
market = "BTC-PERP"
size = "10"
price = "10000"
counterparty = "mm"
[[event]]
t = 0
type = "trade"
account = "c"
market = "BTC-PERP"
size = "10"
price = "10000"
counterparty = "mm"
)";

// kPerpVenue without its liquidity model: liquidations fill at the mark. The analysis tests run
// many simulations; the exact impact arithmetic of the curve is covered by the tests above.
std::string venue_at_mark() {
  std::string v = kPerpVenue;
  const std::size_t at = v.find("[[resolution.liquidity]]");
  const std::size_t end = v.find("[[account]]", at);
  return v.erase(at, end - at);
}

SimConfig parse_ok(const std::string& text, const std::string& file = "t.toml") {
  ConfigResult r = parse_sim_config(text, file);
  std::string all;
  for (const std::string& e : r.errors) all += e + "\n";
  EXPECT_TRUE(r.config.has_value()) << all;
  if (!r.config) throw std::runtime_error(all);
  return std::move(*r.config);
}

std::vector<std::string> parse_errors(const std::string& text) {
  return parse_sim_config(text, "bad.toml").errors;
}

bool contains(const std::vector<std::string>& errs, const std::string& needle) {
  for (const std::string& e : errs) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

SimOptions quiet(unsigned threads = 1) {
  SimOptions o;
  o.threads = threads;
  return o;
}

// ---- Cascade: hand-derived against a linear impact curve ---------------------------------------
// ../shared/reference/... / docs/liquidity.md §1: a linear curve's marginal sell price after a
// displacement of X base units is p0 (1 - k X p0 / D).
// Step 1 moves BTC 10,000 -> 9,400 (-6 %). Only A is below maintenance (9,400 < 9,473.68).
//   wave 0: A's 10 BTC are sold: market price = 9,400 (1 - 10 x 9,400 / 2,000,000) = 8,958.2
//   wave 1: the oracle reports 8,958.2 < 9,052.63: B's 10 BTC are sold:
//           market price = 9,400 (1 - 20 x 9,400 / 2,000,000) = 9,400 x 0.906 = 8,516.4
//   wave 2: the oracle reports 8,516.4 > 8,421.05: C stays; nothing moves: the cascade ends.
// Fill averages stay within max_fill_slippage (10 %): A 9,179.1 vs 9,400; B 8,737.3 vs 8,958.2.
TEST(SimCascade, LinearImpactHandDerived) {
  const SimConfig cfg = parse_ok(kPerpVenue + kThreeLongs + R"(
[source]
kind = "shock"
moves = { BTC-PERP = "-0.06" }
hold_steps = 2
[analysis.liquidation_curve]
enabled = false
)");
  const SimResult r = simulate(cfg, quiet());
  ASSERT_EQ(r.path_results.size(), 1U);
  const PathResult& p = r.path_results[0];
  EXPECT_EQ(p.liquidations, 2);
  ASSERT_GE(p.wave_liquidations.size(), 3U);
  EXPECT_EQ(p.wave_liquidations[0], 1);
  EXPECT_EQ(p.wave_liquidations[1], 1);
  EXPECT_EQ(p.wave_liquidations[2], 0);
  EXPECT_EQ(p.max_waves, 2);
  EXPECT_EQ(format(p.final_prices[0]), "8516.4");
  EXPECT_EQ(format(p.min_prices[0]), "8516.4");
  EXPECT_TRUE(p.error.empty()) << p.error;
}

TEST(SimCascade, DisabledDefersTheImpactToTheNextStep) {
  const std::string base = kPerpVenue + kThreeLongs + R"(
[cascade]
enabled = false
[source]
kind = "shock"
moves = { BTC-PERP = "-0.06" }
)";
  // Without cascades the impact of A's sale is reported with the next step's price: within the
  // one step only A goes ...
  const SimResult one = simulate(parse_ok(base), quiet());
  EXPECT_EQ(one.path_results[0].liquidations, 1);
  EXPECT_EQ(one.path_results[0].waves, 0);
  EXPECT_EQ(format(one.path_results[0].final_prices[0]), "8958.2");
  // ... and B on the next step (impact_half_life_s = 0: the impact never decays).
  const SimResult two = simulate(parse_ok(base + "hold_steps = 1\n"), quiet());
  EXPECT_EQ(two.path_results[0].liquidations, 2);
  EXPECT_EQ(two.path_results[0].waves, 0);
}

// Collateral shared across markets spreads a crash (docs/liquidity.md §1, linear curve):
// BTC-PERP 10,000 (no liquidity model: fills at the mark), ETH-PERP 1,000 with a linear curve of
// depth 200,000 USDC; maintenance 5 % on both.
//   X: long 1 BTC + long 20 ETH on 3,000 USDC (cross). BTC -20 % -> 8,000: equity 3,000 - 2,000 =
//      1,000 < maintenance 0.05 x (8,000 + 20,000) = 1,400: X is closed in full (2 liquidations);
//      its 20 ETH move the ETH market price to 1,000 (1 - 20 x 1,000 / 200,000) = 900.
//   Y: long 10 ETH at 1,000 on 1,000 USDC, below maintenance when 1,000 + 10 (P - 1,000) < 0.5 P,
//      i.e. P < 947.37: ETH's own price never moved, but at 900 Y goes in wave 1; its 10 ETH
//      take the market price to 1,000 (1 - 30 x 1,000 / 200,000) = 850.
TEST(SimCascade, SharedCollateralSpreadsToAnotherMarket) {
  const SimConfig cfg = parse_ok(R"(
version = 1
name = "shared"
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
[[resolution.liquidity]]
market = "ETH-PERP"
model = "slippage"
depth = "200000"
k = "1"
shape = "linear"
[[account]]
id = "mm"
deposits = { USDC = "10000000" }
[[account]]
id = "x"
deposits = { USDC = "3000" }
[[account]]
id = "y"
deposits = { USDC = "1000" }
[[event]]
t = 0
type = "trade"
account = "x"
market = "BTC-PERP"
size = "1"
price = "10000"
counterparty = "mm"
[[event]]
t = 0
type = "trade"
account = "x"
market = "ETH-PERP"
size = "20"
price = "1000"
counterparty = "mm"
[[event]]
t = 0
type = "trade"
account = "y"
market = "ETH-PERP"
size = "10"
price = "1000"
counterparty = "mm"
[[driver]]
symbol = "ETH-PERP"
[source]
kind = "shock"
moves = { BTC-PERP = "-0.2" }
)");
  const SimResult r = simulate(cfg, quiet());
  const PathResult& p = r.path_results[0];
  EXPECT_EQ(p.accounts_liquidated, 2);
  ASSERT_GE(p.wave_liquidations.size(), 2U);
  EXPECT_EQ(p.wave_liquidations[0], 2);  // X's two positions
  EXPECT_EQ(p.wave_liquidations[1], 1);  // Y, on ETH's impact alone
  ASSERT_EQ(r.drivers.size(), 2U);
  EXPECT_EQ(r.drivers[0], "ETH-PERP");
  EXPECT_EQ(format(p.final_prices[0]), "850");   // ETH: impact only
  EXPECT_EQ(format(p.final_prices[1]), "8000");  // BTC: the shock
}

// The oracle reports the market price of k steps ago: the liquidation happens k steps later.
TEST(SimEnvironment, OracleDelayPostponesLiquidation) {
  auto first_liquidation_step = [](const PathResult& p) {
    for (const SeriesPoint& s : p.series) {
      if (s.liquidated.is_positive()) return s.step;
    }
    return int64_t{-1};
  };
  const std::string base = kPerpVenue + kThreeLongs + R"(
[source]
kind = "shock"
moves = { BTC-PERP = "-0.06" }
hold_steps = 6
)";
  const SimResult now = simulate(parse_ok(base), quiet());
  const SimResult late =
      simulate(parse_ok(base + "[environment]\noracle_delay_steps = 3\n"), quiet());
  EXPECT_EQ(first_liquidation_step(now.path_results[0]), 1);
  EXPECT_EQ(first_liquidation_step(late.path_results[0]), 4);
  const SimResult out =
      simulate(parse_ok(base + "[environment]\nliquidator_outages = [[1, 5]]\n"), quiet());
  EXPECT_EQ(first_liquidation_step(out.path_results[0]), 6);
  // An oracle outage over the whole path: the engine never sees the crash.
  const SimResult dark =
      simulate(parse_ok(base + "[environment]\noracle_outages = [[1, 7]]\n"), quiet());
  EXPECT_EQ(dark.path_results[0].liquidations, 0);
}

// Deviation + heartbeat (Chainlink-style): a move below the deviation is not reported until the
// heartbeat.
TEST(SimEnvironment, OracleDeviationAndHeartbeat) {
  const std::string base = kPerpVenue + kThreeLongs + R"(
[simulation]
step_seconds = 60
[source]
kind = "shock"
moves = { BTC-PERP = "-0.06" }
shock_steps = 6
hold_steps = 10
[environment]
oracle_deviation = "0.5"
oracle_heartbeat_s = 600
)";
  const SimResult r = simulate(parse_ok(base), quiet());
  const PathResult& p = r.path_results[0];
  // No single 1 % step reaches the 50 % deviation; the first report is the heartbeat at 600 s
  // (step 10), when the price is 9,400 and A goes.
  int64_t first = -1;
  for (const SeriesPoint& s : p.series) {
    if (s.liquidated.is_positive()) {
      first = s.step;
      break;
    }
  }
  EXPECT_EQ(first, 10);
}

// ---- Sources -----------------------------------------------------------------------------------

TEST(SimSource, GridOnePathPerMoveMonotone) {
  const SimConfig cfg = parse_ok(kPerpVenue + kThreeLongs + R"(
[source]
kind = "grid"
drivers = ["BTC-PERP"]
from = "0"
to = "-0.3"
step = "0.05"
hold_steps = 1
)");
  const SimResult r = simulate(cfg, quiet(2));
  ASSERT_EQ(r.paths, 7);
  EXPECT_EQ(r.path_results[0].label, "0%");
  EXPECT_EQ(r.path_results[6].label, "-30%");
  for (std::size_t i = 1; i < r.path_results.size(); ++i) {
    EXPECT_GE(r.path_results[i].liquidations, r.path_results[i - 1].liquidations) << i;
    EXPECT_GE(r.path_results[i].bad_debt, r.path_results[i - 1].bad_debt) << i;
  }
  EXPECT_EQ(r.path_results[0].liquidations, 0);
  EXPECT_EQ(r.path_results[6].liquidations, 3);
  // The liquidation curve of the same book: A below maintenance from -10 % (9,000 < 9,473.68 at
  // -5 % is false: 9,500 > 9,473.68), B from -10 % (9,000 < 9,052.63), C from -20 %.
  ASSERT_EQ(r.curve.size(), 1U);
  std::vector<int64_t> counts;
  for (const CurvePoint& pt : r.curve[0].points) counts.push_back(pt.accounts);
  ASSERT_GE(counts.size(), 6U);
  EXPECT_EQ(counts[0], 0);  //  0 %
  EXPECT_EQ(counts[1], 0);  // -5 %: 9,500
  EXPECT_EQ(counts[2], 2);  // -10 %: 9,000 -> A, B
  EXPECT_EQ(counts[3], 2);  // -15 %: 8,500 -> C still safe (8,421.05)
  EXPECT_EQ(counts[4], 3);  // -20 %
}

TEST(SimSource, ReplayFiltersABadPrint) {
  // A 1-minute series around 117 with one print of 323 (the 12 Mar 2020 kind): the filter
  // replaces it, so nobody is liquidated; without the filter a short is.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "bs_sim_replay";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "eth.csv");
    f << "timestamp,price\n";
    for (int i = 0; i < 40; ++i) {
      f << 1584000000000 + i * 60000 << "," << (i == 20 ? "323.00" : (i % 2 ? "117.10" : "116.90"))
        << "\n";
    }
  }
  const std::string venue = R"(
version = 1
name = "replay"
[[asset]]
symbol = "USDC"
decimals = 6
price = "1"
weight_initial = "1"
weight_maint = "1"
borrowable = true
[[market]]
symbol = "ETH-PERP"
base_decimals = 8
quote = "USDC"
mark = "117"
tiers = [{ notional = "0", initial = "0.10", maint = "0.05" }]
[resolution]
perp_policy = "full"
[[account]]
id = "mm"
deposits = { USDC = "1000000" }
[[account]]
id = "short"
deposits = { USDC = "2000" }
[[event]]
t = 0
type = "trade"
account = "short"
market = "ETH-PERP"
size = "-100"
price = "117"
counterparty = "mm"
[source]
kind = "replay"
[[source.file]]
driver = "ETH-PERP"
path = ")" + (dir / "eth.csv").string() +
                            "\"\n";
  const SimResult filtered = simulate(parse_ok(venue), quiet());
  EXPECT_EQ(filtered.steps, 39);
  EXPECT_EQ(filtered.path_results[0].liquidations, 0);
  const SimResult raw = simulate(parse_ok(venue + "filter = { enabled = false }\n"), quiet());
  EXPECT_EQ(raw.path_results[0].liquidations, 1);
  // A malformed row names the file and the line.
  {
    std::ofstream f(dir / "bad.csv");
    f << "timestamp,price\n1584000000000,117\n1584000060000,nan\n";
  }
  const std::string bad =
      venue.substr(0, venue.rfind("path = ")) + "path = \"" + (dir / "bad.csv").string() + "\"\n";
  const std::vector<std::string> errs = parse_errors(bad);
  ASSERT_FALSE(errs.empty());
  EXPECT_TRUE(contains(errs, "bad.csv:3")) << errs[0];
}

// ---- Monte Carlo reproducibility ---------------------------------------------------------------

const std::string kMcBook = R"(
[[population]]
kind = "perp"
prefix = "gen"
count = 60
market = "BTC-PERP"
notional_usd = { dist = "lognormal", median = "50000", sigma = "1" }
leverage = { dist = "uniform", low = "2", high = "15" }
long_share = "0.6"
[simulation]
paths = 6
steps = 30
step_seconds = 300
seed = 99
[source]
kind = "monte_carlo"
[[source.asset]]
driver = "BTC-PERP"
vol = "1.5"
jumps = { intensity = "50", mean_log = "-0.05", stdev_log = "0.03" }
garch = { alpha = "0.1", beta = "0.85" }
[environment]
dry_sensitivity = "1"
vol_reference = "0.004"
)";

// kMcBook without liquidity drying (there is no curve to dry up) and with frequent jumps: at the
// mark, bad debt comes from gaps larger than an account's margin.
std::string mc_book_at_mark() {
  std::string b = kMcBook.substr(0, kMcBook.find("[environment]"));
  const std::string from = "intensity = \"50\", mean_log = \"-0.05\"";
  const std::size_t at = b.find(from);
  if (at == std::string::npos) throw std::logic_error("kMcBook's jumps changed");
  b.replace(at, from.size(), "intensity = \"4000\", mean_log = \"-0.15\"");
  return b;
}
const std::string kMcBookAtMark = mc_book_at_mark();

TEST(SimMonteCarlo, BitForBitWhateverTheThreads) {
  const SimConfig cfg = parse_ok(kPerpVenue + kMcBook);
  const SimResult one = simulate(cfg, quiet(1));
  const SimResult three = simulate(cfg, quiet(3));
  EXPECT_EQ(one.digest, three.digest);
  EXPECT_EQ(simulation_json_text(one), simulation_json_text(three));
  EXPECT_EQ(simulation_paths_csv(one), simulation_paths_csv(three));
  int64_t liq = 0;
  for (const PathResult& p : one.path_results) liq += p.liquidations;
  EXPECT_GT(liq, 0) << "the test book should see liquidations";
  // Another seed gives another run.
  SimConfig other = cfg;
  other.seed = 100;
  EXPECT_NE(simulate(other, quiet(2)).digest, one.digest);
}

// A workspace carries nothing from one path to the next (run.h): paths run in a workspace that
// served other paths, and another run first, equal paths run on fresh copies.
TEST(SimMonteCarlo, AReusedWorkspaceChangesNothing) {
  const PreparedRun run(parse_ok(kPerpVenue + kMcBook));
  const PreparedRun other(parse_ok(venue_at_mark() + kMcBookAtMark));
  PreparedRun::Workspace ws;
  const PathResult first = other.run_path(0, ws);
  EXPECT_EQ(path_digest(first), path_digest(other.run_path(0)));
  int64_t liq = first.liquidations;
  for (uint64_t i = static_cast<uint64_t>(run.paths()); i-- > 0;) {
    const PathResult reused = run.run_path(i, ws);
    const PathResult fresh = run.run_path(i);
    EXPECT_EQ(path_digest(reused), path_digest(fresh)) << "path " << i;
    EXPECT_EQ(reused.state_hash, fresh.state_hash) << "path " << i;
    liq += fresh.liquidations;
  }
  EXPECT_GT(liq, 0) << "the test books should see liquidations";
  EXPECT_EQ(path_digest(other.run_path(0, ws)), path_digest(first));
}

// Price schedules (monitor.h, set_schedule; run.h, foreseen_sources) change no result: every path
// of a book liquidated at the mark, with and without an oracle delay, equals the path run with
// band edges alone, and the schedule is followed to the end (never dropped) while it wakes
// accounts. A book with a liquidity model (impact) gets no schedule.
TEST(SimMonteCarlo, PriceSchedulesChangeNothing) {
  for (const std::string env : {"", "[environment]\noracle_delay_steps = 2\n"}) {
    const SimConfig cfg = parse_ok(venue_at_mark() + kMcBookAtMark + env);
    const PreparedRun with(cfg);
    RunOverrides off;
    off.schedule_prices = false;
    const PreparedRun without(cfg, off);
    ASSERT_FALSE(with.foreseen_sources().empty());
    ASSERT_TRUE(without.foreseen_sources().empty());
    PreparedRun::Workspace ws;
    int64_t liq = 0;
    uint64_t woken = 0;
    for (uint64_t i = 0; i < static_cast<uint64_t>(with.paths()); ++i) {
      const PathResult a = with.run_path(i, ws);
      const PathResult b = without.run_path(i);
      EXPECT_EQ(path_digest(a), path_digest(b)) << "path " << i << env;
      EXPECT_EQ(a.state_hash, b.state_hash) << "path " << i << env;
      const MonitorStats& st = ws.resolver()->monitor().stats();
      const MonitorStats& base = with.prototype().monitor().stats();
      EXPECT_EQ(st.unscheduled, base.unscheduled) << "path " << i << env;
      EXPECT_NE(ws.resolver()->monitor().schedule(), nullptr) << "path " << i << env;
      woken += st.woken - base.woken;
      liq += a.liquidations;
    }
    EXPECT_GT(liq, 0) << "the test book should see liquidations";
    EXPECT_GT(woken, 0U);
  }
  EXPECT_TRUE(PreparedRun(parse_ok(kPerpVenue + kMcBook)).foreseen_sources().empty());
}

TEST(SimAnalysis, InsuranceSizingIsTheSmallestPassingFund) {
  const SimConfig cfg = parse_ok(venue_at_mark() + kMcBookAtMark + R"(
[analysis.insurance_sizing]
asset = "USDC"
target = "0.25"
)");
  const SimResult r = simulate(cfg, quiet(2));
  ASSERT_TRUE(r.sizing.has_value());
  const SizingResult& s = *r.sizing;
  ASSERT_EQ(s.status, BisectStatus::Found);
  // The book loses money: the answer is above the fund's minimum (1 USDC).
  EXPECT_GT(s.balance, Quantity::from_raw(1'000'001));
  EXPECT_LE(s.sample_probability, s.target);
  ASSERT_TRUE(s.verified_probability.has_value());
  EXPECT_LE(*s.verified_probability, s.target);
  // One quantum less (when above the minimum) fails the target, in a run with that fund.
  if (s.balance.raw() > 1) {
    SimConfig smaller = cfg;
    smaller.scenario.resolution->insurance.at(0).balance = Quantity::from_raw(s.balance.raw() - 1);
    smaller.sizing.enabled = false;
    SimOptions o = quiet(2);
    o.analyses = false;
    const SimResult less = simulate(smaller, o);
    EXPECT_GT(less.fund_exhaustion, s.target);
  }
}

TEST(SimAnalysis, DebtCeilingBisectionBracketsTheBudget) {
  const SimConfig cfg = parse_ok(venue_at_mark() + kMcBookAtMark + R"(
[analysis.debt_ceiling]
population = "gen"
budget = "20000"
level = "0.9"
metric = "var"
lo = "1000000"
hi = "40000000"
resolution = "1000000"
paths = 8
)");
  const SimResult r = simulate(cfg, quiet(2));
  ASSERT_TRUE(r.ceiling.has_value());
  const CeilingResult& c = *r.ceiling;
  ASSERT_FALSE(c.evaluations.empty());
  for (const CeilingEvaluation& e : c.evaluations) EXPECT_EQ(e.passes, e.tail <= c.budget);
  if (c.status == BisectStatus::Found && c.ceiling &&
      *c.ceiling < Value::from_raw(40'000'000'000'000)) {
    bool saw_pass = false;
    bool saw_next_fail = false;
    for (const CeilingEvaluation& e : c.evaluations) {
      if (e.ceiling == *c.ceiling) saw_pass = e.passes;
      if (e.ceiling.raw() == c.ceiling->raw() + 1'000'000'000'000) saw_next_fail = !e.passes;
    }
    EXPECT_TRUE(saw_pass);
    EXPECT_TRUE(saw_next_fail);
  }
}

TEST(SimAnalysis, SweepOverTheFundIsMonotone) {
  const SimConfig cfg = parse_ok(venue_at_mark() + kMcBookAtMark + R"(
[sweep]
metric = "fund_exhaustion"
paths = 6
[[sweep.axis]]
key = "resolution.insurance[0].balance"
values = ["1000", "100000", "10000000"]
)");
  const SimResult r = simulate(cfg, quiet(2));
  ASSERT_TRUE(r.sweep.has_value());
  ASSERT_EQ(r.sweep->points.size(), 3U);
  std::vector<double> p;
  for (const SweepPoint& pt : r.sweep->points) {
    ASSERT_FALSE(pt.error.has_value()) << *pt.error;
    p.push_back(std::stod(pt.metrics.at("fund_exhaustion")));
  }
  EXPECT_GE(p[0], p[1]);
  EXPECT_GE(p[1], p[2]);
  // A sweep key that does not exist is reported at that point, not silently ignored.
  const SimConfig bad = parse_ok(venue_at_mark() + kMcBookAtMark + R"(
[sweep]
[[sweep.axis]]
key = "resolution.nope[3].balance"
values = ["1"]
)");
  const SimResult rb = simulate(bad, quiet(1));
  ASSERT_TRUE(rb.sweep->points[0].error.has_value());
}

// ---- Config errors -----------------------------------------------------------------------------

TEST(SimConfigErrors, NamedAndLocated) {
  EXPECT_TRUE(contains(parse_errors(kPerpVenue), "missing required table [source]"));
  EXPECT_TRUE(contains(parse_errors(kPerpVenue + "[source]\nkind = \"dice\"\n"),
                       "unknown source kind 'dice'"));
  EXPECT_TRUE(contains(parse_errors(kPerpVenue + "[source]\nkind = \"shock\"\nmoves = { ETH = "
                                                 "\"-0.1\" }\n"),
                       "unknown asset or market 'ETH'"));
  EXPECT_TRUE(contains(parse_errors(kPerpVenue + "[source]\nkind = \"shock\"\nmoves = { BTC-PERP "
                                                 "= \"-1.5\" }\n"),
                       "a move must be in (-1, 100]"));
  EXPECT_TRUE(contains(
      parse_errors(kPerpVenue + "[source]\nkind = \"monte_carlo\"\n[[source.asset]]\ndriver = "
                                "\"BTC-PERP\"\nvol = 0.5\n"),
      "source.asset[0].vol"));
  EXPECT_TRUE(contains(parse_errors(kPerpVenue + "[source]\nkind = \"replay\"\n[[source.file]]\n"
                                                 "driver = \"BTC-PERP\"\npath = \"/nonexistent/"
                                                 "x.csv\"\n"),
                       "x.csv"));
  EXPECT_TRUE(contains(parse_errors(kPerpVenue + "[source]\nkind = \"grid\"\ndrivers = "
                                                 "[\"BTC-PERP\"]\nfrom = \"0\"\nto = \"-0.5\"\n"
                                                 "step = \"0.1\"\n[simulaton]\npaths = 3\n"),
                       "simulaton"));
  const std::vector<std::string> e = parse_errors(kPerpVenue + R"(
[source]
kind = "shock"
moves = { BTC-PERP = "-0.1" }
[[population]]
kind = "perp"
prefix = "mm"
count = 0
market = "BTC-PERP"
)");
  EXPECT_TRUE(contains(e, "population[0].count")) << (e.empty() ? "" : e[0]);
}

TEST(SimConfigErrors, PopulationClashIsAnInputError) {
  const std::string pop = R"(
[[population]]
kind = "perp"
prefix = "gen"
count = 2
market = "BTC-PERP"
notional_usd = { value = "1000" }
leverage = { value = "2" }
[source]
kind = "shock"
moves = { BTC-PERP = "-0.1" }
)";
  EXPECT_NO_THROW((void)simulate(parse_ok(kPerpVenue + pop), quiet()));
  const SimConfig clash = parse_ok(kPerpVenue + "[[account]]\nid = \"gen-000002\"\n" + pop);
  try {
    (void)simulate(clash, quiet());
    FAIL() << "expected an input error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("account 'gen-000002' already exists"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace backstop::sim
