// [[account]] sections: owners, their isolated sub-accounts and initial deposits.
#include <fmt/format.h>

#include <algorithm>

#include "backstop/scenario/parse_internal.h"

namespace backstop::scenario_detail {

namespace {

void parse_account(Builder& b, const toml::table& t, const std::string& path) {
  const Fields f(b.diag, t, path, {"id", "isolated", "deposits"});
  const std::optional<std::string> id = f.str("id", true);
  if (!id) return;
  if (!is_safe_name(*id)) {
    f.error("id", fmt::format("'{}' is not a valid account id: use letters, digits, '_', '-', '.' "
                              "('/' is reserved for sub-accounts)",
                              *id));
    b.broken_accounts.emplace(*id, true);
    return;
  }
  if (const auto it = b.account_lines.find(*id); it != b.account_lines.end()) {
    f.error("id",
            fmt::format("duplicate account id '{}' (first defined on line {})", *id, it->second));
    return;
  }
  b.account_lines.emplace(*id, f.where().begin.line);
  State& s = b.state();
  const OwnerId owner = s.add_owner(*id);
  const AccountId cross = s.owners[owner].accounts.front();
  b.accounts.emplace(*id, cross);

  if (const toml::array* iso = f.array("isolated")) {
    std::size_t i = 0;
    for (const toml::node& el : *iso) {
      const std::string field = fmt::format("{}[{}]", f.field("isolated"), i++);
      const auto* sym = el.as_string();
      if (sym == nullptr) {
        b.diag.error(el.source(), field,
                     fmt::format("expected a market symbol, got {}", type_name(el)));
        continue;
      }
      const auto market = s.find_market(sym->get());
      if (!market) {
        if (!b.broken_symbols.contains(sym->get())) {
          b.diag.error(el.source(), field, fmt::format("unknown market '{}'", sym->get()));
        }
        continue;
      }
      const AccountId sub = s.add_isolated(owner, *market);
      b.accounts.emplace(s.account_name(sub), sub);
    }
  }

  // deposits = { USDC = "10000", WETH = "2" }: deposit events at t = 0, in file order.
  if (const toml::table* deps = f.subtable("deposits")) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [k, v] : *deps) entries.emplace_back(&k, &v);
    std::sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) {
      const auto& a = x.first->source().begin;
      const auto& c = y.first->source().begin;
      return a.line != c.line ? a.line < c.line : a.column < c.column;
    });
    for (const auto& [k, v] : entries) {
      const std::string field = fmt::format("{}.{}", f.field("deposits"), k->str());
      const auto asset = s.find_asset(k->str());
      if (!asset) {
        if (!b.broken_symbols.contains(k->str())) {
          b.diag.error(k->source(), field, fmt::format("unknown asset '{}'", k->str()));
        }
        continue;
      }
      const auto amount = read_decimal(b.diag, *v, field, s.asset_params[*asset].decimals);
      if (!amount) continue;
      b.out.events.push_back(Event{0, Deposit{cross, *asset, Quantity::from_raw(*amount)},
                                   b.diag.origin(v->source())});
    }
  }
}

}  // namespace

void parse_accounts(Builder& b, const toml::node* node) {
  for_each_table(b, node, "account",
                 [&](const toml::table& t, const std::string& path) { parse_account(b, t, path); });
}

}  // namespace backstop::scenario_detail
