#include "backstop/margin/liquidation_price.h"

#include <algorithm>
#include <array>

#include "backstop/margin/risk.h"

namespace backstop {
namespace {

struct Probe {
  MarginCache cache;  // private copy; one entry is overridden per evaluation
  const MarginAccount& account;
  DriverKind kind;
  uint16_t id;

  int64_t excess(int64_t price_raw) {
    const Price p = Price::from_raw(price_raw);
    if (kind == DriverKind::Asset) {
      override_asset_price(cache, id, p);
    } else {
      override_mark_price(cache, id, p);
    }
    return maint_excess(cache, account).raw();
  }
  AccountRisk risk(int64_t price_raw) {
    (void)excess(price_raw);
    return compute_risk(cache, account);
  }
};

struct Boundary {
  int64_t price = 0;  // first liquidatable price on this side
  bool analytic = false;
};

// Integer bisection between a safe price and a liquidatable one; returns the liquidatable price
// adjacent (one tick) to the safe region.
int64_t bisect(Probe& pr, int64_t safe, int64_t unsafe) {
  while (safe - unsafe > 1 || unsafe - safe > 1) {
    const int64_t mid = safe + (unsafe - safe) / 2;
    if (pr.excess(mid) < 0) {
      unsafe = mid;
    } else {
      safe = mid;
    }
  }
  return unsafe;
}

// Closed form for an excess that is affine in the price on [p0, pb]: p* where the line crosses
// -1 micro-dollar (the first liquidatable value), then confirmed on the exact valuation.
std::optional<int64_t> closed_form(Probe& pr, int64_t p0, int64_t e0, int64_t pb, int64_t eb) {
  const int64_t pm = p0 + (pb - p0) / 2;
  const int128 em = pr.excess(pm);
  // Linear interpolation at pm must match within rounding (a few micro-dollars).
  const int128 lin =
      e0 + div_round(static_cast<int128>(eb - e0) * (pm - p0), pb - p0, Rounding::Down);
  if (em - lin > 4 || lin - em > 4) return std::nullopt;
  // e(p) = e0 + (eb - e0) (p - p0) / (pb - p0); solve e(p) = -1/2 (between the last safe and
  // first unsafe micro-dollar), rounding toward p0.
  const int128 num = static_cast<int128>(2 * e0 + 1) * (pb - p0);
  const int128 den = static_cast<int128>(2) * (e0 - eb);
  const int64_t guess = narrow64(p0 + div_round(num, den, pb > p0 ? Rounding::Down : Rounding::Up));
  // Confirm on the exact valuation. Rounding to micro-dollars makes the excess flat over runs of
  // ticks, so resolve the last plateau by doubling out from the guess and bisecting.
  const int64_t toward_unsafe = pb > p0 ? 1 : -1;
  int64_t safe = guess;
  int64_t unsafe = guess;
  int64_t d = 1;
  while (pr.excess(safe) < 0 && d < (int64_t{1} << 40)) {
    safe = std::clamp<int64_t>(guess - toward_unsafe * d, std::min(p0, pb), std::max(p0, pb));
    d *= 2;
  }
  d = 1;
  while (pr.excess(unsafe) >= 0 && d < (int64_t{1} << 40)) {
    unsafe = std::clamp<int64_t>(guess + toward_unsafe * d, std::min(p0, pb), std::max(p0, pb));
    d *= 2;
  }
  if (pr.excess(safe) < 0 || pr.excess(unsafe) >= 0) return std::nullopt;
  const int64_t p = bisect(pr, safe, unsafe);
  // The closed form must have landed within a rounding plateau of the exact answer.
  const int64_t tolerance = std::max<int64_t>(1000, (p0 < 0 ? -p0 : p0) / 1'000'000);
  if (p - guess > tolerance || guess - p > tolerance) return std::nullopt;
  return p;
}

// Independent rounding of collateral (down) and requirements (up) can make the excess flicker
// between 0 and -1 micro-dollar over a few ticks at the boundary, so a bisection may land on a
// later crossing. Scan a short window from the found price back toward p0 and keep the
// liquidatable tick nearest to p0: the first price at which the account is liquidatable.
int64_t nearest_unsafe(Probe& pr, int64_t p0, int64_t unsafe) {
  constexpr int64_t kWindow = 4096;
  const int64_t step = unsafe > p0 ? -1 : 1;  // toward p0
  int64_t best = unsafe;
  for (int64_t i = 1, p = unsafe + step; i <= kWindow && p != p0; ++i, p += step) {
    if (pr.excess(p) < 0) best = p;
  }
  return best;
}

std::optional<Boundary> search(Probe& pr, int64_t p0, int64_t e0, bool down) {
  // Geometric brackets: -1%, -5%, ... down to one tick; +1%, ... up to 100x.
  static constexpr std::array<int64_t, 9> kDownPermille = {990, 950, 900, 800, 500,
                                                           250, 100, 10,  0};
  static constexpr std::array<int64_t, 9> kUpPermille = {1010, 1050, 1100,  1250,  1500,
                                                         2000, 4000, 10000, 100000};
  const auto& steps = down ? kDownPermille : kUpPermille;
  int64_t safe = p0;
  for (const int64_t permille : steps) {
    const int128 wide_p = mul_div(p0, permille, 1000, down ? Rounding::Down : Rounding::Up);
    if (wide_p > INT64_MAX) break;  // beyond the largest representable price
    int64_t p = static_cast<int64_t>(wide_p);
    if (p < 1) p = 1;
    if (p == safe) continue;
    const int64_t e = pr.excess(p);
    if (e < 0) {
      if (auto cf = closed_form(pr, p0, e0, p, e)) {
        return Boundary{nearest_unsafe(pr, p0, *cf), true};
      }
      return Boundary{nearest_unsafe(pr, p0, bisect(pr, safe, p)), false};
    }
    safe = p;
  }
  return std::nullopt;
}

std::optional<double> dte(const AccountRisk& r) {
  if (r.equity.raw() <= 0) return std::nullopt;
  // Statistics boundary: Value -> double (documented in docs/metrics.md).
  return static_cast<double>(r.total_debt.raw()) / static_cast<double>(r.equity.raw());
}

}  // namespace

std::vector<DriverRisk> driver_risks(const MarginCache& c, const MarginAccount& a) {
  std::vector<std::pair<DriverKind, uint16_t>> ids;
  for (const TokenBalance& b : a.balances) {
    if (b.scaled != 0) ids.emplace_back(DriverKind::Asset, b.asset);
  }
  for (const PerpPosition& p : a.positions) {
    const AssetId q = c.markets[p.market].quote;
    if (std::find(ids.begin(), ids.end(), std::pair{DriverKind::Asset, q}) == ids.end()) {
      ids.emplace_back(DriverKind::Asset, q);
    }
  }
  std::sort(ids.begin(), ids.end());
  for (const PerpPosition& p : a.positions) ids.emplace_back(DriverKind::Market, p.market);

  const AccountRisk base = compute_risk(c, a);
  const int64_t e0 = base.excess_maint.raw();
  std::vector<DriverRisk> out;
  for (const auto& [kind, id] : ids) {
    DriverRisk d;
    d.kind = kind;
    d.id = id;
    d.current = kind == DriverKind::Asset ? c.assets[id].price : c.markets[id].mark;
    Probe pr{c, a, kind, id};
    const int64_t p0 = d.current.raw();
    if (base.liquidatable || e0 < 0) {
      d.already_liquidatable = true;
    } else if (p0 > 0) {
      // A bracket price at which the account can no longer be valued (amounts beyond 64 bits)
      // ends the search on that side: no liquidation price is reported there.
      auto guarded = [&](bool down) -> std::optional<Boundary> {
        try {
          return search(pr, p0, e0, down);
        } catch (const OverflowError&) {
          return std::nullopt;
        }
      };
      auto lo = guarded(true);
      auto hi = guarded(false);
      std::optional<Boundary> best;
      if (lo && hi) {
        best = (p0 - lo->price) <= (hi->price - p0) ? lo : hi;
      } else {
        best = lo ? lo : hi;
      }
      if (best) {
        d.liquidation_price = Price::from_raw(best->price);
        d.method = best->analytic ? SolveMethod::Analytic : SolveMethod::Numeric;
        d.distance = ratio_of(static_cast<int128>(best->price) - p0, p0, Rounding::TowardZero);
      }
    }
    if (p0 > 0 && p0 < INT64_MAX - p0 / 1000) {
      // Central difference over +/-0.1% of the price on the exact valuation.
      const int64_t h = std::max<int64_t>(1, p0 / 1000);
      std::optional<double> up;
      std::optional<double> dn;
      try {
        up = dte(pr.risk(p0 + h));
        dn = dte(pr.risk(std::max<int64_t>(1, p0 - h)));
      } catch (const OverflowError&) {
        up.reset();  // not valuable at the bumped price: no sensitivity reported
      }
      if (up && dn) {
        const double dp = static_cast<double>((p0 + h) - std::max<int64_t>(1, p0 - h)) /
                          static_cast<double>(kPriceOne);  // price ticks -> quote units
        d.dte_delta = (*up - *dn) / dp;
      }
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace backstop
