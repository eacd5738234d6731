#include "backstop/report/values.h"

#include <array>

namespace backstop {

int metric_decimals(MetricType t, int quantity_decimals) {
  switch (t) {
    case MetricType::UsdValue:
      return kValueDecimals;
    case MetricType::RatioValue:
      return kRatioDecimals;
    case MetricType::PriceValue:
      return kPriceDecimals;
    case MetricType::QuantityValue:
      return quantity_decimals;
    case MetricType::Count:
    case MetricType::Bool:
    case MetricType::Text:
      return 0;
  }
  return 0;
}

std::string_view metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::UsdValue:
      return "USD value";
    case MetricType::RatioValue:
      return "ratio";
    case MetricType::PriceValue:
      return "price";
    case MetricType::QuantityValue:
      return "quantity";
    case MetricType::Count:
      return "count";
    case MetricType::Bool:
      return "boolean";
    case MetricType::Text:
      return "text";
  }
  return "value";
}

std::string MetricValue::str() const {
  if (null) return "none";
  switch (type) {
    case MetricType::Bool:
      return flag ? "true" : "false";
    case MetricType::Text:
      return text;
    default:
      return format_decimal(raw, decimals);
  }
}

MetricValue MetricValue::usd(Value v) {
  MetricValue m;
  m.type = MetricType::UsdValue;
  m.raw = v.raw();
  m.decimals = kValueDecimals;
  return m;
}

MetricValue MetricValue::ratio(std::optional<Ratio> r) {
  MetricValue m;
  m.type = MetricType::RatioValue;
  m.decimals = kRatioDecimals;
  m.null = !r.has_value();
  m.raw = r ? r->raw() : 0;
  return m;
}

MetricValue MetricValue::price(std::optional<Price> p) {
  MetricValue m;
  m.type = MetricType::PriceValue;
  m.decimals = kPriceDecimals;
  m.null = !p.has_value();
  m.raw = p ? p->raw() : 0;
  return m;
}

MetricValue MetricValue::quantity(std::optional<Quantity> q, int decimals) {
  MetricValue m;
  m.type = MetricType::QuantityValue;
  m.decimals = decimals;
  m.null = !q.has_value();
  m.raw = q ? q->raw() : 0;
  return m;
}

MetricValue MetricValue::count(uint64_t n) {
  MetricValue m;
  m.type = MetricType::Count;
  m.raw = narrow64(static_cast<int128>(n), "count");
  return m;
}

MetricValue MetricValue::boolean(bool b) {
  MetricValue m;
  m.type = MetricType::Bool;
  m.flag = b;
  return m;
}

MetricValue MetricValue::string(std::string s) {
  MetricValue m;
  m.type = MetricType::Text;
  m.text = std::move(s);
  return m;
}

