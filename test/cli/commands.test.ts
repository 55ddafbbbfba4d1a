// The command registry (src/cli/commands.ts): every command it lists is defined by the module it
// loads, under that name and usage, and every command those modules define is listed, so that
// `trialwise --help` (which loads none of them) lists exactly the commands that run.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Command } from "commander";
import { COMMANDS } from "../../src/cli/commands.ts";
import type { CliIO } from "../../src/cli/main.ts";
import { cli } from "../helpers.ts";

const io: CliIO = { stdout: () => {}, stderr: () => {}, isTTY: false, stdoutDrained: async () => {} };

describe("the command registry", () => {
  test("each entry's module defines a command of that name and usage; the modules define no command the registry lacks", async () => {
    const defined = new Map<string, Command>();
    for (const entry of COMMANDS) {
      const program = new Command("trialwise");
      (await entry.load())(program, io);
      for (const command of program.commands) defined.set(command.name(), command);
      const command = program.commands.find((c) => c.name() === entry.name);
      assert.ok(command, `${entry.name}: its module defines it`);
      // Commands with subcommands (data, benchmark, ...) show what follows them instead of commander's "[options] [command]".
      if (command.commands.length === 0) assert.equal(entry.usage, command.usage(), `${entry.name}: usage`);
    }
    assert.deepEqual([...defined.keys()].sort(), COMMANDS.map((c) => c.name).sort());
  });

  test("--help lists every command with its summary; a command's --help is its module's", async () => {
    const help = await cli("--help");
    assert.equal(help.code, 0);
    for (const entry of COMMANDS)
      assert.match(help.stdout, new RegExp(`^  ${entry.name} ${entry.usage.replace(/[[\]().*+?]/g, "\\$&")}`, "m"));
    const plan = await cli("plan", "--help");
    assert.match(plan.stdout, /Usage: trialwise plan \[options\]/);
    assert.match(plan.stdout, /--half-width/);
    const viaHelp = await cli("help", "plan");
    assert.equal(viaHelp.stdout, plan.stdout);
  });

  test("an unknown command is a usage error that suggests the nearest", async () => {
    const typo = await cli("pair", "x.csv");
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown command 'pair'/);
    assert.match(typo.stderr, /Did you mean pairs\?/);
  });

  test("no command's --help points at ../shared (a folder only this repository's workspace has)", async () => {
    const paths: string[][] = [];
    for (const entry of COMMANDS) {
      const program = new Command("trialwise");
      (await entry.load())(program, io);
      const walk = (command: Command, path: string[]) => {
        paths.push(path);
        for (const sub of command.commands) walk(sub, [...path, sub.name()]);
      };
      walk(
        program.commands.find((c) => c.name() === entry.name)!,
        [entry.name],
      );
    }
    for (const path of paths) {
      const help = await cli(...path, "--help");
      assert.equal(help.code, 0, path.join(" "));
      assert.doesNotMatch(help.stdout, /\.\.\/shared/, `trialwise ${path.join(" ")} --help`);
    }
  });
});
