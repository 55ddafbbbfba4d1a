import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../src/core/errors.ts";
import { decodeText } from "../../src/io/text.ts";

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
describe("UTF-32 is named as such", () => {
  const text = "who,stim,hit\nm1,a,1\n";
  const utf32 = (littleEndian: boolean) => {
    const codes = [0xfeff, ...[...text].map((c) => c.codePointAt(0)!)];
    const view = new DataView(new ArrayBuffer(codes.length * 4));
    codes.forEach((code, i) => view.setUint32(i * 4, code, littleEndian));
    return new Uint8Array(view.buffer);
  };

  for (const [name, littleEndian] of [
    ["little-endian", true],
    ["big-endian", false],
  ] as const) {
    test(`UTF-32 ${name} with a byte-order mark: an error saying so and what is read`, () => {
      const error = decodeError(utf32(littleEndian));
      assert.equal(error.location.line, 1);
      assert.match(error.message, new RegExp(`UTF-32 \\(${name}\\).*expected UTF-8, or UTF-16 with a byte-order mark`));
    });
  }

  test("UTF-32 without a byte-order mark: the zero-byte hint names it", () => {
    const bytes = utf32(true).subarray(4);
    assert.match(decodeError(bytes).message, /UTF-16 or UTF-32 without a byte-order mark/);
  });

  test("UTF-16 little-endian text starting with a character is still UTF-16", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    assert.equal(decodeText(bytes, "t.csv"), text);
  });
});

describe("UTF-16 is decoded strictly too", () => {
  const utf16 = (text: string, littleEndian: boolean) => {
    const view = new DataView(new ArrayBuffer(2 + text.length * 2));
    view.setUint16(0, 0xfeff, littleEndian);
    for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), littleEndian);
    return new Uint8Array(view.buffer);
  };

  for (const [name, littleEndian] of [
    ["little-endian", true],
    ["big-endian", false],
  ] as const) {
    test(`UTF-16 ${name}: an unpaired surrogate or a zero character names its line`, () => {
      const broken = decodeError(utf16("who,stim,hit\rm1,a,1\rm1,\uD800b,0\r", littleEndian));
      assert.equal(broken.location.line, 3);
      assert.match(broken.message, /not valid UTF-16/);
      const zero = decodeError(utf16("who,stim,hit\r\nm1,a\u0000,1\r\n", littleEndian));
      assert.equal(zero.location.line, 2);
      assert.match(zero.message, /zero/);
    });
  }
});
