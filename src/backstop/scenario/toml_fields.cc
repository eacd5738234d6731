#include "backstop/scenario/toml_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "backstop/money/fixed.h"

namespace backstop::scenario_detail {

void Diagnostics::error(uint32_t line, uint32_t column, std::string_view field,
                        std::string_view message) {
  if (line == 0) line = 1;
  if (column == 0) column = 1;
  if (field.empty()) {
    messages_.push_back(
        {line, column, fmt::format("{}:{}:{}: error: {}", file_, line, column, message)});
  } else {
    messages_.push_back(
        {line, column,
         fmt::format("{}:{}:{}: error: field '{}': {}", file_, line, column, field, message)});
  }
}

std::vector<std::string> Diagnostics::take() {
  std::stable_sort(messages_.begin(), messages_.end(), [](const Message& a, const Message& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  std::vector<std::string> out;
  out.reserve(messages_.size());
  for (Message& m : messages_) out.push_back(std::move(m.text));
  messages_.clear();
  return out;
}

void Diagnostics::error(const toml::source_region& at, std::string_view field,
                        std::string_view message) {
  error(at.begin.line, at.begin.column, field, message);
}

std::string Diagnostics::origin(const toml::source_region& at) const {
  return fmt::format("{}:{}", file_, std::max<uint32_t>(at.begin.line, 1));
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      return "nothing";
  }
  return "a value";
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view closest(std::string_view s, const std::vector<std::string_view>& allowed) {
  std::string_view best;
  std::size_t best_d = 3;
  for (std::string_view a : allowed) {
    const std::size_t d = edit_distance(s, a);
    if (d < best_d) {
      best_d = d;
      best = a;
    }
  }
  return best;
}

std::optional<int64_t> read_decimal(Diagnostics& d, const toml::node& n, std::string_view field,
                                    int decimals) {
  std::string text;
  if (const auto* s = n.as_string()) {
    text = s->get();
    const std::string l = lower(text);
    if (l == "nan" || l == "+nan" || l == "-nan" || l == "inf" || l == "+inf" || l == "-inf" ||
        l == "infinity" || l == "+infinity" || l == "-infinity") {
      d.error(n.source(), field, fmt::format("'{}' is not a finite number", text));
      return std::nullopt;
    }
  } else if (const auto* i = n.as_integer()) {
    text = std::to_string(i->get());
  } else if (const auto* f = n.as_floating_point()) {
    const double v = f->get();
    if (v != v || v - v != 0.0) {  // NaN or infinite
      d.error(n.source(), field, "NaN and infinity are not valid numbers");
    } else {
      d.error(n.source(), field,
              fmt::format("TOML floats are inexact; write the number as a string: \"{}\"", v));
    }
    return std::nullopt;
  } else {
    d.error(n.source(), field,
            fmt::format("expected a decimal string (e.g. \"0.825\") or an integer, got {}",
                        type_name(n)));
    return std::nullopt;
  }
  std::string why;
  const std::optional<int64_t> raw = parse_decimal(text, decimals, &why);
  if (!raw) {
    d.error(n.source(), field, fmt::format("invalid number '{}': {}", text, why));
  }
  return raw;
}

Fields::Fields(Diagnostics& d, const toml::table& t, std::string path,
               std::initializer_list<std::string_view> allowed)
    : d_(d), t_(t), path_(std::move(path)), allowed_(allowed) {
  check_unknown();
}

Fields::Fields(Diagnostics& d, const toml::table& t, std::string path,
               const std::vector<std::string_view>& allowed)
    : d_(d), t_(t), path_(std::move(path)), allowed_(allowed) {
  check_unknown();
}

void Fields::check_unknown() {
  // Report in file order (toml::table iterates in key order).
  std::vector<const toml::key*> unknown;
  for (const auto& [k, v] : t_) {
    if (std::find(allowed_.begin(), allowed_.end(), k.str()) == allowed_.end()) {
      unknown.push_back(&k);
    }
  }
  std::sort(unknown.begin(), unknown.end(), [](const toml::key* a, const toml::key* b) {
    const auto& x = a->source().begin;
    const auto& y = b->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  for (const toml::key* k : unknown) {
    const std::string_view hint = closest(k->str(), allowed_);
    d_.error(k->source(), field(k->str()),
             fmt::format("unknown field{}; allowed fields here: {}",
                         hint.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", hint),
                         join(allowed_)));
  }
}

const toml::node* Fields::find(std::string_view key) const {
  return t_.get(key);
}

std::string Fields::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const toml::source_region& Fields::where(std::string_view key) const {
  const toml::node* n = find(key);
  return n != nullptr ? n->source() : t_.source();
}

void Fields::error(std::string_view key, std::string_view message) const {
  d_.error(where(key), field(key), message);
}

void Fields::missing(std::string_view key, std::string_view why) const {
  d_.error(t_.source(), field(key),
           why.empty() ? std::string("missing required field")
                       : fmt::format("missing required field ({})", why));
}

std::optional<std::string> Fields::str(std::string_view key, bool required) const {
  const toml::node* n = find(key);
  if (n == nullptr) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) return s->get();
  error(key, fmt::format("expected a string, got {}", type_name(*n)));
  return std::nullopt;
}

std::optional<int64_t> Fields::integer(std::string_view key, int64_t lo, int64_t hi,
                                       bool required) const {
  const toml::node* n = find(key);
  if (n == nullptr) {
    if (required) missing(key);
    return std::nullopt;
  }
  const auto* i = n->as_integer();
  if (i == nullptr) {
    error(key, fmt::format("expected an integer, got {}", type_name(*n)));
    return std::nullopt;
  }
  const int64_t v = i->get();
  if (v < lo || v > hi) {
    error(key, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Fields::boolean(std::string_view key, bool required) const {
  const toml::node* n = find(key);
  if (n == nullptr) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (const auto* b = n->as_boolean()) return b->get();
  error(key, fmt::format("expected true or false, got {}", type_name(*n)));
  return std::nullopt;
}

std::optional<int64_t> Fields::decimal(std::string_view key, int decimals, bool required) const {
  const toml::node* n = find(key);
  if (n == nullptr) {
    if (required) missing(key);
    return std::nullopt;
  }
  return read_decimal(d_, *n, field(key), decimals);
}

std::optional<int64_t> Fields::positive(std::string_view key, int decimals, bool required) const {
  const std::optional<int64_t> v = decimal(key, decimals, required);
  if (v && *v <= 0) {
    error(key, fmt::format("must be greater than zero, got {}", format_decimal(*v, decimals)));
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> Fields::bounded(std::string_view key, int decimals, int64_t lo, int64_t hi,
                                       std::string_view bounds_text, bool required) const {
  const std::optional<int64_t> v = decimal(key, decimals, required);
  if (v && (*v < lo || *v > hi)) {
    error(key,
          fmt::format("{} is out of range: must be {}", format_decimal(*v, decimals), bounds_text));
    return std::nullopt;
  }
  return v;
}

const toml::table* Fields::subtable(std::string_view key, bool required) const {
  const toml::node* n = find(key);
  if (n == nullptr) {
    if (required) missing(key);
    return nullptr;
  }
  if (const auto* t = n->as_table()) return t;
  error(key, fmt::format("expected a table, got {}", type_name(*n)));
  return nullptr;
}

const toml::array* Fields::array(std::string_view key, bool required) const {
  const toml::node* n = find(key);
  if (n == nullptr) {
    if (required) missing(key);
    return nullptr;
  }
  if (const auto* a = n->as_array()) return a;
  error(key, fmt::format("expected an array, got {}", type_name(*n)));
  return nullptr;
}

bool Fields::at_most_one(std::initializer_list<std::string_view> keys) const {
  std::vector<std::string_view> present;
  for (std::string_view k : keys) {
    if (has(k)) present.push_back(k);
  }
  if (present.size() <= 1) return true;
  error(present[1], fmt::format("conflicts with '{}': give only one of {}", present[0],
                                join(std::vector<std::string_view>(keys))));
  return false;
}

}  // namespace backstop::scenario_detail
