// Blind scenario generator for `tombstone-console correlate`.
// Usage: node gen.mjs <outdir> <mix:easy|hard> <n> <seed>
// Writes <outdir>/<mix>/<id>.ndjson and <outdir>/<mix>/manifest.json
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';

const [outDir, mix, nStr, seedStr] = process.argv.slice(2);
const N = Number(nStr);
const SEED = Number(seedStr);
const HARD = mix === 'hard';

// ---------- rng ----------
function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rnd = mulberry32(SEED);
const U = (a, b) => a + (b - a) * rnd();
const I = (a, b) => Math.floor(U(a, b + 1));
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const chance = (p) => rnd() < p;
function wpick(pairs) {
  // [[value, weight], ...]
  const tot = pairs.reduce((s, p) => s + p[1], 0);
  let r = rnd() * tot;
  for (const [v, w] of pairs) {
    if ((r -= w) <= 0) return v;
  }
  return pairs[pairs.length - 1][0];
}
function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ---------- world ----------
const TEAMS = {
  checkout: ['checkout', 'cart'],
  payments: ['payments', 'fraud'],
  search: ['search', 'catalog'],
  growth: ['recommendations', 'notifications'],
  identity: ['auth', 'accounts'],
  logistics: ['shipping', 'inventory'],
  pricing: ['pricing'],
};
const SERVICE_TEAM = {};
for (const [t, ss] of Object.entries(TEAMS)) for (const s of ss) SERVICE_TEAM[s] = t;
const SERVICES = Object.keys(SERVICE_TEAM);
// who calls whom (caller -> callees); used for multi-service flags and "upstream" causes
const DEPS = {
  checkout: ['cart', 'payments', 'pricing', 'inventory'],
  cart: ['pricing', 'catalog'],
  payments: ['fraud'],
  search: ['catalog'],
  recommendations: ['catalog', 'search'],
  accounts: ['auth'],
  shipping: ['inventory'],
  notifications: ['accounts'],
  fraud: [],
  catalog: [],
  auth: [],
  inventory: [],
  pricing: ['catalog'],
};
const USERS = {
  checkout: ['maria.chen', 'li.wei', 'tom.baker'],
  payments: ['sam.okafor', 'ana.souza', 'raj.patel'],
  search: ['kim.nguyen', 'ole.hansen'],
  growth: ['eva.klein', 'dan.cohen', 'mia.rossi'],
  identity: ['yuki.tanaka', 'ben.adams'],
  logistics: ['ivan.petrov', 'zoe.martin'],
  pricing: ['noah.fischer', 'ella.brown'],
};
const WORDS = [
  'express-pay',
  'one-click',
  'v2-engine',
  'new-ui',
  'async-writes',
  'batch-mode',
  'grpc-client',
  'edge-cache',
  'query-cache',
  'retry-budget',
  'rate-limit',
  'dark-mode',
  'smart-sort',
  'ml-ranker',
  'bulk-import',
  'lazy-load',
  'new-checkout-flow',
  'address-autocomplete',
  'split-tender',
  'wallet',
  '3ds-v2-challenge',
  'geo-routing',
  'push-digest',
  'session-v2',
  'passkeys',
  'sharded-reads',
  'promo-banner',
  'tax-v3',
  'currency-rounding',
  'fast-path',
  'inline-reviews',
  'bundle-offers',
  'eta-model',
  'warehouse-sync',
  'stock-reservation',
  'kafka-consumer-v2',
  'http2',
  'compression',
  'prefetch',
  'circuit-guard',
  'feature-store',
  'pagination-v2',
  'graphql-gateway',
  'cdn-images',
  'webhooks-v2',
];
const AREAS = ['web', 'api', 'core', 'ios', 'android', 'backend', 'worker'];
const LOG = 'ledger.tombstone.example/production';
const ENVS = ['production', 'staging'];
const DAY = 86400e3,
  MIN = 60e3;

const iso = (ms) => new Date(ms).toISOString(); // RFC3339 UTC with millis
const pdIso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'); // PagerDuty style
const clone = (x) => JSON.parse(JSON.stringify(x));
const sha256hex = (b) => createHash('sha256').update(b).digest('hex');

function pdId() {
  const c = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  let s = 'Q';
  for (let i = 0; i < 13; i++) s += c[Math.floor(rnd() * c.length)];
  return s;
}

