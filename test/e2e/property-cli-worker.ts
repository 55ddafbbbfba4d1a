/**
 * Worker thread of the property suites: runs `runCli` for each message and answers with what
 * it wrote and how it ended. A worker (not the test's own thread) so that a run that never
 * ends can be stopped by terminating the thread.
 */
import { parentPort } from "node:worker_threads";
import { runCli } from "../../src/cli/main.ts";

export interface RunRequest {
  id: number;
  argv: string[];
}

export type RunReply =
  | { id: number; kind: "exit"; code: number; stdout: string; stderr: string }
  /** runCli threw instead of returning an exit code: the binary would print a stack trace. */
  | { id: number; kind: "threw"; name: string; message: string; stack: string; stdout: string; stderr: string };

const port = parentPort!;
port.on("message", async ({ id, argv }: RunRequest) => {
  let stdout = "";
  let stderr = "";
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTTY: false };
  let reply: RunReply;
  try {
    const code = await runCli(argv, io);
    reply = { id, kind: "exit", code, stdout, stderr };
  } catch (error) {
    const e = error as Error;
    reply = {
      id,
      kind: "threw",
      name: e?.name ?? typeof error,
      message: String(e?.message ?? error),
      stack: String(e?.stack ?? ""),
      stdout,
      stderr,
    };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
