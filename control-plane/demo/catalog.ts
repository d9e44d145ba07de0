/** The demo organisation: services, teams, people, and the flag catalogue (≈200 flags), generated deterministically. */
import type { Role } from '../db/users.ts';
import { type FlagType, type Tier } from '../../shared/protocol/index.ts';
import type { Rng } from './rng.ts';

/** The twelve services. */
export const SERVICES = [
  'payments',
  'checkout',
  'auth',
  'search',
  'catalog',
  'cart',
  'shipping',
  'notifications',
  'recommendations',
  'accounts',
  'pricing',
  'inventory',
] as const;

/** A team: its services, domains used in flag keys, and its engineers. */
export interface Team {
  name: string;
  services: string[];
  domains: string[];
  people: string[];
}

/** Teams of the demo organisation. */
export const TEAMS: readonly Team[] = [
  {
    name: 'payments',
    services: ['payments', 'pricing'],
    domains: ['card', 'pricing', 'ledger', 'refunds', 'fraud'],
    people: ['maria.chen', 'sam.okafor', 'li.wei'],
  },
  {
    name: 'checkout',
    services: ['checkout', 'cart'],
    domains: ['cart', 'flow', 'payments', 'promo'],
    people: ['priya.nair', 'jonas.berg', 'ana.souza'],
  },
  {
    name: 'identity',
    services: ['auth', 'accounts'],
    domains: ['auth', 'session', 'profile', 'mfa'],
    people: ['tom.becker', 'fatima.zahra'],
  },
  {
    name: 'discovery',
    services: ['search', 'catalog', 'recommendations'],
    domains: ['search', 'ranking', 'catalog', 'recs'],
    people: ['kenji.ito', 'olga.ivanova', 'david.cohen'],
  },
  {
    name: 'fulfillment',
    services: ['shipping', 'inventory'],
    domains: ['shipping', 'stock', 'carriers'],
    people: ['emma.larsen', 'raj.patel'],
  },
  {
    name: 'platform',
    services: ['notifications', 'auth', 'checkout', 'search'],
    domains: ['notify', 'edge', 'cache', 'db'],
    people: ['noah.schmidt', 'zoe.martin'],
  },
  {
    name: 'growth',
    services: ['checkout', 'recommendations', 'notifications'],
    domains: ['onboarding', 'upsell', 'email'],
    people: ['lucas.rossi', 'mia.novak'],
  },
];

/** Approvers who review four-eyes requests in the history. */
export const APPROVERS = ['sam.okafor', 'jonas.berg', 'fatima.zahra', 'olga.ivanova', 'noah.schmidt', 'avery', 'blake'];

/** Service accounts that also change flags. */
export const BOTS = ['gitops-sync', 'deploy-bot'];

/** People who get a login token on every demo boot (printed as `demo token <role> <name> <token>`). */
export const DEMO_USERS: readonly { name: string; role: Role }[] = [
  { name: 'dana', role: 'admin' },
  { name: 'riley', role: 'responder' },
  { name: 'avery', role: 'approver' },
  { name: 'blake', role: 'approver' },
  { name: 'vic', role: 'viewer' },
];

/** A flag to create. */
export interface FlagSpec {
  key: string;
  team: string;
  type: FlagType;
  tier: Tier;
  services: string[];
  description: string;
}

/** The scripted flags of the live scenario. */
export const SCENARIO = {
  culprit: 'payments.pricing.v2-calculation-engine',
  breakerTarget: 'checkout.payments.express-pay',
  tombstoned: 'trading.legacy.power-phlx',
} as const;

const PURPOSES = [
  'async-capture',
  'retry-backoff',
  'new-flow',
  'v2-api',
  'batching',
  'dark-launch',
  'canary-routing',
  'smart-defaults',
  'fallback-cache',
  'rate-limit',
  'strict-validation',
  'bulk-export',
  'idempotent-writes',
  'lazy-loading',
  'prefetch',
  'circuit-timeout',
  'grpc-client',
  'dedupe',
  'region-failover',
  'shadow-reads',
  'ml-scoring',
  'edge-cache',
  'compression',
  'streaming-ui',
  'partial-refunds',
];
const TYPES: readonly FlagType[] = [
  'release',
  'release',
  'release',
  'ops',
  'ops',
  'experiment',
  'experiment',
  'permission',
  'kill-switch',
];

function tierFor(rng: Rng, services: readonly string[]): Tier {
  const critical = services.some((s) => s === 'payments' || s === 'auth');
  const r = rng.next();
  if (critical) return r < 0.35 ? 'BLOCKED' : r < 0.7 ? 'HIGH' : 'MEDIUM';
  return r < 0.15 ? 'HIGH' : r < 0.5 ? 'MEDIUM' : 'LOW';
}

/** The scripted flags, then generated ones up to `count` in total; keys are unique. */
export function flagCatalogue(rng: Rng, count: number): FlagSpec[] {
  const specs: FlagSpec[] = [
    {
      key: SCENARIO.culprit,
      team: 'payments',
      type: 'release',
      tier: 'MEDIUM',
      services: ['payments', 'pricing'],
      description: 'New pricing calculation engine (v2), shadow-tested against v1',
    },
    {
      key: SCENARIO.breakerTarget,
      team: 'checkout',
      type: 'release',
      tier: 'HIGH',
      services: ['checkout'],
      description: 'Express pay button on the checkout page (calls payments synchronously)',
    },
    {
      key: SCENARIO.tombstoned,
      team: 'platform',
      type: 'ops',
      tier: 'HIGH',
      services: ['payments'],
      description: 'Legacy order router (RLP); retired',
    },
    {
      key: 'payments.card.3ds-v2-challenge',
      team: 'payments',
      type: 'release',
      tier: 'BLOCKED',
      services: ['payments'],
      description: '3-D Secure v2 challenge flow for card payments',
    },
    {
      key: 'identity.auth.passkey-login',
      team: 'identity',
      type: 'release',
      tier: 'BLOCKED',
      services: ['auth', 'accounts'],
      description: 'Passkey (WebAuthn) login',
    },
    {
      key: 'discovery.ranking.ltr-model-v3',
      team: 'discovery',
      type: 'experiment',
      tier: 'HIGH',
      services: ['search'],
      description: 'Learning-to-rank model v3 for search',
    },
  ];
  const seen = new Set(specs.map((s) => s.key));
  for (let guard = 0; specs.length < count && guard < count * 50; guard++) {
    const team = rng.pick(TEAMS);
    const key = `${team.name}.${rng.pick(team.domains)}.${rng.pick(PURPOSES)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const services = [rng.pick(team.services), ...(rng.chance(0.3) ? [rng.pick(team.services)] : [])];
    const unique = [...new Set(services)];
    const type = rng.pick(TYPES);
    specs.push({
      key,
      team: team.name,
      type,
      tier: tierFor(rng, unique),
      services: unique,
      description: `${key.split('.')[2] ?? ''} for ${unique.join(', ')}`,
    });
  }
  return specs;
}
