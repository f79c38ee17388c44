// zod as the config schemas use it. A process parses its config once: zod's JIT, which compiles each object schema to
// a function on its first parse, costs more there than it saves (tens of milliseconds of every command's start-up).
// The builders are taken by name, not as zod's namespace: the bundle built from this module (scripts/build.mjs) then
// keeps only what they reach, and a command that loads a config evaluates half as much of zod (some 9 ms less).

import type * as zod from 'zod';
import {
  any,
  array,
  boolean,
  config,
  discriminatedUnion,
  enum as enum_,
  literal,
  NEVER,
  number,
  object,
  record,
  strictObject,
  string,
  toJSONSchema,
  undefined as undefined_,
  union,
} from 'zod';

config({ jitless: true });

export const z = {
  any,
  array,
  boolean,
  discriminatedUnion,
  enum: enum_,
  literal,
  NEVER,
  number,
  object,
  record,
  strictObject,
  string,
  toJSONSchema,
  undefined: undefined_,
  union,
};

/** zod's type helpers under the same name. */
export declare namespace z {
  type input<T> = zod.input<T>;
  type output<T> = zod.output<T>;
  type infer<T> = zod.infer<T>;
}
