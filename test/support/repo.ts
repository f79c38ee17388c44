import { fileURLToPath } from 'node:url';

/** The repository root: the sources the tests check. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
