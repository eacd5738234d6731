// [resolution] section: liquidation policy, liquidator behaviour, liquidity models and the loss
// waterfall's resources (docs/scenario-format.md, "Resolution").
#include <fmt/format.h>

#include "backstop/presets/resolution.h"
#include "backstop/scenario/parse_internal.h"

namespace backstop::scenario_detail {

namespace {

constexpr int64_t kOne = kRatioOne;

// A decimal field that may also be "none".
std::optional<std::optional<int64_t>> decimal_or_none(const Fields& f, std::string_view key,
                                                      int decimals, int64_t lo, int64_t hi,
                                                      std::string_view bounds) {
  const toml::node* n = f.find(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* s = n->as_string(); s != nullptr && s->get() == "none") {
    return std::optional<int64_t>{};
  }
  const auto v = f.bounded(key, decimals, lo, hi, bounds);
  if (!v) return std::nullopt;
  return std::optional<int64_t>{*v};
}

std::optional<Layer> layer_of(std::string_view s) {
  for (Layer l : {Layer::InsuranceFund, Layer::StakedTranche, Layer::Mutualization, Layer::Adl,
                  Layer::RecapDebt}) {
    if (s == layer_name(l)) return l;
  }
  return std::nullopt;
}

void parse_waterfall(const Fields& f, ResolutionConfig& c) {
  const toml::array* arr = f.array("waterfall");
  if (arr == nullptr) return;
  std::vector<Layer> order;
  std::size_t i = 0;
  for (const toml::node& el : *arr) {
    const std::string path = fmt::format("{}[{}]", f.field("waterfall"), i++);
    const auto* s = el.as_string();
    const std::optional<Layer> l = s != nullptr ? layer_of(s->get()) : std::nullopt;
    if (!l) {
      f.diag().error(el.source(), path,
                     "expected one of \"insurance_fund\", \"staked_tranche\", \"mutualization\", "
                     "\"adl\", \"recap_debt\"");
      continue;
    }
    if (std::find(order.begin(), order.end(), *l) != order.end()) {
      f.diag().error(el.source(), path, fmt::format("layer '{}' listed twice", layer_name(*l)));
      continue;
    }
    order.push_back(*l);
  }
  c.waterfall = std::move(order);
}

void parse_liquidator(Builder& b, const Fields& parent, ResolutionConfig& c) {
  const toml::table* t = parent.subtable("liquidator");
  if (t == nullptr) return;
  const Fields f(b.diag, *t, parent.field("liquidator"),
                 {"present", "latency_s", "require_profit", "capital"});
  if (auto v = f.boolean("present")) c.liquidator.present = *v;
  if (auto v = f.integer("latency_s", 0, int64_t{1} << 40)) c.liquidator.latency_s = *v;
  if (auto v = f.boolean("require_profit")) c.liquidator.require_profit = *v;
  if (const toml::table* cap = f.subtable("capital")) {
    for (const auto& [key, node] : *cap) {
      const std::string path = fmt::format("{}.{}", f.field("capital"), key.str());
      const auto it = b.state().asset_ids.find(key.str());
      if (it == b.state().asset_ids.end()) {
        f.diag().error(node.source(), path, fmt::format("unknown asset '{}'", key.str()));
        continue;
      }
      const auto v =
          read_decimal(f.diag(), node, path, b.state().asset_params[it->second].decimals);
      if (v && *v < 0) {
        f.diag().error(node.source(), path, "capital must be >= 0");
      } else if (v) {
        c.liquidator.capital[it->second] = Quantity::from_raw(*v);
      }
    }
  }
}

void parse_fund(Builder& b, const toml::table& t, const std::string& path, ResolutionConfig& c) {
  const Fields f(b.diag, t, path, {"asset", "balance", "min_balance", "step_cap", "market_caps"});
  const auto asset = asset_ref(b, f, "asset", true);
  if (!asset) return;
  const int dec = b.state().asset_params[*asset].decimals;
  if (c.insurance.contains(*asset)) {
    f.error("asset", "a second insurance fund for the same asset");
    return;
  }
  InsuranceFund fund;
  if (auto v = f.bounded("balance", dec, 0, kMaxRaw, ">= 0", true))
    fund.balance = Quantity::from_raw(*v);
  if (auto v = f.bounded("min_balance", dec, 0, kMaxRaw, ">= 0"))
    fund.min_balance = Quantity::from_raw(*v);
  if (auto v = f.bounded("step_cap", dec, 0, kMaxRaw, ">= 0"))
    fund.step_cap = Quantity::from_raw(*v);
  if (const toml::table* caps = f.subtable("market_caps")) {
    for (const auto& [key, node] : *caps) {
      const std::string p = fmt::format("{}.{}", f.field("market_caps"), key.str());
      const auto it = b.state().market_ids.find(key.str());
      if (it == b.state().market_ids.end()) {
        f.diag().error(node.source(), p, fmt::format("unknown market '{}'", key.str()));
        continue;
      }
      const auto v = read_decimal(f.diag(), node, p, dec);
      if (v && *v >= 0)
        fund.market_caps.push_back(MarketInsuranceCap{it->second, Quantity::from_raw(*v), {}});
      if (v && *v < 0) f.diag().error(node.source(), p, "a payout cap must be >= 0");
    }
  }
  c.insurance[*asset] = fund;
}

void parse_tranche(Builder& b, const toml::table& t, const std::string& path, ResolutionConfig& c) {
  const Fields f(b.diag, t, path, {"asset", "staked", "max_slash"});
  const auto asset = asset_ref(b, f, "asset", true);
  if (!asset) return;
  if (c.tranche.contains(*asset)) {
    f.error("asset", "a second staked tranche for the same asset");
    return;
  }
  const int dec = b.state().asset_params[*asset].decimals;
  StakedTranche st;
  if (auto v = f.bounded("staked", dec, 0, kMaxRaw, ">= 0", true))
    st.staked = Quantity::from_raw(*v);
  if (auto v = f.bounded("max_slash", kRatioDecimals, 0, kOne, "in [0, 1]", true)) {
    st.max_slash = Ratio::from_raw(*v);
  }
  c.tranche[*asset] = st;
}

std::optional<std::vector<Level>> read_levels(const Fields& f, std::string_view key, int base_dec,
                                              int quote_dec) {
  (void)quote_dec;
  const toml::array* arr = f.array(key);
  if (arr == nullptr) return std::vector<Level>{};
  std::vector<Level> out;
  std::size_t i = 0;
  for (const toml::node& el : *arr) {
    const std::string path = fmt::format("{}[{}]", f.field(key), i++);
    const toml::table* t = el.as_table();
    if (t == nullptr) {
      f.diag().error(el.source(), path, "expected a table { price, size }");
      return std::nullopt;
    }
    const Fields lf(f.diag(), *t, path, {"price", "size"});
    const auto p = lf.positive("price", kPriceDecimals, true);
    const auto q = lf.positive("size", base_dec, true);
    if (!p || !q) return std::nullopt;
    out.push_back(Level{Price::from_raw(*p), Quantity::from_raw(*q)});
  }
  return out;
}

void parse_liquidity(Builder& b, const toml::table& t, const std::string& path,
                     ResolutionConfig& c) {
  const Fields f(b.diag, t, path,
                 {"asset", "market", "model", "reference", "depth", "k", "shape", "base_reserve",
                  "quote_reserve", "fee", "bids", "asks"});
  if (!f.at_most_one({"asset", "market"})) return;
  std::optional<AssetId> asset;
  std::optional<MarketId> market;
  if (f.has("market")) {
    market = market_ref(b, f, "market", true);
    if (!market) return;
  } else {
    asset = asset_ref(b, f, "asset", true);
    if (!asset) return;
  }
  const State& s = b.state();
  Pair pair;
  Price current{};
  if (market) {
    const PerpParams& pp = s.perp_params[*market];
    pair = Pair{pp.base_decimals, s.asset_params[pp.quote].decimals};
    current = s.perps[*market].mark;
  } else {
    pair = Pair{s.asset_params[*asset].decimals, kValueDecimals};
    current = s.assets[*asset].price;
  }
  const auto model = f.str("model", true);
  if (!model) return;
  try {
    std::optional<LiquidityModel> m;
    if (*model == "slippage") {
      SlippageParams p;
      p.pair = pair;
      const auto ref = f.positive("reference", kPriceDecimals);
      p.reference = ref ? Price::from_raw(*ref) : current;
      const auto depth = f.positive("depth", pair.quote_decimals, true);
      const auto k = f.bounded("k", kRatioDecimals, 0, kMaxRaw, ">= 0");
      const auto shape = f.str("shape");
      if (!depth) return;
      p.depth = Quantity::from_raw(*depth);
      p.k = k ? Ratio::from_raw(*k) : ratio_one();
      if (shape && *shape != "linear" && *shape != "sqrt") {
        f.error("shape", "expected \"linear\" or \"sqrt\"");
        return;
      }
      p.shape = shape && *shape == "sqrt" ? ImpactShape::Sqrt : ImpactShape::Linear;
      m.emplace(SlippageCurve(p));
    } else if (*model == "constant_product") {
      const auto x = f.positive("base_reserve", pair.base_decimals, true);
      const auto y = f.positive("quote_reserve", pair.quote_decimals, true);
      const auto fee = f.bounded("fee", kRatioDecimals, 0, kOne - 1, "in [0, 1)");
      if (!x || !y) return;
      m.emplace(ConstantProduct(PoolParams{pair, Quantity::from_raw(*x), Quantity::from_raw(*y),
                                           fee ? Ratio::from_raw(*fee) : Ratio{}}));
    } else if (*model == "ladder") {
      const auto bids = read_levels(f, "bids", pair.base_decimals, pair.quote_decimals);
      const auto asks = read_levels(f, "asks", pair.base_decimals, pair.quote_decimals);
      if (!bids || !asks) return;
      m.emplace(DepthLadder(LadderParams{pair, *bids, *asks}));
    } else {
      f.error("model", "expected \"slippage\", \"constant_product\" or \"ladder\"");
      return;
    }
    if (market) {
      if (!c.market_liquidity.emplace(*market, std::move(*m)).second) {
        f.error("market", "a second liquidity model for the same market");
      }
    } else if (!c.asset_liquidity.emplace(*asset, std::move(*m)).second) {
      f.error("asset", "a second liquidity model for the same asset");
    }
  } catch (const std::invalid_argument& e) {
    f.error("model", e.what());
  }
}

void parse_autoline(Builder& b, const toml::table& t, const std::string& path,
                    ResolutionConfig& c) {
  const Fields f(b.diag, t, path, {"asset", "max_line", "gap", "ttl", "line"});
  const auto asset = asset_ref(b, f, "asset", true);
  if (!asset) return;
  if (c.autoline.contains(*asset)) {
    f.error("asset", "a second auto-line for the same asset");
    return;
  }
  const int dec = b.state().asset_params[*asset].decimals;
  AutoLine al;
  const auto max = f.bounded("max_line", dec, 0, kMaxRaw, ">= 0", true);
  const auto gap = f.bounded("gap", dec, 0, kMaxRaw, ">= 0", true);
  const auto ttl = f.integer("ttl", 0, int64_t{1} << 40, true);
  const auto line = f.bounded("line", dec, 0, kMaxRaw, ">= 0");
  if (!max || !gap || !ttl) return;
  al.max_line = Quantity::from_raw(*max);
  al.gap = Quantity::from_raw(*gap);
  al.ttl = *ttl;
  const std::optional<Quantity> cap = b.state().asset_params[*asset].borrow_cap;
  al.line = line ? Quantity::from_raw(*line) : cap.value_or(Quantity{});
  al.last_raise = b.state().now - al.ttl;  // a raise is allowed at once
  b.state().asset_params[*asset].borrow_cap = al.line;
  c.autoline[*asset] = al;
}

// [resolution.auction]: Maker Dog/Clipper parameters.
void parse_auction(Builder& b, const Fields& parent, ResolutionConfig& c) {
  const toml::table* t = parent.subtable("auction");
  if (t == nullptr) return;
  const Fields f(b.diag, *t, parent.field("auction"),
                 {"buf", "tail", "cusp", "chip", "tip", "curve", "tau", "cut", "step", "dust",
                  "hole", "global_hole"});
  AuctionConfig& a = c.auction;
  auto ray = [](int64_t ratio_raw) {
    return liquidation::maker_ray_from(Ratio::from_raw(ratio_raw));
  };
  if (auto v = f.bounded("buf", kRatioDecimals, kOne, kMaxRaw, ">= 1")) a.clip.buf_ray = ray(*v);
  if (auto v = f.integer("tail", 1, int64_t{1} << 40)) a.clip.tail = static_cast<uint64_t>(*v);
  if (auto v = f.bounded("cusp", kRatioDecimals, 0, kOne, "in [0, 1]")) a.clip.cusp_ray = ray(*v);
  if (auto v = f.bounded("chip", kRatioDecimals, 0, kOne, "in [0, 1]")) {
    a.clip.chip_wad = to256(*v) * to256(1'000'000'000);
  }
  if (auto v = f.bounded("tip", kValueDecimals, 0, kMaxRaw, ">= 0")) {
    a.clip.tip_rad = liquidation::maker_rad_from(Value::from_raw(*v));
  }
  if (auto v = f.str("curve")) {
    if (*v == "linear") {
      a.clip.curve.kind = liquidation::MakerCurveKind::kLinearDecrease;
    } else if (*v == "stairstep") {
      a.clip.curve.kind = liquidation::MakerCurveKind::kStairstepExponential;
    } else if (*v == "exponential") {
      a.clip.curve.kind = liquidation::MakerCurveKind::kExponential;
    } else {
      f.error("curve", "expected \"linear\", \"stairstep\" or \"exponential\"");
    }
  }
  if (auto v = f.integer("tau", 1, int64_t{1} << 40)) a.clip.curve.tau = static_cast<uint64_t>(*v);
  if (auto v = f.bounded("cut", kRatioDecimals, 0, kOne, "in [0, 1]"))
    a.clip.curve.cut_ray = ray(*v);
  if (auto v = f.integer("step", 1, int64_t{1} << 40))
    a.clip.curve.step = static_cast<uint64_t>(*v);
  if (auto v = f.bounded("dust", kValueDecimals, 0, kMaxRaw, ">= 0")) a.dust = Value::from_raw(*v);
  if (auto v = f.bounded("hole", kValueDecimals, 0, kMaxRaw, ">= 0")) a.hole = Value::from_raw(*v);
  if (auto v = f.bounded("global_hole", kValueDecimals, 0, kMaxRaw, ">= 0")) {
    a.global_hole = Value::from_raw(*v);
  }
}

// [resolution.perp_pacing] (Drift time-paced partial liquidation) and [resolution.perp_chunks]
// (Hyperliquid chunks); `perp_pacing = "none"` / `perp_chunks = "none"` turns a preset's off.
void parse_perp_pacing(const Fields& f, ResolutionConfig& c) {
  auto none = [&](std::string_view key) {
    const toml::node* n = f.find(key);
    if (n == nullptr || !n->is_string()) return false;
    if (n->value<std::string>() != "none") f.error(key, "expected a table or \"none\"");
    return true;
  };
  if (none("perp_pacing")) {
    c.perp_pacing.reset();
  } else if (const toml::table* pt = f.subtable("perp_pacing")) {
    const Fields pf(f.diag(), *pt, f.field("perp_pacing"),
                    {"initial_pct", "duration_s", "small_shortage", "small_position"});
    PerpPacing p = c.perp_pacing.value_or(PerpPacing{});
    if (auto v = pf.bounded("initial_pct", kRatioDecimals, 0, kOne, "in [0, 1]", true)) {
      p.initial_pct = Ratio::from_raw(*v);
    }
    if (auto v = pf.integer("duration_s", 1, int64_t{1} << 40, true)) p.duration_s = *v;
    if (auto v = pf.bounded("small_shortage", kValueDecimals, 0, kMaxRaw, ">= 0")) {
      p.small_shortage = Value::from_raw(*v);
    }
    if (auto v = pf.bounded("small_position", kValueDecimals, 0, kMaxRaw, ">= 0")) {
      p.small_position = Value::from_raw(*v);
    }
    c.perp_pacing = p;
  }
  if (none("perp_chunks")) {
    c.perp_chunks.reset();
  } else if (const toml::table* ct = f.subtable("perp_chunks")) {
    const Fields cf(f.diag(), *ct, f.field("perp_chunks"),
                    {"fraction", "notional_threshold", "cooldown_s"});
    PerpChunks k = c.perp_chunks.value_or(PerpChunks{});
    if (auto v = cf.bounded("fraction", kRatioDecimals, 1, kOne, "in (0, 1]")) {
      k.fraction = Ratio::from_raw(*v);
    }
    if (auto v = cf.bounded("notional_threshold", kValueDecimals, 0, kMaxRaw, ">= 0")) {
      k.notional_threshold = Value::from_raw(*v);
    }
    if (auto v = cf.integer("cooldown_s", 0, int64_t{1} << 40)) k.cooldown_s = *v;
    c.perp_chunks = k;
  }
}

}  // namespace

void parse_resolution(Builder& b, const toml::node* node) {
  if (node == nullptr) return;
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    b.diag.error(node->source(), "resolution", "expected a table [resolution]");
    return;
  }
  const Fields f(b.diag, *t, "resolution",
                 {"enabled",
                  "perp_policy",
                  "perp_fee",
                  "perp_fee_to_insurance",
                  "buffer",
                  "protocol_fee",
                  "toxic_guard",
                  "close_factor",
                  "close_factor_hf_threshold",
                  "close_factor_min_base",
                  "min_leftover",
                  "close_factor_of_total_debt",
                  "waterfall",
                  "adl_ranking",
                  "impact_half_life_s",
                  "max_liquidations_per_tick",
                  "max_notional_per_tick",
                  "liquidator",
                  "insurance",
                  "tranche",
                  "liquidity",
                  "lending_policy",
                  "vault",
                  "perp_backstop",
                  "autoline",
                  "max_fill_slippage",
                  "auction",
                  "redistribute",
                  "store_front",
                  "perp_pacing",
                  "perp_chunks"});
  ResolutionConfig c = b.preset != nullptr ? preset_resolution(b.preset->name) : ResolutionConfig{};
  c.enabled = f.boolean("enabled").value_or(true);
  if (auto v = f.str("lending_policy")) {
    if (*v == "close_factor") {
      c.lending = LendingLiquidation::CloseFactor;
    } else if (*v == "absorb") {
      c.lending = LendingLiquidation::Absorb;
    } else if (*v == "vault_takeover") {
      c.lending = LendingLiquidation::VaultTakeover;
    } else if (*v == "dutch_auction") {
      c.lending = LendingLiquidation::DutchAuction;
    } else {
      f.error("lending_policy",
              "expected \"close_factor\", \"absorb\", \"vault_takeover\" or \"dutch_auction\"");
    }
  }
  if (f.has("vault")) {
    if (auto v = account_ref(b, f, "vault", true)) c.vault = *v;
  }
  if (auto v = decimal_or_none(f, "perp_backstop", kRatioDecimals, 0, kOne, "in [0, 1]")) {
    c.perp_backstop = *v ? std::optional<Ratio>(Ratio::from_raw(**v)) : std::nullopt;
  }
  parse_auction(b, f, c);
  if (const toml::table* sft = f.subtable("store_front")) {
    const Fields sf(b.diag, *sft, f.field("store_front"),
                    {"base", "price_factor", "target_reserves"});
    const auto base = asset_ref(b, sf, "base", true);
    const auto factor = sf.bounded("price_factor", kRatioDecimals, 0, kOne, "in [0, 1]", true);
    if (base && factor) {
      const auto target = sf.bounded("target_reserves", b.state().asset_params[*base].decimals, 0,
                                     kMaxRaw, ">= 0", true);
      if (target) {
        c.store_front = ResolutionConfig::StoreFront{*base, Ratio::from_raw(*factor),
                                                     Quantity::from_raw(*target)};
      }
    }
  }
  const bool takes_over =
      c.lending == LendingLiquidation::Absorb || c.lending == LendingLiquidation::VaultTakeover;
  if ((takes_over || c.perp_backstop) && !c.vault) {
    f.error(f.has("lending_policy") ? "lending_policy" : "vault",
            "absorb, vault_takeover and perp_backstop need a vault: name the account that takes "
            "accounts over (vault = \"...\")");
  }
  if (auto v = f.str("perp_policy")) {
    if (*v == "partial_to_buffer") {
      c.perp = PerpLiquidation::PartialToBuffer;
    } else if (*v == "full") {
      c.perp = PerpLiquidation::Full;
    } else {
      f.error("perp_policy", "expected \"partial_to_buffer\" or \"full\"");
    }
  }
  auto ratio = [&](std::string_view key, Ratio& out) {
    if (auto v = f.bounded(key, kRatioDecimals, 0, kOne, "in [0, 1]")) out = Ratio::from_raw(*v);
  };
  parse_perp_pacing(f, c);
  ratio("perp_fee", c.perp_fee);
  ratio("perp_fee_to_insurance", c.perp_fee_to_insurance);
  ratio("buffer", c.buffer);
  ratio("max_fill_slippage", c.max_fill_slippage);
  ratio("protocol_fee", c.protocol_fee);
  ratio("close_factor", c.close_factor.default_close_factor);
  if (auto v = f.boolean("toxic_guard")) c.toxic_guard = *v;
  if (auto v = f.boolean("redistribute")) c.redistribute = *v;
  if (auto v =
          decimal_or_none(f, "close_factor_hf_threshold", kRatioDecimals, 0, kMaxRaw, ">= 0")) {
    c.close_factor.close_factor_hf_threshold =
        *v ? std::optional<Ratio>(Ratio::from_raw(**v)) : std::nullopt;
  }
  if (auto v = f.bounded("close_factor_min_base", kValueDecimals, 0, kMaxRaw, ">= 0")) {
    c.close_factor.min_base_max_close_factor_threshold = Value::from_raw(*v);
  }
  if (auto v = decimal_or_none(f, "min_leftover", kValueDecimals, 0, kMaxRaw, ">= 0")) {
    c.close_factor.min_leftover_base =
        *v ? std::optional<Value>(Value::from_raw(**v)) : std::nullopt;
  }
  if (auto v = f.boolean("close_factor_of_total_debt"))
    c.close_factor.close_factor_of_total_debt = *v;
  parse_waterfall(f, c);
  if (auto v = f.str("adl_ranking")) {
    if (*v == "pnl_leverage") {
      c.adl = AdlRanking::PnlLeverage;
    } else if (*v == "hyperliquid") {
      c.adl = AdlRanking::Hyperliquid;
    } else if (*v == "pro_rata") {
      c.adl = AdlRanking::ProRata;
    } else if (*v == "risk_aware_pro_rata") {
      c.adl = AdlRanking::RiskAwareProRata;
    } else {
      f.error(
          "adl_ranking",
          "expected \"pnl_leverage\", \"hyperliquid\", \"pro_rata\" or \"risk_aware_pro_rata\"");
    }
  }
  if (auto v = f.integer("impact_half_life_s", 0, int64_t{1} << 40)) c.impact_half_life_s = *v;
  if (auto v = f.integer("max_liquidations_per_tick", 1, int64_t{1} << 40))
    c.caps.max_liquidations = *v;
  if (auto v = f.bounded("max_notional_per_tick", kValueDecimals, 0, kMaxRaw, ">= 0")) {
    c.caps.max_notional = Value::from_raw(*v);
  }
  parse_liquidator(b, f, c);
  for_each_table(b, f.find("insurance"), f.field("insurance"),
                 [&](const toml::table& x, const std::string& p) { parse_fund(b, x, p, c); });
  for_each_table(b, f.find("tranche"), f.field("tranche"),
                 [&](const toml::table& x, const std::string& p) { parse_tranche(b, x, p, c); });
  for_each_table(b, f.find("liquidity"), f.field("liquidity"),
                 [&](const toml::table& x, const std::string& p) { parse_liquidity(b, x, p, c); });
  for_each_table(b, f.find("autoline"), f.field("autoline"),
                 [&](const toml::table& x, const std::string& p) { parse_autoline(b, x, p, c); });
  b.out.resolution = std::move(c);
}

}  // namespace backstop::scenario_detail
