#include <fmt/format.h>

#include <algorithm>

#include "backstop/report/json.h"
#include "backstop/report/simulation.h"

namespace backstop {
namespace {

using nlohmann::ordered_json;
using sim::SimResult;
using sim::TailStats;

std::string level_key(Ratio l) {
  // 0.95 -> "95", 0.995 -> "99.5"
  return format_decimal(static_cast<int128>(l.raw()) * 100, 9);
}

ordered_json tail_json(const TailStats& t, const std::vector<Ratio>& levels) {
  ordered_json o;
  o["mean"] = format(t.mean);
  o["max"] = format(t.max);
  ordered_json var = ordered_json::object();
  ordered_json es = ordered_json::object();
  for (std::size_t i = 0; i < levels.size() && i < t.var.size(); ++i) {
    var[level_key(levels[i])] = format(t.var[i]);
    es[level_key(levels[i])] = format(t.es[i]);
  }
  o["var"] = var;
  o["es"] = es;
  return o;
}

const char* status_name(sim::BisectStatus s) {
  switch (s) {
    case sim::BisectStatus::Found:
      return "found";
    case sim::BisectStatus::NoneInRange:
      return "none_in_range";
    case sim::BisectStatus::NonMonotone:
      return "non_monotone";
  }
  return "?";
}

}  // namespace

ordered_json simulation_to_json(const SimResult& r) {
  ordered_json o;
  o["schema"] = kSimulateSchema;
  o["name"] = r.name;
  o["file"] = r.file;
  o["description"] = r.description;
  o["source"] = r.source;
  o["paths"] = r.paths;
  o["steps"] = r.steps;
  o["horizon_s"] = r.horizon_s;
  o["seed"] = std::to_string(r.seed);
  o["accounts"] = r.accounts;
  o["generated"] = {{"accounts", r.generated.accounts},
                    {"collateral", format(r.generated.collateral)},
                    {"debt", format(r.generated.debt)},
                    {"notional", format(r.generated.notional)}};
  ordered_json drivers = ordered_json::array();
  for (std::size_t i = 0; i < r.drivers.size(); ++i) {
    drivers.push_back({{"symbol", r.drivers[i]}, {"initial_price", format(r.initial_prices[i])}});
  }
  o["drivers"] = drivers;
  ordered_json levels = ordered_json::array();
  for (const Ratio l : r.levels) levels.push_back(format(l));
  o["levels"] = levels;
  o["bad_debt"] = tail_json(r.bad_debt, r.levels);
  o["uncovered"] = tail_json(r.uncovered, r.levels);
  o["loss"] = tail_json(r.loss, r.levels);
  o["liquidated"] = tail_json(r.liquidated, r.levels);
  o["insurance_fund"] = {{"start", format(r.fund_start)},
                         {"exhaustion_probability", format(r.fund_exhaustion)},
                         {"shortfall", tail_json(r.fund_shortfall, r.levels)}};
  o["failed_paths"] = r.failed_paths;
  o["cascade"] = {{"max_waves", r.max_waves}, {"liquidations_by_wave", r.wave_liquidations}};
  ordered_json curve = ordered_json::array();
  for (const sim::CurveSeries& c : r.curve) {
    ordered_json pts = ordered_json::array();
    for (const sim::CurvePoint& p : c.points) {
      pts.push_back({{"move", format(Ratio::from_raw(p.move))},
                     {"accounts", p.accounts},
                     {"collateral", format(p.collateral)},
                     {"debt", format(p.debt)},
                     {"notional", format(p.notional)}});
    }
    curve.push_back({{"driver", c.driver}, {"points", pts}});
  }
  o["liquidation_curve"] = curve;
  if (r.sizing) {
    const sim::SizingResult& s = *r.sizing;
    o["insurance_sizing"] = {
        {"status", status_name(s.status)},
        {"target", format(s.target)},
        {"balance", s.status == sim::BisectStatus::Found ? ordered_json(format(s.balance_usd))
                                                         : ordered_json()},
        {"balance_quanta", std::to_string(s.balance.raw())},
        {"sample_probability", format(s.sample_probability)},
        {"verified_probability",
         s.verified_probability ? ordered_json(format(*s.verified_probability)) : ordered_json()},
        {"configured_quanta", std::to_string(s.configured.raw())}};
  } else {
    o["insurance_sizing"] = nullptr;
  }
  if (r.ceiling) {
    const sim::CeilingResult& c = *r.ceiling;
    ordered_json ev = ordered_json::array();
    for (const sim::CeilingEvaluation& e : c.evaluations) {
      ev.push_back(
          {{"ceiling", format(e.ceiling)}, {"tail", format(e.tail)}, {"passes", e.passes}});
    }
    o["debt_ceiling"] = {{"status", status_name(c.status)},
                         {"ceiling", c.ceiling ? ordered_json(format(*c.ceiling)) : ordered_json()},
                         {"base", format(c.base)},
                         {"budget", format(c.budget)},
                         {"level", format(c.level)},
                         {"metric", c.expected_shortfall ? "es" : "var"},
                         {"evaluations", ev}};
  } else {
    o["debt_ceiling"] = nullptr;
  }
  if (r.sweep) {
    ordered_json axes = ordered_json::array();
    for (const sim::SweepAxis& a : r.sweep->axes)
      axes.push_back({{"key", a.key}, {"values", a.values}});
    ordered_json pts = ordered_json::array();
    for (const sim::SweepPoint& p : r.sweep->points) {
      ordered_json m = ordered_json::object();
      for (const auto& [k, v] : p.metrics) m[k] = v;
      pts.push_back({{"values", p.values},
                     {"metrics", m},
                     {"error", p.error ? ordered_json(*p.error) : ordered_json()}});
    }
    o["sweep"] = {{"metric", r.sweep->metric}, {"axes", axes}, {"points", pts}};
  } else {
    o["sweep"] = nullptr;
  }
  ordered_json paths = ordered_json::array();
  for (const sim::PathResult& p : r.path_results) {
    ordered_json fp = ordered_json::array();
    for (const Price x : p.final_prices) fp.push_back(format(x));
    ordered_json mp = ordered_json::array();
    for (const Price x : p.min_prices) mp.push_back(format(x));
    paths.push_back({{"index", p.index},
                     {"label", p.label},
                     {"bad_debt", format(p.bad_debt)},
                     {"uncovered", format(p.uncovered)},
                     {"latent", format(p.latent)},
                     {"loss", format(p.loss)},
                     {"liquidated", format(p.liquidated)},
                     {"liquidations", p.liquidations},
                     {"accounts_liquidated", p.accounts_liquidated},
                     {"declined", p.declined},
                     {"insurance_paid", format(p.insurance_paid)},
                     {"socialized", format(p.socialized)},
                     {"slashed", format(p.slashed)},
                     {"adl_fills", p.adl_fills},
                     {"adl_notional", format(p.adl_notional)},
                     {"fund_min", format(p.fund_min)},
                     {"fund_end", format(p.fund_end)},
                     {"fund_exhausted", p.fund_exhausted},
                     {"waves", p.waves},
                     {"max_waves", p.max_waves},
                     {"rejected_prices", p.rejected_prices},
                     {"final_prices", fp},
                     {"min_prices", mp},
                     {"state_hash", hash_hex(p.state_hash)},
                     {"error", p.error.empty() ? ordered_json() : ordered_json(p.error)},
                     {"error_step", p.error_step}});
  }
  o["path_results"] = paths;
  o["digest"] = hash_hex(r.digest);
  return o;
}

std::string simulation_json_text(const SimResult& r) {
  return simulation_to_json(r).dump(2) + "\n";
}

std::string simulation_paths_csv(const SimResult& r) {
  std::string s =
      "path,label,bad_debt,uncovered,latent,loss,liquidated,liquidations,declined,insurance_paid,"
      "socialized,slashed,adl_fills,adl_notional,fund_min,fund_end,fund_exhausted,waves,max_waves,"
      "rejected_prices,error\n";
  for (const sim::PathResult& p : r.path_results) {
    std::string err = p.error;
    std::replace(err.begin(), err.end(), '"', '\'');
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},\"{}\"\n",
                     p.index, p.label, format(p.bad_debt), format(p.uncovered), format(p.latent),
                     format(p.loss), format(p.liquidated), p.liquidations, p.declined,
                     format(p.insurance_paid), format(p.socialized), format(p.slashed), p.adl_fills,
                     format(p.adl_notional), format(p.fund_min), format(p.fund_end),
                     p.fund_exhausted ? "true" : "false", p.waves, p.max_waves, p.rejected_prices,
                     err);
  }
  return s;
}

