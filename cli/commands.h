// The `lungfish` subcommands. Each lives in its own file (cli/<name>_command.cc): it registers
// its options on the app and, when chosen, installs its handler; the handler returns the exit
// code (cli/options.h). main.cc only wires them together.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace lungfish::cli {

/// What main() calls after parsing: the chosen subcommand's handler.
using Handler = std::function<int()>;

/// `lungfish run PROG ...`: execute one program, checking the invariants after every statement.
void add_run_command(CLI::App &app, Handler &handler);
/// `lungfish check ...`: random programs (not yet implemented in this build).
void add_check_command(CLI::App &app, Handler &handler);
/// `lungfish enumerate ...`: exhaustive small-scope exploration (not yet implemented).
void add_enumerate_command(CLI::App &app, Handler &handler);
/// `lungfish verify ...`: bounded verification with Z3 (not yet implemented).
void add_verify_command(CLI::App &app, Handler &handler);
/// `lungfish replay TRACE ...`: replay a runtime's trace against the model (not yet implemented).
void add_replay_command(CLI::App &app, Handler &handler);
/// `lungfish diff ...`: differential testing against a runtime (not yet implemented).
void add_diff_command(CLI::App &app, Handler &handler);
/// `lungfish mutants ...`: rule mutants and the programs that kill them (not yet implemented).
void add_mutants_command(CLI::App &app, Handler &handler);
/// `lungfish paper ...`: regenerate paper/generated/ (not yet implemented).
void add_paper_command(CLI::App &app, Handler &handler);
/// `lungfish bench ...`: benchmarks (not yet implemented).
void add_bench_command(CLI::App &app, Handler &handler);
/// `lungfish merge FILE...`: the shards' reports of one campaign combined into one.
void add_merge_command(CLI::App &app, Handler &handler);

} // namespace lungfish::cli
