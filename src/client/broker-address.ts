// Broker addresses as the SDK's `brokers` and the CLI's --brokers take them: `host:port`, an IPv6 host in
// brackets (`[::1]:9650`). The SDK also takes a bare host and assumes the default port.

export const DEFAULT_BROKER_PORT = 9650;

export interface BrokerAddress {
  host: string;
  port: number;
}

const ADDRESS = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+))(?::(\d+))?$/;

/**
 * The host and port of `address`, or null when it is not a broker address. Without a port: `defaultPort`,
 * or null when none is given (the port must then be written).
 */
export function parseBrokerAddress(address: string, defaultPort?: number): BrokerAddress | null {
  const match = ADDRESS.exec(address);
  if (!match) return null;
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: match[1] ?? match[2]!, port };
}
