import { configSchema, type ConfigInput, type Config } from '../../../src/config/schema';

/** A validated config from a partial input, as loadConfig would build it. */
export function testConfig(input: ConfigInput = {}): Config {
  return configSchema.parse(input);
}

/** ioredis connection options for BullMQ itself (Workers need maxRetriesPerRequest null). */
export function bullConnection(port: number, password?: string) {
  return { host: '127.0.0.1', port, password, maxRetriesPerRequest: null };
}
