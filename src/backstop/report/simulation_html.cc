// The HTML report of a simulation: maps a SimResult onto the generic renderer (report/html.h).
// Presentation only: exact values are converted to double here, and every figure shown as text is
// the exact decimal.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "backstop/report/html.h"
#include "backstop/report/json.h"
#include "backstop/report/simulation.h"

namespace backstop {
namespace {

double usd(Value v) {
  return static_cast<double>(v.raw()) / 1e6;
}
double ratio(int64_t raw) {
  return static_cast<double>(raw) / 1e9;
}
double price(Price p) {
  return static_cast<double>(p.raw()) / 1e9;
}

std::string pct(Ratio l) {
  return format_decimal(static_cast<int128>(l.raw()) * 100, 9) + "%";
}

std::string money(Value v) {
  // Thousands separators for the reader; the exact value is in the JSON.
  const int128 raw = v.raw();
  const bool neg = raw < 0;
  const int128 a = neg ? -raw : raw;
  const auto whole = static_cast<uint64_t>(a / 1'000'000);
  const auto cents = static_cast<uint64_t>((a % 1'000'000) / 10'000);
  std::string digits = std::to_string(whole);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return fmt::format("{}${}.{:02d}", neg ? "-" : "", out, cents);
}

html::Histogram loss_histogram(const sim::SimResult& r) {
  html::Histogram h;
  h.title = "Bad debt per path";
  h.x_label = "bad debt (USD)";
  h.y_label = "paths";
  std::vector<double> v;
  for (const sim::PathResult& p : r.path_results) v.push_back(usd(p.bad_debt));
  const double lo = 0;
  double hi = v.empty() ? 1 : *std::max_element(v.begin(), v.end());
  if (hi <= lo) hi = lo + 1;
  const std::size_t bins = std::clamp<std::size_t>(v.size() / 5, 5, 40);
  for (std::size_t i = 0; i <= bins; ++i) {
    h.edges.push_back(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(bins));
  }
  h.counts.assign(bins, 0);
  for (const double x : v) {
    auto b = static_cast<std::size_t>((x - lo) / (hi - lo) * static_cast<double>(bins));
    h.counts[std::min(b, bins - 1)] += 1;
  }
  for (std::size_t i = 0; i < r.levels.size() && i < r.bad_debt.var.size(); ++i) {
    h.markers.emplace_back("VaR " + pct(r.levels[i]), usd(r.bad_debt.var[i]));
  }
  if (!r.bad_debt.es.empty()) {
    h.markers.emplace_back("ES " + pct(r.levels.back()), usd(r.bad_debt.es.back()));
  }
  return h;
}

// Paths to draw: the worst by bad debt, the median, then the first few.
std::vector<std::size_t> shown_paths(const sim::SimResult& r, std::size_t limit) {
  std::vector<std::size_t> idx(r.path_results.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    return r.path_results[a].bad_debt > r.path_results[b].bad_debt;
  });
  std::vector<std::size_t> out;
  auto add = [&](std::size_t i) {
    if (out.size() < limit && std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  };
  if (!idx.empty()) {
    add(idx.front());
    add(idx[idx.size() / 2]);
  }
  for (std::size_t i = 0; i < r.path_results.size(); ++i) add(i);
  return out;
}

html::LineChart path_chart(const sim::SimResult& r, const std::string& title,
                           const std::string& y_label, bool step,
                           double (*get)(const sim::SeriesPoint&)) {
  html::LineChart c;
  c.title = title;
  c.x_label = "hours from start";
  c.y_label = y_label;
  c.step = step;
  for (const std::size_t i : shown_paths(r, 8)) {
    const sim::PathResult& p = r.path_results[i];
    html::Series s;
    s.name = p.label;
    const Timestamp t0 = p.series.empty() ? 0 : p.series.front().time;
    for (const sim::SeriesPoint& x : p.series) {
      s.x.push_back(static_cast<double>(x.time - t0) / 3600.0);
      s.y.push_back(get(x));
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

}  // namespace

std::string simulation_html(const sim::SimResult& r) {
  html::Report rep;
  rep.title = fmt::format("backstop stress simulation: {}", r.name);
  rep.subtitle = r.description;
  const std::string lvl = r.levels.empty() ? "" : pct(r.levels.back());
  auto last = [](const std::vector<Value>& v) { return v.empty() ? Value{} : v.back(); };
  rep.summary = {
      {"source", r.source},
      {"paths x steps", fmt::format("{} x {}", r.paths, r.steps)},
      {"horizon", fmt::format("{:.2f} h", static_cast<double>(r.horizon_s) / 3600.0)},
      {"accounts", std::to_string(r.accounts)},
      {"mean bad debt", money(r.bad_debt.mean)},
      {"VaR " + lvl + " bad debt", money(last(r.bad_debt.var))},
      {"ES " + lvl + " bad debt", money(last(r.bad_debt.es))},
      {"ES " + lvl + " loss incl. latent", money(last(r.loss.es))},
      {"LaR " + lvl, money(last(r.liquidated.var))},
      {"P(insurance fund exhausted)", pct(r.fund_exhaustion)},
      {"most cascade waves in a step", std::to_string(r.max_waves)},
  };
  if (r.sizing && r.sizing->status == sim::BisectStatus::Found) {
    rep.summary.emplace_back("insurance fund needed", money(r.sizing->balance_usd));
  }
  if (r.ceiling) {
    rep.summary.emplace_back(
        "advised debt ceiling",
        r.ceiling->status == sim::BisectStatus::NonMonotone
            ? "not monotone"
            : (r.ceiling->ceiling ? money(*r.ceiling->ceiling) : "none passes"));
  }

  // Losses.
  {
    html::Section s;
    s.title = "Loss distribution";
    s.text = fmt::format(
        "Bad debt is debt written off accounts with nothing left, in USD at the time, over a "
        "horizon of {:.2f} hours. VaR is the lower {} quantile over {} path(s); ES the mean of the "
        "worst tail (Acerbi-Tasche).",
        static_cast<double>(r.horizon_s) / 3600.0, lvl, r.paths);
    if (r.source == "grid") {
      html::LineChart c;
      c.title = "Bad debt by shock size";
      c.x_label = "price move";
      c.y_label = "USD";
      c.x_percent = true;
      html::Series bad{"bad debt", {}, {}};
      html::Series liq{"liquidated", {}, {}};
      for (const sim::PathResult& p : r.path_results) {
        const double move = std::strtod(p.label.c_str(), nullptr) / 100.0;
        bad.x.push_back(move);
        bad.y.push_back(usd(p.bad_debt));
        liq.x.push_back(move);
        liq.y.push_back(usd(p.liquidated));
      }
      c.series = {bad, liq};
      s.items.emplace_back(std::move(c));
    } else if (r.paths > 1) {
      s.items.emplace_back(loss_histogram(r));
    }
    html::Table t;
    t.title = "Tail statistics (USD)";
    t.header = {"quantity", "mean", "max"};
    for (const Ratio l : r.levels) {
      t.header.push_back("VaR " + pct(l));
      t.header.push_back("ES " + pct(l));
    }
    auto row = [&](const std::string& name, const sim::TailStats& ts) {
      std::vector<std::string> cells = {name, money(ts.mean), money(ts.max)};
      for (std::size_t i = 0; i < ts.var.size(); ++i) {
        cells.push_back(money(ts.var[i]));
        cells.push_back(money(ts.es[i]));
      }
      t.rows.push_back(std::move(cells));
    };
    row("bad debt", r.bad_debt);
    row("loss (bad debt + latent)", r.loss);
    row("uncovered deficit", r.uncovered);
    row("liquidated (LaR)", r.liquidated);
    row("insurance fund fall", r.fund_shortfall);
    s.items.emplace_back(std::move(t));
    rep.sections.push_back(std::move(s));
  }
  // Liquidation curve.
  if (!r.curve.empty()) {
    html::Section s;
    s.title = "Liquidation curve";
    s.text =
        "Collateral and debt of the accounts below maintenance when one driver's price moves "
        "alone from the starting book (no liquidation, no cascade).";
    html::LineChart c;
    c.title = "Collateral and debt liquidatable";
    c.x_label = "price move";
    c.y_label = "USD";
    c.x_percent = true;
    for (const sim::CurveSeries& cs : r.curve) {
      html::Series coll{cs.driver + " collateral", {}, {}};
      html::Series debt{cs.driver + " debt + notional", {}, {}};
      for (const sim::CurvePoint& p : cs.points) {
        coll.x.push_back(ratio(p.move));
        coll.y.push_back(usd(p.collateral));
        debt.x.push_back(ratio(p.move));
        debt.y.push_back(usd(p.debt) + usd(p.notional));
      }
      c.series.push_back(std::move(coll));
      c.series.push_back(std::move(debt));
    }
    s.items.emplace_back(std::move(c));
    rep.sections.push_back(std::move(s));
  }
  // Insurance fund, prices.
  if (!r.path_results.empty()) {
    html::Section s;
    s.title = "Insurance fund and prices";
    s.text = "The worst path by bad debt, the median path and the first paths.";
    s.items.emplace_back(path_chart(r, "Insurance fund (USD)", "USD", true,
                                    [](const sim::SeriesPoint& p) { return usd(p.fund); }));
    s.items.emplace_back(path_chart(r, "Cumulative bad debt (USD)", "USD", true,
                                    [](const sim::SeriesPoint& p) { return usd(p.bad_debt); }));
    if (!r.drivers.empty()) {
      s.items.emplace_back(path_chart(r, fmt::format("{} market price", r.drivers.front()), "price",
                                      false,
                                      [](const sim::SeriesPoint& p) { return price(p.price); }));
    }
    rep.sections.push_back(std::move(s));
  }
  // Cascades.
  {
    html::Section s;
    s.title = "Cascade waves";
    s.text =
        "Liquidations on each step's own price move (wave 0) and in each later wave, when "
        "liquidation sales moved the market price and the oracle reported it again; summed "
        "over paths.";
    html::Histogram h;
    h.title = "Liquidations by wave";
    h.x_label = "wave";
    h.y_label = "liquidations";
    for (std::size_t w = 0; w <= r.wave_liquidations.size(); ++w) {
      h.edges.push_back(static_cast<double>(w) - 0.5);
    }
    for (const int64_t n : r.wave_liquidations) h.counts.push_back(static_cast<double>(n));
    s.items.emplace_back(std::move(h));
    rep.sections.push_back(std::move(s));
  }
  // Analyses.
  if (r.sizing || r.ceiling) {
    html::Section s;
    s.title = "Insurance fund sizing and debt-ceiling advice";
    html::Table t;
    t.title = "Answers";
    t.header = {"analysis", "answer", "detail"};
    if (r.sizing) {
      const sim::SizingResult& z = *r.sizing;
      t.rows.push_back(
          {"insurance fund sizing",
           z.status == sim::BisectStatus::Found ? money(z.balance_usd) : "no fund in range",
           fmt::format("target P(exhausted) <= {}; in sample {}; verified {}", pct(z.target),
                       pct(z.sample_probability),
                       z.verified_probability ? pct(*z.verified_probability) : "-")});
    }
    if (r.ceiling) {
      const sim::CeilingResult& c = *r.ceiling;
      t.rows.push_back(
          {"debt ceiling",
           c.status == sim::BisectStatus::NonMonotone
               ? "no answer: tail not monotone in the ceiling"
               : (c.ceiling ? money(*c.ceiling) : "none passes"),
           fmt::format("{} {} of the loss (bad debt + latent) <= {}",
                       c.expected_shortfall ? "ES" : "VaR", pct(c.level), money(c.budget))});
      html::LineChart lc;
      lc.title = "Tail loss by ceiling";
      lc.x_label = "ceiling (USD)";
      lc.y_label = "tail loss, bad debt + latent (USD)";
      std::vector<sim::CeilingEvaluation> ev = c.evaluations;
      std::sort(ev.begin(), ev.end(),
                [](const auto& a, const auto& b) { return a.ceiling < b.ceiling; });
      html::Series tail{"tail", {}, {}};
      html::Series budget{"budget", {}, {}};
      for (const auto& e : ev) {
        tail.x.push_back(usd(e.ceiling));
        tail.y.push_back(usd(e.tail));
        budget.x.push_back(usd(e.ceiling));
        budget.y.push_back(usd(c.budget));
      }
      lc.series = {tail, budget};
      s.items.emplace_back(std::move(t));
      s.items.emplace_back(std::move(lc));
    } else {
      s.items.emplace_back(std::move(t));
    }
    rep.sections.push_back(std::move(s));
  }
  if (r.sweep) {
    const sim::SweepResult& sw = *r.sweep;
    html::Section s;
    s.title = "Parameter sweep";
    s.text = fmt::format("Metric: {}.", sw.metric);
    auto value_of = [&](const sim::SweepPoint& p) {
      const auto it = p.metrics.find(sw.metric);
      return it == p.metrics.end() ? std::nan("") : std::strtod(it->second.c_str(), nullptr);
    };
    if (sw.axes.size() == 2) {
      html::Heatmap hm;
      hm.title = sw.metric;
      hm.x_label = sw.axes[1].key;
      hm.y_label = sw.axes[0].key;
      hm.z_label = sw.metric;
      hm.x_ticks = sw.axes[1].values;
      hm.y_ticks = sw.axes[0].values;
      for (const sim::SweepPoint& p : sw.points) hm.z.push_back(value_of(p));
      s.items.emplace_back(std::move(hm));
    } else {
      html::Heatmap hm;
      hm.title = sw.metric;
      hm.x_label = sw.axes[0].key;
      hm.y_label = "";
      hm.z_label = sw.metric;
      hm.x_ticks = sw.axes[0].values;
      hm.y_ticks = {sw.metric};
      for (const sim::SweepPoint& p : sw.points) hm.z.push_back(value_of(p));
      s.items.emplace_back(std::move(hm));
    }
    html::Table t;
    t.title = "Sweep points";
    for (const sim::SweepAxis& a : sw.axes) t.header.push_back(a.key);
    for (const char* m : {"bad_debt_mean", "bad_debt_es", "liquidated_mean", "fund_exhaustion"}) {
      t.header.emplace_back(m);
    }
    for (const sim::SweepPoint& p : sw.points) {
      std::vector<std::string> cells = p.values;
      for (const char* m : {"bad_debt_mean", "bad_debt_es", "liquidated_mean", "fund_exhaustion"}) {
        const auto it = p.metrics.find(m);
        cells.push_back(p.error ? "error" : (it == p.metrics.end() ? "" : it->second));
      }
      t.rows.push_back(std::move(cells));
    }
    s.items.emplace_back(std::move(t));
    rep.sections.push_back(std::move(s));
  }
  // Worst paths.
  {
    html::Section s;
    s.title = "Paths";
    html::Table t;
    t.title = "Worst paths by bad debt";
    t.header = {"path",       "bad debt",     "liquidated", "liquidations", "insurance paid",
                "socialized", "ADL notional", "fund min",   "waves"};
    std::vector<std::size_t> idx(r.path_results.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
      return r.path_results[a].bad_debt > r.path_results[b].bad_debt;
    });
    for (std::size_t k = 0; k < idx.size() && k < 20; ++k) {
      const sim::PathResult& p = r.path_results[idx[k]];
      t.rows.push_back({p.label, money(p.bad_debt), money(p.liquidated),
                        std::to_string(p.liquidations), money(p.insurance_paid),
                        money(p.socialized), money(p.adl_notional), money(p.fund_min),
                        std::to_string(p.waves)});
    }
    s.items.emplace_back(std::move(t));
    rep.sections.push_back(std::move(s));
  }
  rep.footer = fmt::format("{} · seed {} · digest {} · schema {}", r.file, r.seed,
                           hash_hex(r.digest), kSimulateSchema);
  return html::render_html(rep);
}

}  // namespace backstop
