#include "backstop/sim/paths.h"

#include <cmath>
#include <exception>
#include <numbers>
#include <sstream>
#include <thread>

#include "backstop/model/ids.h"

namespace backstop::sim {
namespace {

constexpr double kPivotTolerance = 1e-10;

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void check_matrix(const std::vector<double>& m, std::size_t n, const std::string& name) {
  if (m.size() != n * n) {
    throw ModelError(name + " must be " + std::to_string(n) + " x " + std::to_string(n) + " (" +
                     std::to_string(n * n) + " entries), got " + std::to_string(m.size()));
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double v = m[i * n + j];
      const std::string at = name + "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      if (!std::isfinite(v) || v < -1 || v > 1)
        throw ModelError(at + " = " + num(v) + " is not in [-1, 1]");
      if (i == j && v != 1) throw ModelError(at + " = " + num(v) + ": the diagonal must be 1");
      if (v != m[j * n + i]) throw ModelError(name + " is not symmetric at " + at);
    }
  }
}

void check_finite(double v, double lo, const std::string& name) {
  if (!std::isfinite(v) || v < lo) {
    throw ModelError(name + " = " + num(v) + " must be finite and >= " + num(lo));
  }
}

// The model with everything derived once (Cholesky factors, per-step constants).
struct Prepared {
  std::size_t n = 0;
  double dt = 0;
  std::vector<double> chol;           // normal regime
  std::vector<double> chol_stressed;  // after the break (empty: none)
  int break_step = 0;
  std::vector<double> drift_step;  // (mu - lambda k) dt, per asset
  std::vector<double> h0;          // sigma^2 dt
  std::vector<double> omega;       // GARCH omega (per step)
  std::vector<double> jump_mean;   // per-step Poisson mean (per asset; common: one value)
  double common_mean = 0;
  std::vector<double> log_initial;
};

Prepared prepare(const PathModel& m) {
  validate(m);
  Prepared p;
  p.n = m.assets.size();
  p.dt = static_cast<double>(m.step_seconds) / static_cast<double>(kSecondsPerYear);
  std::vector<double> corr = m.correlation;
  if (corr.empty()) {
    corr.assign(p.n * p.n, 0.0);
    for (std::size_t i = 0; i < p.n; ++i) corr[i * p.n + i] = 1.0;
  }
  p.chol = cholesky(corr, p.n);
  if (m.correlation_break) {
    p.chol_stressed = cholesky(m.correlation_break->stressed, p.n);
    p.break_step = m.correlation_break->at_step;
  }
  p.common_mean = m.jump_scope == JumpScope::Common ? m.common_intensity * p.dt : 0;
  for (const AssetModel& a : m.assets) {
    const double lambda =
        m.jump_scope == JumpScope::Common ? m.common_intensity : a.jumps.intensity;
    const double k = std::exp(a.jumps.mean_log + 0.5 * a.jumps.stdev_log * a.jumps.stdev_log) - 1;
    const double comp = m.compensate_jumps ? lambda * k : 0;
    p.drift_step.push_back((a.drift - comp) * p.dt);
    const double h = a.vol * a.vol * p.dt;
    p.h0.push_back(h);
    p.omega.push_back(a.garch.enabled ? h * (1 - a.garch.alpha - a.garch.beta) : h);
    p.jump_mean.push_back(m.jump_scope == JumpScope::PerAsset ? a.jumps.intensity * p.dt : 0);
    p.log_initial.push_back(std::log(static_cast<double>(a.initial.raw()) / 1e9));
  }
  return p;
}

Path run_path(const PathModel& m, const Prepared& p, uint64_t seed, uint64_t index,
              PathEvents* events) {
  const std::size_t n = p.n;
  PathRng rng(path_seed(seed, index));
  // Scenario draws first, always two per depeg, so later draws do not depend on probabilities.
  std::vector<bool> depegged(m.depegs.size()), recovered(m.depegs.size());
  for (std::size_t d = 0; d < m.depegs.size(); ++d) {
    const double u_occur = rng.uniform();
    const double u_recover = rng.uniform();
    depegged[d] = u_occur <= m.depegs[d].probability;
    recovered[d] = depegged[d] && u_recover <= m.depegs[d].recovery_probability;
  }
  std::vector<int64_t> jumps(n, 0);

  Path out;
  out.assets = n;
  out.prices.reserve(static_cast<std::size_t>(m.steps + 1) * n);
  for (const AssetModel& a : m.assets) out.prices.push_back(a.initial);

  std::vector<double> log_s = p.log_initial;
  std::vector<double> h = p.h0;
  std::vector<double> eps(n), x(n);
  for (int t = 1; t <= m.steps; ++t) {
    const std::vector<double>& chol =
        (!p.chol_stressed.empty() && t >= p.break_step) ? p.chol_stressed : p.chol;
    for (std::size_t k = 0; k < n; ++k) eps[k] = rng.normal();
    for (std::size_t a = 0; a < n; ++a) {
      double z = 0;
      for (std::size_t k = 0; k <= a; ++k) z += chol[a * n + k] * eps[k];
      const double shock = std::sqrt(h[a]) * z;
      x[a] = p.drift_step[a] - 0.5 * h[a] + shock;
      const GarchParams& g = m.assets[a].garch;
      if (g.enabled) h[a] = p.omega[a] + g.alpha * shock * shock + g.beta * h[a];
    }
    if (m.jump_scope == JumpScope::PerAsset) {
      for (std::size_t a = 0; a < n; ++a) {
        const int64_t count = p.jump_mean[a] > 0 ? rng.poisson(p.jump_mean[a]) : 0;
        const JumpParams& j = m.assets[a].jumps;
        for (int64_t c = 0; c < count; ++c) x[a] += j.mean_log + j.stdev_log * rng.normal();
        jumps[a] += count;
      }
    } else {
      const int64_t count = p.common_mean > 0 ? rng.poisson(p.common_mean) : 0;
      for (int64_t c = 0; c < count; ++c) {
        const double zeta = rng.normal();
        for (std::size_t a = 0; a < n; ++a) {
          x[a] += m.assets[a].jumps.mean_log + m.assets[a].jumps.stdev_log * zeta;
        }
      }
      for (std::size_t a = 0; a < n; ++a) jumps[a] += count;
    }
    for (std::size_t a = 0; a < n; ++a) {
      log_s[a] += x[a];
      double factor = 1;
      for (std::size_t d = 0; d < m.depegs.size(); ++d) {
        const DepegScenario& s = m.depegs[d];
        if (s.asset != a || !depegged[d] || t < s.start_step) continue;
        const double gap = 1 - s.level;
        factor *=
            recovered[d]
                ? 1 - gap * std::exp2(-static_cast<double>(t - s.start_step) / s.half_life_steps)
                : s.level;
      }
      out.prices.push_back(to_model_price(std::exp(log_s[a]) * factor));
    }
  }
  if (events != nullptr) *events = PathEvents{std::move(jumps), depegged, recovered};
  return out;
}

}  // namespace

