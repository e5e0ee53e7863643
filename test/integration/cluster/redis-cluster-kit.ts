import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway three-master Redis Cluster on loopback (no persistence), for tests that must show
 * the keys work in cluster mode (no CROSSSLOT). The servers are this process's children and are
 * killed by pid in `stop()`.
 */
export interface TestRedisCluster {
  url: string;
  stop(): Promise<void>;
}

export function clusterSkipReason(): string | null {
  for (const tool of ['redis-server', 'redis-cli']) {
    if (spawnSync(tool, ['--version'], { encoding: 'utf8' }).status !== 0) {
      const reason = `${tool} is not installed (.ci/run installs redis-server)`;
      console.warn(`Redis Cluster tests skipped: ${reason}`);
      return reason;
    }
  }
  return null;
}

export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-redis-cluster-'));
  // Cluster bus ports are port + 10000: keep both in range and away from 6379.
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const ports = [base, base + 1, base + 2];
  const servers: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const server of servers) if (server.exitCode === null) server.kill('SIGKILL');
    await Promise.all(servers.map((server) => (server.exitCode === null ? new Promise((resolve) => server.once('exit', resolve)) : null)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      servers.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
    }
    await until(() => ports.every((port) => cli(port, 'ping') === 'PONG'), 'the servers to answer');
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await until(() => ports.every((port) => cli(port, 'cluster', 'info').includes('cluster_state:ok')), 'cluster_state:ok on every node');
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, stop };
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 }).stdout?.trim() ?? '';
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
