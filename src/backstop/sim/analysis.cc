#include "backstop/sim/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"
#include "backstop/sim/parallel.h"

namespace backstop::sim {
namespace {

int64_t points_between(int64_t from, int64_t to, int64_t step) {
  const int64_t span = to > from ? to - from : from - to;
  return span / step + 1;
}

}  // namespace

std::vector<CurveSeries> liquidation_curve(const PreparedRun& run, unsigned threads) {
  const SimConfig& cfg = run.config();
  const LiquidationCurveConfig& cc = cfg.curve;
  const int64_t n = points_between(cc.from, cc.to, cc.step);
  const int64_t dir = cc.to >= cc.from ? 1 : -1;
  std::vector<CurveSeries> out(cfg.drivers.size());
  for (std::size_t d = 0; d < cfg.drivers.size(); ++d) {
    out[d].driver = cfg.drivers[d].symbol;
    out[d].points.resize(static_cast<std::size_t>(n));
  }
  const std::size_t jobs = cfg.drivers.size() * static_cast<std::size_t>(n);
  parallel_for(jobs, std::max(1U, threads), [&](std::size_t job) {
    const std::size_t d = job / static_cast<std::size_t>(n);
    const int64_t k = static_cast<int64_t>(job % static_cast<std::size_t>(n));
    const int64_t move = cc.from + dir * k * cc.step;
    // The starting book with driver d's prices moved by `move` (valuation only, no events).
    State s = run.start().state();
    for (const Target& t : cfg.drivers[d].targets) {
      Price& p = t.market ? s.perps[t.id].mark : s.assets[t.id].price;
      const int128 v =
          mul_div(p.raw(), static_cast<int128>(kRatioOne) + move, kRatioOne, Rounding::Down);
      p = Price::from_raw(narrow64(std::max<int128>(v, 1), "curve price"));
      if (t.market) s.perps[t.id].oracle = p;
    }
    const Engine e(std::move(s));
    CurvePoint pt;
    pt.move = move;
    const auto& accounts = e.state().accounts;
    for (AccountId id = 0; id < accounts.size(); ++id) {
      const AccountRisk r = compute_risk(e.cache(), accounts[id]);
      if (!r.liquidatable) continue;
      ++pt.accounts;
      pt.collateral = Value::from_raw(checked_add(pt.collateral.raw(), r.collateral_value.raw()));
      pt.debt = Value::from_raw(checked_add(pt.debt.raw(), r.total_debt.raw()));
      pt.notional = Value::from_raw(checked_add(pt.notional.raw(), r.perp_notional.raw()));
    }
    out[d].points[static_cast<std::size_t>(k)] = pt;
  });
  return out;
}

SizingResult size_insurance_fund(const SimConfig& cfg, const PreparedRun& run, unsigned threads,
                                 const SimOptions& opt) {
  SizingResult r;
  r.asset = cfg.sizing.asset;
  r.target = cfg.sizing.target;
  const InsuranceFund& configured = run.prototype().config().insurance.at(r.asset);
  r.configured = configured.balance;
  const Quantity floor = configured.min_balance;
  // "Unlimited": the largest balance that keeps every USD sum of the run in range.
  const State& s = run.start().state();
  // min(2^63 / 8 quanta, the quanta worth 2^63 / 64 micro-dollars), in 128 bits: for an asset
  // with many decimals the second bound alone does not fit 64 bits.
  int128 pow = 1;
  for (int k = 0; k < s.asset_params[r.asset].decimals + 3; ++k) pow *= 10;
  const int128 cap_usd =
      mul_div(INT64_MAX / 64, pow, s.assets[r.asset].price.raw(), Rounding::Down);
  const Quantity unlimited =
      Quantity::from_raw(static_cast<int64_t>(std::min<int128>(INT64_MAX / 8, cap_usd)));
  RunOverrides ov;
  ov.fund_balance = {r.asset, unlimited};
  const PreparedRun big(cfg, ov);
  const std::vector<PathResult> paths = run_paths(big, threads, opt, "sizing");
  std::vector<int64_t> dd;
  for (const PathResult& p : paths) dd.push_back(p.fund_drawdown.raw());
  std::sort(dd.begin(), dd.end());
  const auto n = static_cast<int64_t>(dd.size());
  // Exhausted on path i  <=>  F - D_i <= floor  <=>  D_i >= F - floor.
  auto exhausted = [&](int64_t f) {
    const int64_t need = f - floor.raw();
    return static_cast<int64_t>(dd.end() - std::lower_bound(dd.begin(), dd.end(), need));
  };
  auto passes = [&](int64_t f) {
    // count / n <= target, cross-multiplied.
    return static_cast<int128>(exhausted(f)) * kRatioOne <= static_cast<int128>(r.target.raw()) * n;
  };
  const BisectResult<int64_t> b = bisect_smallest_raw(floor.raw(), unlimited.raw(), passes);
  r.status = b.status;
  r.evaluations = b.evaluations;
  if (b.x) {
    r.balance = Quantity::from_raw(*b.x);
    r.balance_usd = value_of(r.balance, s.asset_params[r.asset].decimals, s.assets[r.asset].price,
                             Rounding::Up);
    r.sample_probability = ratio_of(exhausted(*b.x), n, Rounding::Up);
    if (cfg.sizing.verify) {
      RunOverrides vo;
      vo.fund_balance = {r.asset, r.balance};
      const PreparedRun check(cfg, vo);
      const std::vector<PathResult> vp = run_paths(check, threads, opt, "sizing check");
      int64_t hit = 0;
      for (const PathResult& p : vp) hit += p.fund_exhausted ? 1 : 0;
      r.verified_probability = ratio_of(hit, static_cast<int64_t>(vp.size()), Rounding::Up);
    }
  }
  return r;
}

CeilingResult advise_debt_ceiling(const SimConfig& cfg, unsigned threads, const SimOptions& opt) {
  const CeilingConfig& cc = cfg.ceiling;
  CeilingResult r;
  r.budget = cc.budget;
  r.level = cc.level;
  r.expected_shortfall = cc.expected_shortfall;
  {
    RunOverrides ov;
    ov.paths = 1;
    const PreparedRun base(cfg, ov);
    r.base = base.generated().population_total.at(cc.population);
  }
  if (!r.base.is_positive()) {
    throw std::invalid_argument(fmt::format(
        "{}: analysis.debt_ceiling: the population generates no debt or notional to scale",
        cfg.file));
  }
  const int64_t steps = (cc.hi.raw() - cc.lo.raw()) / cc.resolution.raw();
  auto ceiling_at = [&](int64_t k) {
    return Value::from_raw(std::min(cc.hi.raw(), cc.lo.raw() + k * cc.resolution.raw()));
  };
  auto fails = [&](int64_t k) {
    const Value c = ceiling_at(k);
    RunOverrides ov;
    ov.paths = cc.paths;
    // The model boundary: the scale factor is a double.
    ov.population_scale = {cc.population,
                           static_cast<double>(c.raw()) / static_cast<double>(r.base.raw())};
    const PreparedRun run(cfg, ov);
    const std::vector<PathResult> paths =
        run_paths(run, threads, opt, fmt::format("debt ceiling {}", format(c)));
    std::vector<Value> bad;
    for (const PathResult& p : paths) bad.push_back(p.loss);
    const LossSample sample(std::move(bad));
    const Value tail = cc.expected_shortfall ? sample.expected_shortfall(cc.level)
                                             : sample.value_at_risk(cc.level);
    const bool pass = tail <= cc.budget;
    r.evaluations.push_back({c, tail, pass});
    return !pass;
  };
  // Three evenly spaced extra evaluations catch a tail that is not monotone in the ceiling (for
  // example when auction limits throttle liquidations); the answer is then reported as such.
  const BisectResult<int64_t> b = bisect_smallest_raw(0, steps, fails, 3);
  switch (b.status) {
    case BisectStatus::Found:
      if (*b.x == 0) {
        r.status = BisectStatus::NoneInRange;  // even lo fails
      } else {
        r.status = BisectStatus::Found;
        r.ceiling = ceiling_at(*b.x - 1);
      }
      break;
    case BisectStatus::NoneInRange:  // nothing fails: hi passes
      r.status = BisectStatus::Found;
      r.ceiling = ceiling_at(steps);
      break;
    case BisectStatus::NonMonotone:
      r.status = BisectStatus::NonMonotone;
      break;
  }
  return r;
}

SweepResult run_sweep(const SimConfig& cfg, unsigned threads, const SimOptions& opt) {
  const SweepConfig& sw = *cfg.sweep;
  SweepResult r;
  r.axes = sw.axes;
  r.metric = sw.metric;
  const std::size_t n0 = sw.axes[0].values.size();
  const std::size_t n1 = sw.axes.size() > 1 ? sw.axes[1].values.size() : 1;
  for (std::size_t i = 0; i < n0; ++i) {
    for (std::size_t j = 0; j < n1; ++j) {
      SweepPoint pt;
      std::vector<std::pair<std::string, std::string>> ov;
      pt.values.push_back(sw.axes[0].values[i]);
      ov.emplace_back(sw.axes[0].key, sw.axes[0].values[i]);
      if (sw.axes.size() > 1) {
        pt.values.push_back(sw.axes[1].values[j]);
        ov.emplace_back(sw.axes[1].key, sw.axes[1].values[j]);
      }
      ConfigResult parsed = parse_sim_config(cfg.text, cfg.file, ov);
      if (!parsed.config) {
        pt.error = parsed.errors.empty() ? "invalid" : parsed.errors.front();
        r.points.push_back(std::move(pt));
        continue;
      }
      SimConfig sub = std::move(*parsed.config);
      sub.sweep.reset();
      // The run's own seed and paths (which the command line may have overridden) hold at every
      // point, unless an axis sweeps them.
      auto swept = [&](std::string_view key) {
        return std::any_of(sw.axes.begin(), sw.axes.end(),
                           [&](const SweepAxis& a) { return a.key == key; });
      };
      if (!swept("simulation.seed")) sub.seed = cfg.seed;
      if (!swept("simulation.paths")) sub.paths = cfg.paths;
      if (sw.paths) sub.paths = *sw.paths;
      SimOptions so;
      so.threads = threads;
      so.analyses = false;
      if (opt.progress) {
        const std::size_t at = i * n1 + j;
        so.progress = [&, at](const std::string&, int64_t done, int64_t total) {
          opt.progress(fmt::format("sweep {}/{}", at + 1, n0 * n1), done, total);
        };
      }
      try {
        const SimResult res = simulate(sub, so);
        for (const std::string_view m :
             {"bad_debt_mean", "bad_debt_max", "bad_debt_var", "bad_debt_es", "loss_mean",
              "loss_var", "loss_es", "uncovered_mean", "uncovered_es", "liquidated_mean",
              "liquidated_var", "fund_exhaustion", "fund_shortfall_es"}) {
          pt.metrics[std::string(m)] = metric_text(res, m);
        }
      } catch (const std::invalid_argument& e) {
        pt.error = e.what();
      }
      r.points.push_back(std::move(pt));
    }
  }
  return r;
}

}  // namespace backstop::sim
