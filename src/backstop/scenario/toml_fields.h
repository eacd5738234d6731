// File: scenario/toml_fields.h
// Internal to scenario/: typed, located access to the fields of a TOML table. Every read that fails
// is reported once, as "FILE:LINE:COL: error: field 'PATH': message", and returns std::nullopt so
// that parsing continues and every problem in the file is reported in one pass.
//
// Numbers are exact: a money or ratio field is a TOML string holding a decimal ("0.825") or a TOML
// integer; a TOML float is rejected (floats are inexact) with a hint to quote it.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::scenario_detail {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // `field` may be empty (file-level problems such as TOML syntax errors).
  void error(const toml::source_region& at, std::string_view field, std::string_view message);
  void error(uint32_t line, uint32_t column, std::string_view field, std::string_view message);

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] bool ok() const { return messages_.empty(); }
  [[nodiscard]] std::size_t count() const { return messages_.size(); }
  // The messages in file order (by line, then column; stable for equal positions).
  [[nodiscard]] std::vector<std::string> take();
  // "file:line" of a node, for Event::origin and Expectation::origin.
  [[nodiscard]] std::string origin(const toml::source_region& at) const;

 private:
  struct Message {
    uint32_t line = 0;
    uint32_t column = 0;
    std::string text;
  };
  std::string file_;
  std::vector<Message> messages_;
};

[[nodiscard]] std::string_view type_name(const toml::node& n);

// "a", "b", "c" -> "a, b, c".
[[nodiscard]] std::string join(const std::vector<std::string_view>& items);
// The allowed name closest to `s` (edit distance <= 2), or "".
[[nodiscard]] std::string_view closest(std::string_view s,
                                       const std::vector<std::string_view>& allowed);

// Exact decimal from a string or integer node with `decimals` fractional digits.
[[nodiscard]] std::optional<int64_t> read_decimal(Diagnostics& d, const toml::node& n,
                                                  std::string_view field, int decimals);

// A table being read. Unknown keys are reported when the Fields is constructed, with the list of
// allowed keys and a "did you mean" hint.
class Fields {
 public:
  Fields(Diagnostics& d, const toml::table& t, std::string path,
         std::initializer_list<std::string_view> allowed);
  Fields(Diagnostics& d, const toml::table& t, std::string path,
         const std::vector<std::string_view>& allowed);

  [[nodiscard]] const toml::node* find(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }
  [[nodiscard]] std::string field(std::string_view key) const;  // "asset[2].price"
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const toml::table& table() const { return t_; }
  [[nodiscard]] Diagnostics& diag() const { return d_; }
  // Where `key`'s value is (or the table, when the key is absent).
  [[nodiscard]] const toml::source_region& where(std::string_view key) const;
  [[nodiscard]] const toml::source_region& where() const { return t_.source(); }
  [[nodiscard]] std::string origin() const { return d_.origin(where()); }

  void error(std::string_view key, std::string_view message) const;
  void missing(std::string_view key, std::string_view why = {}) const;

  // Typed reads. Absent key: std::nullopt, plus a "missing required field" error when `required`.
  [[nodiscard]] std::optional<std::string> str(std::string_view key, bool required = false) const;
  [[nodiscard]] std::optional<int64_t> integer(std::string_view key, int64_t lo, int64_t hi,
                                               bool required = false) const;
  [[nodiscard]] std::optional<bool> boolean(std::string_view key, bool required = false) const;
  [[nodiscard]] std::optional<int64_t> decimal(std::string_view key, int decimals,
                                               bool required = false) const;
  // A decimal that must be > 0 (prices).
  [[nodiscard]] std::optional<int64_t> positive(std::string_view key, int decimals,
                                                bool required = false) const;
  // A decimal in [lo, hi] (raw units).
  [[nodiscard]] std::optional<int64_t> bounded(std::string_view key, int decimals, int64_t lo,
                                               int64_t hi, std::string_view bounds_text,
                                               bool required = false) const;
  [[nodiscard]] const toml::table* subtable(std::string_view key, bool required = false) const;
  [[nodiscard]] const toml::array* array(std::string_view key, bool required = false) const;

  // At most one of `keys` may be present; reports a conflict otherwise. Returns false on conflict.
  bool at_most_one(std::initializer_list<std::string_view> keys) const;

 private:
  void check_unknown();

  Diagnostics& d_;
  const toml::table& t_;
  std::string path_;
  std::vector<std::string_view> allowed_;
};

}  // namespace backstop::scenario_detail
