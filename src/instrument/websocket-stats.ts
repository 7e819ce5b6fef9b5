import { Counter, Gauge, type Registry } from 'prom-client';
import { instrumentMetrics as m, WS_CLOSE_CODE_CLASSES } from './metrics';
import { nameAndHelp } from './labels';
import type { WebSocketEvent, WebSocketFigures } from './snapshot';
import { cut, Ring } from './text';

type CloseCodeClass = (typeof WS_CLOSE_CODE_CLASSES)[number];

/** 1005 (no status) and 1006 (dropped without a close frame) carry no code from the peer. */
export function closeCodeClass(code: number): CloseCodeClass {
  if (code === 1000 || code === 1001) return 'normal';
  if (code === 1005 || code === 1006) return 'none';
  if (code >= 3000 && code <= 4999) return 'application';
  return 'abnormal';
}

/**
 * WebSocket figures. Messages are counted in plain numbers on the hot path and handed to
 * prom-client at scrape time; opens, closes and errors are rare enough to go straight to it.
 */
export class WebSocketStats {
  open = 0;
  opened = 0;
  closed = 0;
  received = 0;
  sent = 0;
  errors = 0;
  private readonly events: Ring<WebSocketEvent>;
  private readonly openedCounter: Counter<string>;
  private readonly closedCounter: Counter<'close_code_class'>;
  private readonly errorCounter: Counter<string>;

  constructor(eventCapacity: number, registers: Registry[]) {
    this.events = new Ring(eventCapacity);
    // prom-client calls collect() with `this` bound to the metric, so the counts are read through a closure.
    const counts = () => ({ open: this.open, received: this.received, sent: this.sent });
    new Gauge({
      ...nameAndHelp(m.wsActive),
      labelNames: [],
      registers,
      collect() {
        this.set(counts().open);
      },
    });
    this.openedCounter = new Counter({ ...nameAndHelp(m.wsOpened), labelNames: [], registers });
    this.closedCounter = new Counter({ ...nameAndHelp(m.wsClosed), labelNames: m.wsClosed.labels, registers });
    for (const cls of WS_CLOSE_CODE_CLASSES) this.closedCounter.inc({ close_code_class: cls }, 0);
    this.errorCounter = new Counter({ ...nameAndHelp(m.wsErrors), labelNames: [], registers });
    const reported = { received: 0, sent: 0 };
    new Counter({
      ...nameAndHelp(m.wsMessages),
      labelNames: m.wsMessages.labels,
      registers,
      collect() {
        const { received, sent } = counts();
        this.inc({ direction: 'received' }, received - reported.received);
        this.inc({ direction: 'sent' }, sent - reported.sent);
        reported.received = received;
        reported.sent = sent;
      },
    });
  }

  onOpen(): void {
    this.open++;
    this.opened++;
    this.openedCounter.inc();
    this.events.push({ time: Date.now(), type: 'open' });
  }

  onClose(code: number, reason: string): void {
    this.open--;
    this.closed++;
    this.closedCounter.inc({ close_code_class: closeCodeClass(code) });
    this.events.push(
      reason
        ? { time: Date.now(), type: 'close', code, detail: cut(reason) }
        : { time: Date.now(), type: 'close', code },
    );
  }

  onError(error: unknown): void {
    this.errors++;
    this.errorCounter.inc();
    const detail = error instanceof Error ? error.message : String(error);
    this.events.push({ time: Date.now(), type: 'error', detail: cut(detail) });
  }

  figures(): WebSocketFigures {
    return {
      open: this.open,
      opened: this.opened,
      closed: this.closed,
      messagesReceived: this.received,
      messagesSent: this.sent,
      errors: this.errors,
      recentEvents: this.events.newestFirst(),
    };
  }
}
