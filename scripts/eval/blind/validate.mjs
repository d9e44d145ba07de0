// Integrity check of generated ledgers: canonical JSON, idx, prev chain, monotonic ts, before == replayed state.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
const CH = new Set([
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'flag.auto_rolled_back',
  'break_glass.used',
  'change_request.applied',
  'schedule.executed',
]);
let bad = 0;
for (const mf of process.argv.slice(2)) {
  for (const m of JSON.parse(readFileSync(mf, 'utf8'))) {
    const lines = readFileSync(m.file, 'utf8').split('\n').filter(Boolean);
    const st = {};
    let prevHash = '';
    let lastTs = 0;
    const err = (i, msg) => {
      bad++;
      if (bad < 20) console.log(m.id, i, msg);
    };
    lines.forEach((t, i) => {
      const l = JSON.parse(t);
      if (canonicalize(l) !== t) err(i, 'not canonical');
      if (l.idx !== i) err(i, 'idx');
      if (l.prev !== prevHash) err(i, 'prev');
      prevHash = createHash('sha256')
        .update(Buffer.concat([Buffer.from([0]), Buffer.from(t)]))
        .digest('hex');
      const ts = Date.parse(l.ts);
      if (!(ts > lastTs)) err(i, 'ts order');
      lastTs = ts;
      if (l.action === 'flag.created')
        for (const [e, s] of Object.entries(l.after.environments)) st[l.flag + '|' + e] = t && JSON.stringify(s);
      if (CH.has(l.action) && l.env) {
        if (st[l.flag + '|' + l.env] !== JSON.stringify(l.before)) err(i, 'before mismatch ' + l.action + ' ' + l.flag);
        if (JSON.stringify(l.before) === JSON.stringify(l.after)) err(i, 'no-op change ' + l.action);
        st[l.flag + '|' + l.env] = JSON.stringify(l.after);
      }
    });
    const c = JSON.parse(lines[m.true_idx]);
    if (c.flag !== m.true_flag || !CH.has(c.action)) err(m.true_idx, 'cause mismatch');
  }
}
console.log(bad ? `FAILED ${bad}` : 'all ledgers valid');
