import type { Command } from "commander";
import type { CliIO } from "./io.ts";

/**
 * Wires a (sub)command to the CLI's output and error handling: output through `io`, no
 * process.exit (runCli maps errors to exit codes), a hint after usage errors, and an Examples
 * section in --help.
 */
export function configureCommand(command: Command, io: CliIO, examples: readonly string[]): Command {
  return command
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}
