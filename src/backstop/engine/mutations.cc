#include "backstop/engine/mutations.h"

#include <fmt/format.h>

#include <algorithm>

#include "backstop/engine/balance_ops.h"
#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"

namespace backstop {

Outcome check_price(Price next, Price prev, const std::optional<Ratio>& max_move,
                    std::string_view what) {
  if (next.raw() <= 0) {
    return {Reject::InvalidPrice, fmt::format("{} price {} is not positive", what, format(next))};
  }
  if (max_move && prev.raw() > 0) {
    const int128 diff = static_cast<int128>(next.raw()) - prev.raw();
    const int128 mag = diff < 0 ? -diff : diff;
    if (compare_ratio(mag, prev.raw(), max_move->raw(), kRatioOne) > 0) {
      return {Reject::AbsurdPriceMove, fmt::format("{} price {} moves more than {} from {}", what,
                                                   format(next), format(*max_move), format(prev))};
    }
  }
  return {};
}

void Mutation::accrue_to(Timestamp t) {
  for (std::size_t i = 0; i < s_.assets.size(); ++i) {
    AssetState& a = s_.assets[i];
    const AssetParams& p = s_.asset_params[i];
    const Timestamp dt = t - a.last_accrual;
    if (dt <= 0) continue;
    a.last_accrual = t;
    if (a.total_borrow_scaled == 0) continue;
    const Ratio u = utilization(a);
    const Ratio br = borrow_rate(p.rates, u);
    const Ratio sr = supply_rate(p.rates, u, p.reserve_factor);
    const int128 den = static_cast<int128>(kRatioOne) * kSecondsPerYear;
    a.borrow_index += Index::from_raw(narrow64(
        mul_mul_div(a.borrow_index.raw(), br.raw(), dt, den, Rounding::Up), "borrow index"));
    a.supply_index += Index::from_raw(narrow64(
        mul_mul_div(a.supply_index.raw(), sr.raw(), dt, den, Rounding::Down), "supply index"));
  }
  s_.now = t;
}

MarginAccount& Mutation::touch(AccountId id) {
  bool saved = false;
  for (const auto& [sid, acct] : saved_) saved = saved || sid == id;
  if (!saved) saved_.emplace_back(id, s_.accounts.at(id));
  return s_.accounts[id];
}

void Mutation::restore_accounts() {
  for (auto& [id, acct] : saved_) s_.accounts[id] = std::move(acct);
  saved_.clear();
}

Outcome Mutation::check_initial(AccountId id) {
  const MarginCache c = build_margin_cache(s_);
  const AccountRisk r = compute_risk(c, s_.accounts[id]);
  if (!r.prices_usable) {
    return {Reject::StalePrice, fmt::format("account {}: a price it depends on is stale or missing",
                                            s_.account_name(id))};
  }
  if (!r.initial_ok) {
    return {Reject::InitialMargin,
            fmt::format("account {}: initial requirement {} exceeds weighted collateral {} "
                        "(free collateral would be {})",
                        s_.account_name(id), format(r.initial_requirement),
                        format(r.weighted_collateral_initial), format(r.free_collateral))};
  }
  return {};
}

std::optional<AssetId> Mutation::isolated_collateral(const MarginAccount& a) const {
  for (const TokenBalance& b : a.balances) {
    const AssetParams& p = s_.asset_params[b.asset];
    if (b.scaled > 0 && p.isolation_ceiling && p.weight_maint.is_positive()) return b.asset;
  }
  return std::nullopt;
}

// Aave isolation mode, made explicit: an isolated collateral must be the account's only
// collateral, so a deposit that would mix it with another weighted collateral is rejected.
Outcome Mutation::check_isolation_mix(const MarginAccount& a, AssetId adding) const {
  const AssetParams& p = s_.asset_params[adding];
  if (!p.weight_maint.is_positive()) return {};
  for (const TokenBalance& b : a.balances) {
    if (b.scaled <= 0 || b.asset == adding) continue;
    const AssetParams& q = s_.asset_params[b.asset];
    if (!q.weight_maint.is_positive()) continue;
    if (p.isolation_ceiling || q.isolation_ceiling) {
      const AssetId iso = p.isolation_ceiling ? adding : b.asset;
      return {Reject::IsolationMode,
              fmt::format("isolated collateral {} cannot be combined with other collateral ({})",
                          sym(iso), sym(iso == adding ? b.asset : adding))};
    }
  }
  return {};
}

Outcome Mutation::apply(const Deposit& e, Timestamp /*t*/) {
  const AssetParams& p = s_.asset_params.at(e.asset);
  if (!e.amount.is_positive()) return {Reject::InvalidAmount, "deposit amount must be positive"};
  MarginAccount& a = touch(e.account);
  if (a.mode == MarginMode::Isolated && s_.perp_params[*a.isolated_market].quote != e.asset) {
    return {Reject::WrongMarket,
            fmt::format("isolated sub-account {} holds only {}", s_.account_name(e.account),
                        sym(s_.perp_params[*a.isolated_market].quote))};
  }
  if (Outcome o = check_isolation_mix(a, e.asset); !o.ok()) return o;
  AssetState& st = s_.assets[e.asset];
  if (p.supply_cap) {
    // A deposit into a borrowed balance repays the debt first; only the rest is new supply.
    const TokenBalance* held = a.balance(e.asset);
    const Quantity owed =
        held != nullptr && held->scaled < 0 ? -signed_amount(*held, st) : Quantity{};
    const Quantity added = e.amount > owed ? e.amount - owed : Quantity{};
    const Quantity after = total_supply(st) + added;
    if (added.is_positive() && after > *p.supply_cap) {
      return {Reject::SupplyCap,
              fmt::format("supply cap of {} {}: total supply would be {}",
                          format(*p.supply_cap, p.decimals), p.symbol, format(after, p.decimals))};
    }
  }
  TokenBalance& b = a.balance_mut(e.asset);
  adjust_balance(b, st, e.amount);
  a.compact();
  return {};
}

Outcome Mutation::apply(const Withdraw& e, Timestamp /*t*/) {
  const AssetParams& p = s_.asset_params.at(e.asset);
  if (!e.amount.is_positive()) return {Reject::InvalidAmount, "withdraw amount must be positive"};
  MarginAccount& a = touch(e.account);
  AssetState& st = s_.assets[e.asset];
  TokenBalance& b = a.balance_mut(e.asset);
  const Quantity have = signed_amount(b, st);
  if (have < e.amount) {
    return {Reject::InsufficientBalance,
            fmt::format("withdraw {} {} but the balance is {}", format(e.amount, p.decimals),
                        p.symbol, format(have, p.decimals))};
  }
  const Quantity cash = total_supply(st) - total_borrow(st);
  if (cash < e.amount) {
    return {Reject::InsufficientBalance,
            fmt::format("pool liquidity of {} is {}, below the {} requested", p.symbol,
                        format(cash, p.decimals), format(e.amount, p.decimals))};
  }
  adjust_balance(b, st, -e.amount);
  a.compact();
  if (!a.positions.empty() || std::any_of(a.balances.begin(), a.balances.end(),
                                          [](const TokenBalance& x) { return x.scaled < 0; })) {
    return check_initial(e.account);
  }
  return {};
}

Outcome Mutation::apply(const Borrow& e, Timestamp /*t*/) {
  const AssetParams& p = s_.asset_params.at(e.asset);
  if (!e.amount.is_positive()) return {Reject::InvalidAmount, "borrow amount must be positive"};
  if (!p.borrowable) return {Reject::NotBorrowable, fmt::format("{} is not borrowable", p.symbol)};
  MarginAccount& a = touch(e.account);
  if (a.mode == MarginMode::Isolated) {
    return {Reject::NotBorrowable, "isolated perp sub-accounts cannot borrow"};
  }
  AssetState& st = s_.assets[e.asset];
  if (st.price.raw() <= 0) return {Reject::StalePrice, fmt::format("{} has no price", p.symbol)};
  TokenBalance& b = a.balance_mut(e.asset);
  if (b.scaled > 0) {
    return {Reject::InsufficientBalance,
            fmt::format("account holds a {} deposit: withdraw it before borrowing {}", p.symbol,
                        p.symbol)};
  }
  const Quantity after = total_borrow(st) + e.amount;
  if (p.borrow_cap && after > *p.borrow_cap) {
    return {Reject::BorrowCap,
            fmt::format("borrow cap of {} {}: total borrows would be {}",
                        format(*p.borrow_cap, p.decimals), p.symbol, format(after, p.decimals))};
  }
  if (after > total_supply(st)) {
    return {Reject::InsufficientBalance,
            fmt::format("pool liquidity of {} is {}, below the {} requested", p.symbol,
                        format(total_supply(st) - total_borrow(st), p.decimals),
                        format(e.amount, p.decimals))};
  }
  const Value amount_value = value_of(e.amount, p.decimals, st.price, Rounding::Up);
  if (p.debt_ceiling) {
    const Value v = value_of(after, p.decimals, st.price, Rounding::Up);
    if (v > *p.debt_ceiling) {
      return {Reject::DebtCeiling, fmt::format("debt ceiling of {} for {}: borrows would be {}",
                                               format(*p.debt_ceiling), p.symbol, format(v))};
    }
  }
  if (s_.params.global_debt_ceiling) {
    Value total = amount_value;
    for (std::size_t i = 0; i < s_.assets.size(); ++i) {
      if (s_.assets[i].total_borrow_scaled == 0) continue;
      total += value_of(total_borrow(s_.assets[i]), s_.asset_params[i].decimals, s_.assets[i].price,
                        Rounding::Up);
    }
    if (total > *s_.params.global_debt_ceiling) {
      return {Reject::GlobalDebtCeiling,
              fmt::format("global debt ceiling of {}: venue debt would be {}",
                          format(*s_.params.global_debt_ceiling), format(total))};
    }
  }
  if (const auto iso = isolated_collateral(a)) {
    const AssetParams& ip = s_.asset_params[*iso];
    if (!p.borrowable_in_isolation) {
      return {
          Reject::IsolationMode,
          fmt::format("{} is not borrowable against isolated collateral {}", p.symbol, ip.symbol)};
    }
    AssetState& is = s_.assets[*iso];
    const Value next = is.isolation_debt + amount_value;
    if (next > *ip.isolation_ceiling) {
      return {Reject::IsolationCeiling,
              fmt::format("isolation debt ceiling of {} for {}: isolated debt would be {}",
                          format(*ip.isolation_ceiling), ip.symbol, format(next))};
    }
    is.isolation_debt = next;
  }
  adjust_balance(b, st, -e.amount);
  return check_initial(e.account);
}

Outcome Mutation::apply(const Repay& e, Timestamp /*t*/) {
  const AssetParams& p = s_.asset_params.at(e.asset);
  if (!e.amount.is_positive()) return {Reject::InvalidAmount, "repay amount must be positive"};
  MarginAccount& a = touch(e.account);
  AssetState& st = s_.assets[e.asset];
  TokenBalance& b = a.balance_mut(e.asset);
  const Quantity owed = -signed_amount(b, st);
  if (!owed.is_positive()) {
    a.compact();
    return {Reject::InsufficientBalance, fmt::format("no {} debt to repay", p.symbol)};
  }
  const Quantity pay = std::min(owed, e.amount);
  adjust_balance(b, st, pay);
  if (const auto iso = isolated_collateral(a)) {
    AssetState& is = s_.assets[*iso];
    const Value paid = value_of(pay, p.decimals, st.price, Rounding::Down);
    is.isolation_debt = paid > is.isolation_debt ? Value{} : is.isolation_debt - paid;
  }
  a.compact();
  return {};
}

Outcome Mutation::apply(const SetAssetPrice& e, Timestamp t) {
  AssetState& st = s_.assets.at(e.asset);
  const AssetParams& p = s_.asset_params[e.asset];
  if (Outcome o = check_price(e.price, st.price, p.max_price_move, p.symbol); !o.ok()) return o;
  st.price = e.price;
  st.price_time = t;
  return {};
}

Outcome Mutation::apply(const Tick& /*e*/, Timestamp /*t*/) {
  return {};
}

}  // namespace backstop
