// A network namespace for one cluster process, so a test can cut it off from the others for real (needs
// root and iproute2's `ip`; Linux only). Two veth pairs join it to the test's namespace:
//
//   cluster link  <prefix>.1 (host side) ── <prefix>.2 (inside)   what etcd and the brokers talk over
//   client link   <client>.1 (host side) ── <client>.2 (inside)   what the test's own clients use
//
// Processes outside listen on the cluster link's host address (a local address of this namespace: they
// reach each other there whatever the link's state); the one inside listens on every address of its
// namespace and advertises its cluster-link address. cut() takes the inside end of the cluster link down:
// the process inside can reach neither etcd nor its peers (new connections fail, packets of open ones are
// dropped), and they cannot reach it, while the test still reaches it over the client link; heal() brings
// the link back. Only the /30 of each link is routed, so nothing crosses from one link to the other.
//
// Self-cleaning: remove() deletes the namespace (its veth pairs go with it); it also runs when the test
// process exits, and every create() first removes namespaces that earlier, crashed runs left behind
// (named after their test process's pid, which is gone).
import { execFileSync } from 'node:child_process';

const PREFIX = 'sluice-t-';

export interface NetworkNamespace {
  readonly name: string;
  /** The cluster link's address outside (bind etcd and the other brokers here). */
  readonly outside: string;
  /** The cluster link's address inside (the process inside advertises it). */
  readonly inside: string;
  /** The client link's address inside: the test's clients connect to the process inside here. */
  readonly clientAddress: string;
  /** Cuts the cluster link (the process inside is partitioned from etcd and its peers). */
  cut(): void;
  /** Restores the cluster link. */
  heal(): void;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces that test processes no longer running left behind. */
function removeStale(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && !alive(pid)) ip('netns', 'delete', name);
  }
}

let count = 0;

/** A new namespace with both links up; throws a sentence when `ip netns` is not available (root needed). */
export function createNetworkNamespace(): NetworkNamespace {
  try {
    removeStale();
  } catch (error) {
    throw new Error(
      `network namespaces are not available (this test needs root and iproute2's \`ip netns\`): ${(error as Error).message}`,
    );
  }
  const index = count++;
  const name = `${PREFIX}${process.pid}-${index}`;
  // Interface names are at most 15 bytes: "st" + pid in base 36 + index + role.
  const tag = `st${process.pid.toString(36)}${index}`;
  // Two /30s picked from the pid, in 10.200.0.0/13, away from the usual private ranges' first blocks.
  const block = (process.pid * 4 + index) % 16_384;
  const net = (offset: number) => `10.${200 + (block >> 11)}.${(block >> 3) & 0xff}.${((block & 7) << 5) + offset}`;
  const outside = net(1);
  const inside = net(2);
  const clientOutside = net(17);
  const clientAddress = net(18);
  const links = [
    { host: `${tag}h`, peer: `${tag}n`, outside, inside },
    { host: `${tag}c`, peer: `${tag}d`, outside: clientOutside, inside: clientAddress },
  ];
  const remove = () => {
    try {
      ip('netns', 'delete', name);
    } catch {
      // already gone
    }
  };
  ip('netns', 'add', name);
  process.once('exit', remove);
  try {
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    for (const link of links) {
      ip('link', 'add', link.host, 'type', 'veth', 'peer', 'name', link.peer);
      ip('link', 'set', link.peer, 'netns', name);
      ip('addr', 'add', `${link.outside}/30`, 'dev', link.host);
      ip('link', 'set', link.host, 'up');
      ip('netns', 'exec', name, 'ip', 'addr', 'add', `${link.inside}/30`, 'dev', link.peer);
      ip('netns', 'exec', name, 'ip', 'link', 'set', link.peer, 'up');
    }
  } catch (error) {
    remove();
    throw error;
  }
  const clusterPeer = links[0]!.peer;
  return {
    name,
    outside,
    inside,
    clientAddress,
    cut: () => ip('netns', 'exec', name, 'ip', 'link', 'set', clusterPeer, 'down'),
    heal: () => ip('netns', 'exec', name, 'ip', 'link', 'set', clusterPeer, 'up'),
    remove: () => {
      process.removeListener('exit', remove);
      remove();
    },
  };
}
