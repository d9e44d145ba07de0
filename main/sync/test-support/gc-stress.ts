/**
 * Preload for child processes under test (`node --expose-gc --import <this file> …`): a full garbage collection every
 * 500 ms, so within a test's minute the process goes through the collections a long real session brings. Anything that
 * only works as long as an object happens to stay alive (undici's fetch abort signal, nodejs/node#55428) fails here.
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('gc-stress needs node --expose-gc');
setInterval(gc, 500).unref();
