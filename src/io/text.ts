import { InputError } from "../core/errors.ts";

/** What {@link decodeText} reads, for error messages. */
const SUPPORTED = "expected UTF-8, or UTF-16 with a byte-order mark";

/**
 * Text of a data file. UTF-8 (with or without byte-order mark) and UTF-16 with a byte-order
 * mark are read; UTF-32 with a byte-order mark is an error saying so; anything else is an
 * error naming the first line that is not valid UTF-8 (or holds a zero byte, the mark of
 * UTF-16 or UTF-32 without a byte-order mark), never text with replacement characters.
 * No Node APIs: usable in browsers.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strict("utf-8", bytes.subarray(3), file);
  // Checked before UTF-16: the UTF-32 little-endian mark FF FE 00 00 starts with UTF-16's FF FE.
  const utf32 = utf32ByteOrder(bytes);
  if (utf32) {
    throw new InputError(`UTF-32 (${utf32}) text, by its byte-order mark; ${SUPPORTED}: save the file as UTF-8`, { file, line: 1 });
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return strict("utf-16le", bytes.subarray(2), file);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return strict("utf-16be", bytes.subarray(2), file);
  return strict("utf-8", bytes, file);
}

function utf32ByteOrder(bytes: Uint8Array): "little-endian" | "big-endian" | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) return "little-endian";
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) return "big-endian";
  return undefined;
}

/** Decodes `bytes`, or names the line of the first byte that is not valid in `encoding`, or of a zero character. */
function strict(encoding: "utf-8" | "utf-16le" | "utf-16be", bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    const lenient = new TextDecoder(encoding).decode(bytes);
    const hint = encoding === "utf-8" ? "Latin-1 or Windows-1252?" : "not valid UTF-16: an unpaired surrogate or an odd number of bytes";
    throw unknownEncoding(lenient, lenient.indexOf("\uFFFD"), file, hint);
  }
  const zero = text.indexOf("\u0000");
  if (zero >= 0) {
    const hint =
      encoding === "utf-8" ? "it contains zero bytes: UTF-16 or UTF-32 without a byte-order mark?" : "it contains a zero character";
    throw unknownEncoding(text, zero, file, hint);
  }
  return text;
}

function unknownEncoding(text: string, at: number, file: string, hint: string): InputError {
  const line = lineOf(text, at);
  return new InputError(`unknown text encoding (${hint}); ${SUPPORTED}`, {
    file,
    line,
  });
}

/** 1-based line number of position `at`, counting CRLF, LF and CR (old Mac) line ends alike. */
function lineOf(text: string, at: number): number {
  return (text.slice(0, Math.max(at, 0)).match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
}
