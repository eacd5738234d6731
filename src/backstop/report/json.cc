#include "backstop/report/json.h"

#include <fmt/format.h>

#include "backstop/margin/rebalance.h"

namespace backstop {

using nlohmann::ordered_json;

std::string hash_hex(uint64_t h) {
  return fmt::format("{:016x}", h);
}

namespace {

ordered_json to_json(const MetricValue& v) {
  if (v.null) return nullptr;
  switch (v.type) {
    case MetricType::Bool:
      return v.flag;
    case MetricType::Text:
      return v.text;
    case MetricType::Count:
      return v.raw;
    default:
      return format_decimal(v.raw, v.decimals);
  }
}

void put(ordered_json& obj, const std::vector<NamedValue>& values) {
  for (const NamedValue& nv : values) obj[std::string(nv.name)] = to_json(nv.value);
}

ordered_json nullable(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(s);
}

// For an account below health 1 (liquidatable, or would be on fresh prices): the smallest single
// repay, top-up or reduction that brings it back to health 1 (margin/rebalance.h). null otherwise.
ordered_json rebalance_json(const State& s, const MarginCache& cache, const MarginAccount& a,
                            const AccountRisk& risk) {
  if (!risk.excess_maint.is_negative()) return nullptr;
  const Ratio target = ratio_one();
  ordered_json repay = ordered_json::array();
  ordered_json top_up = ordered_json::array();
  ordered_json reduce = ordered_json::array();
  for (const TokenBalance& b : a.balances) {
    if (b.scaled >= 0) continue;
    const AssetParams& p = s.asset_params.at(b.asset);
    const auto x = minimal_repay(cache, a, b.asset, target);
    repay.push_back({{"asset", p.symbol},
                     {"amount", x ? ordered_json(format(*x, p.decimals)) : ordered_json()}});
  }
  for (std::size_t i = 0; i < s.asset_params.size(); ++i) {
    const auto id = static_cast<AssetId>(i);
    const AssetParams& p = s.asset_params[i];
    if (!p.weight_maint.is_positive()) continue;
    const TokenBalance* held = a.balance(id);
    if (held == nullptr || held->scaled <= 0) continue;  // top up what the account already holds
    const auto x = minimal_top_up(cache, a, id, target);
    top_up.push_back({{"asset", p.symbol},
                      {"amount", x ? ordered_json(format(*x, p.decimals)) : ordered_json()}});
  }
  for (const PerpPosition& p : a.positions) {
    if (p.size.is_zero()) continue;
    const PerpParams& pp = s.perp_params.at(p.market);
    const auto x = minimal_reduction(cache, a, p.market, target);
    reduce.push_back({{"market", pp.symbol},
                      {"size", x ? ordered_json(format(*x, pp.base_decimals)) : ordered_json()}});
  }
  return {{"target_health", format(target)},
          {"repay", std::move(repay)},
          {"top_up", std::move(top_up)},
          {"reduce", std::move(reduce)}};
}

ordered_json account_json(const State& s, const MarginCache& cache, AccountId id,
                          const AccountRisk& risk) {
  const MarginAccount& a = s.accounts.at(id);
  ordered_json j = ordered_json::object();
  j["id"] = s.account_name(id);
  j["owner"] = s.owners.at(a.owner).name;
  j["sub"] = a.sub;
  j["mode"] = a.mode == MarginMode::Cross ? "cross" : "isolated";
  j["isolated_market"] = a.isolated_market
                             ? ordered_json(s.perp_params.at(*a.isolated_market).symbol)
                             : ordered_json(nullptr);
  put(j, account_flag_values(risk));
  ordered_json metrics = ordered_json::object();
  put(metrics, account_metric_values(risk));
  j["metrics"] = std::move(metrics);

  ordered_json balances = ordered_json::array();
  for (const TokenBalance& b : a.balances) {
    if (b.scaled == 0) continue;
    balances.push_back(
        {{"asset", s.asset_params.at(b.asset).symbol},
         {"amount", format(balance_amount(s, a, b.asset), s.asset_params.at(b.asset).decimals)}});
  }
  j["balances"] = std::move(balances);

  ordered_json positions = ordered_json::array();
  for (const PerpPosition& p : a.positions) {
    const PerpParams& pp = s.perp_params.at(p.market);
    const std::optional<Price> entry = entry_price(s, p);
    positions.push_back({{"market", pp.symbol},
                         {"size", format(p.size, pp.base_decimals)},
                         {"quote", format(p.quote, s.asset_params.at(pp.quote).decimals)},
                         {"entry_price", entry ? ordered_json(format(*entry)) : ordered_json()}});
  }
  j["positions"] = std::move(positions);

  ordered_json drivers = ordered_json::array();
  for (const DriverRisk& d : driver_risks(cache, a)) {
    ordered_json dj = ordered_json::object();
    dj["kind"] = driver_kind_name(d.kind);
    dj["symbol"] = driver_symbol(s, d);
    put(dj, driver_values(d));
    dj["dte_delta"] = d.dte_delta ? ordered_json(*d.dte_delta) : ordered_json(nullptr);
    drivers.push_back(std::move(dj));
  }
  j["drivers"] = std::move(drivers);
  j["rebalance"] = rebalance_json(s, cache, a, risk);
  return j;
}

ordered_json expectation_json(const Expectation& e, const ExpectationResult& r) {
  ordered_json j = ordered_json::object();
  j["origin"] = e.origin;
  j["t"] = e.t ? ordered_json(*e.t) : ordered_json(nullptr);
  j["evaluated_at"] = r.evaluated_at;
  j["account"] = nullable(e.account);
  j["asset"] = e.scope == MetricScope::Asset || e.scope == MetricScope::Balance
                   ? ordered_json(e.symbol)
                   : ordered_json(nullptr);
  j["market"] = e.scope == MetricScope::Market || e.scope == MetricScope::Position
                    ? ordered_json(e.symbol)
                    : ordered_json(nullptr);
  j["driver"] = e.scope == MetricScope::Driver ? ordered_json(e.symbol) : ordered_json(nullptr);
  j["metric"] = e.metric;
  j["op"] = e.op == ExpectOp::Equals ? "equals" : e.op == ExpectOp::Approx ? "approx" : "range";
  j["expected"] = e.expected_text();
  j["actual"] = r.actual.str();
  j["passed"] = r.passed;
  return j;
}

}  // namespace

// The resolution layer's results (docs/json-output.md, "resolution").
ordered_json resolution_json(const Resolver& res) {
  const State& s = res.engine().state();
  auto sym = [&](AssetId a) { return s.asset_params.at(a).symbol; };
  auto qty = [&](AssetId a, Quantity q) { return format(q, s.asset_params.at(a).decimals); };
  ordered_json j = ordered_json::object();
  const ResolutionTotals& t = res.totals();
  j["totals"] = {{"liquidations", t.liquidations},
                 {"declined_liquidations", t.declined},
                 {"adl_fills", t.adl_fills},
                 {"liquidated_value", format(t.liquidated_value)},
                 {"bad_debt", format(t.bad_debt)}};
  ordered_json log = ordered_json::array();
  for (const ResolutionRecord& rec : res.records()) {
    ordered_json x = {{"time", rec.time},
                      {"kind", rec.kind},
                      {"account", rec.account ? ordered_json(s.account_name(*rec.account))
                                              : ordered_json(nullptr)}};
    for (const auto& [k, v] : rec.fields) x[k] = v.str();
    log.push_back(std::move(x));
  }
  j["log"] = std::move(log);
  ordered_json funds = ordered_json::array();
  for (const auto& [a, f] : res.config().insurance) {
    funds.push_back({{"asset", sym(a)},
                     {"balance", qty(a, f.balance)},
                     {"min_balance", qty(a, f.min_balance)}});
  }
  j["insurance_funds"] = std::move(funds);
  ordered_json tranches = ordered_json::array();
  for (const auto& [a, tr] : res.config().tranche) {
    tranches.push_back({{"asset", sym(a)}, {"staked", qty(a, tr.staked)}});
  }
  j["tranches"] = std::move(tranches);
  ordered_json treasury = ordered_json::array();
  for (const auto& [a, q] : res.treasury())
    treasury.push_back({{"asset", sym(a)}, {"balance", qty(a, q)}});
  j["treasury"] = std::move(treasury);
  ordered_json deficits = ordered_json::array();
  for (AssetId a : res.bad_debt().assets()) {
    const DeficitTotals d = res.bad_debt().totals(a);
    deficits.push_back({{"asset", sym(a)},
                        {"accrued", qty(a, d.accrued)},
                        {"covered", qty(a, d.covered)},
                        {"outstanding", qty(a, d.outstanding)},
                        {"accrued_value", format(d.accrued_value)},
                        {"covered_value", format(d.covered_value)}});
  }
  j["deficits"] = std::move(deficits);
  ordered_json series = ordered_json::array();
  for (const DeficitPoint& p : res.bad_debt().history()) {
    series.push_back({{"time", p.time},
                      {"asset", sym(p.asset)},
                      {"event", p.kind == DeficitPoint::Kind::Booked ? "booked" : "covered"},
                      {"amount", qty(p.asset, p.qty)},
                      {"accrued", qty(p.asset, p.accrued)},
                      {"covered", qty(p.asset, p.covered)},
                      {"outstanding", qty(p.asset, p.outstanding)}});
  }
  j["bad_debt_series"] = std::move(series);
  j["journal_entries"] = res.journal().size();
  return j;
}

ordered_json run_to_json(const RunResult& r) {
  const Engine& engine = *r.engine;
  const State& s = engine.state();
  const MarginCache& cache = engine.cache();

  ordered_json j = ordered_json::object();
  j["schema"] = kRunSchema;
  j["scenario"] = {{"file", r.file},
                   {"name", r.name},
                   {"description", r.description},
                   {"preset", nullable(r.preset)}};
  j["final_time"] = s.now;
  j["state_hash"] = hash_hex(engine.state_hash());
  j["events"] = {
      {"total", r.events_total}, {"applied", r.events_applied}, {"rejected", r.rejections.size()}};

  ordered_json rejections = ordered_json::array();
  for (const Rejection& x : r.rejections) {
    rejections.push_back({{"index", x.index},
                          {"time", x.time},
                          {"origin", x.origin},
                          {"type", x.type},
                          {"code", x.code},
                          {"reason", x.reason}});
  }
  j["rejections"] = std::move(rejections);

  std::vector<AccountRisk> risks;
  risks.reserve(s.accounts.size());
  ordered_json accounts = ordered_json::array();
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    const auto id = static_cast<AccountId>(i);
    risks.push_back(engine.risk(id));
    accounts.push_back(account_json(s, cache, id, risks.back()));
  }
  j["accounts"] = std::move(accounts);

