import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { CrosswindError, ExitCode, InfrastructureError } from '../core/errors.ts';
import type { FaultTarget } from '../core/ledger-entry.ts';
import type { RetryPolicy } from './aws-call.ts';
import { processIdentity } from './run-lock.ts';
import { getJson, putJson, type S3Location, s3LocationOf, s3Url, WriteConflict } from './s3-object.ts';

// The guardrail lease: a fault's decision (is enough left healthy? is the resource free?) and its intent are made
// under one lease, so two operators can never both decide on the same picture of the world and together take out
// more regions than the guardrails allow. The prompt and the slow calls (planning, alarms) come before the lease; the
// health is read again inside it.
//
// - `local`: an abstract UNIX socket named after the project folder. The kernel gives the name to one process at a
//   time and takes it back the moment that process dies, so a crashed holder never leaves a stale lock. Operators
//   sharing the folder share its ledgers, so the ledgers say what is open.
// - `s3://bucket/key`: one JSON object in S3 changed only by conditional writes (If-None-Match / If-Match), holding
//   the lease (with an expiry: a holder that died frees it when it runs out) and the claims: the open faults of every
//   operator on every machine, each until its deadline, by which the server-side switch has undone it anyway.

/** An open fault as every operator sees it in the S3 lease. */
export interface LeaseClaim {
  id: string;
  /** The run folder's name, and the host it is on. */
  run: string;
  host: string;
  target: FaultTarget;
  /** The fault's deadline: after it the claim no longer counts (its dead man's switch has fired). */
  until: string;
}

/** The lease, held: decide, write the intent, release (with the new claim). */
export interface HeldLease {
  /** Open faults of every operator (S3 lease), not yet past their deadline; empty for the local lease. */
  readonly claims: LeaseClaim[];
  /**
   * Gives the lease back, recording `claim` for every operator. Rejects with LeaseLostError when the lease ran out and
   * another operator took it meanwhile: the decision no longer stands and nothing may be applied.
   */
  release(claim?: LeaseClaim): Promise<void>;
}

export interface GuardrailLease {
  /** Where it lives, for messages. */
  readonly where: string;
  /** Waits for the lease (up to the configured wait), then holds it. */
  acquire(): Promise<HeldLease>;
  /** Drops a claim once its fault is undone or kept. Best effort: a claim past its deadline is ignored anyway. */
  forget(id: string): Promise<void>;
}

/** Another operator held the lease for longer than crosswind waits: nothing was changed. */
export class LeaseBusyError extends CrosswindError {
  readonly exitCode = ExitCode.infrastructure;
}

/** The lease ran out while held and another operator took it: the decision made under it no longer stands. */
export class LeaseLostError extends InfrastructureError {}

/** A waiting operator looks at the lease again after 25 ms, then less and less often, up to every 0.5 s (with jitter). */
function backoff(): () => Promise<unknown> {
  let tick = 25;
  return () => {
    const wait = tick + Math.random() * tick;
    tick = Math.min(tick * 1.5, 500);
    return sleep(wait);
  };
}

/** The local lease of a project folder: an abstract socket name (Linux), released by the kernel when its holder dies. */
export function localLease(root: string, waitMs: number): GuardrailLease {
  const digest = createHash('sha256').update(resolve(root)).digest('hex').slice(0, 24);
  const name = `\0crosswind-guardrails-${digest}`;
  const take = () =>
    new Promise<Server | undefined>((done, fail) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? done(undefined) : fail(err)));
      server.listen({ path: name, exclusive: true }, () => done(server));
    });
  return {
    where: `the guardrail lease of ${resolve(root)}`,
    async acquire() {
      const end = Date.now() + waitMs;
      const pause = backoff();
      for (;;) {
        const server = await take();
        if (server) {
          server.unref();
          return { claims: [], release: () => new Promise<void>((r) => server.close(() => r())) };
        }
        if (Date.now() > end)
          throw new LeaseBusyError(`another crosswind process in ${resolve(root)} held the guardrail lease for over ${waitMs} ms`);
        await pause();
      }
    },
    forget: async () => {},
  };
}

