#include "backstop/waterfall/adl.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "backstop/money/wide.h"
#include "backstop/waterfall/apportion.h"

namespace backstop {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

int128 abs128(int128 v) {
  return v < 0 ? -v : v;
}

// An exact extended rational: kind -1 = -inf, 0 = num / den (den > 0), +1 = +inf.
struct Score {
  int kind = 0;
  Int256 num = 0;
  Int256 den = 1;
};

int compare(const Score& a, const Score& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.kind != 0) return 0;
  const Int256 l = a.num * b.den;  // each factor < 2^128: the product fits 256 bits
  const Int256 r = b.num * a.den;
  return l < r ? -1 : (l > r ? 1 : 0);
}

void check_values(const AdlCandidate& c) {
  require(!c.entry_value.is_zero() && !c.mark_value.is_zero(),
          "adl: entry and mark values must be non-zero");
  require(c.entry_value.is_negative() == c.mark_value.is_negative(),
          "adl: entry and mark values of one position must have the same sign");
}

Score pnl_leverage(const AdlCandidate& c) {
  check_values(c);
  const int128 mv = c.mark_value.raw();
  const int128 ev = c.entry_value.raw();
  const int128 pnl = mv - ev;
  const int128 cushion = mv - static_cast<int128>(c.bankrupt_value.raw());
  if (pnl > 0) {
    if (cushion <= 0) return {1, 0, 1};  // infinite leverage, in profit
    return {0, to256(pnl) * to256(abs128(mv)), to256(abs128(ev)) * to256(cushion)};
  }
  if (cushion <= 0) return {0, 0, 1};  // PNL% / inf
  return {0, to256(pnl) * to256(cushion), to256(abs128(ev)) * to256(abs128(mv))};
}

Score hyperliquid(const AdlCandidate& c) {
  check_values(c);
  if (!c.equity.is_positive()) return {1, 0, 1};
  const int128 mv = abs128(c.mark_value.raw());
  const int128 ev = abs128(c.entry_value.raw());
  const int128 eq = c.equity.raw();
  if (c.mark_value.is_positive()) {  // long: (mark / entry) * |MV| / equity = MV^2 / (EV * equity)
    return {0, to256(mv) * to256(mv), to256(ev) * to256(eq)};
  }
  // short: (entry / mark) * |MV| / equity = |EV| / equity
  return {0, to256(ev), to256(eq)};
}

int128 risk_leverage(const AdlCandidate& c) {
  check_values(c);
  const int128 cushion = static_cast<int128>(c.mark_value.raw()) - c.bankrupt_value.raw();
  if (cushion <= 0) return kMaxAdlLeverageRaw;
  const int128 l = mul_div(abs128(c.mark_value.raw()), kRatioOne, cushion, Rounding::Down);
  return std::clamp<int128>(l, 1, kMaxAdlLeverageRaw);
}

int128 weight(AdlRanking ranking, const AdlCandidate& c) {
  require(!c.size.is_negative(), "adl: negative size");
  if (ranking == AdlRanking::ProRata) return c.size.raw();
  return static_cast<int128>(c.size.raw()) * risk_leverage(c);
}

Score score(AdlRanking ranking, const AdlCandidate& c) {
  switch (ranking) {
    case AdlRanking::PnlLeverage:
      return pnl_leverage(c);
    case AdlRanking::Hyperliquid:
      return hyperliquid(c);
    case AdlRanking::ProRata:
    case AdlRanking::RiskAwareProRata:
      return {0, to256(weight(ranking, c)), 1};
  }
  throw std::invalid_argument("adl: unknown ranking");
}

