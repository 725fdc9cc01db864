// `sluice transactions list|describe`: the transaction coordinator's transactional ids, in the manner of
// Kafka's kafka-transactions.sh (list, describe), through the SDK's admin client.
import type { Command } from 'commander';
import type { TransactionDescription, TransactionState } from '../../src/client/index.js';
import { action, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { parseInteger } from '../lib/options.js';
import { jsonLine, renderTable } from '../lib/output.js';
import { connectAdmin } from '../lib/sdk.js';

const STATES: readonly TransactionState[] = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
];

interface ListFlags {
  state?: TransactionState[];
  producerId?: number[];
  format?: 'text' | 'json';
}

function parseState(raw: string, previous: TransactionState[] = []): TransactionState[] {
  const state = STATES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
  if (!state) throw new UsageError(`--state must be one of: ${STATES.join(', ')} (got "${raw}")`);
  return [...previous, state];
}

const parseProducerId = parseInteger('producer id', 0);

export function register(program: Command): void {
  const transactions = subcommand(
    program,
    'transactions',
    "list and describe transactional producers' transactions (the transaction coordinator's state)",
  );
  const list = subcommand(transactions, 'list', 'list transactional ids, their producer ids and states')
    .option('--state <state>', `only this state (${STATES.join(', ')}); repeatable`, parseState)
    .option('--producer-id <id>', 'only this producer id; repeatable', (raw: string, previous: number[] = []) => [
      ...previous,
      parseProducerId(raw),
    ]);
  withFormat(withBrokers(list)).action(action(listTransactions));
  const describe = subcommand(
    transactions,
    'describe <transactional-id>',
    "a transactional id's state, producer, timeout and the partitions of its open transaction",
  );
  withFormat(withBrokers(describe)).action(action(describeTransaction));
}

async function listTransactions(ctx: Context, flags: ListFlags) {
  const admin = await connectAdmin(ctx);
  const { transactions } = await admin.listTransactions({
    states: flags.state ?? [],
    producerIds: flags.producerId ?? [],
  });
  if (flags.format === 'json') {
    for (const t of transactions) ctx.stdout.write(jsonLine(t));
    return;
  }
  if (transactions.length === 0) return void ctx.info('no transactional ids match');
  ctx.stdout.write(
    renderTable(
      [{ header: 'TRANSACTIONAL-ID' }, { header: 'PRODUCER-ID', align: 'right' }, { header: 'STATE' }],
      transactions.map((t) => [t.transactionalId, String(t.producerId), t.state]),
      ctx.color,
    ),
  );
}

const TRANSACTIONAL_ID_NOT_FOUND = 105;

async function describeTransaction(ctx: Context, transactionalId: string, flags: { format?: 'text' | 'json' }) {
  const admin = await connectAdmin(ctx);
  const [t] = (await admin.describeTransactions([transactionalId])).transactions as [TransactionDescription];
  if (t.errorCode === TRANSACTIONAL_ID_NOT_FOUND)
    throw new CliError(`transactional id '${transactionalId}' is not known to the transaction coordinator`);
  if (t.errorCode !== 0)
    throw new CliError(
      `cannot describe transactional id '${transactionalId}': ${t.errorMessage ?? `error ${t.errorCode}`}`,
    );
  if (flags.format === 'json') return void ctx.stdout.write(jsonLine(t));
  const partitions = t.topics.flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}-${p}`));
  const started = t.transactionStartTimeMs === null ? '-' : new Date(t.transactionStartTimeMs).toISOString();
  ctx.stdout.write(
    renderTable(
      [
        { header: 'TRANSACTIONAL-ID' },
        { header: 'PRODUCER-ID', align: 'right' },
        { header: 'EPOCH', align: 'right' },
        { header: 'STATE' },
        { header: 'TIMEOUT-MS', align: 'right' },
        { header: 'STARTED' },
        { header: 'PARTITIONS' },
      ],
      [
        [
          t.transactionalId,
          String(t.producerId),
          String(t.producerEpoch),
          t.state,
          String(t.transactionTimeoutMs),
          started,
          partitions.join(',') || '-',
        ],
      ],
      ctx.color,
    ),
  );
}
