// Venue presets: (1) table-driven checks that every preset parameter equals the number its source
// states (see docs/presets.md for the citations), (2) structural invariants every preset must
// satisfy, (3) per preset, the venue's headline metric computed with compute_risk on a hand-built
// State and compared with the value derived by hand from the venue's published formula. The same
// positions appear in examples/presets/<preset>.toml, where the derivations are written out.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"
#include "backstop/presets/preset.h"

namespace backstop {

// Readable failure messages for the fixed-point types.
template <class Tag>
void PrintTo(const Fixed<Tag>& v, std::ostream* os) {
  *os << format_decimal(v.raw(), std::is_same_v<Tag, ValueTag> ? kValueDecimals : kRatioDecimals);
}

namespace {

int64_t parse(std::string_view text, int decimals) {
  std::string err;
  const auto v = parse_decimal(text, decimals, &err);
  EXPECT_TRUE(v.has_value()) << text << ": " << err;
  return v.value_or(0);
}
Ratio R(std::string_view s) {
  return Ratio::from_raw(parse(s, kRatioDecimals));
}
Value V(std::string_view s) {
  return Value::from_raw(parse(s, kValueDecimals));
}
Price P(std::string_view s) {
  return Price::from_raw(parse(s, kPriceDecimals));
}

const VenuePreset& get(std::string_view name) {
  const VenuePreset* p = find_preset(name);
  if (p == nullptr) throw std::runtime_error("no preset " + std::string(name));
  return *p;
}

const AssetParams* asset_of(const VenuePreset& v, std::string_view sym) {
  for (const AssetParams& a : v.assets) {
    if (a.symbol == sym) return &a;
  }
  return nullptr;
}

const MarketPreset* market_of(const VenuePreset& v, std::string_view sym) {
  for (const MarketPreset& m : v.markets) {
    if (m.params.symbol == sym) return &m;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------------------------
// Registry
// ------------------------------------------------------------------------------------------------

TEST(Presets, RegistryListsTheTenVenuesInOrder) {
  const std::vector<std::string> want{"aave-v3",     "compound-v3", "maker",    "liquity",
                                      "morpho-blue", "dydx-v4",     "drift-v2", "mango-v4",
                                      "hyperliquid", "binance-um"};
  EXPECT_EQ(preset_names(), want);
  for (const std::string& n : want) {
    const VenuePreset* p = find_preset(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(p->name, n);
    EXPECT_EQ(p->venue.preset, n);
    EXPECT_FALSE(p->description.empty()) << n;
    EXPECT_FALSE(p->source.empty()) << n;
    EXPECT_EQ(find_preset(n), p) << "lookups return the same static object";
  }
  EXPECT_EQ(find_preset("aave"), nullptr);
  EXPECT_EQ(find_preset(""), nullptr);
  EXPECT_EQ(find_preset("AAVE-V3"), nullptr);
}

// Invariants every venue's own validation imposes (or that our model needs).
TEST(Presets, StructuralInvariants) {
  for (const std::string& n : preset_names()) {
    SCOPED_TRACE(n);
    const VenuePreset& v = get(n);
    std::vector<std::string> seen;
    for (const AssetParams& a : v.assets) {
      SCOPED_TRACE(a.symbol);
      EXPECT_FALSE(a.symbol.empty());
      EXPECT_EQ(std::count(seen.begin(), seen.end(), a.symbol), 0) << "duplicate symbol";
      seen.push_back(a.symbol);
      EXPECT_GE(a.decimals, 0);
      EXPECT_LE(a.decimals, 10) << "int64 quanta must hold realistic balances";
      EXPECT_GE(a.weight_initial.raw(), 0);
      EXPECT_LE(a.weight_initial, a.weight_maint) << "LTV <= liquidation threshold";
      EXPECT_LE(a.weight_maint, ratio_one());
      EXPECT_GE(a.borrow_weight_maint, ratio_one());
      EXPECT_GE(a.borrow_weight_initial, a.borrow_weight_maint);
      EXPECT_GE(a.liquidation_bonus.raw(), 0);
      EXPECT_LE(a.rates.optimal_utilization, ratio_one());
      EXPECT_GE(a.rates.optimal_utilization.raw(), 0);
      if (a.isolation_ceiling) {
        EXPECT_TRUE(a.isolation_ceiling->is_positive());
      }
    }
    for (const MarketPreset& m : v.markets) {
      SCOPED_TRACE(m.params.symbol);
      EXPECT_NE(asset_of(v, m.quote_symbol), nullptr) << "quote asset is part of the preset";
      ASSERT_FALSE(m.params.tiers.empty());
      EXPECT_EQ(m.params.tiers.front().notional_floor.raw(), 0);
      for (std::size_t i = 0; i < m.params.tiers.size(); ++i) {
        const MarginTier& t = m.params.tiers[i];
        EXPECT_GT(t.maint_rate.raw(), 0);
        EXPECT_LE(t.maint_rate, t.initial_rate);
        EXPECT_LE(t.initial_rate, ratio_one());
        if (i > 0) {
          const MarginTier& prev = m.params.tiers[i - 1];
          EXPECT_GT(t.notional_floor, prev.notional_floor);
          EXPECT_GE(t.maint_rate, prev.maint_rate) << "rates rise with size";
          EXPECT_GE(t.initial_rate, prev.initial_rate);
        }
      }
    }
    for (const MarginTier& t : v.default_tiers) EXPECT_LE(t.maint_rate, t.initial_rate);
    EXPECT_FALSE(v.default_asset.weight_maint.is_positive()) << "unknown assets are inert";
    EXPECT_FALSE(v.default_asset.borrowable);
  }
}

// ------------------------------------------------------------------------------------------------
// Parameters equal the cited numbers
// ------------------------------------------------------------------------------------------------

struct AssetRow {
  const char* preset;
  const char* symbol;
  int decimals;
  const char* w_init;   // LTV / BCF / init asset weight
  const char* w_maint;  // LT / LCF / 1/mat / 1/MCR / LLTV / maint asset weight
  const char* bw_init;  // liability weights
  const char* bw_maint;
  const char* bonus;
  bool borrowable;
};

// Every row is the number in the cited source, converted as docs/presets.md explains.
const AssetRow kAssets[] = {
    // aave-v3: AaveV3TestListing.sol ltv 82_50, liqThreshold 86_00, liqBonus 5_00.
    {"aave-v3", "USDX", 6, "0.825", "0.86", "1", "1", "0.05", true},
    {"aave-v3", "WBTC", 8, "0.825", "0.86", "1", "1", "0.05", true},
    {"aave-v3", "WETH", 9, "0.825", "0.86", "1", "1", "0.05", true},
    {"aave-v3", "GHO", 6, "0", "0", "1", "1", "0", true},
    // compound-v3: LP §2 BCF / LCF; bonus = 1 - LF.
    {"compound-v3", "USDC", 6, "1", "1", "1", "1", "0", true},
    {"compound-v3", "WETH", 9, "0.825", "0.895", "1", "1", "0.05", false},
    {"compound-v3", "WBTC", 8, "0.70", "0.77", "1", "1", "0.05", false},
    {"compound-v3", "COMP", 9, "0.65", "0.70", "1", "1", "0.07", false},
    {"compound-v3", "UNI", 9, "0.75", "0.81", "1", "1", "0.07", false},
    {"compound-v3", "LINK", 9, "0.79", "0.85", "1", "1", "0.07", false},
    // maker: 1/mat rounded down; chop 1.13.
    {"maker", "DAI", 6, "0", "0", "1", "1", "0", true},
    {"maker", "ETH-A", 9, "0.689655172", "0.689655172", "1", "1", "0.13", false},
    {"maker", "ETH-B", 9, "0.769230769", "0.769230769", "1", "1", "0.13", false},
    {"maker", "ETH-C", 9, "0.588235294", "0.588235294", "1", "1", "0.13", false},
    {"maker", "WBTC-A", 8, "0.689655172", "0.689655172", "1", "1", "0.13", false},
    // liquity: 1/MCR = 1/1.1 rounded down.
    {"liquity", "ETH", 9, "0.909090909", "0.909090909", "1", "1", "0.10", false},
    {"liquity", "LUSD", 6, "0", "0", "1", "1", "0", true},
    // morpho-blue: LLTV 0.8, LIF 1/0.94 floored.
    {"morpho-blue", "USDC", 6, "0", "0", "1", "1", "0", true},
    {"morpho-blue", "WETH", 9, "0.8", "0.8", "1", "1", "0.063829787", false},
    // perps: USDC / USDT at full weight.
    {"dydx-v4", "USDC", 6, "1", "1", "1", "1", "0", false},
    {"hyperliquid", "USDC", 6, "1", "1", "1", "1", "0", false},
    {"binance-um", "USDT", 6, "1", "1", "1", "1", "0", false},
    // drift-v2: docs.drift.trade margin parameters (init asset, maint asset, init liab, maint
    // liab).
    {"drift-v2", "USDC", 6, "1", "1", "1", "1", "0", true},
    {"drift-v2", "SOL", 9, "0.8", "0.9", "1.2", "1.1", "0", true},
    {"drift-v2", "USDT", 6, "0.9", "0.95", "1.1", "1.05", "0", true},
    {"drift-v2", "WBTC", 8, "0.8", "0.9", "1.2", "1.1", "0", true},
    {"drift-v2", "WETH", 9, "0.8", "0.9", "1.2", "1.1", "0", true},
    // mango-v4: mb-admin.ts tokenRegister (maint asset, init asset, maint liab, init liab, fee).
    {"mango-v4", "USDC", 6, "1", "1", "1", "1", "0", true},
    {"mango-v4", "USDT", 6, "0.9", "0.95", "1.1", "1.05", "0.025", true},
    {"mango-v4", "DAI", 6, "0.9", "0.95", "1.1", "1.05", "0.025", true},
    {"mango-v4", "ETH", 9, "0.8", "0.9", "1.2", "1.1", "0.05", true},
    {"mango-v4", "SOL", 9, "0.8", "0.9", "1.2", "1.1", "0.05", true},
    {"mango-v4", "MSOL", 9, "0.8", "0.9", "1.2", "1.1", "0.05", true},
};

TEST(Presets, AssetParametersMatchSources) {
  std::size_t listed = 0;
  for (const std::string& n : preset_names()) listed += get(n).assets.size();
  EXPECT_EQ(listed, std::size(kAssets)) << "every preset asset has a row here";
  for (const AssetRow& row : kAssets) {
    SCOPED_TRACE(std::string(row.preset) + " " + row.symbol);
    const AssetParams* a = asset_of(get(row.preset), row.symbol);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->decimals, row.decimals);
    EXPECT_EQ(a->weight_initial, R(row.w_init));
    EXPECT_EQ(a->weight_maint, R(row.w_maint));
    EXPECT_EQ(a->borrow_weight_initial, R(row.bw_init));
    EXPECT_EQ(a->borrow_weight_maint, R(row.bw_maint));
    EXPECT_EQ(a->liquidation_bonus, R(row.bonus));
    EXPECT_EQ(a->borrowable, row.borrowable);
  }
}

// The weights derived from ratios are floor(1e9 / ratio): 1/mat (Maker), 1/MCR (Liquity), and the
// Morpho LIF = floor(1e18 / (1 - 0.3 * (1 - LLTV))) - 1.
TEST(Presets, DerivedWeightsAreRoundedDown) {
  auto inverse_floor = [](int64_t ratio_raw) {
    return Ratio::from_raw(static_cast<int64_t>((int128{kRatioOne} * kRatioOne) / ratio_raw));
  };
  EXPECT_EQ(asset_of(get("liquity"), "ETH")->weight_maint, inverse_floor(1'100'000'000));
  EXPECT_EQ(asset_of(get("maker"), "ETH-A")->weight_maint, inverse_floor(1'450'000'000));
  EXPECT_EQ(asset_of(get("maker"), "ETH-B")->weight_maint, inverse_floor(1'300'000'000));
  EXPECT_EQ(asset_of(get("maker"), "ETH-C")->weight_maint, inverse_floor(1'700'000'000));
  EXPECT_EQ(asset_of(get("maker"), "WBTC-A")->weight_maint, inverse_floor(1'450'000'000));
  // Rounded down: weight * ratio < 1 (a position exactly at MCR/mat is flagged; docs/presets.md).
  EXPECT_LT(int128{asset_of(get("liquity"), "ETH")->weight_maint.raw()} * 1'100'000'000,
            int128{kRatioOne} * kRatioOne);
  const int64_t lltv = asset_of(get("morpho-blue"), "WETH")->weight_maint.raw();
  const int64_t lif = inverse_floor(kRatioOne - 3 * (kRatioOne - lltv) / 10).raw();
  EXPECT_EQ(lif, 1'063'829'787);
  EXPECT_LE(lif, 1'150'000'000) << "MAX_LIQUIDATION_INCENTIVE_FACTOR";
  EXPECT_EQ(asset_of(get("morpho-blue"), "WETH")->liquidation_bonus.raw(), lif - kRatioOne);
}

TEST(Presets, LendingExtras) {
  // Aave: rates from AaveV3TestListing.sol (45 % kink, 0 / 4 % / 60 %), reserve factor 10 %;
  // percentMul(LT, bonus) <= 100 % (PoolConfigurator check, LP §1.1): 0.86 * 1.05 = 0.903.
  for (const char* s : {"USDX", "WBTC", "WETH", "GHO"}) {
    const AssetParams* a = asset_of(get("aave-v3"), s);
    EXPECT_EQ(a->rates.base_rate, R("0"));
    EXPECT_EQ(a->rates.slope1, R("0.04"));
    EXPECT_EQ(a->rates.slope2, R("0.60"));
    EXPECT_EQ(a->rates.optimal_utilization, R("0.45"));
    EXPECT_EQ(a->reserve_factor, R("0.10"));
    EXPECT_FALSE(a->isolation_ceiling.has_value());
    EXPECT_FALSE(a->borrow_cap.has_value());
  }
  // Compound: borrowBase 0.015, slopeLow 0.035, slopeHigh 0.25, kink 0.8 rewritten as
  // slope1 = 0.035 * 0.8, slope2 = 0.25 * 0.2.
  const AssetParams* usdc = asset_of(get("compound-v3"), "USDC");
  EXPECT_EQ(usdc->rates.base_rate, R("0.015"));
  EXPECT_EQ(usdc->rates.slope1, R("0.028"));
  EXPECT_EQ(usdc->rates.slope2, R("0.05"));
  EXPECT_EQ(usdc->rates.optimal_utilization, R("0.8"));
  EXPECT_EQ(borrow_rate(usdc->rates, R("0.5")), R("0.0325")) << "0.015 + 0.035 * 0.5";
  EXPECT_EQ(borrow_rate(usdc->rates, R("0.9")), R("0.068")) << "0.015 + 0.028 + 0.25 * 0.1";
  // Maker: ilk lines (autoline maximum) as isolation ceilings; DAI at ETH-A's 2.25 % fee.
  EXPECT_EQ(*asset_of(get("maker"), "ETH-A")->isolation_ceiling, V("15000000000"));
  EXPECT_EQ(*asset_of(get("maker"), "ETH-B")->isolation_ceiling, V("500000000"));
  EXPECT_EQ(*asset_of(get("maker"), "ETH-C")->isolation_ceiling, V("2000000000"));
  EXPECT_EQ(*asset_of(get("maker"), "WBTC-A")->isolation_ceiling, V("2000000000"));
  EXPECT_TRUE(asset_of(get("maker"), "DAI")->borrowable_in_isolation);
  EXPECT_EQ(borrow_rate(asset_of(get("maker"), "DAI")->rates, R("0.7")), R("0.0225"));
  EXPECT_FALSE(get("maker").venue.global_debt_ceiling.has_value()) << "Line: no cited value";
  // Liquity: no interest.
  EXPECT_EQ(borrow_rate(asset_of(get("liquity"), "LUSD")->rates, R("0.9")), R("0"));
  // Morpho AdaptiveCurveIrm at rate-at-target 4 %: 1 % at U=0, 4 % at 0.9, 16 % at 1.
  const RateModel& m = asset_of(get("morpho-blue"), "USDC")->rates;
  EXPECT_EQ(borrow_rate(m, R("0")), R("0.01"));
  EXPECT_EQ(borrow_rate(m, R("0.9")), R("0.04"));
  EXPECT_EQ(borrow_rate(m, R("1")), R("0.16"));
  for (const std::string& n : preset_names()) {
    if (n != "maker") {
      EXPECT_FALSE(get(n).venue.global_debt_ceiling.has_value()) << n;
    }
  }
}

struct TierRow {
  const char* preset;
  const char* market;                             // "" = default_tiers
  std::vector<std::array<const char*, 3>> tiers;  // floor (quote units), initial, maint
  const char* quote;
  int base_decimals;
};

TEST(Presets, MarginTiersMatchSources) {
  const std::vector<TierRow> rows = {
      // dYdX liquidity tiers: MM = IM * maintenance fraction.
      {"dydx-v4", "BTC-USD", {{"0", "0.02", "0.012"}}, "USDC", 10},
      {"dydx-v4", "ETH-USD", {{"0", "0.02", "0.012"}}, "USDC", 9},
      {"dydx-v4", "SOL-USD", {{"0", "0.10", "0.05"}}, "USDC", 7},
      {"dydx-v4", "LINK-USD", {{"0", "0.10", "0.05"}}, "USDC", 6},
      {"dydx-v4", "MKR-USD", {{"0", "0.20", "0.10"}}, "USDC", 9},
      {"dydx-v4", "", {{"0", "0.20", "0.10"}}, "", 0},
      // Drift: margin_ratio_initial 1000 / maintenance 500 (1e4 precision).
      {"drift-v2", "SOL-PERP", {{"0", "0.10", "0.05"}}, "USDC", 9},
      {"drift-v2", "BTC-PERP", {{"0", "0.10", "0.05"}}, "USDC", 9},
      {"drift-v2", "ETH-PERP", {{"0", "0.10", "0.05"}}, "USDC", 9},
      {"drift-v2", "", {{"0", "0.10", "0.05"}}, "", 0},
      // Mango BTC-PERP: 1 - 0.95 and 1 - 0.975.
      {"mango-v4", "BTC-PERP", {{"0", "0.05", "0.025"}}, "USDC", 6},
      {"mango-v4", "", {{"0", "0.05", "0.025"}}, "", 0},
      // Hyperliquid: IM = 1 / max leverage, MM = IM / 2 (1/15, 1/30 rounded up).
      {"hyperliquid", "BTC", {{"0", "0.025", "0.0125"}, {"150000000", "0.05", "0.025"}}, "USDC", 8},
      {"hyperliquid",
       "ETH",
       {{"0", "0.04", "0.02"}, {"100000000", "0.066666667", "0.033333334"}},
       "USDC",
       8},
      {"hyperliquid", "SOL", {{"0", "0.05", "0.025"}, {"70000000", "0.10", "0.05"}}, "USDC", 8},
      {"hyperliquid", "XRP", {{"0", "0.05", "0.025"}, {"40000000", "0.10", "0.05"}}, "USDC", 8},
      {"hyperliquid", "", {{"0", "0.10", "0.05"}, {"20000000", "0.20", "0.10"}}, "", 0},
      // Binance 2021-03-18 BTCUSDT brackets (IMR as published, 33.30 % for 3x).
      {"binance-um",
       "BTCUSDT",
       {{"0", "0.008", "0.004"},
        {"50000", "0.01", "0.005"},
        {"250000", "0.02", "0.01"},
        {"1000000", "0.05", "0.025"},
        {"10000000", "0.10", "0.05"},
        {"20000000", "0.20", "0.10"},
        {"50000000", "0.25", "0.125"},
        {"100000000", "0.333", "0.15"},
        {"200000000", "0.50", "0.25"},
        {"300000000", "1", "0.50"}},
       "USDT",
       8},
      {"binance-um",
       "",
       {{"0", "0.02", "0.01"},
        {"5000", "0.05", "0.025"},
        {"25000", "0.10", "0.05"},
        {"100000", "0.20", "0.10"},
        {"250000", "0.50", "0.125"},
        {"1000000", "1", "0.50"}},
       "",
       0},
  };
  std::size_t listed = 0;
  for (const std::string& n : preset_names()) listed += get(n).markets.size();
  std::size_t market_rows = 0;
  for (const TierRow& row : rows) {
    SCOPED_TRACE(std::string(row.preset) + " " + row.market);
    const VenuePreset& v = get(row.preset);
    const std::vector<MarginTier>* tiers = &v.default_tiers;
    if (*row.market != '\0') {
      ++market_rows;
      const MarketPreset* m = market_of(v, row.market);
      ASSERT_NE(m, nullptr);
      EXPECT_EQ(m->quote_symbol, row.quote);
      EXPECT_EQ(m->params.base_decimals, row.base_decimals);
      tiers = &m->params.tiers;
    }
    ASSERT_EQ(tiers->size(), row.tiers.size());
    for (std::size_t i = 0; i < row.tiers.size(); ++i) {
      EXPECT_EQ((*tiers)[i].notional_floor.raw(), parse(row.tiers[i][0], 6)) << i;
      EXPECT_EQ((*tiers)[i].initial_rate, R(row.tiers[i][1])) << i;
      EXPECT_EQ((*tiers)[i].maint_rate, R(row.tiers[i][2])) << i;
    }
  }
  EXPECT_EQ(market_rows, listed) << "every preset market has a row here";
  // Lending venues list no markets and no default tiers.
  for (const char* n : {"aave-v3", "compound-v3", "maker", "liquity", "morpho-blue"}) {
    EXPECT_TRUE(get(n).markets.empty()) << n;
    EXPECT_TRUE(get(n).default_tiers.empty()) << n;
  }
}

TEST(Presets, UnrealisedPnlWeights) {
  // Drift: unrealized_pnl_initial_asset_weight 0, maintenance 100 % (admin.rs).
  EXPECT_EQ(get("drift-v2").venue.upnl_weight_initial, R("0"));
  EXPECT_EQ(get("drift-v2").venue.upnl_weight_maint, R("1"));
  for (const char* n : {"dydx-v4", "mango-v4", "hyperliquid", "binance-um"}) {
    EXPECT_EQ(get(n).venue.upnl_weight_initial, ratio_one()) << n;
    EXPECT_EQ(get(n).venue.upnl_weight_maint, ratio_one()) << n;
  }
}

// ------------------------------------------------------------------------------------------------
// Headline metrics on hand-built states
// ------------------------------------------------------------------------------------------------

// A State assembled from a preset by hand (what the scenario loader does): preset parameters for
// known symbols, balances at index 1, positions with their cost basis.
class Venue {
 public:
  explicit Venue(std::string_view preset) : p_(get(preset)) { s_.params = p_.venue; }

  AssetId asset(std::string_view sym, std::string_view price) {
    const AssetParams* a = asset_of(p_, sym);
    AssetParams params = a != nullptr ? *a : p_.default_asset;
    params.symbol = std::string(sym);
    AssetState st;
    st.price = P(price);
    return s_.add_asset(std::move(params), st);
  }
  MarketId market(std::string_view sym, std::string_view mark) {
    const MarketPreset* m = market_of(p_, sym);
    EXPECT_NE(m, nullptr) << sym;
    PerpParams params = m->params;
    params.quote = *s_.find_asset(m->quote_symbol);
    PerpState st;
    st.mark = P(mark);
    st.oracle = st.mark;
    return s_.add_market(std::move(params), st);
  }
  AccountId account(const std::string& name) { return s_.owners[s_.add_owner(name)].accounts[0]; }
  void deposit(AccountId a, AssetId asset, std::string_view amount) {
    s_.accounts[a].balance_mut(asset).scaled = parse(amount, s_.asset_params[asset].decimals);
  }
  void borrow(AccountId a, AssetId asset, std::string_view amount) {
    s_.accounts[a].balance_mut(asset).scaled = -parse(amount, s_.asset_params[asset].decimals);
  }
  // Opened at `entry`: quote = -size * entry, in quote quanta (exact in every case below).
  void position(AccountId a, MarketId m, std::string_view size, std::string_view entry) {
    const PerpParams& mp = s_.perp_params[m];
    const int qd = s_.asset_params[mp.quote].decimals;
    PerpPosition& pos = s_.accounts[a].position_mut(m);
    pos.size = Quantity::from_raw(parse(size, mp.base_decimals));
    const int128 cost = int128{pos.size.raw()} * P(entry).raw();
    const int128 den = pow10_128(mp.base_decimals + kPriceDecimals - qd);
    EXPECT_EQ(cost % den, 0) << "test positions use exact entry costs";
    pos.quote = Quantity::from_raw(static_cast<int64_t>(-cost / den));
  }
  void set_price(AssetId a, std::string_view price) { s_.assets[a].price = P(price); }
  void set_mark(MarketId m, std::string_view mark) { s_.perps[m].mark = P(mark); }
  AccountRisk risk(AccountId a) const {
    return compute_risk(build_margin_cache(s_), s_.accounts[a]);
  }

 private:
  const VenuePreset& p_;
  State s_;
};

// Aave (LP §1.2): HF = percentMul(totalCollateral, avgLT) / totalDebt. 27 WETH at $2,000 against
// 43,200 USDX: 54,000 * 0.86 / 43,200 = 1.075. After a year at 4 % (U = 0.45 at the kink) the
// debt is 44,928; WETH at $1,820: 49,140 * 0.86 = 42,260.4; HF = 42,260.4 / 44,928 = 0.940625.
TEST(PresetMetrics, AaveHealthFactor) {
  Venue v("aave-v3");
  const AssetId usdx = v.asset("USDX", "1");
  const AssetId weth = v.asset("WETH", "2000");
  const AccountId alice = v.account("alice");
  v.deposit(alice, weth, "27");
  v.borrow(alice, usdx, "43200");
  AccountRisk r = v.risk(alice);
  EXPECT_EQ(r.weighted_collateral_maint, V("46440"));
  EXPECT_EQ(r.free_collateral, V("1350")) << "54,000 * 0.825 - 43,200";
  EXPECT_EQ(r.health_factor, R("1.075"));
  EXPECT_FALSE(r.liquidatable);
  v.borrow(alice, usdx, "44928");
  v.set_price(weth, "1820");
  r = v.risk(alice);
  EXPECT_EQ(r.collateral_value, V("49140"));
  EXPECT_EQ(r.weighted_collateral_maint, V("42260.4"));
  EXPECT_EQ(r.health_factor, R("0.940625"));
  EXPECT_TRUE(r.liquidatable);
}

// Compound v3 (LP §2): liquidity = -debt + sum(collateral * LCF), liquidatable when < 0.
// 20 WETH at $1,800 = 36,000; 36,000 * 0.895 = 32,220; debt 33,376 -> -1,156.
TEST(PresetMetrics, CompoundLiquidity) {
  Venue v("compound-v3");
  const AssetId usdc = v.asset("USDC", "1");
  const AssetId weth = v.asset("WETH", "2000");
  const AccountId alice = v.account("alice");
  v.deposit(alice, weth, "20");
  v.borrow(alice, usdc, "32000");
  AccountRisk r = v.risk(alice);
  EXPECT_EQ(r.free_collateral, V("1000")) << "40,000 * 0.825 - 32,000 (isBorrowCollateralized)";
  EXPECT_EQ(r.excess_maint, V("3800")) << "40,000 * 0.895 - 32,000";
  v.borrow(alice, usdc, "33376");
  v.set_price(weth, "1800");
  r = v.risk(alice);
  EXPECT_EQ(r.excess_maint, V("-1156"));
  EXPECT_EQ(r.free_collateral, V("-3676")) << "36,000 * 0.825 - 33,376";
  EXPECT_TRUE(r.liquidatable);
}

// Maker (LP §3): unsafe when ink * price / mat < art * rate. 100 ETH-A at $1,431.50 against
// 102,250 DAI: collateralization 143,150 / 102,250 = 1.4 < mat 1.45. Our weighted collateral uses
// 1/mat floored: 143,150 * 0.689655172 = 98,724.1378718 -> 98,724.137871 (dss: 98,724.137931...).
TEST(PresetMetrics, MakerCollateralization) {
  Venue v("maker");
  const AssetId dai = v.asset("DAI", "1");
  const AssetId eth = v.asset("ETH-A", "2000");
  const AccountId alice = v.account("alice");
  v.deposit(alice, eth, "100");
  v.borrow(alice, dai, "100000");
  AccountRisk r = v.risk(alice);
  EXPECT_EQ(r.collateral_to_debt, R("2"));
  EXPECT_EQ(r.weighted_collateral_initial, V("137931.0344")) << "max DAI at mat 145 %";
  EXPECT_FALSE(r.liquidatable);
  v.borrow(alice, dai, "102250");
  v.set_price(eth, "1431.5");
  r = v.risk(alice);
  EXPECT_EQ(r.collateral_to_debt, R("1.4"));
  EXPECT_EQ(r.weighted_collateral_maint, V("98724.137871"));
  EXPECT_EQ(r.health_factor, R("0.96551724")) << "98,724.137871 / 102,250 floored";
  EXPECT_TRUE(r.liquidatable);
}

// Liquity (LP §4.1): liquidatable when ICR < MCR = 110 %. 10 ETH; at $1,760 alice (16,000 LUSD)
// is at exactly ICR 1.1 and bob (16,384 LUSD) at 1.07421875. Liquity leaves alice alone (strict <);
// our 1/1.1 weight is rounded down, so 17,600 * 0.909090909 = 15,999.9999984 -> 15,999.999998 <
// 16,000 flags her: the documented one-unit difference at exactly MCR.
TEST(PresetMetrics, LiquityIcr) {
  Venue v("liquity");
  const AssetId lusd = v.asset("LUSD", "1");
  const AssetId eth = v.asset("ETH", "2000");
  const AccountId alice = v.account("alice");
  const AccountId bob = v.account("bob");
  const AccountId carol = v.account("carol");
  for (const AccountId a : {alice, bob, carol}) v.deposit(a, eth, "10");
  v.borrow(alice, lusd, "16000");
  v.borrow(bob, lusd, "16384");
  v.borrow(carol, lusd, "12500");
  EXPECT_EQ(v.risk(alice).collateral_to_debt, R("1.25"));
  EXPECT_EQ(v.risk(bob).collateral_to_debt, R("1.220703125"));
  EXPECT_EQ(v.risk(carol).collateral_to_debt, R("1.6"));
  v.set_price(eth, "1760");
  EXPECT_EQ(v.risk(alice).collateral_to_debt, R("1.1"));
  EXPECT_EQ(v.risk(alice).weighted_collateral_maint, V("15999.999998"));
  EXPECT_TRUE(v.risk(alice).liquidatable) << "venue: not liquidatable at ICR == MCR";
  EXPECT_EQ(v.risk(bob).collateral_to_debt, R("1.07421875"));
  EXPECT_TRUE(v.risk(bob).liquidatable);
  EXPECT_EQ(v.risk(carol).collateral_to_debt, R("1.408"));
  EXPECT_FALSE(v.risk(carol).liquidatable);
}

// Morpho Blue (LP §5): healthy <=> collateral * price * LLTV >= borrowed. 36 WETH at $2,500 and
// 57,600 USDC borrowed: 90,000 * 0.8 / 57,600 = 1.25; after a year at 4 % (U = 0.9) debt 59,904,
// WETH at $1,976: 71,136 * 0.8 = 56,908.8; 56,908.8 / 59,904 = 0.95.
TEST(PresetMetrics, MorphoLltvHealth) {
  Venue v("morpho-blue");
  const AssetId usdc = v.asset("USDC", "1");
  const AssetId weth = v.asset("WETH", "2500");
  const AccountId alice = v.account("alice");
  v.deposit(alice, weth, "36");
  v.borrow(alice, usdc, "57600");
  EXPECT_EQ(v.risk(alice).health_factor, R("1.25"));
  v.borrow(alice, usdc, "59904");
  v.set_price(weth, "1976");
  const AccountRisk r = v.risk(alice);
  EXPECT_EQ(r.weighted_collateral_maint, V("56908.8"));
  EXPECT_EQ(r.health_factor, R("0.95"));
  EXPECT_TRUE(r.liquidatable);
  // At $2,080 the position sits exactly at LLTV: healthy in Morpho (>=) and here (strict <).
  v.set_price(weth, "2080");
  EXPECT_EQ(v.risk(alice).health_factor, ratio_one());
  EXPECT_FALSE(v.risk(alice).liquidatable);
}

// dYdX (PV §a.1): liquidatable when MMR > NC. 2,000 USDC, long 2 BTC at 50,000; mark 49,500:
// NC = 2,000 - 1,000 = 1,000; MMR = 99,000 * 0.012 = 1,188 > 1,000.
TEST(PresetMetrics, DydxNetCollateralVsMmr) {
  Venue v("dydx-v4");
  const AssetId usdc = v.asset("USDC", "1");
  const MarketId btc = v.market("BTC-USD", "50000");
  const AccountId bob = v.account("bob");
  v.deposit(bob, usdc, "2000");
  v.position(bob, btc, "2", "50000");
  AccountRisk r = v.risk(bob);
  EXPECT_EQ(r.initial_margin, V("2000")) << "100,000 * 2 %";
  EXPECT_EQ(r.maintenance_margin, V("1200"));
  EXPECT_TRUE(r.initial_ok);
  v.set_mark(btc, "49500");
  r = v.risk(bob);
  EXPECT_EQ(r.equity, V("1000"));
  EXPECT_EQ(r.maintenance_margin, V("1188"));
  EXPECT_EQ(r.margin_ratio, R("1.188"));
  EXPECT_TRUE(r.liquidatable);
}

// Drift (PV §a.2): 1,000 USDC + 10 SOL, long 100 SOL-PERP at 100; SOL and mark to 85:
// TC = 1,000 + 850 * 0.9 - 1,500 = 265; MR = 8,500 * 5 % = 425 -> short by 160.
// bob: 1,000 USDC, short 50 at 100 -> +750 uPnL, initial weight 0: initial collateral 1,000,
// IM 4,250 * 10 % = 425, free 575; maintenance collateral 1,750.
TEST(PresetMetrics, DriftWeightedCollateral) {
  Venue v("drift-v2");
  const AssetId usdc = v.asset("USDC", "1");
  const AssetId sol = v.asset("SOL", "100");
  const MarketId perp = v.market("SOL-PERP", "100");
  const AccountId alice = v.account("alice");
  const AccountId bob = v.account("bob");
  v.deposit(alice, usdc, "1000");
  v.deposit(alice, sol, "10");
  v.position(alice, perp, "100", "100");
  v.deposit(bob, usdc, "1000");
  v.position(bob, perp, "-50", "100");
  AccountRisk r = v.risk(alice);
  EXPECT_EQ(r.weighted_collateral_initial, V("1800"));
  EXPECT_EQ(r.free_collateral, V("800"));
  EXPECT_EQ(r.excess_maint, V("1400"));
  v.set_price(sol, "85");
  v.set_mark(perp, "85");
  r = v.risk(alice);
  EXPECT_EQ(r.weighted_collateral_maint, V("1765"));
  EXPECT_EQ(r.maint_requirement, V("1925"));
  EXPECT_EQ(r.excess_maint, V("-160"));
  EXPECT_TRUE(r.liquidatable);
  r = v.risk(bob);
  EXPECT_EQ(r.unrealized_pnl, V("750"));
  EXPECT_EQ(r.weighted_collateral_initial, V("1000"));
  EXPECT_EQ(r.free_collateral, V("575"));
  EXPECT_EQ(r.weighted_collateral_maint, V("1750"));
  EXPECT_FALSE(r.liquidatable);
}

// Mango (PV §a.3): maint health = 1,000 + 50 SOL * 18 * 0.9 + (1 BTC * 18,500 * 0.975 - 20,000)
// = 1,000 + 810 - 1,962.5 = -152.5 < 0. bob borrows 50 SOL against 2,000 USDC:
// 2,000 - 50 * 20 * 1.1 = 900 (maint), 2,000 - 1,000 * 1.2 = 800 (init).
TEST(PresetMetrics, MangoHealth) {
  Venue v("mango-v4");
  const AssetId usdc = v.asset("USDC", "1");
  const AssetId sol = v.asset("SOL", "20");
  const MarketId btc = v.market("BTC-PERP", "20000");
  const AccountId alice = v.account("alice");
  const AccountId bob = v.account("bob");
  v.deposit(alice, usdc, "1000");
  v.deposit(alice, sol, "50");
  v.position(alice, btc, "1", "20000");
  v.deposit(bob, usdc, "2000");
  v.borrow(bob, sol, "50");
  EXPECT_EQ(v.risk(alice).free_collateral, V("800")) << "init health 1,000 + 800 - 1,000";
  EXPECT_EQ(v.risk(alice).excess_maint, V("1400"));
  EXPECT_EQ(v.risk(bob).excess_maint, V("900"));
  EXPECT_EQ(v.risk(bob).free_collateral, V("800"));
  v.set_price(sol, "18");
  v.set_mark(btc, "18500");
  EXPECT_EQ(v.risk(alice).excess_maint, V("-152.5"));
  EXPECT_TRUE(v.risk(alice).liquidatable);
  EXPECT_EQ(v.risk(bob).excess_maint, V("1010"));
}

// Hyperliquid (PV §a.4): MM = notional * mmr - deduction. Long 2,000 BTC at 100,000 (tier 2,
// >150M): MM = 200M * 2.5 % - 150M * (2.5 % - 1.25 %) = 5,000,000 - 1,875,000 = 3,125,000.
// Mark 95,000: MM = 190M * 2.5 % - 1,875,000 = 2,875,000 > account value 12M - 10M = 2M.
TEST(PresetMetrics, HyperliquidTieredMaintenance) {
  Venue v("hyperliquid");
  const AssetId usdc = v.asset("USDC", "1");
  const MarketId btc = v.market("BTC", "100000");
  const AccountId whale = v.account("whale");
  v.deposit(whale, usdc, "12000000");
  v.position(whale, btc, "2000", "100000");
  AccountRisk r = v.risk(whale);
  EXPECT_EQ(r.maintenance_margin, V("3125000"));
  EXPECT_EQ(r.initial_margin, V("6250000")) << "200M * 5 % - 150M * 2.5 %";
  v.set_mark(btc, "95000");
  r = v.risk(whale);
  EXPECT_EQ(r.equity, V("2000000"));
  EXPECT_EQ(r.maintenance_margin, V("2875000"));
  EXPECT_EQ(r.excess_maint, V("-875000"));
  EXPECT_TRUE(r.liquidatable);
  // ETH's 15x tier: MM rate 1/30 rounded up; deduction 100M * (0.033333334 - 0.02) = 1,333,333.4.
  const MarketId eth = v.market("ETH", "4000");
  const AccountId e = v.account("eth");
  v.deposit(e, usdc, "20000000");
  v.position(e, eth, "30000", "4000");  // 120M notional
  EXPECT_EQ(v.risk(e).maintenance_margin, V("2666666.68")) << "120M * 0.033333334 - 1,333,333.4";
}

// Binance (PV §a.6): 100,000 USDT, long 40 BTC at 50,000 = 2M notional, bracket 1M-10M:
// MM = 2M * 2.5 % - 16,300 = 33,700. Liquidation price (one-way, cross)
// LP = (100,000 + 16,300 - 40 * 50,000) / (40 * 0.025 - 40) = 48,300: equity 32,000 = MM there.
// At 48,000: MM = 1.92M * 2.5 % - 16,300 = 31,700; margin ratio 31,700 / 20,000 = 1.585.
TEST(PresetMetrics, BinanceBracketMaintenance) {
  Venue v("binance-um");
  const AssetId usdt = v.asset("USDT", "1");
  const MarketId btc = v.market("BTCUSDT", "50000");
  const AccountId t = v.account("trader");
  v.deposit(t, usdt, "100000");
  v.position(t, btc, "40", "50000");
  AccountRisk r = v.risk(t);
  EXPECT_EQ(r.maintenance_margin, V("33700"));
  EXPECT_EQ(r.margin_ratio, R("0.337"));
  v.set_mark(btc, "48300");
  r = v.risk(t);
  EXPECT_EQ(r.maintenance_margin, V("32000"));
  EXPECT_EQ(r.equity, V("32000"));
  EXPECT_EQ(r.margin_ratio, ratio_one());
  EXPECT_FALSE(r.liquidatable) << "Binance liquidates at margin ratio 100 %; ours needs < MM";
  v.set_mark(btc, "48000");
  r = v.risk(t);
  EXPECT_EQ(r.maintenance_margin, V("31700"));
  EXPECT_EQ(r.margin_ratio, R("1.585"));
  EXPECT_TRUE(r.liquidatable);
  // The maintenance amount is continuous: at 1M notional exactly, both neighbouring brackets
  // give 1M * 1 % - 1,300 = 1M * 2.5 % - 16,300 = 8,700.
  const AccountId u = v.account("u");
  v.set_mark(btc, "50000");
  v.deposit(u, usdt, "100000");
  v.position(u, btc, "20", "50000");
  EXPECT_EQ(v.risk(u).maintenance_margin, V("8700"));
}

}  // namespace
}  // namespace backstop