interface Holder {
  host: string;
  pid: number;
  token: string;
  until: string;
}

interface LeaseDoc {
  holder: Holder | null;
  claims: LeaseClaim[];
}

export interface S3LeaseOptions {
  s3: S3Client;
  at: S3Location;
  waitMs: number;
  /** How long a holder may keep the lease before others may take it. */
  ttlMs?: number;
  now?: () => number;
  retry?: RetryPolicy;
}

/** The lease in S3: every operator's crosswind, on any machine, sees it and its claims. */
export function s3Lease(o: S3LeaseOptions): GuardrailLease {
  const now = o.now ?? Date.now;
  const ttl = o.ttlMs ?? 20_000;
  const live = (claims: LeaseClaim[]) => claims.filter((c) => Date.parse(c.until) > now());
  const free = (h: Holder | null) => !h || Date.parse(h.until) <= now();
  const where = s3Url(o.at);
  const read = () => getJson<LeaseDoc>(o.s3, o.at, o.retry);
  const write = (doc: LeaseDoc, etag: string | undefined) =>
    putJson(o.s3, o.at, doc, etag === undefined ? { ifNoneMatch: true } : { ifMatch: etag }, o.retry);

  return {
    where,
    async acquire() {
      const me = processIdentity();
      const end = now() + o.waitMs;
      const pause = backoff();
      for (;;) {
        const current = await read();
        if (!current || free(current.value.holder)) {
          const holder: Holder = { host: me.host, pid: me.pid, token: randomUUID(), until: new Date(now() + ttl).toISOString() };
          const claims = live(current?.value.claims ?? []);
          try {
            const etag = await write({ holder, claims }, current?.etag);
            return held(etag, claims);
          } catch (err) {
            if (!(err instanceof WriteConflict)) throw err;
            continue; // another operator got there first: look again
          }
        }
        if (now() > end) {
          const h = current.value.holder as Holder;
          throw new LeaseBusyError(`the guardrail lease ${where} was held by pid ${h.pid} on ${h.host} for over ${o.waitMs} ms`);
        }
        await pause();
      }
    },
    async forget(id) {
      const end = now() + Math.min(o.waitMs, 10_000);
      const pause = backoff();
      while (now() <= end) {
        const current = await read();
        if (!current?.value.claims.some((c) => c.id === id)) return;
        // Changing the object under a holder would void its decision: wait for the lease to be free.
        if (free(current.value.holder)) {
          const doc = { holder: null, claims: live(current.value.claims).filter((c) => c.id !== id) };
          try {
            await write(doc, current.etag);
            return;
          } catch (err) {
            if (!(err instanceof WriteConflict)) throw err;
          }
        } else await pause();
      }
    },
  };

  function held(etag: string, claims: LeaseClaim[]): HeldLease {
    return {
      claims,
      async release(claim) {
        try {
          await write({ holder: null, claims: claim ? [...claims, claim] : claims }, etag);
        } catch (err) {
          if (err instanceof WriteConflict)
            throw new LeaseLostError(
              `the guardrail lease ${where} ran out and was taken by another operator before this fault was applied`,
            );
          throw err;
        }
      },
    };
  }
}

/** The lease a config names (`chaos.lease`); with none, beside an S3 ledger (`chaos.ledger`), else the local one. */
export function guardrailLease(
  chaos: { lease?: string; leaseWait: number; ledger?: string },
  root: string,
  s3: () => S3Client,
  retry?: RetryPolicy,
): GuardrailLease {
  const setting =
    chaos.lease ?? (chaos.ledger?.startsWith('s3://') ? `${chaos.ledger.replace(/\/+$/, '')}/guardrails.lease.json` : 'local');
  if (setting === 'local') return localLease(root, chaos.leaseWait);
  return s3Lease({ s3: s3(), at: s3LocationOf(setting, chaos.lease ? 'chaos.lease' : 'chaos.ledger'), waitMs: chaos.leaseWait, retry });
}
