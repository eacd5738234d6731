// [[market]] sections: perpetual futures markets.
#include <fmt/format.h>

#include "backstop/scenario/parse_internal.h"

namespace backstop::scenario_detail {

namespace {

// tiers = [ { notional = "0", initial = "0.02", maint = "0.01" }, ... ]
std::optional<std::vector<MarginTier>> read_tiers(const Fields& f, int quote_decimals) {
  const toml::array* arr = f.array("tiers");
  if (arr == nullptr) return std::nullopt;
  if (arr->empty()) {
    f.error("tiers", "needs at least one tier");
    return std::nullopt;
  }
  std::vector<MarginTier> tiers;
  bool ok = true;
  std::size_t i = 0;
  for (const toml::node& el : *arr) {
    const std::string path = fmt::format("{}[{}]", f.field("tiers"), i);
    const toml::table* t = el.as_table();
    if (t == nullptr) {
      f.diag().error(
          el.source(), path,
          fmt::format("expected a table {{ notional, initial, maint }}, got {}", type_name(el)));
      ok = false;
      ++i;
      continue;
    }
    const Fields tf(f.diag(), *t, path, {"notional", "initial", "maint"});
    const auto floor = tf.bounded("notional", quote_decimals, 0, kMaxRaw, ">= 0", true);
    const auto initial = tf.bounded("initial", kRatioDecimals, 1, kRatioOne, "in (0, 1]", true);
    const auto maint = tf.bounded("maint", kRatioDecimals, 1, kRatioOne, "in (0, 1]", true);
    if (!floor || !initial || !maint) {
      ok = false;
      ++i;
      continue;
    }
    if (*maint > *initial) {
      tf.error("maint", fmt::format("maintenance rate {} exceeds initial rate {} (need 0 < maint "
                                    "<= initial <= 1)",
                                    format_decimal(*maint, kRatioDecimals),
                                    format_decimal(*initial, kRatioDecimals)));
      ok = false;
    }
    if (i == 0 && *floor != 0) {
      tf.error("notional", fmt::format("the first tier must start at notional 0, not {}",
                                       format_decimal(*floor, quote_decimals)));
      ok = false;
    }
    if (!tiers.empty() && *floor <= tiers.back().notional_floor.raw()) {
      tf.error("notional",
               fmt::format("tier floors must strictly increase: {} is not above the previous {}",
                           format_decimal(*floor, quote_decimals),
                           format_decimal(tiers.back().notional_floor.raw(), quote_decimals)));
      ok = false;
    }
    tiers.push_back(
        MarginTier{Quantity::from_raw(*floor), Ratio::from_raw(*initial), Ratio::from_raw(*maint)});
    ++i;
  }
  if (!ok) return std::nullopt;
  return tiers;
}

void parse_market(Builder& b, const toml::table& t, const std::string& path) {
  const Fields f(b.diag, t, path,
                 {"symbol", "base_decimals", "quote", "mark", "oracle", "tiers", "oi_cap",
                  "max_price_age", "max_price_move"});
  const std::optional<std::string> symbol = f.str("symbol", true);
  if (!symbol) return;
  if (!claim_symbol(b, f, *symbol, "market")) return;

  PerpParams p;
  const MarketPreset* mp = nullptr;
  if (b.preset != nullptr) {
    p.tiers = b.preset->default_tiers;
    for (const MarketPreset& m : b.preset->markets) {
      if (m.params.symbol == *symbol) mp = &m;
    }
    if (mp != nullptr) p = mp->params;
  }
  p.symbol = *symbol;
  auto broken = [&] { b.broken_symbols.emplace(*symbol, true); };

  if (const auto dec = f.integer("base_decimals", 0, kMaxAssetDecimals, mp == nullptr)) {
    p.base_decimals = static_cast<int>(*dec);
  } else if (mp == nullptr || f.has("base_decimals")) {
    broken();
    return;
  }

  // The quote asset: explicit, or the preset's quote symbol.
  std::optional<AssetId> quote;
  if (f.has("quote") || mp == nullptr) {
    quote = asset_ref(b, f, "quote", true);
  } else if (const auto id = b.state().find_asset(mp->quote_symbol)) {
    quote = id;
  } else {
    f.error("symbol", fmt::format("preset '{}' settles {} in '{}', which is not defined: add an "
                                  "[[asset]] with symbol = \"{}\" or set quote",
                                  b.preset->name, *symbol, mp->quote_symbol, mp->quote_symbol));
  }
  if (!quote) {
    broken();
    return;
  }
  p.quote = *quote;
  const int quote_decimals = b.state().asset_params.at(*quote).decimals;

  PerpState st;
  if (const auto mark = f.positive("mark", kPriceDecimals, true)) st.mark = Price::from_raw(*mark);
  st.oracle = st.mark;
  if (const auto oracle = f.positive("oracle", kPriceDecimals))
    st.oracle = Price::from_raw(*oracle);
  st.price_time = 0;

  if (f.has("tiers")) {
    if (auto tiers = read_tiers(f, quote_decimals)) p.tiers = std::move(*tiers);
  } else if (p.tiers.empty()) {
    f.missing("tiers", b.preset == nullptr ? "no preset provides default tiers"
                                           : "the preset has no tiers for this market");
  }
  if (const toml::node* n = f.find("oi_cap")) {
    if (const auto* s = n->as_string(); s != nullptr && s->get() == "none") {
      p.oi_cap.reset();
    } else if (const auto v = f.bounded("oi_cap", p.base_decimals, 0, kMaxRaw, ">= 0")) {
      p.oi_cap = Quantity::from_raw(*v);
    }
  }
  read_price_guards(f, p.max_price_age_s, p.max_price_move);
  if (b.state().perp_params.size() >= 0xFFFF) {
    f.error("symbol", "too many markets (at most 65535)");
    return;
  }
  b.state().add_market(std::move(p), st);
}

}  // namespace

void parse_markets(Builder& b, const toml::node* node) {
  for_each_table(b, node, "market",
                 [&](const toml::table& t, const std::string& path) { parse_market(b, t, path); });
}

}  // namespace backstop::scenario_detail
