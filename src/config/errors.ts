/** Startup stops with exit code 2 and one line per problem, each naming the field. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}