function makeFlags(nFlags) {
  const flags = [];
  const used = new Set();
  // guarantee each service has >= 4 flags
  const owners = [];
  for (const s of SERVICES) for (let i = 0; i < 4; i++) owners.push(s);
  while (owners.length < nFlags) owners.push(pick(SERVICES));
  for (const svc of owners) {
    let key;
    do {
      key = `${svc}.${pick(AREAS)}.${pick(WORDS)}`;
    } while (used.has(key));
    used.add(key);
    const type = wpick([
      ['release', 50],
      ['experiment', 14],
      ['ops', 20],
      ['kill-switch', 8],
      ['permission', 8],
    ]);
    const tier = wpick([
      ['LOW', 28],
      ['MEDIUM', 42],
      ['HIGH', 22],
      ['BLOCKED', 8],
    ]);
    const services = new Set([svc]);
    if (chance(0.35)) {
      // flag also evaluated by a caller or callee
      const callers = SERVICES.filter((c) => DEPS[c].includes(svc));
      const rel = [...callers, ...DEPS[svc]];
      if (rel.length) services.add(pick(rel));
    }
    const protective = type === 'ops' || type === 'kill-switch';
    flags.push({
      key,
      svc,
      type,
      tier,
      owner: SERVICE_TEAM[svc],
      services: [...services].sort(),
      safe_default:
        protective && chance(0.5) ? { enabled: true, rollout_pct: 100 } : { enabled: false, rollout_pct: 0 },
      stage: pick(['ACTIVE', 'ROLLING_OUT', 'ROLLING_OUT', 'FULL_ROLLOUT']),
      protective,
      prereqs: [],
    });
  }
  // prerequisites: some flags depend on another (usually another team's) flag
  for (const f of flags) {
    if (chance(0.12)) {
      const p = pick(flags.filter((g) => g !== f && g.owner !== f.owner && !g.services.includes(f.svc)));
      if (p) f.prereqs.push(p.key);
    }
  }
  return flags;
}

const newEnv = () => ({ enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] });

