import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Child, freePort, tempDir, waitFor } from './process';

export interface AlertmanagerServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** A real Alertmanager (Debian's prometheus-alertmanager), clustering off, on a free port. */
export async function startAlertmanager(configYaml: string): Promise<AlertmanagerServer> {
  const port = await freePort();
  const tmp = tempDir('am');
  const configFile = path.join(tmp.dir, 'alertmanager.yml');
  writeFileSync(configFile, configYaml);
  const child = Child.start('prometheus-alertmanager', [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(tmp.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('alertmanager ready', async () => {
    if (!child.running) throw new Error(child.log());
    return (await fetch(`${url}/-/ready`)).ok;
  }, 30_000, 200);
  return {
    port,
    url,
    stop: async () => {
      await child.stop();
      tmp.remove();
    },
  };
}
