import type { ResultStore } from '../../synthetics/runner/store.ts';

/** A results store in memory: what a runner wrote, by key, for tests of the orchestrator's side. */
export class MemoryStore implements ResultStore {
  readonly objects = new Map<string, Uint8Array>();
  gets = 0;

  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? Buffer.from(body) : body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets++;
    return this.objects.get(key);
  }

  close(): void {}
}
