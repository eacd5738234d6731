// File: presets/lending.cc
// Lending / CDP venue presets: aave-v3, compound-v3, maker, liquity, morpho-blue.
// Pure data. Every number names its source: a section of ../shared/reference/lending-protocols.md
// ("LP §x") and the upstream repository/path that section (or docs/presets.md) names. Where the
// reference gives no number, the upstream file we read is cited instead and docs/presets.md says
// so. Ratios are exact decimals (Ratio raw = value * 1e9); a literal with more than 9 fractional
// digits does not compile. Approximations of mechanisms our parameter set cannot express are listed
// in docs/presets.md.
#include <string_view>

#include "backstop/money/literal.h"
#include "backstop/presets/preset.h"

namespace backstop::preset_data {
namespace {

consteval Ratio ratio(std::string_view s) {
  return ratio_lit(s);
}
consteval Value usd(std::string_view s) {
  return usd_lit(s);
}

// A collateral-only asset: initial weight (LTV / borrow CF), maintenance weight (liquidation
// threshold / liquidate CF), liquidation bonus.
AssetParams collateral(std::string symbol, int decimals, Ratio initial, Ratio maint, Ratio bonus) {
  AssetParams p;
  p.symbol = std::move(symbol);
  p.decimals = decimals;
  p.weight_initial = initial;
  p.weight_maint = maint;
  p.liquidation_bonus = bonus;
  return p;
}

// A borrow-only asset (weights 0: not collateral).
AssetParams debt_asset(std::string symbol, int decimals, RateModel rates, Ratio reserve_factor) {
  AssetParams p;
  p.symbol = std::move(symbol);
  p.decimals = decimals;
  p.borrowable = true;
  p.rates = rates;
  p.reserve_factor = reserve_factor;
  return p;
}

// Unknown symbols are inert until the scenario says otherwise: not collateral, not borrowable.
AssetParams inert_default() {
  AssetParams p;
  p.symbol = "";
  p.decimals = 6;
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// aave-v3 — LP §1.1 (reserve parameters), §1.2 (calculateUserAccountData, HF), §1.4 (bonus).
// Per-asset numbers: aave-dao/aave-v3-origin tests/mocks/AaveV3TestListing.sol (the reference
// names no per-asset values; that file is the repository's own test listing and warns that its
// parameters are not production values). USDX, WBTC and WETH share one configuration there.
// ---------------------------------------------------------------------------------------------
VenuePreset make_aave_v3() {
  VenuePreset v;
  v.name = "aave-v3";
  v.description =
      "Aave v3.3: HF = sum(collateral * liquidation threshold) / debt, liquidatable below 1";
  v.source =
      "lending-protocols.md §1.1-1.4; aave-dao/aave-v3-origin tests/mocks/AaveV3TestListing.sol";
  v.venue.preset = v.name;
  // Aave has no global debt ceiling (LP (b) feature table: "Global debt ceiling ✘").

  // AaveV3TestListing.sol newListingsCustom(): rateStrategyParams
  //   optimalUsageRatio 45_00, baseVariableBorrowRate 0, variableRateSlope1 4_00,
  //   variableRateSlope2 60_00 (bps) -> our kinked model is the same shape
  //   (DefaultReserveInterestRateStrategyV2).
  const RateModel rates{ratio("0"), ratio("0.04"), ratio("0.60"), ratio("0.45")};
  // ltv 82_50, liqThreshold 86_00, liqBonus 5_00 (liquidationBonus 10500), reserveFactor 10_00.
  for (const auto& [sym, decimals] :
       {std::pair<const char*, int>{"USDX", 6}, {"WBTC", 8}, {"WETH", 9}}) {
    AssetParams p = collateral(sym, decimals, ratio("0.825"), ratio("0.86"), ratio("0.05"));
    p.borrowable = true;  // enabledToBorrow: ENABLED
    p.rates = rates;
    p.reserve_factor = ratio("0.10");
    // supplyCap 0, borrowCap 0, debtCeiling 0: no caps, not an isolated collateral.
    v.assets.push_back(std::move(p));
  }
  // GHO: listed in _preExecute with the same rate params, borrowsUpdates() reserveFactor 10_00;
  // never configured as collateral (LTV/LT 0).
  v.assets.push_back(debt_asset("GHO", 6, rates, ratio("0.10")));
  v.default_asset = inert_default();
  return v;
}

// ---------------------------------------------------------------------------------------------
// compound-v3 — LP §2 (Comet): liquidity with BCF (borrow) / LCF (liquidate), absorb at LF.
// Factors: LP §2 "Example initial mainnet cUSDCv3 config" (compound-finance/comet
// deployments/mainnet/usdc/configuration.json): WETH 0.825/0.895/0.95, WBTC 0.70/0.77/0.95,
// COMP 0.65/0.70/0.93, UNI 0.75/0.81/0.93, LINK 0.79/0.85/0.93.
// ---------------------------------------------------------------------------------------------
VenuePreset make_compound_v3() {
  VenuePreset v;
  v.name = "compound-v3";
  v.description =
      "Compound v3 (Comet) cUSDCv3: liquidatable when sum(collateral * LCF) < base debt";
  v.source =
      "lending-protocols.md §2; compound-finance/comet deployments/mainnet/usdc/configuration.json";
  v.venue.preset = v.name;

  // Base asset USDC. A positive base balance counts in full in the liquidity sum (LP §2:
  // presentValue(principal) * basePrice), so its weights are 1. Borrow curve from
  // configuration.json "rates" (stored copy @ 3daf2050): borrowBase 0.015, borrowSlopeLow 0.035,
  // borrowSlopeHigh 0.25, borrowKink 0.8. Comet: base + slopeLow*U below the kink,
  // base + slopeLow*kink + slopeHigh*(U-kink) above; our model writes slope1 as the rise up to the
  // kink and slope2 as the rise from kink to U=1: slope1 = 0.035*0.8 = 0.028,
  // slope2 = 0.25*(1-0.8) = 0.05 (exact, same curve). Comet's separate supply curve is not
  // expressible (docs/presets.md).
  AssetParams usdc = debt_asset(
      "USDC", 6, {ratio("0.015"), ratio("0.028"), ratio("0.05"), ratio("0.8")}, ratio("0"));
  usdc.weight_initial = ratio("1");
  usdc.weight_maint = ratio("1");
  v.assets.push_back(std::move(usdc));
  // Collateral (never borrowable in Comet). liquidation_bonus = 1 - liquidationFactor: absorb
  // credits collateral at LF, i.e. the protocol keeps (1 - LF) of its value.
  v.assets.push_back(collateral("WETH", 9, ratio("0.825"), ratio("0.895"), ratio("0.05")));
  v.assets.push_back(collateral("WBTC", 8, ratio("0.70"), ratio("0.77"), ratio("0.05")));
  v.assets.push_back(collateral("COMP", 9, ratio("0.65"), ratio("0.70"), ratio("0.07")));
  v.assets.push_back(collateral("UNI", 9, ratio("0.75"), ratio("0.81"), ratio("0.07")));
  v.assets.push_back(collateral("LINK", 9, ratio("0.79"), ratio("0.85"), ratio("0.07")));
  v.default_asset = inert_default();
  return v;
}

// ---------------------------------------------------------------------------------------------
// maker — LP §3 (dss): an urn is unsafe when ink * spot < art * rate, spot = price / mat, so the
// collateral weight is 1/mat, rounded DOWN to 9 decimals. chop (liquidation penalty) is LP §3
// "ETH-A: chop 1.13". mat, stability fee and the autoline maximum line: makerdao/spells-mainnet
// src/test/config.sol (stored copy @ 007c78a1; the reference does not restate them):
//   ETH-A mat 14500 bps, chop 1300 bps, pct 225 bps, aL_line 15 B;  ETH-B mat 13000, aL_line 500 M;
//   ETH-C mat 17000, aL_line 2 B;  WBTC-A mat 14500, chop 1300, aL_line 2 B.
// Each ilk is its own collateral symbol ("ETH-A", ...); the ilk's debt ceiling (line) maps to the
// asset's isolation ceiling, which also enforces dss's one-ilk-per-urn rule (docs/presets.md).
// ---------------------------------------------------------------------------------------------
VenuePreset make_maker() {
  VenuePreset v;
  v.name = "maker";
  v.description = "Maker / Sky dss: vault unsafe when collateral * price / mat < debt";
  v.source =
      "lending-protocols.md §3; makerdao/dss src/{vat,spot,dog}.sol; "
      "makerdao/spells-mainnet src/test/config.sol";
  v.venue.preset = v.name;
  // Maker has a global debt ceiling (Vat.Line, LP §3), but neither the reference nor the config
  // we read states its value: left unset; a scenario sets it with a venue param.

  // DAI is minted, not lent: modelled as a borrowable asset with a flat rate equal to ETH-A's
  // stability fee (pct 225 bps = 2.25 %/year; dss compounds per second to exactly this APY).
  AssetParams dai =
      debt_asset("DAI", 6, {ratio("0.0225"), ratio("0"), ratio("0"), ratio("1")}, ratio("0"));
  dai.borrowable_in_isolation = true;
  v.assets.push_back(std::move(dai));

  auto ilk = [](std::string symbol, int decimals, Ratio inv_mat, Value line) {
    // frob requires art*rate <= ink*spot for new debt too: initial weight = maintenance weight.
    AssetParams p = collateral(std::move(symbol), decimals, inv_mat, inv_mat, ratio("0.13"));
    p.isolation_ceiling = line;
    return p;
  };
  // 1/1.45 = 0.689655172413..., 1/1.30 = 0.769230769230..., 1/1.70 = 0.588235294117...
  v.assets.push_back(ilk("ETH-A", 9, ratio("0.689655172"), usd("15000000000")));
  v.assets.push_back(ilk("ETH-B", 9, ratio("0.769230769"), usd("500000000")));
  v.assets.push_back(ilk("ETH-C", 9, ratio("0.588235294"), usd("2000000000")));
  v.assets.push_back(ilk("WBTC-A", 8, ratio("0.689655172"), usd("2000000000")));
  v.default_asset = inert_default();
  return v;
}

// ---------------------------------------------------------------------------------------------
// liquity — LP §4.1 (Liquity v1, liquity/dev packages/contracts/contracts/Dependencies/
// LiquityBase.sol): MCR = 1.1e18 (110 %), CCR = 1.5e18; a trove is liquidatable when
// ICR = coll * price / debt < MCR. Weight = 1/MCR = 0.909090909090..., rounded DOWN.
// ---------------------------------------------------------------------------------------------
VenuePreset make_liquity() {
  VenuePreset v;
  v.name = "liquity";
  v.description = "Liquity v1: trove liquidatable when ICR = coll * price / debt < 110 %";
  v.source =
      "lending-protocols.md §4.1; liquity/dev packages/contracts/contracts/"
      "{Dependencies/LiquityBase.sol,TroveManager.sol}";
  v.venue.preset = v.name;
  // Normal mode: opening / adjusting needs ICR >= MCR, so the initial weight is 1/MCR as well
  // (Recovery Mode's CCR = 150 % is not modelled, docs/presets.md). liquidation_bonus 0.10: the
  // whole trove is seized (Stability Pool receives collateral worth up to MCR * debt, LP (b)
  // "SP gets ~10% discount"); a bonus of MCR - 1 makes a bonus-based policy seize everything
  // whenever ICR < MCR.
  v.assets.push_back(
      collateral("ETH", 9, ratio("0.909090909"), ratio("0.909090909"), ratio("0.10")));
  // LUSD: v1 charges no interest (one-off borrowing fee instead, not modelled).
  v.assets.push_back(debt_asset("LUSD", 6, RateModel{}, ratio("0")));
  v.default_asset = inert_default();
  return v;
}

// ---------------------------------------------------------------------------------------------
// morpho-blue — LP §5: healthy <=> collateral * price * LLTV >= borrowed; one isolated market per
// (loan, collateral, oracle, IRM, LLTV). The reference gives no LLTV value; we use the market of
// the repository's own tests: morpho-org/morpho-blue test/forge/BaseTest.sol (stored copy @
// 0187e946) DEFAULT_TEST_LLTV = 0.8 ether. LIF (LP §5) = min(1.15, 1 / (1 - 0.3 * (1 - LLTV)))
//   = 1 / 0.94 = 1.063829787234... (Morpho: wDivDown, floor) -> bonus 0.063829787 (floored).
// ---------------------------------------------------------------------------------------------
VenuePreset make_morpho_blue() {
  VenuePreset v;
  v.name = "morpho-blue";
  v.description = "Morpho Blue WETH/USDC market, LLTV 80 %: liquidatable when debt > coll * LLTV";
  v.source =
      "lending-protocols.md §5; morpho-org/morpho-blue src/Morpho.sol, "
      "test/forge/BaseTest.sol; morpho-org/morpho-blue-irm adaptive-curve-irm ConstantsLib";
  v.venue.preset = v.name;
  // Loan token. Supplied loan tokens are not collateral in Morpho Blue (weights 0). Rates:
  // AdaptiveCurveIrm at its initial rate-at-target (morpho-org/morpho-blue-irm
  // src/adaptive-curve-irm/libraries/ConstantsLib.sol, TARGET_UTILIZATION 0.9,
  // CURVE_STEEPNESS 4, INITIAL_RATE_AT_TARGET 4 %/year, "rate between 1% and 16%"): the static
  // curve is linear 1 % -> 4 % up to U = 0.9 and 4 % -> 16 % above, i.e. base 0.01,
  // slope1 0.03, slope2 0.12, kink 0.9. The adaptation of rate-at-target over time is not
  // modelled (docs/presets.md). Market fee 0 (Morpho's default).
  v.assets.push_back(debt_asset(
      "USDC", 6, {ratio("0.01"), ratio("0.03"), ratio("0.12"), ratio("0.9")}, ratio("0")));
  // Borrowing needs a healthy position too, so initial weight = LLTV.
  v.assets.push_back(collateral("WETH", 9, ratio("0.8"), ratio("0.8"), ratio("0.063829787")));
  v.default_asset = inert_default();
  return v;
}

}  // namespace backstop::preset_data
