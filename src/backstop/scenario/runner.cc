#include "backstop/scenario/runner.h"

#include <algorithm>
#include <numeric>

namespace backstop {

std::size_t RunResult::failed_expectations() const {
  return static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(), [](const auto& x) { return !x.passed; }));
}

namespace {

MetricValue null_of(const Expectation& e) {
  MetricValue v;
  v.type = e.type;
  v.decimals = e.decimals;
  v.null = true;
  return v;
}

MetricValue pick(const std::vector<NamedValue>& values, const Expectation& e) {
  for (const NamedValue& nv : values) {
    if (nv.name == e.metric) return nv.value;
  }
  return null_of(e);
}

std::vector<AccountRisk> all_risks(const Engine& engine) {
  std::vector<AccountRisk> risks;
  risks.reserve(engine.state().accounts.size());
  for (std::size_t i = 0; i < engine.state().accounts.size(); ++i) {
    risks.push_back(engine.risk(static_cast<AccountId>(i)));
  }
  return risks;
}

// a * 10^(to - from) for to >= from.
int128 rescale(int64_t raw, int from, int to) {
  return checked_mul(static_cast<int128>(raw), pow10_128(to - from), "rescale");
}

}  // namespace

std::optional<MetricValue> resolution_venue_value(const Resolver* r, std::string_view metric) {
  const ResolutionTotals t = r != nullptr ? r->totals() : ResolutionTotals{};
  if (metric == "liquidations") return MetricValue::count(static_cast<uint64_t>(t.liquidations));
  if (metric == "declined_liquidations")
    return MetricValue::count(static_cast<uint64_t>(t.declined));
  if (metric == "adl_fills") return MetricValue::count(static_cast<uint64_t>(t.adl_fills));
  if (metric == "liquidated_value") return MetricValue::usd(t.liquidated_value);
  if (metric == "bad_debt") return MetricValue::usd(t.bad_debt);
  return std::nullopt;
}

std::optional<MetricValue> resolution_asset_value(const Resolver* r, const State& s, AssetId a,
                                                  std::string_view metric) {
  const int dec = s.asset_params.at(a).decimals;
  if (metric == "insurance_fund") {
    Quantity q{};
    if (r != nullptr) {
      if (auto it = r->config().insurance.find(a); it != r->config().insurance.end())
        q = it->second.balance;
    }
    return MetricValue::quantity(q, dec);
  }
  if (metric == "deficit") {
    return MetricValue::quantity(r != nullptr ? r->bad_debt().outstanding(a) : Quantity{}, dec);
  }
  if (metric == "bad_debt_accrued") {
    return MetricValue::quantity(r != nullptr ? r->bad_debt().totals(a).accrued : Quantity{}, dec);
  }
  if (metric == "treasury") {
    Quantity q{};
    if (r != nullptr) {
      if (auto it = r->treasury().find(a); it != r->treasury().end()) q = it->second;
    }
    return MetricValue::quantity(q, dec);
  }
  return std::nullopt;
}

MetricValue metric_value(const Engine& engine, const Expectation& e, std::size_t applied,
                         std::size_t rejected, const Resolver* resolver) {
  const State& s = engine.state();
  switch (e.scope) {
    case MetricScope::Venue: {
      if (e.metric == "applied_events") return MetricValue::count(applied);
      if (e.metric == "rejected_events") return MetricValue::count(rejected);
      if (std::optional<MetricValue> v = resolution_venue_value(resolver, e.metric)) return *v;
      const std::vector<AccountRisk> risks = all_risks(engine);
      return pick(venue_values(aggregate(s, engine.cache()), risks), e);
    }
    case MetricScope::Asset: {
      const VenueAggregate v = aggregate(s, engine.cache());
      if (std::optional<MetricValue> rv =
              resolution_asset_value(resolver, s, e.symbol_id, e.metric)) {
        return *rv;
      }
      for (const AssetAggregate& a : v.assets) {
        if (a.asset == e.symbol_id) return pick(asset_values(s, a), e);
      }
      return null_of(e);
    }
    case MetricScope::Market: {
      const VenueAggregate v = aggregate(s, engine.cache());
      for (const MarketAggregate& m : v.markets) {
        if (m.market == e.symbol_id) return pick(market_values(s, m), e);
      }
      return null_of(e);
    }
    case MetricScope::Account: {
      const AccountRisk r = engine.risk(*e.account_id);
      std::vector<NamedValue> values = account_metric_values(r);
      for (NamedValue& f : account_flag_values(r)) values.push_back(std::move(f));
      return pick(values, e);
    }
    case MetricScope::Driver: {
      const DriverKind kind = e.symbol_is_market ? DriverKind::Market : DriverKind::Asset;
      for (const DriverRisk& d : driver_risks(engine.cache(), s.accounts.at(*e.account_id))) {
        if (d.kind == kind && d.id == e.symbol_id) return pick(driver_values(d), e);
      }
      return null_of(e);
    }
    case MetricScope::Balance:
      return pick(balance_values(s, s.accounts.at(*e.account_id), e.symbol_id), e);
    case MetricScope::Position:
      return pick(position_values(s, s.accounts.at(*e.account_id), e.symbol_id), e);
  }
  return null_of(e);
}

