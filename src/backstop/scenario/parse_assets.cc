// [venue] and [[asset]] sections.
#include <fmt/format.h>

#include "backstop/scenario/parse_internal.h"

namespace backstop::scenario_detail {

namespace {

constexpr int64_t kOne = kRatioOne;

// Reads an optional limit that a preset may have set: absent keeps `cur`, "none" clears it,
// otherwise a non-negative decimal with `decimals` places.
template <class T>
void read_limit(const Fields& f, std::string_view key, int decimals, std::optional<T>& cur) {
  const toml::node* n = f.find(key);
  if (n == nullptr) return;
  if (const auto* s = n->as_string(); s != nullptr && s->get() == "none") {
    cur.reset();
    return;
  }
  if (const auto v = f.bounded(key, decimals, 0, kMaxRaw, ">= 0")) cur = T::from_raw(*v);
}

void read_ratio(const Fields& f, std::string_view key, int64_t lo, int64_t hi,
                std::string_view bounds, Ratio& out) {
  if (const auto v = f.bounded(key, kRatioDecimals, lo, hi, bounds)) out = Ratio::from_raw(*v);
}

// A weight given directly or as a haircut (weight = 1 - haircut), or under an alias.
void read_weight(const Fields& f, std::string_view weight_key, std::string_view haircut_key,
                 std::string_view alias_key, Ratio& out) {
  if (alias_key.empty() ? !f.at_most_one({weight_key, haircut_key})
                        : !f.at_most_one({weight_key, haircut_key, alias_key})) {
    return;
  }
  read_ratio(f, weight_key, 0, kOne, "between 0 and 1", out);
  if (!alias_key.empty()) read_ratio(f, alias_key, 0, kOne, "between 0 and 1", out);
  if (const auto h = f.bounded(haircut_key, kRatioDecimals, 0, kOne, "between 0 and 1")) {
    out = Ratio::from_raw(kOne - *h);
  }
}

void read_rates(const Fields& asset, RateModel& m) {
  const toml::table* t = asset.subtable("rate");
  if (t == nullptr) return;
  const Fields f(asset.diag(), *t, asset.field("rate"),
                 {"base", "slope1", "slope2", "optimal_utilization"});
  read_ratio(f, "base", 0, kMaxRaw, ">= 0", m.base_rate);
  read_ratio(f, "slope1", 0, kMaxRaw, ">= 0", m.slope1);
  read_ratio(f, "slope2", 0, kMaxRaw, ">= 0", m.slope2);
  read_ratio(f, "optimal_utilization", 1, kOne, "in (0, 1]", m.optimal_utilization);
}

}  // namespace

void parse_venue(Builder& b, const toml::node* node) {
  if (node == nullptr) return;
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    b.diag.error(node->source(), "venue",
                 fmt::format("expected a table ([venue]), got {}", type_name(*node)));
    return;
  }
  const Fields f(b.diag, *t, "venue",
                 {"preset", "upnl_weight_initial", "upnl_weight_maint", "global_debt_ceiling"});
  VenueParams& p = b.state().params;
  if (const auto name = f.str("preset")) {
    b.preset = find_preset(*name);
    if (b.preset == nullptr) {
      std::vector<std::string> names = preset_names();
      f.error("preset",
              fmt::format("unknown preset '{}'; valid presets: {}", *name,
                          join(std::vector<std::string_view>(names.begin(), names.end()))));
    } else {
      p = b.preset->venue;
      p.preset = b.preset->name;
    }
  }
  read_ratio(f, "upnl_weight_initial", 0, kOne, "between 0 and 1", p.upnl_weight_initial);
  read_ratio(f, "upnl_weight_maint", 0, kOne, "between 0 and 1", p.upnl_weight_maint);
  if (p.upnl_weight_initial > p.upnl_weight_maint) {
    f.error(f.has("upnl_weight_initial") ? "upnl_weight_initial" : "upnl_weight_maint",
            fmt::format("upnl_weight_initial {} exceeds upnl_weight_maint {}",
                        format(p.upnl_weight_initial), format(p.upnl_weight_maint)));
  }
  read_limit(f, "global_debt_ceiling", kValueDecimals, p.global_debt_ceiling);
}

