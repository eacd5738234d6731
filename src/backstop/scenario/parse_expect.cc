// [[expect]] sections: checks of metrics at given times.
#include <fmt/format.h>

#include "backstop/scenario/parse_internal.h"

namespace backstop::scenario_detail {

namespace {

std::string_view scope_text(MetricScope s) {
  switch (s) {
    case MetricScope::Venue:
      return "the venue (no account, asset or market)";
    case MetricScope::Asset:
      return "an asset";
    case MetricScope::Market:
      return "a market";
    case MetricScope::Account:
      return "an account";
    case MetricScope::Driver:
      return "an account's price driver";
    case MetricScope::Balance:
      return "an account's balance (account + asset)";
    case MetricScope::Position:
      return "an account's position (account + market)";
  }
  return "";
}

// Decimals of a Quantity metric, which depend on the subject.
int quantity_decimals(const State& s, const Expectation& e) {
  switch (e.scope) {
    case MetricScope::Asset:
    case MetricScope::Balance:
      return s.asset_params.at(e.symbol_id).decimals;
    case MetricScope::Market:
      return s.perp_params.at(e.symbol_id).base_decimals;
    case MetricScope::Position: {
      const PerpParams& p = s.perp_params.at(e.symbol_id);
      return e.metric == "quote" ? s.asset_params.at(p.quote).decimals : p.base_decimals;
    }
    default:
      return 0;
  }
}

bool is_numeric(MetricType t) {
  return t != MetricType::Bool && t != MetricType::Text;
}

// Resolves account / asset / market / driver into a scope. Returns false on error.
bool read_scope(Builder& b, const Fields& f, Expectation& e) {
  bool ok = f.at_most_one({"asset", "market", "driver"});
  if (f.has("account")) {
    const auto id = account_ref(b, f, "account", false);
    if (!id) return false;
    e.account_id = *id;
    e.account = b.state().account_name(*id);
  }
  if (!ok) return false;
  const bool acct = e.account_id.has_value();
  if (f.has("driver")) {
    if (!acct) {
      f.error("driver", "a driver belongs to an account: add account = \"...\"");
      return false;
    }
    const auto sym = f.str("driver");
    if (!sym) return false;
    e.scope = MetricScope::Driver;
    e.symbol = *sym;
    if (const auto a = b.state().find_asset(*sym)) {
      e.symbol_id = *a;
    } else if (const auto m = b.state().find_market(*sym)) {
      e.symbol_id = *m;
      e.symbol_is_market = true;
    } else {
      if (!b.broken_symbols.contains(*sym)) {
        f.error("driver", fmt::format("unknown driver '{}': name an asset or a market", *sym));
      }
      return false;
    }
    return true;
  }
  if (f.has("asset")) {
    const auto id = asset_ref(b, f, "asset", false);
    if (!id) return false;
    e.symbol_id = *id;
    e.symbol = b.state().asset_params[*id].symbol;
    e.scope = acct ? MetricScope::Balance : MetricScope::Asset;
    return true;
  }
  if (f.has("market")) {
    const auto id = market_ref(b, f, "market", false);
    if (!id) return false;
    e.symbol_id = *id;
    e.symbol_is_market = true;
    e.symbol = b.state().perp_params[*id].symbol;
    e.scope = acct ? MetricScope::Position : MetricScope::Market;
    return true;
  }
  e.scope = acct ? MetricScope::Account : MetricScope::Venue;
  return true;
}

std::optional<MetricValue> read_equals(Builder& b, const Fields& f, const Expectation& e) {
  const toml::node& n = *f.find("equals");
  MetricValue v;
  v.type = e.type;
  v.decimals = e.decimals;
  if (e.type == MetricType::Bool) {
    if (const auto* bl = n.as_boolean()) {
      v.flag = bl->get();
      return v;
    }
    if (const auto* s = n.as_string();
        s != nullptr && (s->get() == "true" || s->get() == "false")) {
      v.flag = s->get() == "true";
      return v;
    }
    f.error("equals",
            fmt::format("metric '{}' is a boolean: write equals = true or false", e.metric));
    return std::nullopt;
  }
  if (e.type == MetricType::Text) {
    if (const auto* s = n.as_string()) {
      v.text = s->get();
      return v;
    }
    f.error("equals", fmt::format("expected a string, got {}", type_name(n)));
    return std::nullopt;
  }
  if (const auto* s = n.as_string(); s != nullptr && s->get() == "none") {
    v.null = true;
    return v;
  }
  const auto raw = read_decimal(b.diag, n, f.field("equals"), e.decimals);
  if (!raw) return std::nullopt;
  v.raw = *raw;
  return v;
}

void parse_expect(Builder& b, const toml::table& t, const std::string& path) {
  const Fields f(b.diag, t, path,
                 {"t", "account", "asset", "market", "driver", "metric", "equals", "approx",
                  "tolerance", "min", "max"});
  Expectation e;
  e.origin = f.origin();
  bool ok = true;
  if (f.has("t")) {
    const auto time = f.integer("t", 0, INT64_MAX);
    ok = time.has_value();
    if (time) e.t = *time;
  }
  const std::optional<std::string> metric = f.str("metric", true);
  if (!read_scope(b, f, e) || !metric) return;
  e.metric = *metric;
  const MetricSpec* spec = find_metric(e.scope, e.metric);
  if (spec == nullptr) {
    std::vector<std::string_view> names;
    for (const MetricSpec& s : metric_specs(e.scope)) names.push_back(s.name);
    const std::string_view hint = closest(e.metric, names);
    f.error(
        "metric",
        fmt::format("unknown metric '{}' for {}{}; metrics: {}", e.metric, scope_text(e.scope),
                    hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint), join(names)));
    return;
  }
  e.type = spec->type;
  e.decimals = metric_decimals(spec->type, quantity_decimals(b.state(), e));