bool check_expectation(const Expectation& e, const MetricValue& actual) {
  if (e.op == ExpectOp::Equals && e.expected.null) return actual.null;
  if (actual.null) return false;
  if (actual.type == MetricType::Bool)
    return e.op == ExpectOp::Equals && actual.flag == e.expected.flag;
  if (actual.type == MetricType::Text)
    return e.op == ExpectOp::Equals && actual.text == e.expected.text;
  // Numbers: compare exactly on a common scale.
  const int dec = std::max(actual.decimals, e.decimals);
  const int128 a = rescale(actual.raw, actual.decimals, dec);
  auto exp = [&](int64_t raw) { return rescale(raw, e.decimals, dec); };
  switch (e.op) {
    case ExpectOp::Equals:
      return a == exp(e.expected.raw);
    case ExpectOp::Approx: {
      const int128 diff = a - exp(e.expected.raw);
      return (diff < 0 ? -diff : diff) <= exp(e.tolerance);
    }
    case ExpectOp::Range:
      return (!e.min || a >= exp(*e.min)) && (!e.max || a <= exp(*e.max));
  }
  return false;
}

RunResult run_scenario(Scenario s) {
  RunResult r;
  r.file = std::move(s.file);
  r.name = std::move(s.name);
  r.description = std::move(s.description);
  r.preset = std::move(s.preset);
  r.expectations = std::move(s.expectations);
  r.results.resize(r.expectations.size());
  r.events_total = s.events.size();
  r.engine = std::make_unique<Engine>(std::move(s.initial));
  if (s.resolution) r.resolver = std::make_unique<Resolver>(*r.engine, std::move(*s.resolution));

  // Expectations in checking order: by time (none = after the last event), then file order.
  std::vector<std::size_t> order(r.expectations.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& ta = r.expectations[a].t;
    const auto& tb = r.expectations[b].t;
    if (ta.has_value() != tb.has_value()) return ta.has_value();
    return ta && *ta < *tb;
  });
  std::size_t next = 0;
  auto check_before = [&](const Timestamp* event_time) {
    while (next < order.size()) {
      const Expectation& e = r.expectations[order[next]];
      if (event_time != nullptr && (!e.t || *e.t >= *event_time)) break;
      ExpectationResult& res = r.results[order[next]];
      res.evaluated_at = r.engine->state().now;
      res.actual =
          metric_value(*r.engine, e, r.events_applied, r.rejections.size(), r.resolver.get());
      res.passed = check_expectation(e, res.actual);
      ++next;
    }
  };

  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const Event& ev = s.events[i];
    check_before(&ev.time);
    const Outcome out = r.resolver ? r.resolver->apply(ev) : r.engine->apply(ev);
    if (out.ok()) {
      ++r.events_applied;
    } else {
      r.rejections.push_back(Rejection{i, ev.time, ev.origin, std::string(event_kind(ev.body)),
                                       std::string(reject_code(out.code)), out.reason});
    }
  }
  check_before(nullptr);
  return r;
}

}  // namespace backstop
