/** A loopback address where nothing listens: a port just bound and released, for offline consoles in tests and benches. */
import { createServer } from 'node:net';

/** `http://127.0.0.1:<port>` with nothing listening on the port. */
export async function deadLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no ephemeral loopback port');
  return `http://127.0.0.1:${address.port}`;
}
