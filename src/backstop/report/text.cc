#include "backstop/report/text.h"

#include <fmt/format.h>

#include <algorithm>

#include "backstop/margin/rebalance.h"
#include "backstop/report/json.h"

namespace backstop {

namespace {

// A plain text table: first row is the header; the first column is left-aligned, the others
// right-aligned (numbers).
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] bool empty() const { return rows_.size() == 1; }

  void write(std::string& out, std::string_view indent = "  ") const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      if (width.size() < row.size()) width.resize(row.size(), 0);
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows_) {
      std::string line(indent);
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i > 0) line += "  ";
        const std::size_t pad = width[i] - row[i].size();
        if (i == 0) {
          line += row[i];
          line.append(pad, ' ');
        } else {
          line.append(pad, ' ');
          line += row[i];
        }
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string opt(const std::optional<Ratio>& r) {
  return r ? format(*r) : "-";
}
std::string opt(const std::optional<Price>& p) {
  return p ? format(*p) : "-";
}

std::string value_of(const std::vector<NamedValue>& values, std::string_view name) {
  for (const NamedValue& nv : values) {
    if (nv.name == name) return nv.value.null ? "-" : nv.value.str();
  }
  return "-";
}

void accounts_section(std::string& out, const Engine& engine, std::vector<AccountRisk>& risks) {
  const State& s = engine.state();
  Table t({"account", "mode", "collateral", "debt", "equity", "wc_maint", "maint_req", "free_coll",
           "health", "status"});
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    const auto id = static_cast<AccountId>(i);
    const AccountRisk r = engine.risk(id);
    risks.push_back(r);
    const MarginAccount& a = s.accounts[i];
    std::string mode = a.mode == MarginMode::Cross ? "cross" : "isolated";
    if (a.isolated_market) mode += " " + s.perp_params.at(*a.isolated_market).symbol;
    std::string status = !r.prices_usable ? "STALE" : r.liquidatable ? "LIQUIDATABLE" : "ok";
    if (r.equity.is_negative()) status += " underwater";
    t.add({s.account_name(id), mode, format(r.collateral_value), format(r.total_debt),
           format(r.equity), format(r.weighted_collateral_maint), format(r.maint_requirement),
           format(r.free_collateral), opt(r.health_factor), status});
  }
  out += "Accounts (USD)\n";
  if (t.empty()) {
    out += "  (none)\n";
  } else {
    t.write(out);
  }
}

void holdings_section(std::string& out, const State& s) {
  Table t({"account", "holding", "amount", "quote", "entry_price"});
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    const MarginAccount& a = s.accounts[i];
    const std::string name = s.account_name(static_cast<AccountId>(i));
    for (const TokenBalance& b : a.balances) {
      if (b.scaled == 0) continue;
      const AssetParams& p = s.asset_params.at(b.asset);
      t.add({name, p.symbol, format(balance_amount(s, a, b.asset), p.decimals), "", ""});
    }
    for (const PerpPosition& p : a.positions) {
      const PerpParams& pp = s.perp_params.at(p.market);
      t.add({name, pp.symbol, format(p.size, pp.base_decimals),
             format(p.quote, s.asset_params.at(pp.quote).decimals), opt(entry_price(s, p))});
    }
  }
  if (t.empty()) return;
  out += "\nBalances and positions\n";
  t.write(out);
}

void drivers_section(std::string& out, const Engine& engine) {
  const State& s = engine.state();
  Table t({"account", "driver", "price", "liq_price", "distance", "method", "dD/E/dp"});
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    for (const DriverRisk& d : driver_risks(engine.cache(), s.accounts[i])) {
      std::string liq = opt(d.liquidation_price);
      if (d.already_liquidatable) liq = "already";
      t.add({s.account_name(static_cast<AccountId>(i)),
             fmt::format("{} {}", driver_kind_name(d.kind), driver_symbol(s, d)), format(d.current),
             liq, opt(d.distance), std::string(solve_method_name(d.method)),
             d.dte_delta ? fmt::format("{:.6g}", *d.dte_delta) : "-"});
    }
  }
  if (t.empty()) return;
  out += "\nLiquidation prices (other prices held fixed)\n";
  t.write(out);
}

