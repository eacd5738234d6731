// Parameter changes. Each field is parsed exactly (no floating point) and the resulting parameter
// set is validated as a whole; an invalid change is rejected and nothing changes.
#include <fmt/format.h>

#include "backstop/engine/mutations.h"

namespace backstop {
namespace {

struct Parsed {
  std::optional<int64_t> raw;  // nullopt when the value is "none"
  std::string error;
};

Parsed parse(const std::string& v, int decimals, bool allow_none) {
  if (allow_none && v == "none") return {std::nullopt, ""};
  std::string err;
  auto r = parse_decimal(v, decimals, &err);
  if (!r) return {std::nullopt, err.empty() ? "invalid number" : err};
  return {r, ""};
}

std::optional<bool> parse_bool(const std::string& v) {
  if (v == "true") return true;
  if (v == "false") return false;
  return std::nullopt;
}

Outcome bad(const SetParam& e, const std::string& why) {
  return {Reject::InvalidParam, fmt::format("parameter {} = '{}': {}", e.field, e.value, why)};
}

// Applies `value` to a field of type Ratio/Value/Quantity/int seconds. Returns "" or an error.
template <class T>
std::string set_fixed(T& dst, const std::string& v, int decimals) {
  const Parsed p = parse(v, decimals, false);
  if (!p.raw) return p.error;
  dst = T::from_raw(*p.raw);
  return "";
}
template <class T>
std::string set_opt(std::optional<T>& dst, const std::string& v, int decimals) {
  const Parsed p = parse(v, decimals, true);
  if (!p.error.empty()) return p.error;
  dst = p.raw ? std::optional<T>(T::from_raw(*p.raw)) : std::nullopt;
  return "";
}
std::string set_opt_seconds(std::optional<int64_t>& dst, const std::string& v) {
  const Parsed p = parse(v, 0, true);
  if (!p.error.empty()) return p.error;
  dst = p.raw;
  return "";
}

std::string validate_asset(const AssetParams& p) {
  const Ratio one = ratio_one();
  if (p.weight_initial.is_negative() || p.weight_maint > one) return "weights must be in [0, 1]";
  if (p.weight_initial > p.weight_maint) return "weight_initial must not exceed weight_maint";
  if (p.borrow_weight_maint < one) return "borrow weights must be >= 1";
  if (p.borrow_weight_initial < p.borrow_weight_maint) {
    return "borrow_weight_initial must be >= borrow_weight_maint";
  }
  if (p.reserve_factor.is_negative() || p.reserve_factor > one) return "reserve_factor in [0, 1]";
  if (p.rates.optimal_utilization.is_negative() || p.rates.optimal_utilization > one) {
    return "optimal_utilization must be in [0, 1]";
  }
  if (p.rates.base_rate.is_negative() || p.rates.slope1.is_negative() ||
      p.rates.slope2.is_negative()) {
    return "rates must be >= 0";
  }
  if (p.liquidation_bonus.is_negative()) return "liquidation_bonus must be >= 0";
  if ((p.supply_cap && p.supply_cap->is_negative()) ||
      (p.borrow_cap && p.borrow_cap->is_negative())) {
    return "caps must be >= 0";
  }
  if ((p.debt_ceiling && p.debt_ceiling->is_negative()) ||
      (p.isolation_ceiling && p.isolation_ceiling->is_negative())) {
    return "ceilings must be >= 0";
  }
  if (p.max_price_age_s && *p.max_price_age_s <= 0) return "max_price_age must be positive";
  if (p.max_price_move && !p.max_price_move->is_positive()) return "max_price_move must be > 0";
  return "";
}

std::string set_asset_field(AssetParams& p, const std::string& f, const std::string& v) {
  const int d = p.decimals;
  if (f == "weight_initial") return set_fixed(p.weight_initial, v, kRatioDecimals);
  if (f == "weight_maint" || f == "liquidation_threshold") {
    return set_fixed(p.weight_maint, v, kRatioDecimals);
  }
  if (f == "borrow_weight_initial") return set_fixed(p.borrow_weight_initial, v, kRatioDecimals);
  if (f == "borrow_weight_maint") return set_fixed(p.borrow_weight_maint, v, kRatioDecimals);
  if (f == "liquidation_bonus") return set_fixed(p.liquidation_bonus, v, kRatioDecimals);
  if (f == "reserve_factor") return set_fixed(p.reserve_factor, v, kRatioDecimals);
  if (f == "rate.base") return set_fixed(p.rates.base_rate, v, kRatioDecimals);
  if (f == "rate.slope1") return set_fixed(p.rates.slope1, v, kRatioDecimals);
  if (f == "rate.slope2") return set_fixed(p.rates.slope2, v, kRatioDecimals);
  if (f == "rate.optimal_utilization") {
    return set_fixed(p.rates.optimal_utilization, v, kRatioDecimals);
  }
  if (f == "supply_cap") return set_opt(p.supply_cap, v, d);
  if (f == "borrow_cap") return set_opt(p.borrow_cap, v, d);
  if (f == "debt_ceiling") return set_opt(p.debt_ceiling, v, kValueDecimals);
  if (f == "isolation_ceiling") return set_opt(p.isolation_ceiling, v, kValueDecimals);
  if (f == "max_price_age") return set_opt_seconds(p.max_price_age_s, v);
  if (f == "max_price_move") return set_opt(p.max_price_move, v, kRatioDecimals);
  if (f == "borrowable" || f == "borrowable_in_isolation") {
    const auto b = parse_bool(v);
    if (!b) return "expected true or false";
    (f == "borrowable" ? p.borrowable : p.borrowable_in_isolation) = *b;
    return "";
  }
  return "unknown asset parameter";
}

std::string validate_market(const PerpParams& p) {
  if (p.oi_cap && p.oi_cap->is_negative()) return "oi_cap must be >= 0";
  if (p.max_price_age_s && *p.max_price_age_s <= 0) return "max_price_age must be positive";
  if (p.max_price_move && !p.max_price_move->is_positive()) return "max_price_move must be > 0";
  return "";
}

std::string set_market_field(PerpParams& p, const std::string& f, const std::string& v) {
  if (f == "oi_cap") return set_opt(p.oi_cap, v, p.base_decimals);
  if (f == "max_price_age") return set_opt_seconds(p.max_price_age_s, v);
  if (f == "max_price_move") return set_opt(p.max_price_move, v, kRatioDecimals);
  // Scale every bracket's rates: "initial_scale"/"maint_scale" multiply the table (risk desks
  // usually tighten a whole table at once).
  if (f == "initial_scale" || f == "maint_scale") {
    Ratio k{};
    if (std::string err = set_fixed(k, v, kRatioDecimals); !err.empty()) return err;
    if (!k.is_positive()) return "scale must be positive";
    for (MarginTier& t : p.tiers) {
      Ratio& r = f == "initial_scale" ? t.initial_rate : t.maint_rate;
      r = Ratio::from_raw(mul_div64(r.raw(), k.raw(), kRatioOne, Rounding::Up));
    }
    for (const MarginTier& t : p.tiers) {
      if (t.maint_rate > t.initial_rate || t.initial_rate > ratio_one()) {
        return "scaled tiers must keep maint <= initial <= 1";
      }
    }
    return "";
  }
  return "unknown market parameter";
}

std::string set_venue_field(VenueParams& p, const std::string& f, const std::string& v) {
  if (f == "upnl_weight_initial" || f == "upnl_weight_maint") {
    Ratio& r = f == "upnl_weight_initial" ? p.upnl_weight_initial : p.upnl_weight_maint;
    if (std::string err = set_fixed(r, v, kRatioDecimals); !err.empty()) return err;
    if (r.is_negative() || r > ratio_one()) return "upnl weights must be in [0, 1]";
    if (p.upnl_weight_initial > p.upnl_weight_maint) {
      return "upnl_weight_initial must not exceed upnl_weight_maint";
    }
    return "";
  }
  if (f == "global_debt_ceiling") {
    if (std::string err = set_opt(p.global_debt_ceiling, v, kValueDecimals); !err.empty()) {
      return err;
    }
    if (p.global_debt_ceiling && p.global_debt_ceiling->is_negative()) {
      return "global_debt_ceiling must be >= 0";
    }
    return "";
  }
  return "unknown venue parameter";
}

}  // namespace

const std::vector<std::string_view>& param_fields(ParamTarget t) {
  static const std::vector<std::string_view> kVenue = {"upnl_weight_initial", "upnl_weight_maint",
                                                       "global_debt_ceiling"};
  static const std::vector<std::string_view> kAsset = {"weight_initial",
                                                       "weight_maint",
                                                       "liquidation_threshold",
                                                       "borrow_weight_initial",
                                                       "borrow_weight_maint",
                                                       "liquidation_bonus",
                                                       "reserve_factor",
                                                       "rate.base",
                                                       "rate.slope1",
                                                       "rate.slope2",
                                                       "rate.optimal_utilization",
                                                       "supply_cap",
                                                       "borrow_cap",
                                                       "debt_ceiling",
                                                       "isolation_ceiling",
                                                       "max_price_age",
                                                       "max_price_move",
                                                       "borrowable",
                                                       "borrowable_in_isolation"};
  static const std::vector<std::string_view> kMarket = {"oi_cap", "max_price_age", "max_price_move",
                                                        "initial_scale", "maint_scale"};
  return t == ParamTarget::Venue ? kVenue : t == ParamTarget::Asset ? kAsset : kMarket;
}

Outcome Mutation::apply(const SetParam& e, Timestamp /*t*/) {
  std::string err;
  switch (e.target) {
    case ParamTarget::Venue:
      err = set_venue_field(s_.params, e.field, e.value);
      break;
    case ParamTarget::Asset: {
      AssetParams& p = s_.asset_params.at(e.id);
      err = set_asset_field(p, e.field, e.value);
      if (err.empty()) err = validate_asset(p);
      break;
    }
    case ParamTarget::Market: {
      PerpParams& p = s_.perp_params.at(e.id);
      err = set_market_field(p, e.field, e.value);
      if (err.empty()) err = validate_market(p);
      break;
    }
  }
  if (!err.empty()) return bad(e, err);
  return {};
}

}  // namespace backstop
