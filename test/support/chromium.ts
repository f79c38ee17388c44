import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { toolchain } from '../../scripts/toolchain.mjs';

/** Flags for a quiet, offline, throwaway Chromium: no sandbox (root in a container), no GPU, no calls home. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium (installed by the bootstrap; playwright-core never downloads a browser) with a fresh
 * profile that is deleted on close.
 */
export async function launchChromium(options: { javaScriptEnabled?: boolean; width?: number; height?: number } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'crosswind-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: toolchain().chromium,
    headless: true,
    args: ARGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    timezoneId: 'UTC',
    offline: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
