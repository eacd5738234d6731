// The examples in examples/simulate/: each parses and runs (a few Monte Carlo paths, analyses
// off, to stay fast), and the two historical replays show their crash's mechanism. The replays
// read ../shared/data beside the repository and are skipped cleanly when it is absent.
#include <gtest/gtest.h>

#include <filesystem>

#include "backstop/sim/simulate.h"

namespace backstop::sim {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = BACKSTOP_SOURCE_DIR;
const fs::path kData = kSource.parent_path() / "shared" / "data" / "prices";

SimResult run_example(const std::string& name, std::optional<int64_t> paths = std::nullopt) {
  const ConfigResult c = parse_sim_config_file((kSource / "examples" / "simulate" / name).string());
  std::string errs;
  for (const std::string& e : c.errors) errs += e + "\n";
  if (!c.config) throw std::runtime_error(errs);
  SimConfig cfg = *c.config;
  if (paths) cfg.paths = *paths;
  SimOptions o;
  o.threads = 2;
  o.analyses = false;
  return simulate(cfg, o);
}

TEST(SimExamples, DemoCrashRunsAndLosesMoneyOnSomePath) {
  const SimResult r = run_example("demo-crash.toml", 4);
  EXPECT_EQ(r.paths, 4);
  EXPECT_EQ(r.accounts, 5001U);  // 3,000 borrowers + their supplier + 2,000 traders
  int64_t liquidations = 0;
  for (const PathResult& p : r.path_results) {
    liquidations += p.liquidations;
    EXPECT_TRUE(p.error.empty()) << p.error;
  }
  EXPECT_GT(liquidations, 0);
}

TEST(SimExamples, Eth2020MakerReplay) {
  if (!fs::exists(kData / "ETHUSDT_perp_1m_2020-03-12_crash.csv")) {
    GTEST_SKIP() << "../shared/data is not present";
  }
  const SimResult r = run_example("eth-2020-03-12-maker.toml");
  ASSERT_EQ(r.paths, 1);
  EXPECT_EQ(r.steps, 2160);  // 36 hours of 1-minute klines
  const PathResult& p = r.path_results[0];
  EXPECT_TRUE(p.error.empty()) << p.error;
  // ETH fell from 195 to 84 (minute lows): vaults were auctioned, and with the keepers out for
  // 15 hours and the OSM an hour late, auctions ended short: bad debt, paid by the surplus.
  EXPECT_GT(p.liquidations, 100);
  EXPECT_TRUE(p.bad_debt.is_positive());
  EXPECT_TRUE(p.insurance_paid.is_positive());
  EXPECT_LE(p.min_prices[0], Price::from_raw(85'000'000'000));
}

TEST(SimExamples, Btc20251010PerpReplay) {
  if (!fs::exists(kData / "BTCUSDT_perp_1m_2025-10-10_crash.csv")) {
    GTEST_SKIP() << "../shared/data is not present";
  }
  const SimResult r = run_example("btc-2025-10-10-perp.toml");
  const PathResult& p = r.path_results[0];
  EXPECT_TRUE(p.error.empty()) << p.error;
  // Leveraged longs into a 13 % fall on a thinning book: liquidation sales cascade, the insurance
  // fund is drained, and what the book cannot take is auto-deleveraged.
  EXPECT_GT(p.liquidations, 100);
  EXPECT_GT(p.max_waves, 1);
  EXPECT_TRUE(p.fund_exhausted);
  EXPECT_GT(p.adl_fills, 0);
  EXPECT_TRUE(p.adl_notional.is_positive());
}

}  // namespace
}  // namespace backstop::sim