  const VenueAggregate venue = aggregate(s, cache);
  ordered_json assets = ordered_json::array();
  for (const AssetAggregate& a : venue.assets) {
    ordered_json aj = {{"symbol", s.asset_params.at(a.asset).symbol}};
    put(aj, asset_values(s, a));
    assets.push_back(std::move(aj));
  }
  j["assets"] = std::move(assets);
  ordered_json markets = ordered_json::array();
  for (const MarketAggregate& m : venue.markets) {
    ordered_json mj = {{"symbol", s.perp_params.at(m.market).symbol}};
    put(mj, market_values(s, m));
    markets.push_back(std::move(mj));
  }
  j["markets"] = std::move(markets);
  ordered_json vj = ordered_json::object();
  put(vj, venue_values(venue, risks));
  j["venue"] = std::move(vj);
  if (r.resolver) j["resolution"] = resolution_json(*r.resolver);

  ordered_json expectations = ordered_json::array();
  for (std::size_t i = 0; i < r.expectations.size(); ++i) {
    expectations.push_back(expectation_json(r.expectations[i], r.results[i]));
  }
  j["expectations"] = std::move(expectations);
  j["expectations_failed"] = r.failed_expectations();
  return j;
}

std::string run_to_json_text(const RunResult& r) {
  return run_to_json(r).dump(2) + "\n";
}

}  // namespace backstop
