// File: cli/main.cc
// The `backstop` command line:
//   backstop run FILE... [--json] [--out DIR]   run scenario files (docs/scenario-format.md)
//   backstop simulate CONFIG [--out DIR] [--json] [--threads N] [--paths N] [--seed N] [--quiet]
//                                              stress simulation (docs/simulate-config.md)
//   backstop presets                           list venue presets
//   backstop --version
// Exit codes: 0 success; 1 an [[expect]] block failed (outputs are still written); 2 invalid input
// (a scenario file error or a usage error: nothing is written to stdout or --out); 3 internal or
// I/O error. Every input is parsed and every run computed in memory before anything is written;
// files under --out are written to a temporary name and renamed into place.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "backstop/cli/commands.h"
#include "backstop/presets/preset.h"
#include "backstop/report/json.h"
#include "backstop/report/text.h"
#include "backstop/scenario/runner.h"
#include "backstop/scenario/scenario.h"

namespace {

// project(VERSION) in CMakeLists.txt, passed in by the build.
constexpr const char* kVersion = BACKSTOP_VERSION;

constexpr int kExitOk = 0;
constexpr int kExitExpectFailed = 1;
constexpr int kExitInvalidInput = 2;
constexpr int kExitInternal = 3;

struct RunOptions {
  std::vector<std::string> files;
  bool json = false;
  std::string out_dir;
};

struct Output {
  std::string name;
  std::string json;
  std::string text;
};

int run_command(const RunOptions& opt) {
  if (opt.json && opt.files.size() != 1) {
    std::cerr << "backstop run: --json prints one JSON document and takes exactly one FILE; use "
                 "--out DIR to write one JSON file per scenario\n";
    return kExitInvalidInput;
  }
  // 1. Parse everything; report every error of every file.
  std::vector<backstop::Scenario> scenarios;
  std::size_t errors = 0;
  for (const std::string& file : opt.files) {
    backstop::ParseResult p = backstop::parse_scenario_file(file);
    for (const std::string& e : p.errors) std::cerr << e << '\n';
    errors += p.errors.size();
    if (p.scenario) scenarios.push_back(std::move(*p.scenario));
  }
  if (errors > 0) {
    std::cerr << fmt::format("backstop: {} error{}; nothing was run or written\n", errors,
                             errors == 1 ? "" : "s");
    return kExitInvalidInput;
  }
  if (!opt.out_dir.empty()) {
    std::map<std::string, std::string> seen;
    for (const backstop::Scenario& s : scenarios) {
      auto [it, fresh] = seen.emplace(s.name, s.file);
      if (!fresh) {
        std::cerr << fmt::format(
            "backstop: {} and {} are both named '{}' and would write the same "
            "--out files; give one a different name = \"...\"\n",
            it->second, s.file, s.name);
        return kExitInvalidInput;
      }
    }
  }

  // 2. Run and render in memory.
  std::vector<Output> outputs;
  std::size_t failed = 0;
  for (backstop::Scenario& s : scenarios) {
    const std::string name = s.name;
    const std::string file = s.file;
    std::optional<backstop::RunResult> run;
    try {
      run = backstop::run_scenario(std::move(s));
    } catch (const std::exception& e) {
      // Not an input error the parser could see (e.g. an amount beyond 64 bits while reporting):
      // name the file, write nothing.
      std::cerr << fmt::format("backstop: {}: internal error while running: {}; nothing written\n",
                               file, e.what());
      return kExitInternal;
    }
    const backstop::RunResult& r = *run;
    const std::size_t f = r.failed_expectations();
    if (f > 0) {
      std::cerr << fmt::format("backstop: {}: {} expectation{} failed\n", r.file, f,
                               f == 1 ? "" : "s");
    }
    failed += f;
    Output o;
    o.name = name;
    if (opt.json || !opt.out_dir.empty()) o.json = backstop::run_to_json_text(r);
    if (!opt.json || !opt.out_dir.empty()) o.text = backstop::run_to_text(r);
    outputs.push_back(std::move(o));
  }

  // 3. Write.
  if (!opt.out_dir.empty()) {
    const std::filesystem::path dir(opt.out_dir);
    std::filesystem::create_directories(dir);
    for (const Output& o : outputs) {
      backstop::cli::write_atomically(dir / (o.name + ".json"), o.json);
      backstop::cli::write_atomically(dir / (o.name + ".txt"), o.text);
    }
  }
  std::string stdout_text;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (opt.json) {
      stdout_text += outputs[i].json;
    } else {
      if (i > 0) stdout_text += '\n';
      stdout_text += outputs[i].text;
    }
  }
  std::fwrite(stdout_text.data(), 1, stdout_text.size(), stdout);
  std::fflush(stdout);
  return failed > 0 ? kExitExpectFailed : kExitOk;
}

int presets_command() {
  std::size_t width = 0;
  for (const std::string& n : backstop::preset_names()) width = std::max(width, n.size());
  for (const std::string& n : backstop::preset_names()) {
    const backstop::VenuePreset* p = backstop::find_preset(n);
    if (p == nullptr) continue;
    std::cout << fmt::format("{:<{}}  {}", n, width, p->description);
    if (!p->source.empty()) std::cout << fmt::format(" [{}]", p->source);
    std::cout << '\n';
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"backstop: an exact, deterministic bad-debt exposure engine"};
  app.set_version_flag("--version",
                       fmt::format("backstop {} (scenario format {}, JSON schema {})", kVersion,
                                   backstop::kScenarioVersion, backstop::kRunSchema));
  app.require_subcommand(1);

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run scenario files and report exposure");
  run_cmd->add_option("FILE", run.files, "Scenario files (TOML, docs/scenario-format.md)")
      ->required();
  run_cmd->add_flag("--json", run.json, "Print the run as JSON (schema backstop.run/1)");
  run_cmd->add_option("--out", run.out_dir, "Also write DIR/<name>.json and DIR/<name>.txt");
  CLI::App* presets_cmd = app.add_subcommand("presets", "List the venue presets");
  backstop::cli::SimulateOptions sim;
  CLI::App* sim_cmd =
      app.add_subcommand("simulate", "Stress-simulate a book: replay, shocks, Monte Carlo");
  sim_cmd->add_option("CONFIG", sim.config, "Simulation config (TOML, docs/simulate-config.md)")
      ->required();
  sim_cmd->add_option("--out", sim.out_dir,
                      "Write DIR/<name>.json, .html, -paths.csv and -series.csv");
  sim_cmd->add_flag("--json", sim.json, "Print the result as JSON (schema backstop.simulate/1)");
  sim_cmd->add_option("--threads", sim.threads, "Worker threads (default: the config's, else all)")
      ->check(CLI::Range(0, 1024));
  sim_cmd->add_option("--paths", sim.paths, "Monte Carlo paths (overrides [simulation] paths)")
      ->check(CLI::Range(1, 10'000'000));
  sim_cmd->add_option("--seed", sim.seed, "Seed (overrides [simulation] seed)");
  sim_cmd->add_flag("--quiet", sim.quiet, "No progress bar");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitInvalidInput;
  }
  try {
    if (*run_cmd) return run_command(run);
    if (*presets_cmd) return presets_command();
    if (*sim_cmd) return backstop::cli::simulate_command(sim);
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "backstop: error: " << e.what() << '\n';
    return kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "backstop: internal error: " << e.what() << '\n';
    return kExitInternal;
  }
  return kExitInvalidInput;
}
