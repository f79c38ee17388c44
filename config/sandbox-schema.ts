import { z } from './zod.ts';

/** Pointing crosswind at a running local sandbox (`crosswind sandbox up`). */
export const sandboxSchema = z.strictObject({
  /**
   * The sandbox's state file, relative to the current directory (`crosswind sandbox up` writes
   * `.crosswind/sandbox/state.json`). When set, regions' endpoints, health check ids and set identifiers, the
   * vantages, the global endpoint and the AWS endpoints, credentials and account id are read from it before
   * validation; values the config gives explicitly win. Unset: no sandbox.
   */
  state: z.string().min(1).optional(),
});
