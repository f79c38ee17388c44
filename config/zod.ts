// zod as the config schemas use it. A process parses its config once: zod's JIT, which compiles each object schema to
// a function on its first parse, costs more there than it saves (tens of milliseconds of every command's start-up).
import { z } from 'zod';

z.config({ jitless: true });

export { z };