// Water-filling pro rata: fills per candidate (same order), Σ == min(to_close, Σ size).
std::vector<int64_t> pro_rata(AdlRanking ranking, int64_t to_close,
                              std::span<const AdlCandidate> cs) {
  const std::size_t n = cs.size();
  std::vector<int64_t> fill(n, 0);
  std::vector<int128> w(n);
  std::vector<bool> active(n);
  int128 total_size = 0;
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = weight(ranking, cs[i]);
    active[i] = cs[i].size.is_positive();
    total_size += cs[i].size.raw();
  }
  if (total_size <= to_close) {  // everyone is closed fully
    for (std::size_t i = 0; i < n; ++i) fill[i] = cs[i].size.raw();
    return fill;
  }
  int64_t left = to_close;  // invariant: left <= Σ size over active candidates
  while (left > 0) {
    Int256 wsum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (active[i]) wsum += to256(w[i]);
    }
    bool capped = false;
    for (std::size_t i = 0; i < n; ++i) {
      // ideal share left * w_i / W reaches the size: close it fully.
      if (active[i] && to256(left) * to256(w[i]) >= to256(cs[i].size.raw()) * wsum) {
        fill[i] = cs[i].size.raw();
        active[i] = false;
        capped = true;
      }
    }
    if (capped) {
      left = to_close;
      for (std::size_t i = 0; i < n; ++i) {
        if (!active[i]) left -= fill[i];
      }
      continue;
    }
    std::vector<int128> aw;
    std::vector<uint32_t> keys;
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < n; ++i) {
      if (!active[i]) continue;
      aw.push_back(w[i]);
      keys.push_back(cs[i].account);
      at.push_back(i);
    }
    const std::vector<int64_t> share = apportion(left, aw, keys);
    for (std::size_t k = 0; k < at.size(); ++k) fill[at[k]] = share[k];
    break;
  }
  return fill;
}

}  // namespace

int compare_adl_score(AdlRanking ranking, const AdlCandidate& a, const AdlCandidate& b) {
  return compare(score(ranking, a), score(ranking, b));
}

bool adl_before(AdlRanking ranking, const AdlCandidate& a, const AdlCandidate& b) {
  const int c = compare_adl_score(ranking, a, b);
  if (c != 0) return c > 0;
  return a.account < b.account;
}

std::vector<std::size_t> adl_queue(AdlRanking ranking, std::span<const AdlCandidate> candidates) {
  std::vector<Score> s;
  s.reserve(candidates.size());
  for (const AdlCandidate& c : candidates) s.push_back(score(ranking, c));
  std::vector<std::size_t> idx(candidates.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const int c = compare(s[a], s[b]);
    if (c != 0) return c > 0;
    if (candidates[a].account != candidates[b].account) {
      return candidates[a].account < candidates[b].account;
    }
    return a < b;
  });
  return idx;
}

AdlResult allocate_adl(AdlRanking ranking, PositionSide candidate_side, Quantity to_close,
                       Price bankruptcy_price, std::span<const AdlCandidate> candidates) {
  require(!to_close.is_negative(), "adl: negative size to close");
  std::vector<AccountId> ids;
  ids.reserve(candidates.size());
  for (const AdlCandidate& c : candidates) {
    require(!c.size.is_negative(), "adl: negative size");
    if (ranking != AdlRanking::ProRata) {
      check_values(c);
      require(c.mark_value.is_positive() == (candidate_side == PositionSide::Long),
              "adl: candidate on the wrong side");
    }
    ids.push_back(c.account);
  }
  std::sort(ids.begin(), ids.end());
  require(std::adjacent_find(ids.begin(), ids.end()) == ids.end(), "adl: account listed twice");

  AdlResult r;
  std::vector<int64_t> fill(candidates.size(), 0);
  std::vector<std::size_t> order;
  if (ranking == AdlRanking::PnlLeverage || ranking == AdlRanking::Hyperliquid) {
    order = adl_queue(ranking, candidates);
    int64_t left = to_close.raw();
    for (const std::size_t i : order) {
      fill[i] = std::min(left, candidates[i].size.raw());
      left -= fill[i];
    }
  } else {
    fill = pro_rata(ranking, to_close.raw(), candidates);
    order.resize(candidates.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return candidates[a].account < candidates[b].account;
    });
  }
  for (const std::size_t i : order) {
    if (fill[i] == 0) continue;
    r.fills.push_back({candidates[i].account, Quantity::from_raw(fill[i]), bankruptcy_price});
    r.filled += Quantity::from_raw(fill[i]);
  }
  r.unfilled = to_close - r.filled;
  return r;
}

}  // namespace backstop