// Accounts below health 1: the smallest single repay, deposit or close-at-mark that restores it
// (margin/rebalance.h; the same advice as the JSON "rebalance" object).
void rebalance_section(std::string& out, const Engine& engine,
                       const std::vector<AccountRisk>& risks) {
  const State& s = engine.state();
  const MarginCache& c = engine.cache();
  Table t({"account", "action", "of", "amount"});
  auto amount = [](const std::optional<Quantity>& q, int decimals) {
    return q ? format(*q, decimals) : std::string("not enough");
  };
  for (std::size_t i = 0; i < s.accounts.size() && i < risks.size(); ++i) {
    if (!risks[i].excess_maint.is_negative()) continue;
    const MarginAccount& a = s.accounts[i];
    const std::string name = s.account_name(static_cast<AccountId>(i));
    for (const TokenBalance& b : a.balances) {
      const AssetParams& p = s.asset_params.at(b.asset);
      if (b.scaled < 0) {
        t.add({name, "repay", p.symbol,
               amount(minimal_repay(c, a, b.asset, ratio_one()), p.decimals)});
      } else if (b.scaled > 0 && p.weight_maint.is_positive()) {
        t.add({name, "deposit", p.symbol,
               amount(minimal_top_up(c, a, b.asset, ratio_one()), p.decimals)});
      }
    }
    for (const PerpPosition& p : a.positions) {
      if (p.size.is_zero()) continue;
      const PerpParams& pp = s.perp_params.at(p.market);
      t.add({name, "reduce", pp.symbol,
             amount(minimal_reduction(c, a, p.market, ratio_one()), pp.base_decimals)});
    }
  }
  if (t.empty()) return;
  out += "\nBack to health 1 (smallest single action, all else unchanged)\n";
  t.write(out);
}

void aggregates_section(std::string& out, const State& s, const VenueAggregate& v,
                        const std::vector<AccountRisk>& risks) {
  if (!v.assets.empty()) {
    Table t({"asset", "price", "supply", "borrow", "util", "borrow_rate", "supply_rate",
             "supply_cap", "borrow_cap", "debt_ceil", "iso_ceil"});
    for (const AssetAggregate& a : v.assets) {
      const auto vals = asset_values(s, a);
      t.add({s.asset_params.at(a.asset).symbol, value_of(vals, "price"),
             value_of(vals, "total_supply"), value_of(vals, "total_borrow"),
             value_of(vals, "utilization"), value_of(vals, "borrow_rate"),
             value_of(vals, "supply_rate"), value_of(vals, "supply_cap_utilization"),
             value_of(vals, "borrow_cap_utilization"), value_of(vals, "debt_ceiling_utilization"),
             value_of(vals, "isolation_ceiling_utilization")});
    }
    out += "\nAssets (caps and ceilings as fractions used)\n";
    t.write(out);
  }
  if (!v.markets.empty()) {
    Table t({"market", "mark", "oracle", "funding_index", "long_oi", "short_oi", "oi_notional",
             "oi_cap"});
    for (const MarketAggregate& m : v.markets) {
      const auto vals = market_values(s, m);
      t.add({s.perp_params.at(m.market).symbol, value_of(vals, "mark"), value_of(vals, "oracle"),
             value_of(vals, "funding_index"), value_of(vals, "long_oi"), value_of(vals, "short_oi"),
             value_of(vals, "oi_notional"), value_of(vals, "oi_cap_utilization")});
    }
    out += "\nMarkets\n";
    t.write(out);
  }
  out += "\nVenue\n";
  Table t({"metric", "value"});
  for (const NamedValue& nv : venue_values(v, risks)) {
    t.add({std::string(nv.name), nv.value.null ? "-" : nv.value.str()});
  }
  t.write(out);
}

