/**
 * Every receiver kind delivers through a real Alertmanager: the generated config for that kind,
 * only its addresses pointed at local stand-ins (an HTTP server for the webhook, Slack and
 * PagerDuty, a small SMTP server for e-mail), the secrets in files as in production. Each test
 * checks the stand-in received the alert AND the secret read from its file.
 */
import http from 'node:http';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { alertmanagerConfig, type NotificationSettings, type ReceiverKind } from '../../monitoring/stack/alertmanager';
import { startAlertmanager } from '../harness/alertmanager';
import { freePort, tempDir, waitFor } from '../harness/process';

const tmp = tempDir('receivers');
afterAll(() => tmp.remove());

interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

async function httpSink(): Promise<{ url: string; received: Received[]; close(): void }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res
        .writeHead(req.url === '/v2/enqueue' ? 202 : 200, { 'content-type': 'application/json' })
        .end('{"status":"success"}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, received, close: () => server.close() };
}

/** Just enough SMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA) to take one message and its credentials. */
async function smtpSink(): Promise<{ address: string; messages: { auth: string; data: string }[]; close(): void }> {
  const messages: { auth: string; data: string }[] = [];
  const server = net.createServer((sock) => {
    let buffer = '';
    let inData = false;
    let auth = '';
    let data = '';
    sock.write('220 sink ESMTP\r\n');
    sock.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push({ auth, data });
            sock.write('250 queued\r\n');
          } else data += `${line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-sink\r\n250 AUTH PLAIN\r\n');
        else if (verb === 'AUTH') {
          auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8');
          sock.write('235 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          sock.write('354 go on\r\n');
        } else if (verb === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 ok\r\n');
      }
    });
    sock.on('error', () => undefined);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${port}`, messages, close: () => server.close() };
}

/** Starts Alertmanager with the `kind` config, posts one critical alert, returns once `delivered` holds. */
async function deliver(
  kind: ReceiverKind,
  notifications: Partial<NotificationSettings>,
  delivered: () => boolean,
): Promise<void> {
  const am = await startAlertmanager(
    stringify(alertmanagerConfig({ receiver: kind, notifications: { secretsDir: tmp.dir, ...notifications } })),
  );
  try {
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'RedisDown', severity: 'critical', component: 'redis', instance: 'exp:9478' },
          annotations: {
            description: 'Redis unreachable on exp:9478',
            runbook_url: 'https://example.com/runbooks#redisdown',
          },
        },
      ]),
    });
    expect(res.ok).toBe(true);
    await waitFor(`${kind} delivery`, delivered, 30_000, 200);
  } finally {
    await am.stop();
  }
}

test('webhook: posts the alert with the bearer token from webhook_token', async () => {
  const sink = await httpSink();
  writeFileSync(path.join(tmp.dir, 'webhook_token'), 'token-from-file\n');
  try {
    await deliver('webhook', { webhookUrl: `${sink.url}/hook` }, () =>
      sink.received.some((r) => r.path === '/hook' && r.body.includes('"RedisDown"')),
    );
    const hit = sink.received.find((r) => r.path === '/hook')!;
    expect(hit.headers.authorization).toBe('Bearer token-from-file');
  } finally {
    sink.close();
  }
});

test('slack: posts to the incoming-webhook URL read from slack_api_url', async () => {
  const sink = await httpSink();
  writeFileSync(path.join(tmp.dir, 'slack_api_url'), `${sink.url}/services/T000/B000/secret-path`);
  try {
    await deliver('slack', {}, () => sink.received.some((r) => r.path === '/services/T000/B000/secret-path'));
    const body = JSON.parse(sink.received.find((r) => r.path.startsWith('/services/'))!.body) as {
      channel: string;
      attachments: { title: string; text: string }[];
    };
    expect(body.channel).toBe('#jobs-alerts');
    expect(body.attachments[0].title).toBe('RedisDown (critical)');
    expect(body.attachments[0].text).toContain('<https://example.com/runbooks#redisdown|runbook>');
  } finally {
    sink.close();
  }
});

test('pagerduty: sends an Events v2 trigger with the routing key read from pagerduty_routing_key', async () => {
  const sink = await httpSink();
  writeFileSync(path.join(tmp.dir, 'pagerduty_routing_key'), 'R0UTINGKEY0123456789012345678901');
  try {
    await deliver('pagerduty', { pagerdutyUrl: `${sink.url}/v2/enqueue` }, () =>
      sink.received.some((r) => r.path === '/v2/enqueue'),
    );
    const body = JSON.parse(sink.received.find((r) => r.path === '/v2/enqueue')!.body) as {
      routing_key: string;
      event_action: string;
      payload: { severity: string };
    };
    expect(body).toMatchObject({
      routing_key: 'R0UTINGKEY0123456789012345678901',
      event_action: 'trigger',
      payload: { severity: 'critical' },
    });
  } finally {
    sink.close();
  }
});

test('email: sends through the relay, authenticating with the password read from smtp_password', async () => {
  const sink = await smtpSink();
  writeFileSync(path.join(tmp.dir, 'smtp_password'), 'smtp-secret');
  try {
    const email = {
      to: 'oncall@example.com',
      from: 'alertmanager@example.com',
      smarthost: sink.address,
      username: 'am-user',
      requireTls: false,
    };
    await deliver('email', { email }, () => sink.messages.length > 0);
    expect(sink.messages[0].auth).toBe('\0am-user\0smtp-secret');
    expect(sink.messages[0].data).toMatch(/^To: oncall@example.com/m);
    expect(sink.messages[0].data).toContain('RedisDown');
  } finally {
    sink.close();
  }
});
