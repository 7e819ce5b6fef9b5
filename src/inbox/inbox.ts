/**
 * The bundled alert receiver: Alertmanager's default destination in the monitoring stack, so a
 * fresh install delivers somewhere a person can look (http://<host>:9095/) before Slack, e-mail
 * or PagerDuty are set up. It keeps the latest notifications in memory (bounded) and the time of
 * the last Watchdog heartbeat, and shows them as a page and as JSON.
 */
import type http from 'node:http';

export const INBOX_LIMITS = {
  /** Notifications kept (newest first); older ones are dropped. */
  notifications: 500,
  /** Alerts kept per notification (Alertmanager's max_alerts is 50 in the shipped files). */
  alertsPerNotification: 50,
  /** Request bodies above this are refused with 413. */
  bodyBytes: 1 << 20,
  /** Label and annotation values are cut to this length where they are read. */
  valueChars: 2000,
  labelsPerAlert: 64,
} as const;

export interface InboxAlert {
  readonly status: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
}

export interface InboxNotification {
  readonly receivedAt: string;
  readonly receiver: string;
  readonly status: string;
  readonly alerts: readonly InboxAlert[];
}

// Alertmanager sends strings; anything else is shown as its JSON, never as "[object Object]".
const cut = (v: unknown) =>
  (typeof v === 'string' ? v : v === null || v === undefined ? '' : (JSON.stringify(v) ?? '')).slice(
    0,
    INBOX_LIMITS.valueChars,
  );

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || typeof v !== 'object') return out;
  for (const [k, val] of Object.entries(v).slice(0, INBOX_LIMITS.labelsPerAlert)) out[cut(k)] = cut(val);
  return out;
}

/** Alertmanager's webhook payload (version 4) into what the inbox keeps; unknown shapes keep what they can. */
export function toNotification(body: unknown, receivedAt: Date): InboxNotification {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const alerts = Array.isArray(b.alerts) ? b.alerts.slice(0, INBOX_LIMITS.alertsPerNotification) : [];
  return {
    receivedAt: receivedAt.toISOString(),
    receiver: cut(b.receiver),
    status: cut(b.status),
    alerts: alerts.map((a: Record<string, unknown>) => ({
      status: cut(a?.status),
      labels: stringMap(a?.labels),
      annotations: stringMap(a?.annotations),
      startsAt: cut(a?.startsAt),
    })),
  };
}

export class Inbox {
  private readonly kept: InboxNotification[] = [];
  private lastHeartbeat: Date | undefined;

  add(n: InboxNotification): void {
    this.kept.unshift(n);
    if (this.kept.length > INBOX_LIMITS.notifications) this.kept.length = INBOX_LIMITS.notifications;
  }

  heartbeat(at: Date): void {
    this.lastHeartbeat = at;
  }

  snapshot(now: Date): {
    heartbeat: { lastAt: string | null; ageSeconds: number | null };
    notifications: readonly InboxNotification[];
  } {
    const last = this.lastHeartbeat;
    return {
      heartbeat: {
        lastAt: last?.toISOString() ?? null,
        ageSeconds: last ? Math.round((now.getTime() - last.getTime()) / 1000) : null,
      },
      notifications: this.kept,
    };
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: heartbeat state, then one row per alert of each notification, newest first. */
export function inboxPage(inbox: Inbox, now: Date): string {
  const { heartbeat, notifications } = inbox.snapshot(now);
  const beat =
    heartbeat.ageSeconds === null
      ? 'no heartbeat received yet'
      : `last heartbeat ${heartbeat.ageSeconds} s ago${heartbeat.ageSeconds > 300 ? ' - ALERTING IS BROKEN' : ''}`;
  const rows = notifications.flatMap((n) =>
    n.alerts.map((a) => {
      const link = a.annotations.runbook_url ? ` <a href="${escapeHtml(a.annotations.runbook_url)}">runbook</a>` : '';
      const cells = [
        n.receivedAt,
        a.status,
        a.labels.severity ?? '',
        a.labels.alertname ?? '',
        a.labels.instance ?? '',
        a.labels.queue ?? '',
      ]
        .map((c) => `<td>${escapeHtml(c)}</td>`)
        .join('');
      return `<tr class="${escapeHtml(a.status)}">${cells}<td>${escapeHtml(a.annotations.description ?? a.annotations.summary ?? '')}${link}</td></tr>`;
    }),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>jobstack alert inbox</title>
<style>body{font:14px system-ui;margin:1em}td,th{padding:.2em .5em;text-align:left;border-bottom:1px solid #ddd}.firing td:nth-child(2){color:#c00}.resolved td:nth-child(2){color:#080}</style></head>
<body><h1>jobstack alert inbox</h1><p>${escapeHtml(beat)}. ${notifications.length} notifications kept (at most ${INBOX_LIMITS.notifications}).</p>
<table><tr><th>received</th><th>status</th><th>severity</th><th>alert</th><th>instance</th><th>queue</th><th>description</th></tr>${rows.join('\n')}</table></body></html>`;
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > INBOX_LIMITS.bodyBytes) {
        // Stop reading; the handler answers 413 and closes the connection.
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

/** The HTTP handler: POST /alerts and /heartbeat (Alertmanager), GET / and /api/notifications (people). */
export function inboxHandler(inbox: Inbox, clock: () => Date = () => new Date()): http.RequestListener {
  return (req, res) => {
    // A request that fails while its body is read (client gone) only loses its own socket.
    handle(req, res).catch(() => req.destroy());
  };
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && (path === '/alerts' || path === '/heartbeat')) {
      const text = await readBody(req);
      if (text === undefined) {
        res.setHeader('connection', 'close');
        res.once('finish', () => req.destroy());
        return send(413, 'text/plain', 'body too large\n');
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(400, 'text/plain', 'not JSON\n');
      }
      if (path === '/heartbeat') inbox.heartbeat(clock());
      else inbox.add(toNotification(body, clock()));
      return send(200, 'text/plain', 'ok\n');
    }
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/api/notifications') return send(200, 'application/json', JSON.stringify(inbox.snapshot(clock())));
    if (path === '/-/healthy') return send(200, 'text/plain', 'ok\n');
    if (path === '/') return send(200, 'text/html; charset=utf-8', inboxPage(inbox, clock()));
    return send(404, 'text/plain', 'not found\n');
  }
}