// ---------- scenario ----------
const RULE_SEGMENTS = [
  ['country', 'in', ['DE', 'AT', 'CH']],
  ['country', 'in', ['US', 'CA', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL']],
  ['plan', 'in', ['free']],
  ['plan', 'in', ['enterprise']],
  ['email', 'ends_with', ['@example.com']],
  ['app_version', 'starts_with', ['7.']],
  ['user_id', 'in', ['u-1001', 'u-1002', 'u-1003']],
];
function rule(i) {
  const [a, op, v] = RULE_SEGMENTS[i];
  return { attribute: a, op, values: v, variation: 'on' };
}

function genScenario(sIdx) {
  const id = `${mix}-${String(sIdx).padStart(4, '0')}`;
  const flags = makeFlags(I(55, 85));
  // incident true time (ledger clock). Random weekday daytime in 2025
  const Ttrue = Date.UTC(2025, I(0, 10), I(1, 27), I(7, 20), I(0, 59), I(0, 59), I(0, 999));
  const skew = HARD ? U(-90, 90) * 1000 : U(-5, 5) * 1000; // alerting clock minus ledger clock
  const triggeredAt = Ttrue + skew;
  const incidentSvc = pick(SERVICES);
  const team = SERVICE_TEAM[incidentSvc];
  const intents = []; // {t, kind, ...}
  const reserved = new Map(); // flagKey -> time from which random noise must not touch it
  const tags = [];

  const usersOf = (f) => USERS[f.owner];
  const onSvc = (f, s) => f.services.includes(s);

  // 1. flag.created entries, weeks earlier
  const tStart = Ttrue - U(21, 42) * DAY;
  for (const f of flags) {
    f.createdAt = tStart + rnd() * (Ttrue - 3 * DAY - tStart);
    intents.push({ t: f.createdAt, kind: 'create', f, actor: { type: 'user', id: pick(usersOf(f)) } });
  }

  // 2. ---- choose the cause ----
  const causeKind = wpick(
    HARD
      ? [
          ['ramp_big', 28],
          ['ramp_mid', 14],
          ['enable', 17],
          ['targeting', 12],
          ['prereq', 10],
          ['off_protection', 8],
          ['upstream', 6],
          ['variation', 5],
        ]
      : [
          ['ramp_big', 32],
          ['ramp_mid', 15],
          ['enable', 20],
          ['targeting', 12],
          ['prereq', 10],
          ['off_protection', 6],
          ['variation', 5],
        ],
  );
  const svcFlags = flags.filter((f) => onSvc(f, incidentSvc));
  let causeFlag;
  let linkedVia = null;
  const notProt = (f) => !f.protective;
  if (causeKind === 'prereq') {
    // a flag evaluated by the incident service requires causeFlag; causeFlag itself is not on the service
    const dependent = pick(svcFlags.filter(notProt));
    const cands = flags.filter((g) => !onSvc(g, incidentSvc) && g.owner !== team && !g.protective && !g.prereqs.length);
    causeFlag = pick(cands);
    if (!dependent.prereqs.includes(causeFlag.key)) dependent.prereqs.push(causeFlag.key);
    linkedVia = dependent.key;
  } else if (causeKind === 'upstream') {
    const callees = DEPS[incidentSvc].length
      ? DEPS[incidentSvc]
      : SERVICES.filter((c) => DEPS[c].includes(incidentSvc));
    const s2 = pick(callees);
    causeFlag =
      pick(flags.filter((f) => onSvc(f, s2) && !onSvc(f, incidentSvc) && notProt(f)).concat([])) ||
      pick(flags.filter((f) => !onSvc(f, incidentSvc) && notProt(f)));
  } else if (causeKind === 'off_protection') {
    causeFlag = svcFlags.find((f) => f.protective);
    if (!causeFlag) {
      causeFlag = pick(svcFlags);
      causeFlag.protective = true;
      causeFlag.type = 'ops';
    }
  } else {
    causeFlag = pick(svcFlags.filter(notProt).concat(svcFlags.filter(notProt))); // release-ish
    if (!causeFlag) causeFlag = pick(svcFlags);
  }
  // metadata drift: in the hard mix the flag's service list sometimes only gained the incident service later
  let metaDrift = false;
  if (HARD && onSvc(causeFlag, incidentSvc) && causeFlag.services.length === 1 && chance(0.15)) {
    metaDrift = true;
    tags.push('metadata_updated_later');
  }
  // delay from change to alert (true time)
  const delayMin = HARD
    ? wpick([
        [() => U(0.33, 5), 40],
        [() => U(5, 15), 35],
        [() => U(15, 28), 25],
      ])()
    : wpick([
        [() => U(1, 5), 50],
        [() => U(5, 15), 35],
        [() => U(15, 25), 15],
      ])();
  const tCause = Ttrue - delayMin * MIN;
  const causeChannel = wpick(
    HARD
      ? [
          ['user', 66],
          ['change_request', 10],
          ['break_glass', 5],
          ['schedule', 5],
          ['deploy_burst', 14],
        ]
      : [
          ['user', 80],
          ['change_request', 10],
          ['break_glass', 5],
          ['schedule', 5],
        ],
  );
  const causeEnv = 'production';
  const shape = (kind) => {
    switch (kind) {
      case 'ramp_big': {
        const a = pick([0, 0, 1, 5, 10]);
        return {
          before: { enabled: true, rollout_pct: a },
          after: { enabled: true, rollout_pct: pick([50, 100, 100, 25].filter((x) => x > a * 2)) },
        };
      }
      case 'ramp_mid': {
        const [a, b] = pick([
          [10, 25],
          [25, 50],
          [20, 50],
          [5, 20],
          [50, 100],
        ]);
        return { before: { enabled: true, rollout_pct: a }, after: { enabled: true, rollout_pct: b } };
      }
      case 'enable': {
        const r = pick([100, 100, 50, 30]);
        return { before: { enabled: false, rollout_pct: r }, after: { enabled: true, rollout_pct: r } };
      }
      case 'targeting':
        return {
          before: { enabled: true, rollout_pct: 0, rules: [] },
          after: { enabled: true, rollout_pct: 0, rules: [rule(pick([1, 2, 0]))] },
        };
      case 'variation':
        return {
          before: { enabled: true, rollout_pct: 100, variation: 'on' },
          after: { enabled: true, rollout_pct: 100, variation: pick(['v2', 'treatment-b']) },
        };
      case 'off_protection':
        return { before: { enabled: true, rollout_pct: 100 }, after: { enabled: false, rollout_pct: 100 } };
      case 'prereq':
      case 'upstream':
        return shape(pick(['ramp_big', 'enable', 'ramp_mid']));
    }
  };
  const cs = shape(causeKind);
  reserve(causeFlag, tCause - U(2, 10) * DAY, causeEnv, cs.before);
  const causeIntent = {
    t: tCause,
    kind: 'change',
    f: causeFlag,
    env: causeEnv,
    patch: cs.after,
    channel: causeChannel,
    isCause: true,
  };
  if (causeChannel === 'deploy_burst') causeIntent.actor = { type: 'service', id: 'deploy-bot' };
  intents.push(causeIntent);

  function reserve(f, tPrep, env, state) {
    // set the flag to `state` at tPrep (a normal user change) and keep random noise off it afterwards
    tPrep = Math.max(tPrep, f.createdAt + U(1, 12) * 3600e3);
    intents.push({ t: tPrep, kind: 'change', f, env, patch: state, channel: 'user', prep: true });
    const prev = reserved.get(f.key);
    reserved.set(f.key, Math.min(prev ?? Infinity, tPrep - 1));
  }

  // 3. auto rollback of the causal flag (its breaker tripped) — context only
  if (chance(HARD ? 0.25 : 0.2) && causeKind !== 'off_protection') {
    intents.push({ t: tCause + U(1, 6) * MIN, kind: 'auto_rollback', f: causeFlag, env: causeEnv });
    tags.push('cause_auto_rolled_back');
  }

  // 4. background activity over the weeks before (random changes on unreserved flags)
  const nBg = I(120, 260);
  for (let i = 0; i < nBg; i++) {
    const t = tStart + 1 * DAY + rnd() * (Ttrue - 2 * 3600e3 - tStart - DAY);
    intents.push({ t, kind: 'random', env: chance(0.6) ? 'production' : 'staging' });
  }
  // past incidents
  for (let i = 0; i < I(2, 6); i++) {
    const t = tStart + rnd() * (Ttrue - DAY - tStart);
    intents.push({ t, kind: 'incident', svc: pick(SERVICES), resolveAfter: U(10, 120) * MIN, trig: t });
  }

  // 5. ---- noise inside / around the window ----
  const WIN0 = Ttrue - 32 * MIN,
    WIN1 = Ttrue + U(1, 4) * MIN; // export ends at WIN1
  const winTime = () => U(WIN0, Ttrue + 60e3);
  const otherFlags = () => flags.filter((f) => !onSvc(f, incidentSvc) && f !== causeFlag && !reserved.has(f.key));
  const noiseShape = () =>
    wpick([
      [{ kind: 'ramp_big' }, 20],
      [{ kind: 'ramp_mid' }, 30],
      [{ kind: 'enable' }, 15],
      [{ kind: 'off' }, 15],
      [{ kind: 'targeting' }, 10],
      [{ kind: 'small' }, 10],
    ]);
  function noiseChange(f, t, env, channel, sh = noiseShape(), actor) {
    let before, after;
    switch (sh.kind) {
      case 'off':
        before = { enabled: true, rollout_pct: pick([100, 50, 20]) };
        after = { enabled: false, rollout_pct: before.rollout_pct };
        break;
      case 'small': {
        const a = pick([40, 45, 90, 95, 75]);
        before = { enabled: true, rollout_pct: a };
        after = { enabled: true, rollout_pct: Math.min(100, a + pick([5, 5, 10])) };
        break;
      }
      case 'down': {
        const a = pick([50, 100, 25]);
        before = { enabled: true, rollout_pct: a };
        after = { enabled: true, rollout_pct: pick([0, 5, 10]) };
        break;
      }
      case 'narrow':
        before = { enabled: true, rollout_pct: 0, rules: [rule(1)] };
        after = { enabled: true, rollout_pct: 0, rules: [rule(0)] };
        break;
      case 'dark':
        before = { enabled: false, rollout_pct: 0 };
        after = { enabled: true, rollout_pct: 0 };
        break; // enabled, nobody exposed
      default:
        ({ before, after } = shape(sh.kind));
    }
    reserve(f, t - U(1, 8) * DAY, env, before);
    intents.push({ t, kind: 'change', f, env, patch: after, channel, actor, noise: sh.kind });
  }
  // unrelated-service changes (both mixes)
  const nUnrel = HARD ? I(5, 12) : I(2, 6);
  for (let i = 0; i < nUnrel; i++) {
    const f = pick(otherFlags());
    if (f) noiseChange(f, winTime(), chance(HARD ? 0.75 : 0.8) ? 'production' : 'staging', 'user');
  }
  // staging change on a same-service flag (both mixes, light)
  if (chance(0.5)) {
    const f = pick(svcFlags.filter((g) => g !== causeFlag && !reserved.has(g.key)));
    if (f) noiseChange(f, winTime(), 'staging', 'user', { kind: 'ramp_big' });
  }

  if (HARD) {
    // (a) second, non-causal change on the same service (by a person), anywhere in the window
    const f2 = pick(svcFlags.filter((g) => g !== causeFlag && !reserved.has(g.key)));
    if (f2) {
      const sh = wpick([
        [{ kind: 'small' }, 25],
        [{ kind: 'off' }, 20],
        [{ kind: 'down' }, 15],
        [{ kind: 'narrow' }, 10],
        [{ kind: 'dark' }, 10],
        [{ kind: 'ramp_mid' }, 20],
      ]);
      noiseChange(f2, U(WIN0 + 2 * MIN, Ttrue), 'production', 'user', sh);
      tags.push(`decoy_same_service:${sh.kind}`);
    }
    // (b) deploy burst by deploy-bot: 8–20 changes within ~2 min, 3–25 min before the alert
    const tb = Ttrue - U(3, 25) * MIN;
    const nb = I(8, 20);
    const burstFlags = shuffle(flags.filter((g) => g !== causeFlag && !reserved.has(g.key))).slice(0, nb);
    burstFlags.forEach((g, k) => {
      const env = chance(0.5) ? 'staging' : 'production';
      const sh = wpick([
        [{ kind: 'dark' }, 35],
        [{ kind: 'small' }, 20],
        [{ kind: 'targeting' }, 15],
        [{ kind: 'ramp_mid' }, 15],
        [{ kind: 'enable' }, 15],
      ]);
      noiseChange(g, tb + k * U(2, 9) * 1000, env, 'user', sh, { type: 'service', id: 'deploy-bot' });
    });
    if (causeChannel === 'deploy_burst') {
      causeIntent.t = tb + U(0, nb * 5) * 1000;
    }
    // (c) cron-scheduled toggle at the alert's minute (alerting clock), on a same-service flag half the time
    const cronPool = chance(0.5) ? svcFlags : flags;
    const fc = pick(cronPool.filter((g) => g !== causeFlag && !reserved.has(g.key)));
    if (fc) {
      const tCron = Math.floor(triggeredAt / MIN) * MIN - skew + U(0, 900);
      const on = chance(0.5);
      const before = on ? { enabled: false, rollout_pct: 100 } : { enabled: true, rollout_pct: 100 };
      const after = on ? { enabled: true, rollout_pct: 100 } : { enabled: false, rollout_pct: 100 };
      reserve(fc, tCron - U(2, 6) * DAY, 'production', before);
      intents.push({
        t: tCron,
        kind: 'change',
        f: fc,
        env: 'production',
        patch: after,
        channel: 'schedule',
        noise: 'cron',
        crAt: tCron - U(10, 30) * 3600e3,
      });
      tags.push(`cron_on_${onSvc(fc, incidentSvc) ? 'same' : 'other'}_service`);
    }
    // (d) pre-approved change requests applied inside the window (1–3, one often on the incident service)
    const ncr = I(1, 3);
    for (let i = 0; i < ncr; i++) {
      const pool = i === 0 && chance(0.6) ? svcFlags : flags;
      const g = pick(pool.filter((x) => x !== causeFlag && !reserved.has(x.key)));
      if (g)
        noiseChange(
          g,
          winTime(),
          'production',
          'change_request',
          wpick([
            [{ kind: 'ramp_mid' }, 40],
            [{ kind: 'ramp_big' }, 25],
            [{ kind: 'enable' }, 20],
            [{ kind: 'small' }, 15],
          ]),
        );
    }
    // (e) an unrelated breaker trip (auto rollback) in the window
    if (chance(0.3)) {
      const g = pick(otherFlags());
      if (g) {
        noiseChange(g, U(WIN0, Ttrue - 8 * MIN), 'production', 'user', { kind: 'ramp_mid' });
        intents.push({ t: U(Ttrue - 7 * MIN, Ttrue), kind: 'auto_rollback', f: g, env: 'production' });
      }
    }
  }
  // incident itself: webhook arrives 1–30 s after the true alert (ledger clock)
  const incId = pdId();
  const sev = wpick([
    ['critical', 40],
    ['error', 45],
    ['warning', 15],
  ]);
  const title = pick([
    `${incidentSvc}: 5xx error rate above 2% for 5 minutes`,
    `${incidentSvc}: p99 latency > 1.5s`,
    `[${incidentSvc}] SLO burn rate critical`,
    `${incidentSvc}: elevated error rate in production`,
  ]);
  const trigStr = chance(0.5) ? pdIso(triggeredAt) : iso(triggeredAt);
  intents.push({
    t: Ttrue + U(1, 30) * 1000,
    kind: 'incident',
    svc: incidentSvc,
    id: incId,
    title,
    sev,
    trigStr,
    env: 'production',
    main: true,
  });
  if (chance(0.6))
    intents.push({
      t: Ttrue + U(60, 170) * 1000,
      kind: 'incident_ack',
      id: incId,
      svc: incidentSvc,
      title,
      sev,
      trigStr,
    });
  // a couple of changes after the alert but inside the export (e.g. unrelated work continuing)
  for (let i = 0; i < I(0, 2); i++) {
    const f = pick(otherFlags());
    if (f) noiseChange(f, U(Ttrue + 10e3, WIN1), 'production', 'user');
  }

  // ---------- simulate ----------
  intents.sort((a, b) => a.t - b.t);
  const state = {}; // key -> {env: EnvState}
  const leaves = [];
  let lastTs = 0;
  function emit(t, actor, action, flag, env, before, after, reason, refs) {
    t = Math.max(Math.round(t), lastTs + 1);
    lastTs = t;
    const idx = leaves.length;
    const prev =
      idx === 0 ? '' : sha256hex(Buffer.concat([Buffer.from([0]), Buffer.from(leaves[idx - 1].text, 'utf8')]));
    const leaf = { v: 1, log: LOG, idx, ts: iso(t), actor, action, flag, env, before, after, reason, refs, prev };
    const text = canonicalize(leaf);
    leaves.push({ leaf, text });
    return idx;
  }
  const defOf = (f) => ({
    key: f.key,
    type: f.type,
    owner: f.owner,
    services: f._createdServices && !driftDone ? f._createdServices : f.services,
    tier: f.tier,
    safe_default: f.safe_default,
    description: `${f.type} flag for ${f.svc}`,
    stage: f.stage,
    expires_at: iso(f.createdAt + 180 * DAY),
  });
  const payloadHash = (after, env, key, sched) =>
    sha256hex(canonicalize({ after, environment: env, flag_key: key, scheduled_at: sched }));
  let causeIdx = null;
  let causeTs = null;
  const driftAt = metaDrift ? tCause - U(1, 5) * DAY : null;
  let driftDone = false;
  const reasons = [
    'ramp up after clean metrics',
    'enable for beta cohort',
    'rollout step per plan',
    'experiment start',
    'disable: no longer needed',
    'targeting update for launch',
    'config tweak',
    'cleanup before tombstone',
    'JIRA-4821 next step',
  ];

  for (const it of intents) {
    if (metaDrift && !driftDone && it.t > driftAt) {
      // flag.updated (env null): services list gains the incident service
      const f = causeFlag;
      const before = defOf(f);
      const origServices = f.services;
      f.services = [...new Set([...f.services])].sort();
      // created without the incident service? emulate: it was created with a sibling service only
      driftDone = true;
      void origServices;
      emit(
        driftAt,
        { type: 'user', id: pick(usersOf(f)) },
        'flag.updated',
        f.key,
        null,
        before,
        defOf(f),
        'also evaluated by ' + incidentSvc,
        {},
      );
    }
    if (it.kind === 'create') {
      const f = it.f;
      const envs = {};
      for (const e of ENVS) {
        state[f.key] ??= {};
        state[f.key][e] = newEnv();
        state[f.key][e].prerequisites = [...f.prereqs].sort();
        envs[e] = clone(state[f.key][e]);
      }
      let def = defOf(f);
      if (metaDrift && f === causeFlag) {
        // at creation the flag listed a different (sibling) service only
        const sib = TEAMS[f.owner].find((s) => s !== incidentSvc) || pick(SERVICES.filter((s) => s !== incidentSvc));
        f._createdServices = [sib];
        def = { ...def, services: [sib] };
      }
      emit(it.t, it.actor, 'flag.created', f.key, null, null, { ...def, environments: envs }, `created ${f.key}`, {});
      continue;
    }
    if (it.kind === 'random') {
      const cands = flags.filter((f) => f.createdAt < it.t && !(reserved.has(f.key) && reserved.get(f.key) <= it.t));
      if (!cands.length) continue;
      const f = pick(cands);
      const env = it.env;
      const cur = state[f.key][env];
      const nx = clone(cur);
      const r = rnd();
      if (r < 0.5) {
        nx.enabled = true;
        nx.rollout_pct = pick([0, 1, 5, 10, 25, 50, 100]);
      } else if (r < 0.7) nx.enabled = !nx.enabled;
      else if (r < 0.85) nx.rules = chance(0.5) ? [rule(I(0, RULE_SEGMENTS.length - 1))] : [];
      else if (r < 0.95) {
        // metadata update
        const before = defOf(f);
        if (chance(0.5)) f.stage = pick(['ROLLING_OUT', 'FULL_ROLLOUT', 'CLEANUP']);
        else f.tier = pick(['LOW', 'MEDIUM', 'HIGH']);
        emit(
          it.t,
          { type: 'user', id: pick(usersOf(f)) },
          'flag.updated',
          f.key,
          null,
          before,
          defOf(f),
          'metadata updated',
          {},
        );
        continue;
      } else {
        nx.rollout_pct = 0;
        nx.enabled = false;
      }
      if (JSON.stringify(nx) === JSON.stringify(cur)) continue;
      if (r >= 0.95 && JSON.stringify({ ...nx, ...f.safe_default }) === JSON.stringify(cur)) continue;
      if (r >= 0.95) {
        emit(
          it.t,
          { type: 'user', id: pick(usersOf(f)) },
          'flag.killed',
          f.key,
          env,
          cur,
          { ...nx, ...f.safe_default },
          'kill: errors in dashboards',
          {},
        );
        state[f.key][env] = { ...nx, ...f.safe_default };
        continue;
      }
      emit(it.t, { type: 'user', id: pick(usersOf(f)) }, 'flag.updated', f.key, env, cur, nx, pick(reasons), {});
      state[f.key][env] = nx;
      continue;
    }
    if (it.kind === 'incident') {
      const id = it.id || pdId();
      const after = {
        id,
        service: it.svc,
        title: it.title || `${it.svc}: elevated errors`,
        severity: it.sev || 'error',
        source: 'pagerduty',
        triggered_at: it.trigStr || pdIso(it.trig),
      };
      emit(
        it.t,
        { type: 'service', id: 'pagerduty' },
        'incident.triggered',
        null,
        it.env ?? 'production',
        null,
        after,
        'PagerDuty incident.triggered',
        { incident: id },
      );
      if (!it.main)
        emit(
          it.t + it.resolveAfter,
          { type: 'service', id: 'pagerduty' },
          'incident.resolved',
          null,
          'production',
          null,
          after,
          'PagerDuty incident.resolved',
          { incident: id },
        );
      continue;
    }
    if (it.kind === 'incident_ack') {
      emit(
        it.t,
        { type: 'service', id: 'pagerduty' },
        'incident.acknowledged',
        null,
        'production',
        null,
        {
          id: it.id,
          service: it.svc,
          title: it.title,
          severity: it.sev,
          source: 'pagerduty',
          triggered_at: it.trigStr,
        },
        'PagerDuty incident.acknowledged',
        { incident: it.id },
      );
      continue;
    }
    if (it.kind === 'auto_rollback') {
      const f = it.f;
      const cur = state[f.key][it.env];
      const nx = { ...cur, ...f.safe_default };
      if (JSON.stringify(nx) === JSON.stringify(cur)) continue;
      const rate = (5 + rnd() * 20).toFixed(1);
      emit(
        it.t,
        { type: 'system', id: 'system:evaluator' },
        'flag.auto_rolled_back',
        f.key,
        it.env,
        cur,
        nx,
        `circuit_breaker: error rate ${rate}% over the last 100 requests exceeds 5.0%`,
        {},
      );
      state[f.key][it.env] = nx;
      continue;
    }
    if (it.kind === 'change') {
      const f = it.f;
      const env = it.env;
      const cur = state[f.key][env];
      const nx = { ...clone(cur), ...clone(it.patch) };
      if (JSON.stringify(nx) === JSON.stringify(cur)) {
        if (it.isCause) throw new Error('no-op cause');
        continue;
      }
      const reason = it.isCause
        ? pick(reasons.slice(0, 6))
        : it.noise === 'cron'
          ? 'nightly batch window'
          : it.prep
            ? pick(reasons)
            : pick(reasons);
      const user = it.actor?.type === 'user' ? it.actor.id : pick(usersOf(f));
      let idx;
      if (it.channel === 'user' || it.channel === 'deploy_burst') {
        idx = emit(
          it.t,
          it.actor || { type: 'user', id: user },
          'flag.updated',
          f.key,
          env,
          cur,
          nx,
          it.actor?.id === 'deploy-bot' ? `release ${I(400, 900)}.${I(0, 20)}: sync flag config` : reason,
          {},
        );
      } else if (it.channel === 'change_request' || it.channel === 'schedule') {
        const sched = it.channel === 'schedule' ? iso(it.t) : null;
        const crT = it.crAt ?? it.t - U(0.5, 20) * 3600e3;
        const approver = pick(
          Object.values(USERS)
            .flat()
            .filter((u) => u !== user),
        );
        const hash = payloadHash(nx, env, f.key, sched);
        // change_request.created is written earlier in time; emit out of order is not allowed, so we pre-place it:
        // (we emit it now but with its own earlier timestamp clamp — instead, we queued it below)
        pendingEarly.push({
          tier: f.tier,
          t: crT,
          f,
          env,
          cur,
          nx,
          sched,
          hash,
          user,
          approver,
          reason,
          channel: it.channel,
          execT: it.t,
          isCause: it.isCause,
        });
        state[f.key][env] = nx;
        continue;
      } else if (it.channel === 'break_glass') {
        const tokIdx = emit(
          it.t - U(2, 10) * MIN,
          { type: 'user', id: user },
          'break_glass.issued',
          f.key,
          env,
          null,
          { token_id: 'pending', scope: { flags: [f.key], envs: [env] }, expires_at: iso(it.t + 20 * MIN) },
          'urgent fix needed, approvers unavailable right now',
          {},
        );
        // fix token id to bg-<idx>
        const L = leaves[tokIdx];
        L.leaf.after.token_id = `bg-${tokIdx}`;
        L.leaf.refs = { break_glass_token: `bg-${tokIdx}` };
        L.text = canonicalize(L.leaf);
        idx = emit(it.t, { type: 'user', id: user }, 'break_glass.used', f.key, env, cur, nx, reason, {
          break_glass_token: `bg-${tokIdx}`,
          operation: 'flag.updated',
        });
      }
      state[f.key][env] = nx;
      if (it.isCause) {
        causeIdx = idx;
        causeTs = leaves[idx].leaf.ts;
      }
      continue;
    }
  }
  return {
    id,
    flags,
    intents,
    incidentSvc,
    incId,
    Ttrue,
    triggeredAt,
    skew,
    causeKind,
    causeChannel,
    causeFlag,
    linkedVia,
    delayMin,
    tags,
    leaves,
    causeIdx,
    causeTs,
  };
}

// change-request flows need entries at several times; simplest correct approach: two-pass.
// Pass 1 collects CR flows (pendingEarly), pass 2 regenerates with them as first-class timed intents.
let pendingEarly = [];

function genScenarioWithFlows(sc, flows) {
  // Rebuild: merge the already emitted leaves (sans prev/idx) with CR-flow entries and re-simulate before/after
  // for the affected flags. To keep before/after consistent, we recompute states by replaying in time order.
  const events = sc.leaves.map((l) => ({ t: Date.parse(l.leaf.ts), leaf: l.leaf }));
  for (const fl of flows) {
    const f = fl.f;
    const base = { actor: null, flag: f.key, env: fl.env };
    const crAfter = fl.sched ? { ...fl.nx, scheduled_at: fl.sched } : fl.nx;
    const required = fl.tier === 'BLOCKED' ? 2 : fl.tier === 'HIGH' ? 1 : 0;
    const approvers = [
      fl.approver,
      pick(
        Object.values(USERS)
          .flat()
          .filter((u) => u !== fl.user && u !== fl.approver),
      ),
    ].slice(0, Math.max(required, fl.channel === 'schedule' ? 1 : 0));
    const crT = required === 0 && fl.channel !== 'schedule' ? fl.execT - U(1, 50) : fl.t;
    events.push({
      t: crT,
      flow: fl,
      step: 'created',
      leaf: {
        ...base,
        actor: { type: 'user', id: fl.user },
        action: 'change_request.created',
        before: 'STATE',
        after: crAfter,
        reason: fl.reason,
      },
    });
    let tA = fl.channel === 'schedule' ? crT + U(0.2, 3) * 3600e3 : fl.execT - U(30, 300) * 1000;
    approvers.forEach((ap, k) => {
      events.push({
        t: tA + k * U(20, 200) * 1000,
        flow: fl,
        step: 'approved',
        leaf: {
          ...base,
          actor: { type: 'user', id: ap },
          action: 'change_request.approved',
          before: null,
          after: { approvals: k + 1, required },
          reason: pick(['LGTM', 'looks good, metrics clean', 'approved']),
        },
      });
    });
    const lastAppr = approvers.length ? approvers[approvers.length - 1] : fl.user;
    if (fl.channel === 'schedule') {
      events.push({
        t: tA + approvers.length * 200e3 + 1,
        flow: fl,
        step: 'schedule',
        leaf: {
          ...base,
          actor: { type: 'user', id: lastAppr },
          action: 'schedule.created',
          before: null,
          after: 'SCHED',
          reason: fl.reason,
        },
      });
      events.push({
        t: fl.execT,
        flow: fl,
        step: 'exec',
        leaf: {
          ...base,
          actor: { type: 'system', id: 'system:scheduler' },
          action: 'schedule.executed',
          before: 'STATE',
          after: fl.nx,
          reason: fl.reason,
        },
      });
    } else {
      // the approval that completes quorum applies the change in the same transaction
      if (approvers.length) events[events.length - 1].t = fl.execT - 1;
      events.push({
        t: fl.execT,
        flow: fl,
        step: 'exec',
        leaf: {
          ...base,
          actor: { type: 'user', id: lastAppr },
          action: 'change_request.applied',
          before: 'STATE',
          after: fl.nx,
          reason: fl.reason,
        },
      });
    }
  }
  events.sort((a, b) => a.t - b.t);
  // replay states
  const st = {};
  const leaves = [];
  let lastTs = 0;
  let causeIdx = null;
  let causeTs = null;
  const idsByFlow = new Map();
  for (const ev of events) {
    const t = Math.max(Math.round(ev.t), lastTs + 1);
    lastTs = t;
    const idx = leaves.length;
    const L = clone(ev.leaf);
    const a = L.action;
    const keyEnv = L.flag && L.env ? `${L.flag}|${L.env}` : null;
    if (a === 'flag.created') {
      for (const [e, s] of Object.entries(L.after.environments)) st[`${L.flag}|${e}`] = clone(s);
    }
    if (ev.flow) {
      const fl = ev.flow;
      let ids = idsByFlow.get(fl);
      if (!ids) {
        ids = {};
        idsByFlow.set(fl, ids);
      }
      if (ev.step === 'created') {
        ids.cr = `cr-${idx}`;
        L.before = clone(st[keyEnv]);
      }
      const refs = { change_request: ids.cr, payload_hash: fl.hash };
      if (ev.step === 'schedule') {
        ids.sch = `sch-${idx}`;
        L.after = { schedule_id: ids.sch, run_at: fl.sched, payload_hash: fl.hash, approvers: [fl.approver] };
        refs.schedule = ids.sch;
      }
      if (ev.step === 'exec') {
        L.before = clone(st[keyEnv]);
        st[keyEnv] = clone(L.after);
        if (ids.sch) refs.schedule = ids.sch;
        if (fl.isCause) {
          causeIdx = idx;
          causeTs = iso(t);
        }
      }
      L.refs = refs;
    } else if (
      keyEnv &&
      ['flag.updated', 'flag.killed', 'flag.auto_rolled_back', 'break_glass.used', 'flag.rolled_back'].includes(a)
    ) {
      // keep the before consistent with replayed state; the after is a full EnvState already
      L.before = clone(st[keyEnv]);
      st[keyEnv] = clone(L.after);
      if (sc.causeIdx != null && ev.leaf === sc.leaves[sc.causeIdx].leaf) {
        causeIdx = idx;
        causeTs = iso(t);
      }
    } else if (sc.causeIdx != null && ev.leaf === sc.leaves[sc.causeIdx].leaf) {
      causeIdx = idx;
      causeTs = iso(t);
    }
    if (a === 'break_glass.issued') {
      const tok = `bg-${idx}`;
      L.after.token_id = tok;
      L.refs = { break_glass_token: tok };
      ev.newTok = tok;
      ev.oldTok = ev.leaf.refs.break_glass_token;
    }
    if (a === 'break_glass.used') {
      const iss = events.find((e) => e.oldTok === ev.leaf.refs.break_glass_token);
      if (iss) L.refs = { ...L.refs, break_glass_token: iss.newTok };
    }
    const prev =
      idx === 0 ? '' : sha256hex(Buffer.concat([Buffer.from([0]), Buffer.from(leaves[idx - 1].text, 'utf8')]));
    const leaf = {
      v: 1,
      log: LOG,
      idx,
      ts: iso(t),
      actor: L.actor,
      action: a,
      flag: L.flag,
      env: L.env,
      before: L.before,
      after: L.after,
      reason: L.reason,
      refs: L.refs ?? {},
      prev,
    };
    leaves.push({ leaf, text: canonicalize(leaf) });
  }
  return { ...sc, leaves, causeIdx, causeTs };
}

// ---------- main ----------
const dir = join(outDir, mix);
mkdirSync(dir, { recursive: true });
const manifest = [];
for (let i = 0; i < N; i++) {
  rnd = mulberry32(SEED * 1000003 + i);
  pendingEarly = [];
  const sc0 = genScenario(i);
  const sc = genScenarioWithFlows(sc0, pendingEarly);
  if (sc.causeIdx == null) throw new Error(`scenario ${i}: cause not emitted`);
  const file = join(dir, `${sc.id}.ndjson`);
  writeFileSync(file, sc.leaves.map((l) => l.text).join('\n') + '\n');
  const causeLeaf = sc.leaves[sc.causeIdx].leaf;
  manifest.push({
    id: sc.id,
    mix,
    file,
    incident_id: sc.incId,
    service: sc.incidentSvc,
    triggered_at: iso(sc.triggeredAt),
    true_idx: sc.causeIdx,
    true_action: causeLeaf.action,
    true_flag: causeLeaf.flag,
    true_ts: sc.causeTs,
    cause_kind: sc.causeKind,
    cause_channel: sc.causeChannel,
    linked_via: sc.linkedVia,
    delay_min: +((sc.Ttrue - Date.parse(sc.causeTs)) / MIN).toFixed(2),
    apparent_delta_s: +((sc.triggeredAt - Date.parse(sc.causeTs)) / 1000).toFixed(1),
    skew_s: +(sc.skew / 1000).toFixed(1),
    tags: sc.tags,
    n_entries: sc.leaves.length,
  });
}
writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(`wrote ${N} ${mix} scenarios to ${dir}`);
