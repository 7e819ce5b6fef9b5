import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildAll } from '../../monitoring/build';

const ROOT = path.resolve(__dirname, '../..');

describe('generated monitoring files', () => {
  test.each([...buildAll().keys()])('%s matches a fresh `npm run build:monitoring`', (rel) => {
    expect(readFileSync(path.join(ROOT, rel), 'utf8')).toBe(buildAll().get(rel));
  });

  test('promtool check config accepts prometheus.yml', () => {
    const res = spawnSync('promtool', ['check', 'config', '--syntax-only', path.join(ROOT, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  test('docker-compose.monitoring.yml is valid for Debian docker-compose, demo profile included', () => {
    const env = { ...process.env, GRAFANA_ADMIN_PASSWORD: 'test-only' };
    const res = spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.monitoring.yml'), '--profile', 'demo', 'config', '--services'], { encoding: 'utf8', env });
    expect(res.stderr).not.toMatch(/ERROR|invalid/i);
    expect(res.stdout.trim().split('\n').sort()).toEqual(['alertmanager', 'api', 'demo-workload', 'exporter', 'grafana', 'postgres', 'prometheus', 'redis']);
  });
});
