#include "backstop/sim/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"
#include "backstop/sim/analysis.h"
#include "backstop/sim/parallel.h"

namespace backstop::sim {
namespace {

uint64_t mix(uint64_t h, uint64_t v) {
  return splitmix64(h ^ splitmix64(v));
}
uint64_t mix(uint64_t h, int64_t v) {
  return mix(h, static_cast<uint64_t>(v));
}

}  // namespace

uint64_t path_digest(const PathResult& p) {
  uint64_t h = mix(0, p.index);
  for (const int64_t v : {p.bad_debt.raw(),
                          p.uncovered.raw(),
                          p.latent.raw(),
                          p.loss.raw(),
                          p.liquidated.raw(),
                          p.insurance_paid.raw(),
                          p.socialized.raw(),
                          p.slashed.raw(),
                          p.adl_notional.raw(),
                          p.liquidations,
                          p.declined,
                          p.adl_fills,
                          p.waves,
                          p.max_waves,
                          p.rejected_prices,
                          p.fund_start.raw(),
                          p.fund_min.raw(),
                          p.fund_end.raw(),
                          static_cast<int64_t>(p.fund_exhausted),
                          p.fund_drawdown.raw()}) {
    h = mix(h, v);
  }
  for (const int64_t w : p.wave_liquidations) h = mix(h, w);
  for (const SeriesPoint& s : p.series) {
    for (const int64_t v :
         {s.step, s.time, s.fund.raw(), s.bad_debt.raw(), s.liquidated.raw(), s.price.raw()}) {
      h = mix(h, v);
    }
  }
  for (const Price x : p.final_prices) h = mix(h, x.raw());
  for (const Price x : p.min_prices) h = mix(h, x.raw());
  h = mix(h, p.error_step);
  for (const char c : p.error) h = mix(h, static_cast<int64_t>(c));
  return mix(h, p.state_hash);
}

namespace {

TailStats tail(std::vector<Value> sample, const std::vector<Ratio>& levels) {
  TailStats t;
  if (sample.empty()) return t;
  const LossSample s(std::move(sample));
  t.mean = s.mean();
  t.max = s.sorted().back();
  for (const Ratio l : levels) {
    t.var.push_back(s.value_at_risk(l));
    t.es.push_back(s.expected_shortfall(l));
  }
  return t;
}

const char* source_name(SourceKind k) {
  switch (k) {
    case SourceKind::Replay:
      return "replay";
    case SourceKind::Shock:
      return "shock";
    case SourceKind::Grid:
      return "grid";
    case SourceKind::MonteCarlo:
      return "monte_carlo";
  }
  return "?";
}

}  // namespace

std::vector<PathResult> run_paths(const PreparedRun& run, unsigned threads, const SimOptions& opt,
                                  const std::string& phase) {
  const auto n = static_cast<std::size_t>(run.paths());
  std::vector<PathResult> out(n);
  std::function<void(std::size_t)> poll;
  if (opt.progress) {
    poll = [&](std::size_t done) {
      opt.progress(phase, static_cast<int64_t>(done), static_cast<int64_t>(n));
    };
  }
  // Workspaces are reused from path to path (run.h): one per worker, taken from a pool.
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<PreparedRun::Workspace>> pool;
  parallel_for(
      n, threads,
      [&](std::size_t i) {
        std::unique_ptr<PreparedRun::Workspace> ws;
        {
          const std::lock_guard<std::mutex> lock(pool_mutex);
          if (!pool.empty()) {
            ws = std::move(pool.back());
            pool.pop_back();
          }
        }
        if (!ws) ws = std::make_unique<PreparedRun::Workspace>();
        out[i] = run.run_path(i, *ws);
        const std::lock_guard<std::mutex> lock(pool_mutex);
        pool.push_back(std::move(ws));
      },
      poll);
  return out;
}

void aggregate(const std::vector<PathResult>& paths, const std::vector<Ratio>& levels,
               SimResult& out) {
  std::vector<Value> bad;
  std::vector<Value> unc;
  std::vector<Value> loss;
  std::vector<Value> liq;
  std::vector<Value> shortfall;
  int64_t exhausted = 0;
  out.wave_liquidations.clear();
  out.max_waves = 0;
  out.failed_paths = 0;
  uint64_t h = mix(0, static_cast<int64_t>(paths.size()));
  for (const PathResult& p : paths) {
    bad.push_back(p.bad_debt);
    unc.push_back(p.uncovered);
    loss.push_back(p.loss);
    liq.push_back(p.liquidated);
    shortfall.push_back(Value::from_raw(p.fund_start.raw() - p.fund_min.raw()));
    if (p.fund_exhausted) ++exhausted;
    if (out.wave_liquidations.size() < p.wave_liquidations.size()) {
      out.wave_liquidations.resize(p.wave_liquidations.size(), 0);
    }
    for (std::size_t w = 0; w < p.wave_liquidations.size(); ++w) {
      out.wave_liquidations[w] += p.wave_liquidations[w];
    }
    out.max_waves = std::max(out.max_waves, p.max_waves);
    if (!p.error.empty()) ++out.failed_paths;
    h = mix(h, path_digest(p));
  }
  out.levels = levels;
  out.bad_debt = tail(bad, levels);
  out.uncovered = tail(unc, levels);
  out.loss = tail(loss, levels);
  out.liquidated = tail(liq, levels);
  out.fund_shortfall = tail(shortfall, levels);
  out.fund_exhaustion = paths.empty()
                            ? Ratio{}
                            : ratio_of(exhausted, static_cast<int64_t>(paths.size()), Rounding::Up);
  out.fund_start = paths.empty() ? Value{} : paths.front().fund_start;
  out.digest = h;
}

SimResult simulate(const SimConfig& cfg, const SimOptions& opt) {
  const auto started = std::chrono::steady_clock::now();
  unsigned threads = opt.threads != 0 ? opt.threads : cfg.threads;
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  const PreparedRun run(cfg);
  SimResult r;
  r.name = cfg.name;
  r.file = cfg.file;
  r.description = cfg.description;
  r.source = source_name(cfg.source.kind);
  r.paths = run.paths();
  r.steps = run.steps();
  r.horizon_s = run.time_at(run.steps()) - run.time_at(0);
  r.seed = cfg.seed;
  r.threads = threads;
  r.accounts = run.accounts();
  r.generated = run.generated();
  for (const Driver& d : cfg.drivers) r.drivers.push_back(d.symbol);
  r.initial_prices = run.initial_prices();
  r.path_results = run_paths(run, threads, opt, "paths");
  aggregate(r.path_results, cfg.levels, r);
  if (opt.analyses) {
    if (cfg.curve.enabled) r.curve = liquidation_curve(run, threads);
    if (cfg.sizing.enabled) r.sizing = size_insurance_fund(cfg, run, threads, opt);
    if (cfg.ceiling.enabled) r.ceiling = advise_debt_ceiling(cfg, threads, opt);
    if (cfg.sweep) r.sweep = run_sweep(cfg, threads, opt);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

namespace {

struct MetricDef {
  std::string_view name;
  std::string_view text;
};

constexpr MetricDef kMetrics[] = {
    {"bad_debt_mean", "mean bad debt"},
    {"bad_debt_max", "largest bad debt"},
    {"bad_debt_var", "VaR of bad debt at the highest level"},
    {"bad_debt_es", "expected shortfall of bad debt at the highest level"},
    {"loss_mean", "mean loss (bad debt + latent)"},
    {"loss_var", "VaR of the loss at the highest level"},
    {"loss_es", "expected shortfall of the loss at the highest level"},
    {"uncovered_mean", "mean deficit left uncovered"},
    {"uncovered_es", "expected shortfall of the uncovered deficit"},
    {"liquidated_mean", "mean liquidated value"},
    {"liquidated_var", "liquidations at risk (VaR) at the highest level"},
    {"fund_exhaustion", "probability an insurance fund is exhausted"},
    {"fund_shortfall_es", "expected shortfall of the insurance fund's fall"},
};

}  // namespace

bool is_sweep_metric(std::string_view name) {
  return std::any_of(std::begin(kMetrics), std::end(kMetrics),
                     [&](const MetricDef& m) { return m.name == name; });
}

std::string sweep_metric_list() {
  std::string s;
  for (const MetricDef& m : kMetrics) {
    if (!s.empty()) s += ", ";
    s += m.name;
  }
  return s;
}

std::string metric_text(const SimResult& r, std::string_view metric) {
  auto last = [](const std::vector<Value>& v) { return v.empty() ? Value{} : v.back(); };
  if (metric == "bad_debt_mean") return format(r.bad_debt.mean);
  if (metric == "bad_debt_max") return format(r.bad_debt.max);
  if (metric == "bad_debt_var") return format(last(r.bad_debt.var));
  if (metric == "bad_debt_es") return format(last(r.bad_debt.es));
  if (metric == "loss_mean") return format(r.loss.mean);
  if (metric == "loss_var") return format(last(r.loss.var));
  if (metric == "loss_es") return format(last(r.loss.es));
  if (metric == "uncovered_mean") return format(r.uncovered.mean);
  if (metric == "uncovered_es") return format(last(r.uncovered.es));
  if (metric == "liquidated_mean") return format(r.liquidated.mean);
  if (metric == "liquidated_var") return format(last(r.liquidated.var));
  if (metric == "fund_exhaustion") return format(r.fund_exhaustion);
  if (metric == "fund_shortfall_es") return format(last(r.fund_shortfall.es));
  throw std::invalid_argument(fmt::format("unknown metric '{}'", metric));
}

}  // namespace backstop::sim
