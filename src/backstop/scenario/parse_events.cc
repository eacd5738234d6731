// [[event]] sections: the time-ordered events applied to the engine.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "backstop/scenario/parse_internal.h"

namespace backstop::scenario_detail {

namespace {

struct EventKind {
  std::string_view type;
  std::vector<std::string_view> keys;  // besides t and type
};

const std::array<EventKind, 10>& kinds() {
  static const std::array<EventKind, 10> kKinds = {{
      {"price", {"asset", "price"}},
      {"mark", {"market", "mark", "oracle"}},
      {"deposit", {"account", "asset", "amount"}},
      {"withdraw", {"account", "asset", "amount"}},
      {"borrow", {"account", "asset", "amount"}},
      {"repay", {"account", "asset", "amount"}},
      {"trade", {"account", "market", "size", "price", "counterparty"}},
      {"funding", {"market", "rate", "index_delta"}},
      {"tick", {}},
      {"param", {"target", "symbol", "field", "value"}},
  }};
  return kKinds;
}

std::string type_list() {
  std::vector<std::string_view> names;
  for (const EventKind& k : kinds()) names.push_back(k.type);
  return join(names);
}

// Quantity of `asset` in `key` (whole units, the asset's decimals).
std::optional<Quantity> amount(Builder& b, const Fields& f, AssetId asset) {
  const auto v = f.decimal("amount", b.state().asset_params[asset].decimals, true);
  if (!v) return std::nullopt;
  return Quantity::from_raw(*v);
}

std::optional<EventBody> token_event(Builder& b, const Fields& f, std::string_view type) {
  const auto account = account_ref(b, f, "account", true);
  const auto asset = asset_ref(b, f, "asset", true);
  if (!asset) return std::nullopt;
  const auto q = amount(b, f, *asset);
  if (!account || !q) return std::nullopt;
  if (type == "deposit") return Deposit{*account, *asset, *q};
  if (type == "withdraw") return Withdraw{*account, *asset, *q};
  if (type == "borrow") return Borrow{*account, *asset, *q};
  return Repay{*account, *asset, *q};
}

std::optional<EventBody> trade_event(Builder& b, const Fields& f) {
  const auto account = account_ref(b, f, "account", true);
  const auto market = market_ref(b, f, "market", true);
  const auto price = f.positive("price", kPriceDecimals, true);
  std::optional<AccountId> counterparty;
  if (f.has("counterparty")) {
    counterparty = account_ref(b, f, "counterparty", false);
    if (!counterparty) return std::nullopt;
    if (account && *counterparty == *account) {
      f.error("counterparty", "an account cannot trade with itself");
      return std::nullopt;
    }
  }
  if (!market) return std::nullopt;
  const auto size = f.decimal("size", b.state().perp_params[*market].base_decimals, true);
  if (!account || !price || !size) return std::nullopt;
  return Trade{*account, *market, Quantity::from_raw(*size), Price::from_raw(*price), counterparty};
}

std::optional<EventBody> funding_event(Builder& b, const Fields& f) {
  const auto market = market_ref(b, f, "market", true);
  if (!f.at_most_one({"rate", "index_delta"})) return std::nullopt;
  Funding e;
  if (f.has("rate")) {
    const auto r = f.decimal("rate", kRatioDecimals);
    if (!r) return std::nullopt;
    e.rate = Ratio::from_raw(*r);
  } else if (f.has("index_delta")) {
    const auto d = f.decimal("index_delta", kPriceDecimals);
    if (!d) return std::nullopt;
    e.index_delta = Price::from_raw(*d);
  } else {
    f.missing("rate", "give rate or index_delta");
    return std::nullopt;
  }
  if (!market) return std::nullopt;
  e.market = *market;
  return e;
}

std::optional<EventBody> param_event(Builder& b, const Fields& f) {
  SetParam e;
  const auto target = f.str("target", true);
  bool ok = target.has_value();
  if (target) {
    if (*target == "venue") {
      e.target = ParamTarget::Venue;
      if (f.has("symbol")) {
        f.error("symbol", "a venue parameter takes no symbol");
        ok = false;
      }
    } else if (*target == "asset") {
      e.target = ParamTarget::Asset;
      const auto id = asset_ref(b, f, "symbol", true);
      ok = ok && id.has_value();
      if (id) e.id = *id;
    } else if (*target == "market") {
      e.target = ParamTarget::Market;
      const auto id = market_ref(b, f, "symbol", true);
      ok = ok && id.has_value();
      if (id) e.id = *id;
    } else {
      f.error("target", fmt::format("unknown target '{}'; use venue, asset or market", *target));
      ok = false;
    }
  }
  if (const auto field = f.str("field", true)) {
    const auto& names = param_fields(e.target);
    if (target && ok && std::find(names.begin(), names.end(), *field) == names.end()) {
      const std::string_view hint = closest(*field, names);
      f.error("field", fmt::format("unknown {} parameter '{}'{}; parameters: {}", *target, *field,
                                   hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                   join(names)));
      ok = false;
    }
    e.field = *field;
  } else {
    ok = false;
  }
  const toml::node* v = f.find("value");
  if (v == nullptr) {
    f.missing("value");
    ok = false;
  } else if (const auto* s = v->as_string()) {
    e.value = s->get();
  } else if (const auto* i = v->as_integer()) {
    e.value = std::to_string(i->get());
  } else if (const auto* bl = v->as_boolean()) {
    e.value = bl->get() ? "true" : "false";
  } else if (v->is_floating_point()) {
    (void)read_decimal(b.diag, *v, f.field("value"), kRatioDecimals);  // reports the float hint
    ok = false;
  } else {
    f.error("value", fmt::format("expected a string, integer or boolean, got {}", type_name(*v)));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return e;
}

struct TimeOrder {
  Timestamp last = 0;
  uint32_t last_line = 0;
};

void parse_event(Builder& b, const toml::table& t, const std::string& path, TimeOrder& order) {
  const toml::node* type_node = t.get("type");
  const EventKind* kind = nullptr;
  if (type_node == nullptr) {
    b.diag.error(t.source(), path + ".type",
                 fmt::format("missing required field; event types: {}", type_list()));
  } else if (const auto* s = type_node->as_string()) {
    for (const EventKind& k : kinds()) {
      if (k.type == s->get()) kind = &k;
    }
    if (kind == nullptr) {
      b.diag.error(type_node->source(), path + ".type",
                   fmt::format("unknown event type '{}'; event types: {}", s->get(), type_list()));
    }
  } else {
    b.diag.error(type_node->source(), path + ".type",
                 fmt::format("expected a string, got {}", type_name(*type_node)));
  }
  if (kind == nullptr) return;

  std::vector<std::string_view> allowed = {"t", "type"};
  allowed.insert(allowed.end(), kind->keys.begin(), kind->keys.end());
  const Fields f(b.diag, t, path, allowed);
  const auto time = f.integer("t", 0, INT64_MAX, true);
  if (time) {
    if (*time < order.last) {
      f.error("t", fmt::format("events must be in time order: t = {} is before t = {} of the "
                               "event on line {}",
                               *time, order.last, order.last_line));
    } else {
      order.last = *time;
      order.last_line = f.where().begin.line;
    }
  }

  std::optional<EventBody> body;
  const std::string_view type = kind->type;
  if (type == "price") {
    const auto asset = asset_ref(b, f, "asset", true);
    const auto price = f.positive("price", kPriceDecimals, true);
    if (asset && price) body = SetAssetPrice{*asset, Price::from_raw(*price)};
  } else if (type == "mark") {
    const auto market = market_ref(b, f, "market", true);
    const auto mark = f.positive("mark", kPriceDecimals, true);
    std::optional<Price> oracle;
    bool ok = true;
    if (f.has("oracle")) {
      const auto o = f.positive("oracle", kPriceDecimals);
      ok = o.has_value();
      if (o) oracle = Price::from_raw(*o);
    }
    if (market && mark && ok) body = SetMarkPrice{*market, Price::from_raw(*mark), oracle};
  } else if (type == "trade") {
    body = trade_event(b, f);
  } else if (type == "funding") {
    body = funding_event(b, f);
  } else if (type == "tick") {
    body = Tick{};
  } else if (type == "param") {
    body = param_event(b, f);
  } else {
    body = token_event(b, f, type);
  }
  if (time && body) b.out.events.push_back(Event{*time, std::move(*body), f.origin()});
}

}  // namespace

void parse_events(Builder& b, const toml::node* node) {
  TimeOrder order;
  for_each_table(b, node, "event", [&](const toml::table& t, const std::string& path) {
    parse_event(b, t, path, order);
  });
}

}  // namespace backstop::scenario_detail