  const bool eq = f.has("equals");
  const bool ap = f.has("approx");
  const bool rg = f.has("min") || f.has("max");
  const int forms = (eq ? 1 : 0) + (ap ? 1 : 0) + (rg ? 1 : 0);
  if (forms == 0) {
    f.missing("equals", "give equals, approx with tolerance, or min and/or max");
    return;
  }
  if (forms > 1) {
    f.error(eq && ap ? "approx" : (f.has("min") ? "min" : "max"),
            "give only one of: equals, approx (with tolerance), min/max");
    return;
  }
  if (f.has("tolerance") && !ap) {
    f.error("tolerance", "tolerance goes with approx");
    return;
  }
  if ((ap || rg) && !is_numeric(e.type)) {
    f.error(
        ap ? "approx" : (f.has("min") ? "min" : "max"),
        fmt::format("metric '{}' is {}: only equals applies", e.metric, metric_type_name(e.type)));
    return;
  }
  if (eq) {
    e.op = ExpectOp::Equals;
    const auto v = read_equals(b, f, e);
    if (!v) return;
    e.expected = *v;
  } else if (ap) {
    e.op = ExpectOp::Approx;
    const auto center = f.decimal("approx", e.decimals);
    const auto tol = f.bounded("tolerance", e.decimals, 0, kMaxRaw, ">= 0", true);
    if (!center || !tol) return;
    e.expected.type = e.type;
    e.expected.decimals = e.decimals;
    e.expected.raw = *center;
    e.tolerance = *tol;
  } else {
    e.op = ExpectOp::Range;
    e.expected.type = e.type;
    e.expected.decimals = e.decimals;
    if (f.has("min")) {
      e.min = f.decimal("min", e.decimals);
      ok = ok && e.min.has_value();
    }
    if (f.has("max")) {
      e.max = f.decimal("max", e.decimals);
      ok = ok && e.max.has_value();
    }
    if (e.min && e.max && *e.min > *e.max) {
      f.error("max", fmt::format("max {} is below min {}", format_decimal(*e.max, e.decimals),
                                 format_decimal(*e.min, e.decimals)));
      return;
    }
  }
  if (ok) b.out.expectations.push_back(std::move(e));
}

}  // namespace

void parse_expects(Builder& b, const toml::node* node) {
  for_each_table(b, node, "expect",
                 [&](const toml::table& t, const std::string& path) { parse_expect(b, t, path); });
}

}  // namespace backstop::scenario_detail