void validate(const PathModel& m) {
  const std::size_t n = m.assets.size();
  if (n == 0) throw ModelError("the model has no assets");
  if (m.steps < 1) throw ModelError("steps = " + std::to_string(m.steps) + " must be >= 1");
  if (m.step_seconds <= 0) throw ModelError("step_seconds must be > 0");
  for (std::size_t i = 0; i < n; ++i) {
    const AssetModel& a = m.assets[i];
    const std::string at = "asset " + std::to_string(i) + " (" + a.symbol + ")";
    if (!a.initial.is_positive()) throw ModelError(at + ": initial price must be > 0");
    check_finite(a.drift, -1e6, at + " drift");
    check_finite(a.vol, 0, at + " vol");
    check_finite(a.jumps.intensity, 0, at + " jumps.intensity");
    check_finite(a.jumps.mean_log, -1e6, at + " jumps.mean_log");
    check_finite(a.jumps.stdev_log, 0, at + " jumps.stdev_log");
    if (a.garch.enabled) {
      check_finite(a.garch.alpha, 0, at + " garch.alpha");
      check_finite(a.garch.beta, 0, at + " garch.beta");
      if (a.garch.alpha + a.garch.beta >= 1) {
        throw ModelError(at + ": garch alpha + beta = " + num(a.garch.alpha + a.garch.beta) +
                         " must be < 1 (stationary)");
      }
    }
  }
  check_finite(m.common_intensity, 0, "common_intensity");
  if (!m.correlation.empty()) (void)cholesky(m.correlation, n);
  if (m.correlation_break) {
    if (m.correlation_break->at_step < 1 || m.correlation_break->at_step > m.steps) {
      throw ModelError("correlation_break.at_step must be in 1..steps");
    }
    try {
      (void)cholesky(m.correlation_break->stressed, n);
    } catch (const ModelError& e) {
      throw ModelError(std::string("correlation_break.stressed: ") + e.what());
    }
  }
  for (std::size_t d = 0; d < m.depegs.size(); ++d) {
    const DepegScenario& s = m.depegs[d];
    const std::string at = "depeg " + std::to_string(d);
    if (s.asset >= n) throw ModelError(at + ": asset index out of range");
    if (s.start_step < 1 || s.start_step > m.steps)
      throw ModelError(at + ": start_step must be in 1..steps");
    if (!std::isfinite(s.level) || s.level <= 0) throw ModelError(at + ": level must be > 0");
    if (!(s.probability >= 0 && s.probability <= 1))
      throw ModelError(at + ": probability must be in [0, 1]");
    if (!(s.recovery_probability >= 0 && s.recovery_probability <= 1)) {
      throw ModelError(at + ": recovery_probability must be in [0, 1]");
    }
    if (s.recovery_probability > 0 &&
        !(std::isfinite(s.half_life_steps) && s.half_life_steps > 0)) {
      throw ModelError(at + ": half_life_steps must be > 0 when the depeg can recover");
    }
  }
}

