import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { DeadlineError, InfrastructureError } from '../core/errors.ts';
import type { DnsSockets } from './dns-server.ts';
import { inNetns } from './netns.ts';
import { nodeEntryArgs } from './node-entry.ts';
import type { ProbeResult } from './route53-engine.ts';

const NODE_ARGS = nodeEntryArgs('netns-agent-main', import.meta.url);

/** A process inside one namespace, doing what must be done from there. */
export interface NetnsAgent {
  /** Binds UDP and TCP on an address of the namespace and hands both sockets to this process. */
  bindDns(host: string, port: number): Promise<DnsSockets>;
  /** Listens on TCP at an address of the namespace and hands the listening socket to this process. */
  bindTcp(host: string, port: number): Promise<Server>;
  /** Binds UDP at an address of the namespace and hands the socket to this process. */
  bindUdp(host: string, port: number): Promise<UdpSocket>;
  /** GETs a region app's /health from the namespace. */
  probe(endpoint: string, timeoutMs: number): Promise<ProbeResult>;
  stop(): Promise<void>;
}

type Reply = { id: number; part?: 'tcp' | 'udp'; result?: ProbeResult; error?: string; ready?: boolean };

/**
 * Starts an agent in `netns` and waits until it is ready. It talks over an IPC channel (the sockets it binds travel
 * on it), which core/child-process.ts does not offer; it leaves when that channel closes, so it dies with this process.
 */
export async function startNetnsAgent(netns: string, deadlineMs = 20_000): Promise<NetnsAgent> {
  const cmd = inNetns(netns, process.execPath, NODE_ARGS);
  const child: ChildProcess = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const waiting = new Map<number, (reply: Reply, handle: unknown) => void>();
  child.on('message', (reply: Reply, handle: unknown) => waiting.get(reply.id)?.(reply, handle));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(`namespace agent in ${netns}`, deadlineMs)), deadlineMs);
    child.on('message', (m: Reply) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new InfrastructureError(`namespace agent in ${netns} exited with ${code}: ${stderr}`));
    });
  });
  let next = 1;
  const ask = (request: Record<string, unknown>, parts: number) =>
    new Promise<{ replies: Reply[]; handles: unknown[] }>((resolve, reject) => {
      const id = next++;
      const replies: Reply[] = [];
      const handles: unknown[] = [];
      waiting.set(id, (reply, handle) => {
        if (reply.error !== undefined) {
          waiting.delete(id);
          reject(new InfrastructureError(`namespace agent in ${netns}: ${reply.error}`));
          return;
        }
        replies.push(reply);
        handles.push(handle);
        if (replies.length === parts) {
          waiting.delete(id);
          resolve({ replies, handles });
        }
      });
      child.send({ ...request, id });
    });
  return {
    async bindDns(host, port) {
      const { replies, handles } = await ask({ op: 'bind', host, port }, 2);
      const of = (part: 'tcp' | 'udp') => handles[replies.findIndex((r) => r.part === part)];
      return { tcp: of('tcp') as Server, udp: of('udp') as UdpSocket };
    },
    async bindTcp(host, port) {
      const { handles } = await ask({ op: 'bind-tcp', host, port }, 1);
      return handles[0] as Server;
    },
    async bindUdp(host, port) {
      const { handles } = await ask({ op: 'bind-udp', host, port }, 1);
      return handles[0] as UdpSocket;
    },
    async probe(endpoint, timeoutMs) {
      const { replies } = await ask({ op: 'probe', endpoint, timeoutMs }, 1);
      return replies[0]?.result ?? { time: Date.now(), ok: false, detail: 'no answer from the namespace agent' };
    },
    async stop() {
      // Closing the channel is how it is told to leave (and how it notices this process is gone).
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.disconnect();
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killer);
    },
  };
}
