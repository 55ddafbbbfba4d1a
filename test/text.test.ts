import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../src/core/errors.ts";
import { decodeText } from "../src/io/text.ts";

const LINE_ENDS = { LF: "\n", CRLF: "\r\n", CR: "\r" };

/** 400 good lines, then `bad` on line 401, then one more line, joined by `end`. */
function fileWithBadLine401(bad: Buffer, end: string): Uint8Array {
  const good = Array.from({ length: 400 }, (_, i) => `m1,s${i},1`);
  return Buffer.concat([Buffer.from(good.join(end) + end), bad, Buffer.from(`${end}m1,last,0${end}`)]);
}

function decodeError(bytes: Uint8Array): InputError {
  try {
    decodeText(bytes, "t.csv");
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    assert.equal(error.location.file, "t.csv");
    return error;
  }
  assert.fail("no error raised");
}

describe("text that is not UTF-8: the right line, whatever the line ends", () => {
  for (const [name, end] of Object.entries(LINE_ENDS)) {
    test(`Latin-1 byte on line 401 of a ${name} file`, () => {
      const error = decodeError(fileWithBadLine401(Buffer.from("m1,caf\xe9,1", "latin1"), end));
      assert.equal(error.location.line, 401);
      assert.match(error.message, /Latin-1/);
    });

    test(`zero byte on line 401 of a ${name} file`, () => {
      const error = decodeError(fileWithBadLine401(Buffer.from("m1,a\0b,1", "latin1"), end));
      assert.equal(error.location.line, 401);
      assert.match(error.message, /zero bytes/);
    });
  }
});