std::vector<double> cholesky(const std::vector<double>& corr, std::size_t n) {
  check_matrix(corr, n, "correlation");
  std::vector<double> l(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double pivot = corr[j * n + j];
    for (std::size_t k = 0; k < j; ++k) pivot -= l[j * n + k] * l[j * n + k];
    if (pivot < -kPivotTolerance) {
      throw ModelError("correlation matrix is not positive semi-definite (Cholesky pivot " +
                       std::to_string(j) + " is " + num(pivot) + ")");
    }
    const double d = pivot > kPivotTolerance ? std::sqrt(pivot) : 0.0;
    l[j * n + j] = d;
    for (std::size_t i = j + 1; i < n; ++i) {
      double v = corr[i * n + j];
      for (std::size_t k = 0; k < j; ++k) v -= l[i * n + k] * l[j * n + k];
      if (d == 0) {
        // A zero pivot: PSD only if the rest of the column is zero too.
        if (std::fabs(v) > 1e-8) {
          throw ModelError("correlation matrix is not positive semi-definite (zero pivot " +
                           std::to_string(j) + " with off-diagonal residual " + num(v) + ")");
        }
        l[i * n + j] = 0;
      } else {
        l[i * n + j] = v / d;
      }
    }
  }
  return l;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t path_seed(uint64_t seed, uint64_t path_index) {
  return splitmix64(splitmix64(seed) ^ path_index);
}

Price to_model_price(double q) {
  if (std::isnan(q)) throw ModelError("model price is NaN");
  const double v = std::round(q * 1e9);  // nearest, ties away from zero
  if (v >= 9.2e18) throw OverflowError("model price " + num(q) + " exceeds the Price range");
  if (v < 1) return Price::from_raw(1);
  return Price::from_raw(static_cast<int64_t>(v));
}

PathRng::PathRng(uint64_t seed) : engine_(seed) {}

double PathRng::uniform() {
  // (k + 1) / 2^53 for k the top 53 bits: in (0, 1], never 0 (log-safe).
  return static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53;
}

double PathRng::normal() {
  if (spare_) {
    const double v = *spare_;
    spare_.reset();
    return v;
  }
  const double u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(theta);
  return r * std::cos(theta);
}

int64_t PathRng::poisson(double mean) {
  if (!(mean >= 0) || !std::isfinite(mean)) throw ModelError("poisson mean must be finite, >= 0");
  int64_t total = 0;
  while (mean > 0) {
    const double piece = mean > 30 ? 30 : mean;
    mean -= piece;
    const double limit = std::exp(-piece);
    double prod = uniform();
    while (prod > limit) {
      ++total;
      prod *= uniform();
    }
  }
  return total;
}

Path generate_path(const PathModel& model, uint64_t seed, uint64_t path_index, PathEvents* events) {
  const Prepared p = prepare(model);
  return run_path(model, p, seed, path_index, events);
}

std::vector<Path> generate_paths(const PathModel& model, uint64_t seed, uint64_t first,
                                 std::size_t count, unsigned threads) {
  const Prepared p = prepare(model);
  std::vector<Path> out(count);
  if (threads < 1) threads = 1;
  if (threads == 1 || count < 2) {
    for (std::size_t i = 0; i < count; ++i) out[i] = run_path(model, p, seed, first + i, nullptr);
    return out;
  }
  const std::size_t t_count = std::min<std::size_t>(threads, count);
  std::vector<std::exception_ptr> errors(t_count);
  std::vector<std::thread> pool;
  pool.reserve(t_count);
  for (std::size_t t = 0; t < t_count; ++t) {
    pool.emplace_back([&, t] {
      try {
        for (std::size_t i = t; i < count; i += t_count) {
          out[i] = run_path(model, p, seed, first + i, nullptr);
        }
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (std::thread& th : pool) th.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

}  // namespace backstop::sim
