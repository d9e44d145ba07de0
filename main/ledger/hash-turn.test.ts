import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { HashTurn } from './hash-turn.ts';

describe('HashTurn', () => {
  it('returns the value of the batch and gives the turn back, also when the batch throws', () => {
    const buffer = HashTurn.buffer();
    const turn = new HashTurn(buffer);
    expect(turn.run(() => 42)).toBe(42);
    expect(() =>
      turn.run(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(new Int32Array(buffer)[0]).toBe(0);
    expect(turn.run(() => 'again')).toBe('again');
  });

  it('lets one thread at a time into a batch', async () => {
    const buffer = HashTurn.buffer();
    const log = new Int32Array(new SharedArrayBuffer(4 * 402));
    // Each of two threads appends its id twice per batch (entering, leaving); interleaved batches would split a pair.
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { buffer, log, id, module } = workerData;
      import(module).then(({ HashTurn }) => {
        const turn = new HashTurn(buffer, Infinity);
        for (let i = 0; i < 100; i++)
          turn.run(() => {
            Atomics.store(log, 1 + Atomics.add(log, 0, 1), id);
            for (let k = 0; k < 2000; k++) Atomics.load(log, 0);
            Atomics.store(log, 1 + Atomics.add(log, 0, 1), id);
          });
        parentPort.postMessage('done');
      });`;
    const module = new URL('./hash-turn.ts', import.meta.url).href;
    const workers = [1, 2].map((id) => new Worker(source, { eval: true, workerData: { buffer, log, id, module } }));
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    await Promise.all(workers.map((w) => w.terminate()));
    expect(log[0]).toBe(400);
    for (let i = 0; i < 400; i += 2) expect(log[1 + i]).toBe(log[2 + i]);
  });

  it('runs the batch without the turn once the holder kept it longer than the longest wait', () => {
    const buffer = HashTurn.buffer();
    const cell = new Int32Array(buffer);
    Atomics.store(cell, 0, 1); // held elsewhere, and never given back
    const started = performance.now();
    expect(new HashTurn(buffer, 30).run(() => 'ran')).toBe('ran');
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(Atomics.load(cell, 0)).toBe(1); // a thread that did not take the turn does not give it back
  });
});
