// File: presets/perps.cc
// Perpetual-futures venue presets: dydx-v4, drift-v2, mango-v4, hyperliquid, binance-um.
// Pure data. Every number names its source: a section of ../shared/reference/perp-venues.md
// ("PV §x") and the upstream repository/path or page that section names. Where the reference gives
// no number, the upstream file or stored page we read is cited instead and docs/presets.md says so.
// Ratios are exact decimals (Ratio raw = value * 1e9); a literal with more than 9 fractional digits
// does not compile. Tier floors are in quote quanta (USDC/USDT: 6 decimals in these presets).
#include <string_view>

#include "backstop/money/literal.h"
#include "backstop/presets/preset.h"

namespace backstop::preset_data {
namespace {

consteval Ratio ratio(std::string_view s) {
  return ratio_lit(s);
}

constexpr int kStableDecimals = 6;  // USDC / USDT quanta in every perp preset

// A tier whose floor is a whole number of quote units (USDC/USDT, 6 decimals).
consteval MarginTier tier(std::string_view floor_units, std::string_view initial,
                          std::string_view maint) {
  return MarginTier{Quantity::from_raw(decimal_lit(floor_units, kStableDecimals)), ratio(initial),
                    ratio(maint)};
}

AssetParams stable_collateral(std::string symbol) {
  AssetParams p;
  p.symbol = std::move(symbol);
  p.decimals = kStableDecimals;
  p.weight_initial = ratio("1");
  p.weight_maint = ratio("1");
  return p;
}

MarketPreset market(std::string symbol, int base_decimals, std::string quote,
                    std::vector<MarginTier> tiers) {
  MarketPreset m;
  m.quote_symbol = std::move(quote);
  m.params.symbol = std::move(symbol);
  m.params.base_decimals = base_decimals;
  m.params.tiers = std::move(tiers);
  return m;
}

AssetParams inert_default() {
  AssetParams p;
  p.decimals = 6;
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// dydx-v4 — PV §a.1: liquidity tiers, MMR = IMR * MaintenanceFractionPpm; IsLiquidatable:
// MMR > 0 && MMR > NC, NC = USDC balance + sum(notional). Tiers (PV §a.1 "Mainnet-style tiers
// (from protocol/testing/genesis.sh)"): Large-Cap IM 2 % MF 60 % (MM 1.2 %), Small-Cap IM 10 %
// MF 50 % (MM 5 %), Long-Tail IM 20 % MF 50 % (MM 10 %), Safety IM 100 % MF 20 % (MM 20 %).
// Market -> tier assignment and atomic resolutions: dydxprotocol/v4-chain
// protocol/testing/genesis.sh (stored copy @ b358dff9): BTC-USD (-10) and ETH-USD (-9) tier 0
// Large-Cap; SOL-USD (-7) and LINK-USD (-6) tier 1 Small-Cap; MKR-USD (-9) tier 2 Long-Tail.
// base_decimals = -atomic_resolution. USDC is the only collateral (PV (b) "Multi-collateral ✖").
// ---------------------------------------------------------------------------------------------
VenuePreset make_dydx_v4() {
  VenuePreset v;
  v.name = "dydx-v4";
  v.description =
      "dYdX v4: liquidatable when net collateral < maintenance margin (liquidity tiers)";
  v.source =
      "perp-venues.md §a.1; dydxprotocol/v4-chain protocol/testing/genesis.sh, "
      "protocol/lib/margin/risk.go, protocol/x/perpetuals/lib/lib.go";
  v.venue.preset = v.name;
  v.assets.push_back(stable_collateral("USDC"));
  // Single-bracket tiers. The open-interest margin fraction (IM raised with market-wide OI,
  // Small-Cap 20-50 M, Long-Tail 5-10 M USDC) is not expressible (docs/presets.md).
  const std::vector<MarginTier> large_cap{tier("0", "0.02", "0.012")};
  const std::vector<MarginTier> small_cap{tier("0", "0.10", "0.05")};
  const std::vector<MarginTier> long_tail{tier("0", "0.20", "0.10")};
  v.markets.push_back(market("BTC-USD", 10, "USDC", large_cap));
  v.markets.push_back(market("ETH-USD", 9, "USDC", large_cap));
  v.markets.push_back(market("SOL-USD", 7, "USDC", small_cap));
  v.markets.push_back(market("LINK-USD", 6, "USDC", small_cap));
  v.markets.push_back(market("MKR-USD", 9, "USDC", long_tail));
  v.default_asset = inert_default();
  // Unknown markets get the most conservative listed trading tier (Long-Tail); the Safety tier
  // (IM 100 % / MM 20 %) is for markets being wound down.
  v.default_tiers = long_tail;
  return v;
}

// ---------------------------------------------------------------------------------------------
// drift-v2 — PV §a.2: total_collateral >= margin_requirement; spot deposits weighted by asset
// weight, borrows by liability weight; perps add |worst-case notional| * margin_ratio; positive
// uPnL weighted by unrealized_pnl_{initial,maintenance}_asset_weight, negative uPnL at 1.
// Spot weights (the reference gives none): docs.drift.trade "Cross-collateral deposits" margin
// parameters table (stored copy), initial asset / maintenance asset / initial liability /
// maintenance liability weight in %: USDC 100/100/100/100, SOL 80/90/120/110,
// USDT 90/95/110/105, wBTC and wETH (portal) 80/90/120/110.
// Perp margin ratios (the reference gives none): the perp-market fixture of the liquidation
// tests, drift-labs/protocol-v2 programs/drift/src/controller/liquidation/tests.rs (stored copy @
// 0069fa39): margin_ratio_initial 1000, margin_ratio_maintenance 500 at MARGIN_PRECISION 1e4,
// i.e. 10 % / 5 % (engineering-style.md §B6 quotes math/liquidation/tests.rs: margin_ratio =
// MARGIN_PRECISION / 10, "10x leverage").
// uPnL weights: programs/drift/src/instructions/admin.rs (stored copy @ 0015e4a4)
// handle_initialize_perp_market sets unrealized_pnl_initial_asset_weight 0 and
// unrealized_pnl_maintenance_asset_weight SPOT_WEIGHT_PRECISION (100 %).
// Perps use BASE_PRECISION 1e9 (PV §a.2 Units): base_decimals 9.
// ---------------------------------------------------------------------------------------------
VenuePreset make_drift_v2() {
  VenuePreset v;
  v.name = "drift-v2";
  v.description = "Drift v2: liquidatable when weighted total collateral < margin requirement";
  v.source =
      "perp-venues.md §a.2; drift-labs/protocol-v2 programs/drift/src/{math/margin.rs,"
      "instructions/admin.rs}; docs.drift.trade cross-collateral deposits";
  v.venue.preset = v.name;
  v.venue.upnl_weight_initial = ratio("0");
  v.venue.upnl_weight_maint = ratio("1");
  // (initial asset, maintenance asset, initial liability, maintenance liability) weights.
  auto spot = [](std::string symbol, int decimals, Ratio ia, Ratio ma, Ratio il, Ratio ml) {
    AssetParams p;
    p.symbol = std::move(symbol);
    p.decimals = decimals;
    p.weight_initial = ia;
    p.weight_maint = ma;
    p.borrow_weight_initial = il;
    p.borrow_weight_maint = ml;
    p.borrowable = true;  // every Drift spot market lends; its rate curve is not modelled
    return p;
  };
  v.assets.push_back(spot("USDC", 6, ratio("1"), ratio("1"), ratio("1"), ratio("1")));
  v.assets.push_back(spot("SOL", 9, ratio("0.8"), ratio("0.9"), ratio("1.2"), ratio("1.1")));
  v.assets.push_back(spot("USDT", 6, ratio("0.9"), ratio("0.95"), ratio("1.1"), ratio("1.05")));
  v.assets.push_back(spot("WBTC", 8, ratio("0.8"), ratio("0.9"), ratio("1.2"), ratio("1.1")));
  v.assets.push_back(spot("WETH", 9, ratio("0.8"), ratio("0.9"), ratio("1.2"), ratio("1.1")));
  // Size premium (IMF sqrt term) is not expressible: the flat ratio below is the floor
  // max(default_ratio, size_premium) starts from (docs/presets.md).
  const std::vector<MarginTier> ratios{tier("0", "0.10", "0.05")};
  v.markets.push_back(market("SOL-PERP", 9, "USDC", ratios));
  v.markets.push_back(market("BTC-PERP", 9, "USDC", ratios));
  v.markets.push_back(market("ETH-PERP", 9, "USDC", ratios));
  v.default_asset = inert_default();
  v.default_tiers = ratios;
  return v;
}

// ---------------------------------------------------------------------------------------------
// mango-v4 — PV §a.3: health = sum(token * weight * price) + perp contributions; liquidatable when
// Maint health < 0. Token weights (the reference gives only the mock shape 1 -/+ w):
// blockworks-foundation/mango-v4 ts/client/src/scripts/mb-admin.ts registerTokens() (stored copy @
// 050cbed1), argument order maintAssetWeight, initAssetWeight, maintLiabWeight, initLiabWeight,
// liquidationFee (ts/client/src/client.ts tokenRegister): USDC 1/1/1/1/0, USDT and DAI
// 0.95/0.9/1.05/1.1/0.025, ETH, SOL and MSOL 0.9/0.8/1.1/1.2/0.05.
// Perp: ts/client/src/scripts/mb-add-perp-market.ts BTC-PERP: baseDecimals 6, maintAssetWeight
// 0.975, initAssetWeight 0.95, maintLiabWeight 1.025, initLiabWeight 1.05, liquidationFee 0.012,
// trustedMarket true. A long's perp health is base*price*assetWeight + quote = uPnL -
// notional*(1 - assetWeight), a short's uPnL - notional*(liabWeight - 1): margin rates 2.5 %
// (maint) and 5 % (init), symmetric. Trusted market: overall asset weight 1 for positive pnl
// (PV §a.3 "untrusted markets use overall weight 0").
// ---------------------------------------------------------------------------------------------
VenuePreset make_mango_v4() {
  VenuePreset v;
  v.name = "mango-v4";
  v.description = "Mango v4: liquidatable when maintenance health (weighted assets - liabs) < 0";
  v.source =
      "perp-venues.md §a.3; blockworks-foundation/mango-v4 programs/mango-v4/src/health/"
      "cache.rs, ts/client/src/scripts/{mb-admin.ts,mb-add-perp-market.ts}";
  v.venue.preset = v.name;
  v.venue.upnl_weight_initial = ratio("1");
  v.venue.upnl_weight_maint = ratio("1");
  // Arguments in tokenRegister order: maint asset, init asset, maint liab, init liab, fee.
  auto token = [](std::string symbol, int decimals, Ratio maint_asset, Ratio init_asset,
                  Ratio maint_liab, Ratio init_liab, Ratio fee) {
    AssetParams p;
    p.symbol = std::move(symbol);
    p.decimals = decimals;
    p.weight_maint = maint_asset;
    p.weight_initial = init_asset;
    p.borrow_weight_maint = maint_liab;
    p.borrow_weight_initial = init_liab;
    p.liquidation_bonus = fee;
    p.borrowable = true;  // every Mango bank lends; its two-kink rate curve is not modelled
    return p;
  };
  v.assets.push_back(token("USDC", 6, ratio("1"), ratio("1"), ratio("1"), ratio("1"), ratio("0")));
  v.assets.push_back(
      token("USDT", 6, ratio("0.95"), ratio("0.9"), ratio("1.05"), ratio("1.1"), ratio("0.025")));
  v.assets.push_back(
      token("DAI", 6, ratio("0.95"), ratio("0.9"), ratio("1.05"), ratio("1.1"), ratio("0.025")));
  v.assets.push_back(
      token("ETH", 9, ratio("0.9"), ratio("0.8"), ratio("1.1"), ratio("1.2"), ratio("0.05")));
  v.assets.push_back(
      token("SOL", 9, ratio("0.9"), ratio("0.8"), ratio("1.1"), ratio("1.2"), ratio("0.05")));
  v.assets.push_back(
      token("MSOL", 9, ratio("0.9"), ratio("0.8"), ratio("1.1"), ratio("1.2"), ratio("0.05")));
  const std::vector<MarginTier> btc{tier("0", "0.05", "0.025")};
  v.markets.push_back(market("BTC-PERP", 6, "USDC", btc));
  v.default_asset = inert_default();
  v.default_tiers = btc;  // the only perp market the sources give numbers for
  return v;
}

// ---------------------------------------------------------------------------------------------
// hyperliquid — PV §a.4: maintenance margin = 1/2 of the initial margin at max leverage, tiered
// with a continuous deduction (our tiers derive it). Per-asset tables (the reference gives only
// the formula and the 3-50x range): hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers
// (stored copy, "Mainnet Margin Tiers"): BTC 0-150M 40x, >150M 20x; ETH 0-100M 25x, >100M 15x;
// SOL 0-70M 20x, >70M 10x; XRP 0-40M 20x, >40M 10x; DOGE, SUI, LINK, AVAX, HYPE, ... 0-20M 10x,
// >20M 5x. IM rate = 1/max leverage; MM rate = IM / 2. 1/15 and 1/30 are rounded UP to 9
// decimals (0.066666667, 0.033333334): requirements never fall below the venue's.
// Markets are named by Hyperliquid's coin name. base_decimals 8 is a model choice, not a venue
// number (Hyperliquid's szDecimals are smaller); scenarios may override it.
// ---------------------------------------------------------------------------------------------
VenuePreset make_hyperliquid() {
  VenuePreset v;
  v.name = "hyperliquid";
  v.description = "Hyperliquid: liquidatable when account value < tiered maintenance margin";
  v.source =
      "perp-venues.md §a.4; hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers, "
      ".../trading/liquidations";
  v.venue.preset = v.name;
  v.assets.push_back(stable_collateral("USDC"));
  v.markets.push_back(
      market("BTC", 8, "USDC", {tier("0", "0.025", "0.0125"), tier("150000000", "0.05", "0.025")}));
  v.markets.push_back(
      market("ETH", 8, "USDC",
             {tier("0", "0.04", "0.02"), tier("100000000", "0.066666667", "0.033333334")}));
  v.markets.push_back(
      market("SOL", 8, "USDC", {tier("0", "0.05", "0.025"), tier("70000000", "0.10", "0.05")}));
  v.markets.push_back(
      market("XRP", 8, "USDC", {tier("0", "0.05", "0.025"), tier("40000000", "0.10", "0.05")}));
  v.default_asset = inert_default();
  // The broad mainnet alt-coin table (10x, >20M 5x).
  v.default_tiers = {tier("0", "0.10", "0.05"), tier("20000000", "0.20", "0.10")};
  return v;
}

// ---------------------------------------------------------------------------------------------
// binance-um — PV §a.6: MM = notional * MMR(bracket) - maintenance amount, MA continuous (our
// tiers derive it). Brackets: the 2021 BTCUSDT table the reference cites,
// binance.com/tr/support/announcement/86cf9aa472574b8cb2e05bb751c2a9a6 "Updates to Leverage and
// Margin Tiers of Binance Futures Contracts (2021-03-18)" (stored copy; the reference names the
// page but does not restate the table). Position notional (USDT) / max leverage / MMR / IMR:
//   0-50k 125x 0.40 % 0.80 %;  50k-250k 100x 0.50 % 1.00 %;  250k-1M 50x 1.00 % 2.00 %;
//   1M-10M 20x 2.50 % 5.00 %;  10M-20M 10x 5.00 % 10.00 %;  20M-50M 5x 10.00 % 20.00 %;
//   50M-100M 4x 12.50 % 25.00 %;  100M-200M 3x 15.00 % 33.30 %;  200M-300M 2x 25.00 % 50.00 %;
//   300M-500M 1x 50.00 % 100.00 %.
// Binance's brackets are "floor < notional <= cap" and ours "floor <= notional"; with continuous
// deductions both give the same requirement at a boundary. Unknown contracts get the 50x table
// of the same announcement (XEM, COTI, ...): 0-5k 1 %/2 %, 5k-25k 2.5 %/5 %, 25k-100k 5 %/10 %,
// 100k-250k 10 %/20 %, 250k-1M 12.5 %/50 %, >1M 50 %/100 % (MMR/IMR).
// ---------------------------------------------------------------------------------------------
VenuePreset make_binance_um() {
  VenuePreset v;
  v.name = "binance-um";
  v.description =
      "Binance USD-M futures: liquidatable when margin balance < bracketed MM "
      "(margin ratio >= 100 %)";
  v.source =
      "perp-venues.md §a.6; binance.com announcement 86cf9aa472574b8cb2e05bb751c2a9a6 "
      "(2021-03-18 BTCUSDT tiers)";
  v.venue.preset = v.name;
  v.assets.push_back(stable_collateral("USDT"));
  v.markets.push_back(market("BTCUSDT", 8, "USDT",
                             {
                                 tier("0", "0.008", "0.004"),
                                 tier("50000", "0.01", "0.005"),
                                 tier("250000", "0.02", "0.01"),
                                 tier("1000000", "0.05", "0.025"),
                                 tier("10000000", "0.10", "0.05"),
                                 tier("20000000", "0.20", "0.10"),
                                 tier("50000000", "0.25", "0.125"),
                                 tier("100000000", "0.333", "0.15"),
                                 tier("200000000", "0.50", "0.25"),
                                 tier("300000000", "1", "0.50"),
                             }));
  v.default_asset = inert_default();
  v.default_tiers = {
      tier("0", "0.02", "0.01"),       tier("5000", "0.05", "0.025"),
      tier("25000", "0.10", "0.05"),   tier("100000", "0.20", "0.10"),
      tier("250000", "0.50", "0.125"), tier("1000000", "1", "0.50"),
  };
  return v;
}

}  // namespace backstop::preset_data