namespace {

using T = MetricType;

constexpr std::array kVenue = {
    MetricSpec{"total_collateral", T::UsdValue},
    MetricSpec{"total_debt", T::UsdValue},
    MetricSpec{"total_borrow_value", T::UsdValue},
    MetricSpec{"global_debt_ceiling_utilization", T::RatioValue},
    MetricSpec{"accounts", T::Count},
    MetricSpec{"liquidatable_accounts", T::Count},
    MetricSpec{"stale_accounts", T::Count},
    MetricSpec{"underwater_accounts", T::Count},
    MetricSpec{"negative_equity", T::UsdValue},
    // Not in the "venue" object: they come from the run's event counters.
    MetricSpec{"applied_events", T::Count},
    MetricSpec{"rejected_events", T::Count},
    // From the resolution layer (zero without [resolution]).
    MetricSpec{"liquidations", T::Count},
    MetricSpec{"declined_liquidations", T::Count},
    MetricSpec{"adl_fills", T::Count},
    MetricSpec{"liquidated_value", T::UsdValue},
    MetricSpec{"bad_debt", T::UsdValue},
};

constexpr std::array kAsset = {
    MetricSpec{"price", T::PriceValue},
    MetricSpec{"total_supply", T::QuantityValue},
    MetricSpec{"total_borrow", T::QuantityValue},
    MetricSpec{"supply_value", T::UsdValue},
    MetricSpec{"borrow_value", T::UsdValue},
    MetricSpec{"utilization", T::RatioValue},
    MetricSpec{"borrow_rate", T::RatioValue},
    MetricSpec{"supply_rate", T::RatioValue},
    MetricSpec{"supply_cap_utilization", T::RatioValue},
    MetricSpec{"borrow_cap_utilization", T::RatioValue},
    MetricSpec{"debt_ceiling_utilization", T::RatioValue},
    MetricSpec{"isolation_debt", T::UsdValue},
    MetricSpec{"isolation_ceiling_utilization", T::RatioValue},
    // From the resolution layer (zero without [resolution]).
    MetricSpec{"insurance_fund", T::QuantityValue},
    MetricSpec{"deficit", T::QuantityValue},
    MetricSpec{"bad_debt_accrued", T::QuantityValue},
    MetricSpec{"treasury", T::QuantityValue},
};

constexpr std::array kMarket = {
    MetricSpec{"mark", T::PriceValue},
    MetricSpec{"oracle", T::PriceValue},
    MetricSpec{"funding_index", T::PriceValue},
    MetricSpec{"long_oi", T::QuantityValue},
    MetricSpec{"short_oi", T::QuantityValue},
    MetricSpec{"oi_notional", T::UsdValue},
    MetricSpec{"oi_cap_utilization", T::RatioValue},
};

constexpr std::array kAccount = {
    MetricSpec{"collateral_value", T::UsdValue},
    MetricSpec{"weighted_collateral_initial", T::UsdValue},
    MetricSpec{"weighted_collateral_maint", T::UsdValue},
    MetricSpec{"total_debt", T::UsdValue},
    MetricSpec{"equity", T::UsdValue},
    MetricSpec{"initial_requirement", T::UsdValue},
    MetricSpec{"maint_requirement", T::UsdValue},
    MetricSpec{"initial_margin", T::UsdValue},
    MetricSpec{"maintenance_margin", T::UsdValue},
    MetricSpec{"perp_notional", T::UsdValue},
    MetricSpec{"unrealized_pnl", T::UsdValue},
    MetricSpec{"free_collateral", T::UsdValue},
    MetricSpec{"excess_maint", T::UsdValue},
    MetricSpec{"health_factor", T::RatioValue},
    MetricSpec{"margin_ratio", T::RatioValue},
    MetricSpec{"debt_coverage", T::RatioValue},
    MetricSpec{"collateral_to_debt", T::RatioValue},
    MetricSpec{"debt_to_equity", T::RatioValue},
    // Account-level flags (outside the "metrics" object in JSON).
    MetricSpec{"liquidatable", T::Bool},
    MetricSpec{"prices_usable", T::Bool},
    MetricSpec{"initial_ok", T::Bool},
};

constexpr std::array kDriver = {
    MetricSpec{"price", T::PriceValue},          MetricSpec{"liquidation_price", T::PriceValue},
    MetricSpec{"distance", T::RatioValue},       MetricSpec{"method", T::Text},
    MetricSpec{"already_liquidatable", T::Bool},
};

constexpr std::array kBalance = {MetricSpec{"balance", T::QuantityValue}};

constexpr std::array kPosition = {
    MetricSpec{"size", T::QuantityValue},
    MetricSpec{"quote", T::QuantityValue},
    MetricSpec{"entry_price", T::PriceValue},
};

NamedValue nv(std::string_view name, MetricValue v) {
  return NamedValue{name, std::move(v)};
}

}  // namespace

std::span<const MetricSpec> metric_specs(MetricScope scope) {
  switch (scope) {
    case MetricScope::Venue:
      return kVenue;
    case MetricScope::Asset:
      return kAsset;
    case MetricScope::Market:
      return kMarket;
    case MetricScope::Account:
      return kAccount;
    case MetricScope::Driver:
      return kDriver;
    case MetricScope::Balance:
      return kBalance;
    case MetricScope::Position:
      return kPosition;
  }
  return {};
}

