// Where users are: the vantages of a config, each with the runner its traffic runs on. Its own module, loaded only
// for a config that lists vantages: the runner schemas are the largest part of the core.
import { runnerSchema } from './runner-schema.ts';
import { httpUrl, plainName } from './schema.ts';
import { z } from './zod.ts';

const vantageSchema = z.strictObject({
  /** A place users are, e.g. `vantage-eu`. */
  name: plainName,
  /** The endpoint clients at this vantage reach (the global name as seen from there). */
  endpoint: httpUrl,
  /**
   * A Linux network namespace clients at this vantage run in: k6 for this vantage runs there (`ip netns exec`),
   * resolving names with that namespace's resolver. The sandbox's namespace world sets it.
   */
  netns: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, { message: 'expected a network namespace name' })
    .optional(),
  /** Where its traffic runs: `local` (this machine, the default), `ecs` (a Fargate task in its region) or `k6-operator`. */
  runner: runnerSchema,
});

/** A config's `vantages`: optional (the whole config's schema then makes one at the global endpoint). */
export const vantagesSchema = z.array(vantageSchema).optional();
