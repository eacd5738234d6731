#include "backstop/waterfall/mutualize.h"

#include <algorithm>
#include <stdexcept>

#include "backstop/model/asset.h"
#include "backstop/model/perp.h"
#include "backstop/waterfall/apportion.h"

namespace backstop {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

}  // namespace

std::optional<HaircutResult> supplier_haircut(Index supply_index, int64_t total_scaled,
                                              Quantity loss) {
  require(!loss.is_negative(), "haircut: negative loss");
  require(total_scaled >= 0, "haircut: negative total supply");
  require(supply_index.is_positive(), "haircut: non-positive supply index");
  if (total_scaled == 0) return std::nullopt;
  const int128 delta = mul_div(loss.raw(), kIndexOne, total_scaled, Rounding::Up);
  HaircutResult r;
  r.new_index = delta >= supply_index.raw()
                    ? Index{}
                    : Index::from_raw(narrow64(supply_index.raw() - delta, "haircut index"));
  const Quantity before = supplied_amount(total_scaled, supply_index);
  r.absorbed = before - supplied_amount(total_scaled, r.new_index);
  r.unabsorbed = loss > r.absorbed ? loss - r.absorbed : Quantity{};
  return r;
}

std::optional<OiSocialization> socialize_over_oi(Quantity loss, Quantity long_oi, Quantity short_oi,
                                                 int base_decimals, int quote_decimals) {
  require(!loss.is_negative() && !long_oi.is_negative() && !short_oi.is_negative(),
          "socialize: negative loss or open interest");
  require(base_decimals >= 0 && base_decimals <= kMaxAssetDecimals && quote_decimals >= 0 &&
              quote_decimals <= kMaxAssetDecimals,
          "socialize: decimals outside [0, 18]");
  const int128 oi = static_cast<int128>(long_oi.raw()) + short_oi.raw();
  if (oi == 0) return std::nullopt;
  // loss * 10^(bd + 9) / (oi * 10^qd); oi * 10^qd < 2^64 * 10^18 fits int128.
  const int128 den = oi * pow10_128(quote_decimals);
  const int128 delta =
      mul_div(loss.raw(), pow10_128(base_decimals + kPriceDecimals), den, Rounding::Up);
  OiSocialization s;
  s.long_index_delta = Price::from_raw(narrow64(delta, "socialize delta"));
  s.short_index_delta = -s.long_index_delta;
  s.collects_at_least = to_quote(oi, delta, base_decimals, quote_decimals, Rounding::Down);
  s.excess_bound =
      std::max(Quantity::from_raw(1), to_quote(oi, 1, base_decimals, quote_decimals, Rounding::Up));
  return s;
}

std::optional<std::vector<RedistributionShare>> redistribute(
    Quantity debt, Quantity collateral, std::span<const RedistributionRecipient> recipients) {
  require(!debt.is_negative() && !collateral.is_negative(), "redistribute: negative amount");
  std::vector<int128> w;
  std::vector<uint32_t> keys;
  w.reserve(recipients.size());
  keys.reserve(recipients.size());
  int128 total = 0;
  for (const RedistributionRecipient& r : recipients) {
    require(!r.stake.is_negative(), "redistribute: negative stake");
    w.push_back(r.stake.raw());
    keys.push_back(r.account);
    total += r.stake.raw();
  }
  std::vector<uint32_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  require(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
          "redistribute: account listed twice");
  if (total == 0) return std::nullopt;
  const std::vector<int64_t> d = apportion(debt.raw(), w, keys);
  const std::vector<int64_t> c = apportion(collateral.raw(), w, keys);
  std::vector<RedistributionShare> out(recipients.size());
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    out[i] = {recipients[i].account, Quantity::from_raw(d[i]), Quantity::from_raw(c[i])};
  }
  return out;
}

}  // namespace backstop