const MetricSpec* find_metric(MetricScope scope, std::string_view name) {
  for (const MetricSpec& s : metric_specs(scope)) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string metric_names(MetricScope scope) {
  std::string out;
  for (const MetricSpec& s : metric_specs(scope)) {
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

std::vector<NamedValue> account_metric_values(const AccountRisk& r) {
  using M = MetricValue;
  return {
      nv("collateral_value", M::usd(r.collateral_value)),
      nv("weighted_collateral_initial", M::usd(r.weighted_collateral_initial)),
      nv("weighted_collateral_maint", M::usd(r.weighted_collateral_maint)),
      nv("total_debt", M::usd(r.total_debt)),
      nv("equity", M::usd(r.equity)),
      nv("initial_requirement", M::usd(r.initial_requirement)),
      nv("maint_requirement", M::usd(r.maint_requirement)),
      nv("initial_margin", M::usd(r.initial_margin)),
      nv("maintenance_margin", M::usd(r.maintenance_margin)),
      nv("perp_notional", M::usd(r.perp_notional)),
      nv("unrealized_pnl", M::usd(r.unrealized_pnl)),
      nv("free_collateral", M::usd(r.free_collateral)),
      nv("excess_maint", M::usd(r.excess_maint)),
      nv("health_factor", M::ratio(r.health_factor)),
      nv("margin_ratio", M::ratio(r.margin_ratio)),
      nv("debt_coverage", M::ratio(r.debt_coverage)),
      nv("collateral_to_debt", M::ratio(r.collateral_to_debt)),
      nv("debt_to_equity", M::ratio(r.debt_to_equity)),
  };
}

std::vector<NamedValue> account_flag_values(const AccountRisk& r) {
  return {
      nv("liquidatable", MetricValue::boolean(r.liquidatable)),
      nv("prices_usable", MetricValue::boolean(r.prices_usable)),
      nv("initial_ok", MetricValue::boolean(r.initial_ok)),
  };
}

std::vector<NamedValue> driver_values(const DriverRisk& d) {
  return {
      nv("price", MetricValue::price(d.current)),
      nv("liquidation_price", MetricValue::price(d.liquidation_price)),
      nv("distance", MetricValue::ratio(d.distance)),
      nv("method", MetricValue::string(std::string(solve_method_name(d.method)))),
      nv("already_liquidatable", MetricValue::boolean(d.already_liquidatable)),
  };
}

std::vector<NamedValue> asset_values(const State& s, const AssetAggregate& a) {
  using M = MetricValue;
  const int dec = s.asset_params.at(a.asset).decimals;
  return {
      nv("price", M::price(s.assets.at(a.asset).price)),
      nv("total_supply", M::quantity(a.total_supply, dec)),
      nv("total_borrow", M::quantity(a.total_borrow, dec)),
      nv("supply_value", M::usd(a.supply_value)),
      nv("borrow_value", M::usd(a.borrow_value)),
      nv("utilization", M::ratio(a.utilization)),
      nv("borrow_rate", M::ratio(a.borrow_rate)),
      nv("supply_rate", M::ratio(a.supply_rate)),
      nv("supply_cap_utilization", M::ratio(a.supply_cap_utilization)),
      nv("borrow_cap_utilization", M::ratio(a.borrow_cap_utilization)),
      nv("debt_ceiling_utilization", M::ratio(a.debt_ceiling_utilization)),
      nv("isolation_debt", M::usd(a.isolation_debt)),
      nv("isolation_ceiling_utilization", M::ratio(a.isolation_ceiling_utilization)),
  };
}

std::vector<NamedValue> market_values(const State& s, const MarketAggregate& m) {
  using M = MetricValue;
  const int dec = s.perp_params.at(m.market).base_decimals;
  const PerpState& ps = s.perps.at(m.market);
  return {
      nv("mark", M::price(ps.mark)),
      nv("oracle", M::price(ps.oracle)),
      nv("funding_index", M::price(ps.funding_index)),
      nv("long_oi", M::quantity(m.long_oi, dec)),
      nv("short_oi", M::quantity(m.short_oi, dec)),
      nv("oi_notional", M::usd(m.oi_notional)),
      nv("oi_cap_utilization", M::ratio(m.oi_cap_utilization)),
  };
}

std::vector<NamedValue> venue_values(const VenueAggregate& v, std::span<const AccountRisk> risks) {
  using M = MetricValue;
  uint64_t underwater = 0;
  Value negative_equity{};
  for (const AccountRisk& r : risks) {
    if (r.equity.is_negative()) {
      ++underwater;
      negative_equity -= r.equity;
    }
  }
  return {
      nv("total_collateral", M::usd(v.total_collateral)),
      nv("total_debt", M::usd(v.total_debt)),
      nv("total_borrow_value", M::usd(v.total_borrow_value)),
      nv("global_debt_ceiling_utilization", M::ratio(v.global_debt_ceiling_utilization)),
      nv("accounts", M::count(v.accounts)),
      nv("liquidatable_accounts", M::count(v.liquidatable_accounts)),
      nv("stale_accounts", M::count(v.stale_accounts)),
      nv("underwater_accounts", M::count(underwater)),
      nv("negative_equity", M::usd(negative_equity)),
  };
}

Quantity balance_amount(const State& s, const MarginAccount& a, AssetId asset) {
  const TokenBalance* b = a.balance(asset);
  if (b == nullptr || b->scaled == 0) return Quantity{};
  const AssetState& st = s.assets.at(asset);
  if (b->scaled > 0) return supplied_amount(b->scaled, st.supply_index);
  return -borrowed_amount(b->scaled, st.borrow_index);
}

std::optional<Price> entry_price(const State& s, const PerpPosition& p) {
  if (p.size.is_zero()) return std::nullopt;
  const PerpParams& pp = s.perp_params.at(p.market);
  const int quote_dec = s.asset_params.at(pp.quote).decimals;
  // price raw = -quote * 10^(9 + base_decimals - quote_decimals) / size
  const int e = kPriceDecimals + pp.base_decimals - quote_dec;
  const int128 num = -static_cast<int128>(p.quote.raw());
  const int128 v = e >= 0 ? mul_div(num, pow10_128(e), p.size.raw(), Rounding::HalfEven)
                          : mul_div(num, 1, static_cast<int128>(p.size.raw()) * pow10_128(-e),
                                    Rounding::HalfEven);
  return Price::from_raw(narrow64(v, "entry price"));
}

std::vector<NamedValue> balance_values(const State& s, const MarginAccount& a, AssetId asset) {
  return {nv("balance", MetricValue::quantity(balance_amount(s, a, asset),
                                              s.asset_params.at(asset).decimals))};
}

std::vector<NamedValue> position_values(const State& s, const MarginAccount& a, MarketId market) {
  const PerpParams& pp = s.perp_params.at(market);
  const PerpPosition* p = a.position(market);
  const PerpPosition flat{market, {}, {}, {}};
  const PerpPosition& pos = p != nullptr ? *p : flat;
  return {
      nv("size", MetricValue::quantity(pos.size, pp.base_decimals)),
      nv("quote", MetricValue::quantity(pos.quote, s.asset_params.at(pp.quote).decimals)),
      nv("entry_price", MetricValue::price(entry_price(s, pos))),
  };
}

std::string_view driver_kind_name(DriverKind k) {
  return k == DriverKind::Asset ? "asset" : "market";
}

std::string_view solve_method_name(SolveMethod m) {
  return m == SolveMethod::Analytic ? "analytic" : "numeric";
}

std::string driver_symbol(const State& s, const DriverRisk& d) {
  return d.kind == DriverKind::Asset ? s.asset_params.at(d.id).symbol
                                     : s.perp_params.at(d.id).symbol;
}

}  // namespace backstop
