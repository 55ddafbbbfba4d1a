/** Where in the user's input a problem was found. */
export interface InputLocation {
  /** File path (or a label such as "<upload>") as the user gave it. */
  readonly file?: string;
  /** 1-based line number in the file. */
  readonly line?: number;
  /** Column name (or field) the problem is in. */
  readonly column?: string;
}

/**
 * A mistake in the user's input (a file, a flag value). The CLI prints its message without a
 * stack trace; programming errors stay plain `Error`s.
 */
export class InputError extends Error {
  readonly location: InputLocation;

  constructor(message: string, location: InputLocation = {}) {
    super(`${formatLocation(location)}${message}`);
    this.name = "InputError";
    this.location = location;
  }
}

/** A flag or argument the user gave that cannot be used; the CLI exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `file:line: column "x": ` — the prefix every input error message starts with. */
export function formatLocation({ file, line, column }: InputLocation): string {
  let prefix = "";
  if (file !== undefined) prefix += file;
  if (line !== undefined) prefix += `${prefix ? ":" : "line "}${line}`;
  if (prefix) prefix += ": ";
  if (column !== undefined) prefix += `column "${column}": `;
  return prefix;
}
