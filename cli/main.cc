// The `lungfish` command: registers the subcommands (one file each) and runs the chosen one.
#include "cli/commands.h"
#include "cli/envelope.h"
#include "cli/options.h"
#include "cli/scaling.h"

#include <iostream>

int main(int argc, char **argv) {
  using namespace lungfish::cli;
  CLI::App app{"lungfish: an executable model of dynamic region ownership (Project Verona's "
               "Lungfish) and a differential tester built on it.\n"
               "Exit codes: 0 ok, 1 violation, 2 usage or bad input, 3 limit, 4 rejected."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lungfish " + lungfish_version());
  // Every option's default is shown by --help (options added from here on inherit this).
  app.option_defaults()->always_capture_default();
  Handler handler;
  add_run_command(app, handler);
  add_check_command(app, handler);
  add_enumerate_command(app, handler);
  add_verify_command(app, handler);
  add_replay_command(app, handler);
  add_diff_command(app, handler);
  add_mutants_command(app, handler);
  add_paper_command(app, handler);
  add_bench_command(app, handler);
  add_merge_command(app, handler);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    app.exit(e);
    // With --json, a usage error is a report too (stdout stays JSON).
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]) == "--json") {
        std::string command = "lungfish";
        for (CLI::App *sub : app.get_subcommands())
          command = sub->get_name();
        if (command == "lungfish" && argc > 1) command = argv[1];
        return json_error(command, e.what());
      }
    return kExitUsage;
  }
  try {
    return handler ? handler() : kExitUsage;
  } catch (const std::exception &e) {
    // The last net: an unwritable output path, an unreadable directory ... is a clear message
    // and exit 2, never an abort.
    std::cerr << "lungfish: error: " << e.what() << "\n";
    return kExitUsage;
  }
}
