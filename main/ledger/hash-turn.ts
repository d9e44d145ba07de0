/**
 * Turns at SHA-256 for the threads of one verification. node:crypto shares one OpenSSL digest object per algorithm
 * between all threads of a process, and two threads hashing at the same moment bounce its reference count between
 * the cores: measured on Node 22, every SHA-256 call then costs ~1.6x the CPU time it costs alone, while two
 * processes, or SHA-256 in one thread beside SHA-512 in the other, do not slow each other. So each thread hashes a
 * chunk as one batch while it holds the turn, and reads and scans its next chunk (no hashing) while another holds it.
 */
export class HashTurn {
  private readonly cell: Int32Array;
  private readonly maxWaitMs: number;

  /**
   * Over `buffer` (from HashTurn.buffer(), shared by every thread of the run). A thread waits at most `maxWaitMs` for
   * the turn (a chunk's hashing takes ~3 ms on a free core); past that the holder has lost its core to other work,
   * and the waiter hashes without the turn rather than idle.
   */
  constructor(buffer: SharedArrayBuffer, maxWaitMs = 10) {
    this.cell = new Int32Array(buffer, 0, 1);
    this.maxWaitMs = maxWaitMs;
  }

  /** A fresh shared cell (one per run, so a thread terminated mid-turn cannot block a later run). */
  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(4);
  }

  /** Runs `fn` holding the turn, or without it after waiting maxWaitMs (blocking waits: worker threads only). */
  run<T>(fn: () => T): T {
    let held = false;
    const deadline = performance.now() + this.maxWaitMs;
    for (;;) {
      if (Atomics.compareExchange(this.cell, 0, 0, 1) === 0) {
        held = true;
        break;
      }
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.cell, 0, 1, left);
    }
    try {
      return fn();
    } finally {
      if (held) {
        Atomics.store(this.cell, 0, 0);
        Atomics.notify(this.cell, 0, 1);
      }
    }
  }
}
