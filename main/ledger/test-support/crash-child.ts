/**
 * Child process for the crash-consistency test (not used by the app): ingests a test log into the replica at argv[2]
 * and gets SIGKILLed either inside the promotion transaction (mode "hook"), right after an entry batch committed and
 * before the checkpoint updates state (mode "between"), at a random moment by the parent (mode "loop"), or while it
 * creates the replica file, after the schema and before the state row (mode "create").
 */
import { Replica } from '../replica.ts';
import { TestLog, testSigner, trustedKeyOf } from './fixtures.ts';

const [path = '', mode = 'loop'] = process.argv.slice(2);
const kill = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

async function main(): Promise<void> {
  const log = new TestLog();
  const replica = Replica.open({
    path,
    origin: log.origin,
    trustedKeys: [trustedKeyOf(testSigner())],
    hooks: {
      afterSchema: () => {
        if (mode === 'create') kill();
      },
      beforeStateUpdate: () => {
        if (mode === 'hook' && replica.status().verifiedSize >= 40) kill();
      },
    },
  });
  const start = replica.receivedSize();
  log.addMany(start);
  for (let batch = 0; batch < 10_000; batch++) {
    log.addMany(20);
    await replica.appendEntries(log.entries(log.texts.length - 20));
    if (mode === 'between' && log.texts.length >= start + 60) kill();
    await replica.applyCheckpoint(log.checkpoint());
    if (batch === 0) process.stdout.write('ready\n');
  }
}

void main();