std::string simulation_series_csv(const SimResult& r) {
  std::string s = "path,step,time,fund,bad_debt,liquidated,price\n";
  for (const sim::PathResult& p : r.path_results) {
    for (const sim::SeriesPoint& x : p.series) {
      s += fmt::format("{},{},{},{},{},{},{}\n", p.index, x.step, x.time, format(x.fund),
                       format(x.bad_debt), format(x.liquidated), format(x.price));
    }
  }
  return s;
}

std::string simulation_text(const SimResult& r) {
  std::string s = fmt::format("{}: {} {} path(s) x {} step(s), horizon {} s, {} accounts\n", r.name,
                              r.source, r.paths, r.steps, r.horizon_s, r.accounts);
  const std::string lvl = r.levels.empty() ? "" : level_key(r.levels.back());
  auto last = [](const std::vector<Value>& v) { return v.empty() ? Value{} : v.back(); };
  s += fmt::format("  bad debt      mean {}  VaR{} {}  ES{} {}  max {}\n", format(r.bad_debt.mean),
                   lvl, format(last(r.bad_debt.var)), lvl, format(last(r.bad_debt.es)),
                   format(r.bad_debt.max));
  s +=
      fmt::format("  loss          mean {}  VaR{} {}  ES{} {}  (bad debt + latent at the end)\n",
                  format(r.loss.mean), lvl, format(last(r.loss.var)), lvl, format(last(r.loss.es)));
  s += fmt::format("  liquidated    mean {}  LaR{} {}\n", format(r.liquidated.mean), lvl,
                   format(last(r.liquidated.var)));
  s += fmt::format("  insurance     start {}  P(exhausted) {}\n", format(r.fund_start),
                   format(r.fund_exhaustion));
  s += fmt::format("  cascades      most waves in a step {}\n", r.max_waves);
  if (r.sizing && r.sizing->status == sim::BisectStatus::Found) {
    s += fmt::format("  fund sizing   {} for P(exhausted) <= {}\n", format(r.sizing->balance_usd),
                     format(r.sizing->target));
  }
  if (r.ceiling) {
    std::string answer = "none in range passes";
    if (r.ceiling->status == sim::BisectStatus::NonMonotone) {
      answer = "no answer: the tail loss is not monotone in the ceiling (see evaluations)";
    } else if (r.ceiling->ceiling) {
      answer = format(*r.ceiling->ceiling);
    }
    s += fmt::format("  debt ceiling  {}\n", answer);
  }
  if (r.failed_paths > 0) {
    s += fmt::format(
        "  WARNING       {} path(s) stopped early on an arithmetic range error (see "
        "path_results[].error)\n",
        r.failed_paths);
  }
  s += fmt::format("  digest        {}\n", hash_hex(r.digest));
  return s;
}

}  // namespace backstop
