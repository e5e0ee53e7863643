import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describe, expect, test } from 'vitest';
import { queueKey, type QueueStage } from '../../../pipeline/cluster/queue-names.ts';
import { LeanConfigSchema, loadConfig, parseConfig } from '../../../pipeline/config.ts';
import { ServeConfigSchema } from '../../../pipeline/serve/serve-config.ts';
import type { CheckerRewardService } from '../../../pipeline/serve/reward-service.ts';
import { createRewardApp } from '../../../workers/reward-app.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(REPO, 'infra', 'k8s');
const DOCKERFILE = readFileSync(join(REPO, 'infra', 'worker.Dockerfile'), 'utf8');

// ---- the manifests, parsed ------------------------------------------------------------------

type Doc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };
const FILES = readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort();
const DOCS: { file: string; doc: Doc }[] = [];
const PARSE_ERRORS: string[] = [];
for (const file of FILES) {
  for (const document of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))) {
    for (const error of document.errors) PARSE_ERRORS.push(`${file}: ${error.message}`);
    const doc = document.toJS() as Doc | null;
    if (doc !== null) DOCS.push({ file, doc });
  }
}
const objects = DOCS.filter(({ file }) => file !== 'kustomization.yaml').map(({ doc }) => doc);
const ofKind = (kind: string): Doc[] => objects.filter((doc) => doc.kind === kind);
const named = (kind: string, name: string): Doc => {
  const found = ofKind(kind).find((doc) => doc.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in infra/k8s`);
  return found;
};
const podSpecOf = (doc: Doc): any => (doc.kind === 'Job' || doc.kind === 'Deployment' ? doc.spec.template.spec : null);
const workloads = objects.filter((doc) => podSpecOf(doc) !== null);
const containers = workloads.flatMap((doc) => (podSpecOf(doc).containers as any[]).map((container) => ({ workload: doc, container })));

// ---- what the manifests must agree with ---------------------------------------------------------

const IMAGE_NAME = /org\.opencontainers\.image\.title="([^"]+)"/u.exec(DOCKERFILE)?.[1];
const TOOLCHAIN_TAG = readFileSync(join(REPO, 'lean-project', 'lean-toolchain'), 'utf8').trim().split(':')[1];
/** Commands and flags the manifests use that the CLI does not have YET (issue #9 wires them next). */
const PLANNED: Record<string, string[]> = {};
/** Env vars the AWS SDK reads (region, IRSA web identity); none of ours. */
const AWS_SDK_ENV = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']);

function cli(...args: string[]): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [join(REPO, 'bin', 'proofline.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}
const helpCache = new Map<string, string>();
const helpOf = (command: string): string => {
  if (!helpCache.has(command)) helpCache.set(command, cli(command, '--help').out);
  return helpCache.get(command)!;
};

describe('infra/k8s manifests', () => {
  test('every file parses as YAML; every object has apiVersion, kind and a name', () => {
    expect(PARSE_ERRORS).toEqual([]);
    expect(objects.length).toBeGreaterThanOrEqual(10);
    for (const doc of objects) {
      expect(doc.apiVersion, JSON.stringify(doc.metadata)).toMatch(/^[a-z.]*\/?v\d/u);
      expect(typeof doc.kind).toBe('string');
      expect(doc.metadata?.name, `${doc.kind} without a name`).toMatch(/^[a-z0-9-]+$/u);
    }
    for (const kind of ['Deployment', 'Job', 'Service', 'ConfigMap', 'ScaledObject']) expect(ofKind(kind).length, kind).toBeGreaterThan(0);
  });

  test('the kustomization lists exactly the manifest files and sets the worker image', () => {
    const kustomization = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[]; images: { name: string; newTag: string }[] };
    expect([...kustomization.resources].sort()).toEqual(FILES.filter((f) => f !== 'kustomization.yaml'));
    expect(kustomization.images.map((image) => image.name)).toEqual([IMAGE_NAME]);
    expect(kustomization.images[0]!.newTag).toBe(TOOLCHAIN_TAG);
  });

  test("every container runs the worker Dockerfile's image, tagged with the pinned Lean toolchain", () => {
    expect(IMAGE_NAME).toBe('proofline-worker');
    expect(TOOLCHAIN_TAG).toMatch(/^v\d+\.\d+\.\d+/u);
    expect(containers.length).toBeGreaterThanOrEqual(4);
    for (const { workload, container } of containers) expect(container.image, workload.metadata.name).toBe(`${IMAGE_NAME}:${TOOLCHAIN_TAG}`);
    // The worker image builds on the Lean image the checker's `container` sandbox uses by default.
    expect(/^ARG LEAN_IMAGE=(\S+)$/mu.exec(DOCKERFILE)?.[1]).toBe(LeanConfigSchema.parse({}).container.image);
    expect(DOCKERFILE).toMatch(/^ENTRYPOINT \["node", "bin\/proofline\.js"\]$/mu);
    expect(existsSync(join(REPO, 'bin', 'proofline.js'))).toBe(true);
  });

  test('container args are real proofline commands and flags (or the planned cluster ones, until they land)', () => {
    const commands = cli('--help').out;
    for (const { workload, container } of containers) {
      const [command, ...args] = container.args as string[];
      const flags = args.filter((arg) => arg.startsWith('--'));
      const planned = PLANNED[command!] ?? [];
      if (commands.includes(`proofline ${command} `)) {
        const help = helpOf(command!);
        for (const flag of flags) {
          if (planned.includes(flag)) expect(help, `${command} ${flag} exists now: drop it from PLANNED`).not.toContain(flag);
          else expect(help, `${workload.metadata.name}: \`proofline ${command}\` has no ${flag}`).toContain(`${flag} `);
        }
      } else {
        expect(Object.keys(PLANNED), `${workload.metadata.name}: no command \`proofline ${command}\``).toContain(command);
        for (const flag of flags) expect(planned, `${workload.metadata.name}: ${command} ${flag}`).toContain(flag);
      }
      // $(VAR) in args must be set in the container's env (Kubernetes leaves unknown ones verbatim).
      const envNames = new Set((container.env ?? []).map((e: { name: string }) => e.name));
      for (const arg of args) for (const [, name] of arg.matchAll(/\$\(([A-Z_][A-Z0-9_]*)\)/gu)) expect(envNames, `${workload.metadata.name}: $(${name})`).toContain(name);
    }
  });

  test('every env var is read by something: a config key, an arg, the KEDA trigger, or the AWS SDK', () => {
    const baseline = loadConfig({});
    const kedaEnv = ofKind('ScaledObject').flatMap((so) => (so.spec.triggers as any[]).map((t) => ({ target: so.spec.scaleTargetRef.name as string, name: t.metadata.addressFromEnv as string | undefined })));
    const tokensEnv = ServeConfigSchema.parse({}).auth.tokens_env;
    for (const { workload, container } of containers) {
      const argsText = (container.args as string[]).join(' ');
      for (const env of container.env ?? []) {
        const where = `${workload.metadata.name}: ${env.name}`;
        if (argsText.includes(`$(${env.name})`)) continue;
        if (kedaEnv.some((k) => k.target === workload.metadata.name && k.name === env.name)) continue;
        if (AWS_SDK_ENV.has(env.name)) continue;
        if (env.name === tokensEnv) continue;
        expect(env.name, where).toMatch(/^PROOFLINE_/u);
        expect(typeof env.value, `${where}: a config variable needs a literal value to check`).toBe('string');
        // Its value must be valid (an unknown or misspelt PROOFLINE_CONFIG__ key fails here) …
        const config = loadConfig({ env: { [env.name]: env.value } });
        // … and the loader must read it: the value changes the config, or (when it is the default)
        // a value no schema accepts is refused. An env var nothing reads passes neither.
        const changed = JSON.stringify(config) !== JSON.stringify(baseline);
        const refusesGarbage = ((): boolean => {
          try {
            loadConfig({ env: { [env.name]: '[not, a, valid, value]' } });
            return false;
          } catch {
            return true;
          }
        })();
        expect(changed || refusesGarbage, `${where}=${env.value}: no config key reads it`).toBe(true);
      }
    }
  });

  test('the config files in the ConfigMaps are valid configs, mounted where the args point', () => {
    for (const configMap of ofKind('ConfigMap')) {
      for (const [key, text] of Object.entries(configMap.data ?? {})) {
        const config = parseConfig(parseYaml(text), `${configMap.metadata.name}/${key}`);
        expect(existsSync(join(REPO, config.sampler.prompt)), `${key}: sampler.prompt ${config.sampler.prompt}`).toBe(true);
      }
    }
    for (const { workload, container } of containers) {
      const args = container.args as string[];
      const path = args[args.indexOf('--config') + 1]!;
      const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => path.startsWith(`${m.mountPath}/`));
      expect(mount, `${workload.metadata.name}: nothing mounted at ${path}`).toBeDefined();
      const volume = (podSpecOf(workload).volumes as any[]).find((v) => v.name === mount!.name);
      const configMap = named('ConfigMap', volume.configMap.name);
      expect(Object.keys(configMap.data ?? {}), `${workload.metadata.name}: ${path}`).toContain(path.slice(mount!.mountPath.length + 1));
    }
    // The build's config is one file for all its pods (one config hash for the run).
    const buildConfigs = new Set(containers.filter(({ container }) => ['build', 'worker'].includes(container.args[0])).map(({ workload }) => podSpecOf(workload).volumes.find((v: any) => v.configMap)?.configMap.name));
    expect([...buildConfigs]).toEqual(['proofline-build-config']);
  });

  test('the reward service listens on the port its probes and Service use, and the probes hit real routes of the reward app', async () => {
    const deployment = named('Deployment', 'proofline-reward');
    const container = podSpecOf(deployment).containers[0];
    const args = container.args as string[];
    expect(args[0]).toBe('serve');
    const port = Number(args[args.indexOf('--port') + 1] ?? ServeConfigSchema.parse({}).port);
    expect(port).toBe(ServeConfigSchema.parse({}).port);
    expect(args[args.indexOf('--host') + 1]).toBe('0.0.0.0'); // the default 127.0.0.1 is unreachable from the kubelet
    const ports = container.ports as { name: string; containerPort: number }[];
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => container[p]?.httpGet as { path: string; port: string | number });
    expect(probes.map((p) => p?.path)).toEqual(['/healthz', '/healthz', '/readyz']);
    for (const probe of probes) expect(typeof probe.port === 'number' ? probe.port : ports.find((p) => p.name === probe.port)?.containerPort).toBe(port);

    const service = named('Service', 'proofline-reward');
    expect(Object.entries(service.spec.selector).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v)).toBe(true);
    expect(ports.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);

    // The app's own routes: the probes must answer 200 without a bearer token when ready.
    const noop = { inc: () => {}, observe: () => {} };
    const stub = { isDraining: false, readiness: { isReady: true, detail: 'canary ok' }, scheduler: { retryAfterS: () => 1 }, metrics: { httpRequests: noop, httpDuration: noop, rejectedRequests: noop } };
    const app = await createRewardApp({ service: stub as unknown as CheckerRewardService, config: ServeConfigSchema.parse({}), leanTimeoutMs: 60_000, tokens: [{ client: 'trainer', token: 'x'.repeat(32) }] });
    try {
      for (const probe of probes) {
        expect(app.hasRoute({ method: 'GET', url: probe.path }), probe.path).toBe(true);
        expect((await app.inject({ method: 'GET', url: probe.path })).statusCode, probe.path).toBe(200);
      }
    } finally {
      await app.close();
    }
  });

  test("each KEDA trigger watches the wait list of the queue its Deployment's workers consume", () => {
    const scaled = ofKind('ScaledObject');
    expect(scaled.map((so) => so.spec.scaleTargetRef.name).sort()).toEqual(['proofline-worker-check', 'proofline-worker-sample']);
    for (const so of scaled) {
      const target = named('Deployment', so.spec.scaleTargetRef.name);
      const container = podSpecOf(target).containers[0];
      const args = container.args as string[];
      const role = args[args.indexOf('--role') + 1] as QueueStage;
      expect(['sample', 'check']).toContain(role);
      for (const trigger of so.spec.triggers as any[]) {
        expect(trigger.type).toBe('redis');
        expect(trigger.metadata.listName).toBe(queueKey(role, 'wait'));
        expect((container.env as { name: string }[]).map((e) => e.name)).toContain(trigger.metadata.addressFromEnv);
        expect(Number(trigger.metadata.listLength)).toBeGreaterThan(0);
        named('TriggerAuthentication', trigger.authenticationRef.name);
      }
      expect(so.spec.minReplicaCount, 'running jobs are not in the wait list: never scale a role to zero mid-run').toBeGreaterThanOrEqual(1);
    }
  });

  test('pods run as non-root without privilege escalation, under the service account', () => {
    for (const { workload, container } of containers) {
      const pod = podSpecOf(workload);
      expect(pod.securityContext.runAsNonRoot, workload.metadata.name).toBe(true);
      expect(container.securityContext.allowPrivilegeEscalation, workload.metadata.name).toBe(false);
      expect(container.securityContext.capabilities.drop, workload.metadata.name).toEqual(['ALL']);
      named('ServiceAccount', pod.serviceAccountName);
    }
  });
});
