import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startHttpDaemon, tempDir, type Child } from './process';

export interface AlertmanagerServer {
  readonly port: number;
  readonly url: string;
  readonly child: Child;
  stop(): Promise<void>;
}

/** Gossip settings of one Alertmanager in a cluster on loopback. */
export interface AlertmanagerCluster {
  /** Its own gossip port (TCP and UDP), also advertised: on loopback it cannot guess an address. */
  readonly port: number;
  /** host:port of the other members' gossip ports. */
  readonly peers: readonly string[];
}

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a free port; clustering off unless
 * `cluster` is given. A clustered one is ready (`/-/ready`) once its gossip has settled.
 */
export async function startAlertmanager(
  configYaml: string,
  cluster?: AlertmanagerCluster,
): Promise<AlertmanagerServer> {
  const port = await freePort();
  const tmp = tempDir('am');
  const configFile = path.join(tmp.dir, 'alertmanager.yml');
  writeFileSync(configFile, configYaml);
  const gossip = cluster
    ? [
        `--cluster.listen-address=127.0.0.1:${cluster.port}`,
        `--cluster.advertise-address=127.0.0.1:${cluster.port}`,
        ...cluster.peers.map((p) => `--cluster.peer=${p}`),
      ]
    : ['--cluster.listen-address='];
  const { child, url } = await startHttpDaemon(
    'alertmanager',
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(tmp.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...gossip,
    ],
    port,
    '/-/ready',
  );
  return {
    port,
    url,
    child,
    stop: async () => {
      await child.stop();
      tmp.remove();
    },
  };
}

/** Silences `alertname` for an hour through Alertmanager's v2 API, as an operator would. */
export async function silenceAlert(amUrl: string, alertname: string): Promise<void> {
  const res = await fetch(`${amUrl}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [{ name: 'alertname', value: alertname, isRegex: false }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: 'test',
      comment: 'maintenance',
    }),
  });
  if (!res.ok) throw new Error(`silence ${alertname}: HTTP ${res.status} ${await res.text()}`);
}
