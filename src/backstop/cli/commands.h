// File: cli/commands.h
// Subcommands of the `backstop` command line that live outside main.cc, and the output helper
// they share. Exit codes as in main.cc: 0 ok, 2 invalid input (nothing written), 3 internal or
// I/O error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace backstop::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 2;
inline constexpr int kExitInternal = 3;

// Writes `content` to `path` through a temporary file in the same directory and a rename.
void write_atomically(const std::filesystem::path& path, const std::string& content);

struct SimulateOptions {
  std::string config;
  std::string out_dir;
  bool json = false;
  unsigned threads = 0;
  std::optional<int64_t> paths;
  std::optional<uint64_t> seed;
  bool quiet = false;
};

// `backstop simulate` (cli/simulate.cc).
int simulate_command(const SimulateOptions& opt);

}  // namespace backstop::cli
