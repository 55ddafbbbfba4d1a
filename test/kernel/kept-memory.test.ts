// The working memory a kernel keeps between runs (src/kernel/kept-memory.ts): lent again where it
// fits and is free, never to two runs at once, never across kinds, dropped after a failed run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryKeeper } from "../../src/kernel/kept-memory.ts";

const make = (bytes: number) => ({ bytes });

test("MemoryKeeper: the kept memory is lent again where it fits, is free, of the same kind; shared serves unshared", () => {
  const keeper = new MemoryKeeper<{ bytes: number }>();
  const first = keeper.acquire("wasm", true, 100, make);
  // Busy: a second run at once gets its own memory.
  const second = keeper.acquire("wasm", true, 50, make);
  assert.notEqual(second.memory, first.memory);
  second.release(true);
  first.release(true);
  // The first run's memory was kept (the second was made while it was busy).
  assert.equal(keeper.acquire("wasm", false, 80, make).memory, first.memory);
});

test("MemoryKeeper: too small, another kind or unshared for a shared run: a fresh memory, which is then kept", () => {
  const keeper = new MemoryKeeper<{ bytes: number }>();
  const small = keeper.acquire("wasm", false, 10, make);
  small.release(true);
  const larger = keeper.acquire("wasm", false, 20, make);
  assert.notEqual(larger.memory, small.memory);
  larger.release(true);
  const shared = keeper.acquire("wasm", true, 20, make);
  assert.notEqual(shared.memory, larger.memory);
  shared.release(true);
  const other = keeper.acquire("ts", true, 20, make);
  assert.notEqual(other.memory, shared.memory);
  other.release(true);
  assert.equal(keeper.acquire("ts", true, 20, make).memory, other.memory);
});

test("MemoryKeeper: release(false) and drop() let it go; drop() keeps a memory in use", () => {
  const keeper = new MemoryKeeper<{ bytes: number }>();
  const failed = keeper.acquire("wasm", false, 10, make);
  failed.release(false);
  assert.notEqual(keeper.acquire("wasm", false, 10, make).memory, failed.memory);
  const keeper2 = new MemoryKeeper<{ bytes: number }>();
  const running = keeper2.acquire("wasm", false, 10, make);
  keeper2.drop();
  running.release(true);
  const again = keeper2.acquire("wasm", false, 10, make);
  assert.equal(again.memory, running.memory);
  again.release(true);
  keeper2.drop();
  assert.notEqual(keeper2.acquire("wasm", false, 10, make).memory, running.memory);
});