namespace {

void parse_asset(Builder& b, const toml::table& t, const std::string& path) {
  const Fields f(b.diag, t, path,
                 {"symbol",
                  "decimals",
                  "price",
                  "weight_initial",
                  "haircut_initial",
                  "weight_maint",
                  "haircut_maint",
                  "liquidation_threshold",
                  "borrow_weight_initial",
                  "borrow_weight_maint",
                  "liquidation_bonus",
                  "borrowable",
                  "rate",
                  "reserve_factor",
                  "supply_cap",
                  "borrow_cap",
                  "debt_ceiling",
                  "isolation_ceiling",
                  "borrowable_in_isolation",
                  "max_price_age",
                  "max_price_move"});
  const std::optional<std::string> symbol = f.str("symbol", true);
  if (!symbol) return;
  if (!claim_symbol(b, f, *symbol, "asset")) return;

  // Starting point: the preset's parameters for this symbol, the preset's default, or none.
  AssetParams p;
  bool preset_lists = false;
  if (b.preset != nullptr) {
    p = b.preset->default_asset;
    for (const AssetParams& a : b.preset->assets) {
      if (a.symbol == *symbol) {
        p = a;
        preset_lists = true;
      }
    }
  }
  p.symbol = *symbol;

  if (const auto dec = f.integer("decimals", 0, kMaxAssetDecimals, !preset_lists)) {
    p.decimals = static_cast<int>(*dec);
  } else if (!preset_lists || f.has("decimals")) {
    // Quantities of this asset cannot be read: references to it are not reported again.
    b.broken_symbols.emplace(*symbol, true);
    return;
  }

  AssetState st;
  if (const auto price = f.positive("price", kPriceDecimals, true)) {
    st.price = Price::from_raw(*price);
  }
  st.price_time = 0;

  read_weight(f, "weight_initial", "haircut_initial", "", p.weight_initial);
  read_weight(f, "weight_maint", "haircut_maint", "liquidation_threshold", p.weight_maint);
  if (p.weight_initial > p.weight_maint) {
    const std::string_view key = f.has("weight_initial")    ? "weight_initial"
                                 : f.has("haircut_initial") ? "haircut_initial"
                                                            : "weight_maint";
    const bool maint_given =
        f.has("weight_maint") || f.has("haircut_maint") || f.has("liquidation_threshold");
    f.error(key, fmt::format("initial weight {} exceeds maintenance weight {}{}: the initial "
                             "(borrowing) requirement must be the stricter one",
                             format(p.weight_initial), format(p.weight_maint),
                             maint_given || preset_lists ? "" : " (weight_maint not set)"));
  }
  read_ratio(f, "borrow_weight_initial", kOne, kMaxRaw, ">= 1", p.borrow_weight_initial);
  read_ratio(f, "borrow_weight_maint", kOne, kMaxRaw, ">= 1", p.borrow_weight_maint);
  if (p.borrow_weight_initial < p.borrow_weight_maint) {
    f.error(f.has("borrow_weight_initial") ? "borrow_weight_initial" : "borrow_weight_maint",
            fmt::format("initial borrow weight {} is below maintenance borrow weight {}",
                        format(p.borrow_weight_initial), format(p.borrow_weight_maint)));
  }
  read_ratio(f, "liquidation_bonus", 0, kOne, "between 0 and 1", p.liquidation_bonus);
  if (const auto v = f.boolean("borrowable")) p.borrowable = *v;
  read_rates(f, p.rates);
  read_ratio(f, "reserve_factor", 0, kOne, "between 0 and 1", p.reserve_factor);
  read_limit(f, "supply_cap", p.decimals, p.supply_cap);
  read_limit(f, "borrow_cap", p.decimals, p.borrow_cap);
  read_limit(f, "debt_ceiling", kValueDecimals, p.debt_ceiling);
  read_limit(f, "isolation_ceiling", kValueDecimals, p.isolation_ceiling);
  if (const auto v = f.boolean("borrowable_in_isolation")) p.borrowable_in_isolation = *v;
  read_price_guards(f, p.max_price_age_s, p.max_price_move);

  if (b.state().asset_params.size() >= 0xFFFF) {
    f.error("symbol", "too many assets (at most 65535)");
    return;
  }
  b.state().add_asset(std::move(p), st);
}

}  // namespace

// Oracle guards shared by [[asset]] and [[market]]: max_price_age (seconds) and max_price_move
// (fraction); "none" removes a preset's value.
void read_price_guards(const Fields& f, std::optional<int64_t>& age, std::optional<Ratio>& move) {
  if (const toml::node* n = f.find("max_price_age")) {
    if (const auto* s = n->as_string(); s != nullptr && s->get() == "none") {
      age.reset();
    } else if (const auto v = f.integer("max_price_age", 1, INT64_MAX)) {
      age = *v;
    }
  }
  if (const toml::node* n = f.find("max_price_move")) {
    if (const auto* s = n->as_string(); s != nullptr && s->get() == "none") {
      move.reset();
    } else if (const auto v = f.bounded("max_price_move", kRatioDecimals, 1, kMaxRaw, "> 0")) {
      move = Ratio::from_raw(*v);
    }
  }
}

void parse_assets(Builder& b, const toml::node* node) {
  for_each_table(b, node, "asset",
                 [&](const toml::table& t, const std::string& path) { parse_asset(b, t, path); });
}

}  // namespace backstop::scenario_detail
