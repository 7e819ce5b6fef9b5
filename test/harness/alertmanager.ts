import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startHttpDaemon, tempDir } from './process';

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
  const { child, url } = await startHttpDaemon(
    'alertmanager',
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(tmp.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    port,
    '/-/ready',
  );
  return {
    port,
    url,
    stop: async () => {
      await child.stop();
      tmp.remove();
    },
  };
}