void rejections_section(std::string& out, const RunResult& r) {
  out += fmt::format("\nRejected events: {}\n", r.rejections.size());
  for (const Rejection& x : r.rejections) {
    out += fmt::format("  #{} t={} {} {}: {}: {}\n", x.index, x.time, x.origin, x.type, x.code,
                       x.reason);
  }
}

void expectations_section(std::string& out, const RunResult& r) {
  if (r.expectations.empty()) return;
  const std::size_t failed = r.failed_expectations();
  out +=
      fmt::format("\nExpectations: {} passed, {} failed\n", r.expectations.size() - failed, failed);
  for (std::size_t i = 0; i < r.expectations.size(); ++i) {
    const Expectation& e = r.expectations[i];
    const ExpectationResult& res = r.results[i];
    std::string subject = e.account;
    if (!e.symbol.empty()) subject += (subject.empty() ? "" : " ") + e.symbol;
    if (subject.empty()) subject = "venue";
    const std::string when = e.t ? fmt::format("t={}", *e.t) : std::string("end");
    const char* op = e.op == ExpectOp::Equals   ? "= "
                     : e.op == ExpectOp::Approx ? "~ "
                     : (e.min && e.max)         ? "in "
                                                : "";
    out += fmt::format("  {} {} {} {} {} {}{}", res.passed ? "PASS" : "FAIL", e.origin, when,
                       subject, e.metric, op, e.expected_text());
    out += res.passed ? "\n" : fmt::format("  (actual {})\n", res.actual.str());
  }
}

void resolution_section(std::string& out, const RunResult& r) {
  if (!r.resolver) return;
  const Resolver& res = *r.resolver;
  const State& s = res.engine().state();
  const ResolutionTotals& t = res.totals();
  out += fmt::format(
      "\nResolution: {} liquidations ({} declined), {} ADL fills, liquidated ${}, bad debt ${}\n",
      t.liquidations, t.declined, t.adl_fills, format(t.liquidated_value), format(t.bad_debt));
  for (const ResolutionRecord& rec : res.records()) {
    std::string line = fmt::format("  t={} {}", rec.time, rec.kind);
    if (rec.account) line += " " + s.account_name(*rec.account);
    for (const auto& [k, v] : rec.fields) line += fmt::format(" {}={}", k, v.str());
    out += line + "\n";
  }
  for (const auto& [a, f] : res.config().insurance) {
    out += fmt::format("  insurance fund {}: {}\n", s.asset_params[a].symbol,
                       format(f.balance, s.asset_params[a].decimals));
  }
  for (AssetId a : res.bad_debt().assets()) {
    const DeficitTotals d = res.bad_debt().totals(a);
    const int dec = s.asset_params[a].decimals;
    out += fmt::format("  deficit {}: accrued {} covered {} outstanding {}\n",
                       s.asset_params[a].symbol, format(d.accrued, dec), format(d.covered, dec),
                       format(d.outstanding, dec));
  }
}

}  // namespace

std::string run_to_text(const RunResult& r) {
  const Engine& engine = *r.engine;
  const State& s = engine.state();
  std::string out;
  out += fmt::format("== {} ({}) ==\n", r.name, r.file);
  if (!r.description.empty()) out += r.description + "\n";
  out += fmt::format("preset: {}  final time: {}  events: {} ({} applied, {} rejected)\n",
                     r.preset.empty() ? "none" : r.preset, s.now, r.events_total, r.events_applied,
                     r.rejections.size());
  out += fmt::format("state hash: {}\n\n", hash_hex(engine.state_hash()));

  std::vector<AccountRisk> risks;
  accounts_section(out, engine, risks);
  holdings_section(out, s);
  drivers_section(out, engine);
  rebalance_section(out, engine, risks);
  aggregates_section(out, s, aggregate(s, engine.cache()), risks);
  rejections_section(out, r);
  resolution_section(out, r);
  expectations_section(out, r);
  return out;
}

}  // namespace backstop
