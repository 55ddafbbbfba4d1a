/**
 * The `trialwise` command line. Only the module of the command being run is loaded (see
 * ./commands.ts), so `trialwise --help` and a small command start without loading what the others
 * need.
 */
import { Command, CommanderError } from "commander";
import { InputError, UsageError } from "../core/errors.ts";
import { VERSION } from "../version.ts";
import { COMMANDS } from "./commands.ts";
import type { CliIO } from "./io.ts";

export type { CliIO } from "./io.ts";

/**
 * Runs the `trialwise` command line and returns its exit code: 0 success, 1 bad input
 * (message names file, line and column), 2 usage error.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const program = await buildProgram(argv, io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.stderr(`trialwise: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`trialwise: error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** The program with the command that argv names, or with every command's name and summary (for --help and unknown commands). */
async function buildProgram(argv: readonly string[], io: CliIO): Promise<Command> {
  const program = new Command("trialwise")
    .description("Trial-by-trial error consistency (Cohen's kappa on correct/wrong) between observers.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const named = argv[0] === "help" ? argv[1] : argv[0];
  const entry = COMMANDS.find((command) => command.name === named);
  if (entry) {
    (await entry.load())(program, io);
    return program;
  }
  for (const command of COMMANDS) program.command(command.name).description(command.summary);
  const usage = new Map(COMMANDS.map((command) => [command.name, command.usage]));
  return program.configureHelp({ subcommandTerm: (command) => `${command.name()} ${usage.get(command.name()) ?? ""}`.trim() });
}
