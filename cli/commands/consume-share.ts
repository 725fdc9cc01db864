// `sluice consume <topic> --share-group <g>`: a worker from the shell. It joins the share group, prints each
// record it is handed and acknowledges it once printed; records acquired beyond -n are released (available
// again at once, their attempt not counted). Ctrl-C, or a closed stdout, leaves the group after the records
// in hand are settled.
import type { Context } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { formatCount } from '../lib/output.js';
import { createClient, type KafkaMessage } from '../lib/sdk.js';

export interface ShareConsumeOptions {
  shareGroup: string;
  maxInFlight?: number;
  maxMessages?: number;
  fromBeginning?: boolean;
}

interface Printer {
  count: number;
  print(partition: number, messages: KafkaMessage[]): Promise<void> | undefined;
}

export async function consumeShare(
  ctx: Context,
  topic: string,
  opts: ShareConsumeOptions,
  printer: Printer,
  stop: Promise<'signal' | 'closed-stdout'>,
): Promise<void> {
  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  if (!client.shareConsumer) throw new CliError('this build of the SDK has no share consumer');
  const consumer = client.shareConsumer({ groupId: opts.shareGroup, maxInFlight: opts.maxInFlight ?? 1 });
  ctx.onCleanup(() => consumer.disconnect());
  const max = opts.maxMessages ?? Number.POSITIVE_INFINITY;
  let enough!: () => void;
  const done = new Promise<void>((resolve) => (enough = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning === true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (printer.count >= max) {
        message.release();
        return;
      }
      await printer.print(partition, [message]);
      // Not printed: the reader of stdout went away. Someone else gets it.
      if (ctx.stdout.destroyed) return void message.release();
      if (printer.count >= max) enough();
    },
  });
  const why = await Promise.race([done, stop]);
  await consumer.disconnect();
  if (why === 'closed-stdout') return;
  ctx.info(
    `consumed ${formatCount(printer.count)} record${printer.count === 1 ? '' : 's'} (share group '${opts.shareGroup}', each acknowledged once printed)`,
  );
}
