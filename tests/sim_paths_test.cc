// Monte Carlo paths (sim/paths.h). Statistical checks compare sample moments of per-step log
// returns with the model's closed forms (Merton 1976 jump-diffusion):
//   E[x]   = (mu - lambda k) dt - sigma^2 dt / 2 + lambda dt m_J,   k = exp(m_J + s_J^2/2) - 1
//   Var[x] = sigma^2 dt + lambda dt (m_J^2 + s_J^2)
// with a tolerance of 5 standard errors computed from the sample itself (SE(mean) = sd/sqrt(N);
// SE(var) = sqrt((m4 - var^2) / N); SE(corr) = (1 - rho^2)/sqrt(N)). The seeds are fixed, so the
// tests are deterministic; a wrong drift, variance scaling, correlation or jump rate moves the
// estimate by far more than 5 SE at these sample sizes.
#include <gtest/gtest.h>

#include <cmath>

#include "backstop/sim/paths.h"
#include "test_util.h"

namespace backstop::sim {
namespace {
using testing_util::px;

constexpr int64_t kHour = 3600;
const double kDtHour = 3600.0 / 31'536'000.0;

AssetModel asset(const std::string& sym, const std::string& p0, double mu, double sigma) {
  AssetModel a;
  a.symbol = sym;
  a.initial = px(p0);
  a.drift = mu;
  a.vol = sigma;
  return a;
}

double logp(Price p) {
  return std::log(static_cast<double>(p.raw()));
}

// Log returns of asset `a` over steps [from, to) of every path.
std::vector<double> log_returns(const std::vector<Path>& paths, std::size_t a, int from, int to) {
  std::vector<double> out;
  for (const Path& p : paths) {
    for (int t = from; t < to; ++t) {
      out.push_back(logp(p.at(static_cast<std::size_t>(t + 1), a)) -
                    logp(p.at(static_cast<std::size_t>(t), a)));
    }
  }
  return out;
}

struct Moments {
  double mean = 0, var = 0, m4 = 0;
  std::size_t n = 0;
};
Moments moments(const std::vector<double>& x) {
  Moments m;
  m.n = x.size();
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(m.n);
  for (double v : x) {
    const double d = v - m.mean;
    m.var += d * d;
    m.m4 += d * d * d * d;
  }
  m.var /= static_cast<double>(m.n - 1);
  m.m4 /= static_cast<double>(m.n);
  return m;
}

void expect_moments(const std::vector<double>& x, double mean, double var) {
  const Moments m = moments(x);
  const double n = static_cast<double>(m.n);
  EXPECT_NEAR(m.mean, mean, 5 * std::sqrt(m.var / n)) << "mean over " << m.n;
  EXPECT_NEAR(m.var, var, 5 * std::sqrt((m.m4 - m.var * m.var) / n)) << "variance over " << m.n;
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const Moments mx = moments(x), my = moments(y);
  double c = 0;
  for (std::size_t i = 0; i < x.size(); ++i) c += (x[i] - mx.mean) * (y[i] - my.mean);
  c /= static_cast<double>(x.size() - 1);
  return c / std::sqrt(mx.var * my.var);
}

TEST(SimPaths, GbmLogReturnMoments) {
  PathModel m;
  m.assets = {asset("ETH", "2000", 0.5, 0.9)};
  m.steps = 24;
  m.step_seconds = kHour;
  const auto paths = generate_paths(m, 7, 0, 2000);
  const double dt = kDtHour;
  expect_moments(log_returns(paths, 0, 0, m.steps), (0.5 - 0.5 * 0.81) * dt, 0.81 * dt);
  for (const Path& p : paths) EXPECT_EQ(p.at(0, 0), px("2000"));  // step 0 is exact
}

TEST(SimPaths, ItoTermAndMeanPriceOverAYear) {
  // One step of a year, 20,000 paths: E[log S_1/S_0] = mu - sigma^2/2 = 0.1 - 0.405 = -0.305
  // (SE 0.9 / sqrt(20,000) = 0.0064: dropping the Ito term would miss by 63 SE), and
  // E[S_1] = S_0 e^mu (SE of the mean price from the sample).
  PathModel m;
  m.assets = {asset("ETH", "2000", 0.1, 0.9)};
  m.steps = 1;
  m.step_seconds = 31'536'000;
  const auto paths = generate_paths(m, 21, 0, 20'000, 2);
  expect_moments(log_returns(paths, 0, 0, 1), 0.1 - 0.405, 0.81);
  std::vector<double> s1;
  for (const Path& p : paths) s1.push_back(static_cast<double>(p.at(1, 0).raw()) / 1e9);
  const Moments ms = moments(s1);
  EXPECT_NEAR(ms.mean, 2000 * std::exp(0.1), 5 * std::sqrt(ms.var / 20'000.0));
}

TEST(SimPaths, MertonJumpMoments) {
  PathModel m;
  AssetModel a = asset("BTC", "60000", 0.2, 0.6);
  a.jumps = {300.0, -0.04, 0.03};  // ~0.034 jumps per hour
  m.assets = {a};
  m.steps = 24;
  m.step_seconds = kHour;
  const auto paths = generate_paths(m, 11, 0, 4000);
  const double dt = kDtHour, lam = 300.0, mj = -0.04, sj = 0.03;
  const double k = std::exp(mj + 0.5 * sj * sj) - 1;
  expect_moments(log_returns(paths, 0, 0, m.steps),
                 (0.2 - lam * k) * dt - 0.5 * 0.36 * dt + lam * dt * mj,
                 0.36 * dt + lam * dt * (mj * mj + sj * sj));
  // Without compensation the mean rises by lambda k dt (k < 0 here, so it falls).
  m.compensate_jumps = false;
  const auto raw = generate_paths(m, 11, 0, 4000);
  expect_moments(log_returns(raw, 0, 0, m.steps), 0.2 * dt - 0.5 * 0.36 * dt + lam * dt * mj,
                 0.36 * dt + lam * dt * (mj * mj + sj * sj));
}

TEST(SimPaths, JumpFrequencyPerAssetAndCommon) {
  PathModel m;
  AssetModel a = asset("A", "100", 0, 0);
  a.jumps = {876.0, -0.1, 0};  // lambda dt = 876 / 8760 = 0.1 per hour
  AssetModel b = asset("B", "100", 0, 0);
  b.jumps = {438.0, -0.2, 0};  // 0.05 per hour
  m.assets = {a, b};
  m.steps = 100;
  m.step_seconds = kHour;
  m.compensate_jumps = false;
  const int n_paths = 2000;
  double count_a = 0, count_b = 0, steps_with_a = 0;
  for (int i = 0; i < n_paths; ++i) {
    PathEvents ev;
    const Path p = generate_path(m, 3, static_cast<uint64_t>(i), &ev);
    count_a += static_cast<double>(ev.jumps[0]);
    count_b += static_cast<double>(ev.jumps[1]);
    for (std::size_t t = 0; t < 100; ++t) {
      // No diffusion: a step's log return is exactly -0.1 per jump (to price rounding).
      const double r = logp(p.at(t + 1, 0)) - logp(p.at(t, 0));
      if (r < -0.05) steps_with_a += 1;
    }
  }
  const double steps = n_paths * 100.0;
  EXPECT_NEAR(count_a / steps, 0.1, 5 * std::sqrt(0.1 / steps));
  EXPECT_NEAR(count_b / steps, 0.05, 5 * std::sqrt(0.05 / steps));
  const double p1 = 1 - std::exp(-0.1);  // P(at least one jump in a step)
  EXPECT_NEAR(steps_with_a / steps, p1, 5 * std::sqrt(p1 * (1 - p1) / steps));

  // Common jumps: one arrival process; both assets jump on the same steps.
  m.jump_scope = JumpScope::Common;
  m.common_intensity = 876.0;
  double common = 0, together = 0, apart = 0;
  for (int i = 0; i < 500; ++i) {
    PathEvents ev;
    const Path p = generate_path(m, 5, static_cast<uint64_t>(i), &ev);
    EXPECT_EQ(ev.jumps[0], ev.jumps[1]);
    common += static_cast<double>(ev.jumps[0]);
    for (std::size_t t = 0; t < 100; ++t) {
      const bool ja = logp(p.at(t + 1, 0)) - logp(p.at(t, 0)) < -0.05;
      const bool jb = logp(p.at(t + 1, 1)) - logp(p.at(t, 1)) < -0.1;
      if (ja && jb) together += 1;
      if (ja != jb) apart += 1;
    }
  }
  EXPECT_NEAR(common / 50'000.0, 0.1, 5 * std::sqrt(0.1 / 50'000.0));
  EXPECT_GT(together, 0);
  EXPECT_EQ(apart, 0);
}

TEST(SimPaths, CorrelationRecoveredAndBroken) {
  PathModel m;
  m.assets = {asset("ETH", "2000", 0, 0.8), asset("stETH", "2000", 0, 0.8)};
  m.correlation = {1, 0.95, 0.95, 1};
  m.steps = 40;
  m.step_seconds = kHour;
  m.correlation_break = CorrelationBreak{21, {1, 0.2, 0.2, 1}};
  const auto paths = generate_paths(m, 99, 0, 1500);
  const auto before_a = log_returns(paths, 0, 0, 20), before_b = log_returns(paths, 1, 0, 20);
  const auto after_a = log_returns(paths, 0, 20, 40), after_b = log_returns(paths, 1, 20, 40);
  const double n = static_cast<double>(before_a.size());
  EXPECT_NEAR(correlation(before_a, before_b), 0.95, 5 * (1 - 0.95 * 0.95) / std::sqrt(n));
  EXPECT_NEAR(correlation(after_a, after_b), 0.2, 5 * (1 - 0.2 * 0.2) / std::sqrt(n));
}

TEST(SimPaths, ThreeAssetCholeskyCorrelations) {
  // L L^T must reproduce the matrix; entries from a hand-chosen PSD matrix.
  const std::vector<double> c = {1, 0.5, 0.3, 0.5, 1, -0.2, 0.3, -0.2, 1};
  const std::vector<double> l = cholesky(c, 3);
  // l00 = 1; l10 = 0.5; l11 = sqrt(0.75); l20 = 0.3; l21 = (-0.2 - 0.15)/sqrt(0.75)
  EXPECT_DOUBLE_EQ(l[0], 1);
  EXPECT_DOUBLE_EQ(l[3], 0.5);
  EXPECT_DOUBLE_EQ(l[4], std::sqrt(0.75));
  EXPECT_DOUBLE_EQ(l[7], -0.35 / std::sqrt(0.75));
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      double v = 0;
      for (std::size_t k = 0; k < 3; ++k) v += l[i * 3 + k] * l[j * 3 + k];
      EXPECT_NEAR(v, c[i * 3 + j], 1e-12);
    }
  }
}

TEST(SimPaths, NonPsdAndMalformedMatricesRejected) {
  auto expect_model_error = [](const PathModel& m, const std::string& fragment) {
    try {
      validate(m);
      ADD_FAILURE() << "accepted";
    } catch (const ModelError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  PathModel m;
  m.assets = {asset("A", "1", 0, 0.5), asset("B", "1", 0, 0.5), asset("C", "1", 0, 0.5)};
  // A ~ B, B ~ C strongly, but A ~ -C: impossible (determinant < 0).
  m.correlation = {1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1};
  expect_model_error(m, "not positive semi-definite");
  m.correlation = {1, 0.5, 0, 0.4, 1, 0, 0, 0, 1};
  expect_model_error(m, "not symmetric");
  m.correlation = {0.9, 0, 0, 0, 1, 0, 0, 0, 1};
  expect_model_error(m, "diagonal must be 1");
  m.correlation = {1, 1.2, 0, 1.2, 1, 0, 0, 0, 1};
  expect_model_error(m, "not in [-1, 1]");
  m.correlation = {1, 0, 0, 1};
  expect_model_error(m, "must be 3 x 3");
  m.correlation.clear();
  m.steps = 10;
  m.correlation_break = CorrelationBreak{5, {1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1}};
  expect_model_error(m, "correlation_break.stressed");
  m.correlation_break.reset();
  m.assets[1].garch = {true, 0.2, 0.8};
  expect_model_error(m, "must be < 1");
  m.assets[1].garch = {};
  m.assets[2].initial = Price{};
  expect_model_error(m, "initial price must be > 0");
  m.assets[2].initial = px("1");
  m.depegs = {DepegScenario{5, 1, 0.9, 1, 0, 0}};
  expect_model_error(m, "asset index out of range");
  m.depegs = {DepegScenario{0, 1, 0.9, 1, 0.5, 0}};
  expect_model_error(m, "half_life_steps");
  EXPECT_THROW((void)generate_path(m, 1, 0), ModelError);

  // Perfect correlation is semi-definite and accepted: two identical assets move identically.
  PathModel twin;
  twin.assets = {asset("A", "100", 0.1, 0.7), asset("B", "100", 0.1, 0.7)};
  twin.correlation = {1, 1, 1, 1};
  twin.steps = 50;
  const Path p = generate_path(twin, 42, 0);
  for (std::size_t t = 0; t <= 50; ++t) EXPECT_EQ(p.at(t, 0), p.at(t, 1));
}

TEST(SimPaths, DeterministicWhateverTheBatchOrThreads) {
  PathModel m;
  AssetModel a = asset("ETH", "2000", 0.1, 0.9);
  a.jumps = {50, -0.1, 0.05};
  a.garch = {true, 0.1, 0.85};
  m.assets = {a, asset("USDC", "1", 0, 0.01)};
  m.correlation = {1, 0.1, 0.1, 1};
  m.steps = 30;
  m.depegs = {DepegScenario{1, 10, 0.9, 0.5, 0.5, 4}};
  const auto one = generate_paths(m, 2024, 0, 40, 1);
  const auto three = generate_paths(m, 2024, 0, 40, 3);
  const auto again = generate_paths(m, 2024, 0, 40, 1);
  ASSERT_EQ(one.size(), 40U);
  for (std::size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(one[i].prices, three[i].prices) << i;
    EXPECT_EQ(one[i].prices, again[i].prices) << i;
    EXPECT_EQ(one[i].prices, generate_path(m, 2024, i).prices) << i;  // alone == in a batch
  }
  // A batch starting elsewhere gives the same path for the same index.
  const auto tail = generate_paths(m, 2024, 25, 5, 2);
  EXPECT_EQ(tail[2].prices, one[27].prices);
  // Another seed or index differs.
  EXPECT_NE(generate_path(m, 2025, 0).prices, one[0].prices);
  EXPECT_NE(one[1].prices, one[0].prices);
  // The seed derivation is pinned: splitmix64(0) is the published first output for seed 0.
  EXPECT_EQ(splitmix64(0), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(path_seed(5, 9), splitmix64(splitmix64(5) ^ 9));
}

TEST(SimPaths, GarchClustersVolatilityAroundTheLongRunVariance) {
  PathModel m;
  AssetModel a = asset("X", "100", 0, 0.8);
  a.garch = {true, 0.1, 0.85};
  m.assets = {a};
  m.steps = 200;
  m.step_seconds = kHour;
  const auto paths = generate_paths(m, 8, 0, 400);
  const double h = 0.64 * kDtHour;
  // Lag-1 autocorrelation of squared returns: GARCH(1,1) theory
  //   rho_1 = alpha (1 - alpha beta - beta^2) / (1 - 2 alpha beta - beta^2)
  //         = 0.1 * 0.1925 / 0.1075 = 0.179
  // (kurtosis finite: (alpha + beta)^2 + 2 alpha^2 = 0.9225 < 1). Without GARCH it is 0.
  auto sq_autocorr = [&](const std::vector<Path>& ps) {
    std::vector<double> x, y;
    for (const Path& p : ps) {
      for (std::size_t t = 0; t + 2 <= 200; ++t) {
        const double r0 = logp(p.at(t + 1, 0)) - logp(p.at(t, 0));
        const double r1 = logp(p.at(t + 2, 0)) - logp(p.at(t + 1, 0));
        x.push_back(r0 * r0);
        y.push_back(r1 * r1);
      }
    }
    return correlation(x, y);
  };
  const double rho = sq_autocorr(paths);
  EXPECT_GT(rho, 0.12);
  EXPECT_LT(rho, 0.24);
  const Moments mo = moments(log_returns(paths, 0, 0, 200));
  EXPECT_NEAR(mo.var, h, 0.1 * h);  // the long-run variance is sigma^2 dt (10%: autocorrelated)
  m.assets[0].garch = {};
  const double flat = sq_autocorr(generate_paths(m, 8, 0, 400));
  EXPECT_NEAR(flat, 0, 5 / std::sqrt(400.0 * 199));
}

TEST(SimPaths, DepegJumpsAndRecoversWithHalfLife) {
  PathModel m;
  m.assets = {asset("USDC", "1", 0, 0)};  // no diffusion: the path is the depeg factor alone
  m.steps = 20;
  m.depegs = {DepegScenario{0, 5, 0.88, 1, 1, 2}};
  const Path p = generate_path(m, 1, 0);
  for (std::size_t t = 0; t < 5; ++t) EXPECT_EQ(p.at(t, 0), px("1"));
  EXPECT_EQ(p.at(5, 0), px("0.88"));
  EXPECT_EQ(p.at(7, 0), px("0.94"));                        // one half-life: 1 - 0.12/2
  EXPECT_EQ(p.at(9, 0), px("0.97"));                        // two: 1 - 0.12/4
  EXPECT_EQ(p.at(6, 0).raw(), 1'000'000'000 - 84'852'814);  // 1 - 0.12 * 2^-0.5 = 0.915147186
  // Not recovering: stays at the level.
  m.depegs[0].recovery_probability = 0;
  const Path q = generate_path(m, 1, 0);
  for (std::size_t t = 5; t <= 20; ++t) EXPECT_EQ(q.at(t, 0), px("0.88"));
  // Probabilities: occurrence 0.3, recovery 0.5 -> depegged 30%, recovered half of those.
  m.depegs[0] = DepegScenario{0, 5, 0.5, 0.3, 0.5, 3};
  double dep = 0, rec = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    PathEvents ev;
    const Path r = generate_path(m, 77, static_cast<uint64_t>(i), &ev);
    if (ev.depegged[0]) {
      dep += 1;
      EXPECT_EQ(r.at(5, 0), px("0.5"));
    } else {
      EXPECT_EQ(r.at(20, 0), px("1"));
    }
    if (ev.recovered[0]) {
      rec += 1;
      EXPECT_GT(r.at(20, 0), px("0.98"));
    }
  }
  EXPECT_NEAR(dep / n, 0.3, 5 * std::sqrt(0.3 * 0.7 / n));
  EXPECT_NEAR(rec / dep, 0.5, 5 * std::sqrt(0.25 / dep));
}

TEST(SimPaths, ModelToPriceBoundary) {
  EXPECT_EQ(to_model_price(1.0), px("1"));
  EXPECT_EQ(to_model_price(117.44).raw(), 117'440'000'000);
  EXPECT_EQ(to_model_price(2.5e-9).raw(), 3);  // nearest, ties away from zero
  EXPECT_EQ(to_model_price(1.4e-9).raw(), 1);
  EXPECT_EQ(to_model_price(0.0).raw(), 1);  // never <= 0: floored at 1e-9
  EXPECT_EQ(to_model_price(-5.0).raw(), 1);
  EXPECT_THROW((void)to_model_price(std::nan("")), ModelError);
  EXPECT_THROW((void)to_model_price(1e11), OverflowError);  // 1e20 raw > int64
  // A crash path driven to ~0 stays positive.
  PathModel m;
  AssetModel a = asset("LUNA", "0.0001", 0, 0);
  a.jumps = {876'000, -5, 0};  // ten jumps of e^-5 per hour
  m.assets = {a};
  m.compensate_jumps = false;
  m.steps = 10;
  m.step_seconds = kHour;
  const Path p = generate_path(m, 1, 0);
  EXPECT_EQ(p.at(10, 0).raw(), 1);
}

TEST(SimPaths, RngDrawsHaveTheirDistributions) {
  PathRng rng(123);
  std::vector<double> z;
  double umin = 1, umax = 0;
  for (int i = 0; i < 200'000; ++i) {
    z.push_back(rng.normal());
    const double u = rng.uniform();
    umin = std::min(umin, u);
    umax = std::max(umax, u);
  }
  const Moments m = moments(z);
  EXPECT_NEAR(m.mean, 0, 5 * std::sqrt(1.0 / 200'000));
  EXPECT_NEAR(m.var, 1, 5 * std::sqrt(2.0 / 200'000));
  EXPECT_NEAR(m.m4, 3, 0.1);  // normal kurtosis
  EXPECT_GT(umin, 0);
  EXPECT_LE(umax, 1);
  // Poisson: mean and variance both lambda, including the large-mean pieces.
  for (double lam : {0.3, 4.0, 75.0}) {
    std::vector<double> k;
    for (int i = 0; i < 20'000; ++i) k.push_back(static_cast<double>(rng.poisson(lam)));
    const Moments pm = moments(k);
    EXPECT_NEAR(pm.mean, lam, 5 * std::sqrt(lam / 20'000)) << lam;
    EXPECT_NEAR(pm.var, lam, 5 * lam * std::sqrt((2 + 1 / lam) / 20'000)) << lam;
  }
  // Same seed, same stream.
  PathRng a(9), b(9);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.normal(), b.normal());
}

}  // namespace
}  // namespace backstop::sim
