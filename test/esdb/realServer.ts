/**
 * The one place the ESDB tests look at the environment: a real server to run
 * the conformance suite against as well, when one is offered.
 */
export function realServerConnectionString(): string | undefined {
  const value = process.env.EVENTSTORE_CONNECTION_STRING;
  return value && value.trim() !== '' ? value.trim() : undefined;
}
