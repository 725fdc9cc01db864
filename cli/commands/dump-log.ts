// `sluice dump-log <segment.log> [--records]`: offline look at a segment file, like Kafka's
// DumpLogSegments. Reads the file directly (no broker); exits 1 and says where when it is corrupt.
import type { Command } from 'commander';
import { action, subcommand, withDebug, withFormat, type Context } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { formatBytes, formatCount, jsonLine } from '../lib/output.js';
import { headersText, recordToJson, textOf } from '../lib/records.js';
import { hex, scanSegment, type Corruption, type ScannedBatch, type ScanSummary } from '../lib/segment-scan.js';
import { isoTime } from '../lib/time.js';

interface DumpOptions {
  records?: boolean;
  format: 'text' | 'json';
}

export function register(program: Command): void {
  const cmd = subcommand(
    program,
    'dump-log',
    'print the batches (and records) of a segment .log file, checking every CRC',
  )
    .argument('<segment.log>', 'a segment file, e.g. data/orders-0/00000000000000000000.log')
    .option('--records', 'print every record too');
  withFormat(cmd);
  withDebug(cmd);
  cmd.action(action(dumpLog));
}

async function dumpLog(ctx: Context, file: string, opts: DumpOptions): Promise<void> {
  const { color: c } = ctx;
  let summary: ScanSummary | undefined;
  let firstCorruption: Corruption | undefined;
  const out = (s: string) => ctx.stdout.write(s);
  if (/\.(time)?index$/.test(file))
    throw new CliError(`${file} is an index file: dump-log reads a segment's .log file (indexes are rebuilt from it)`);
  try {
    for await (const event of scanSegment(file, { records: opts.records === true })) {
      if (event.kind === 'summary') summary = event;
      else if (event.kind === 'corruption') firstCorruption ??= event;
      if (opts.format === 'json') out(jsonLine(eventJson(event)));
      else if (event.kind === 'batch') out(batchText(event, c.green, c.red));
      else if (event.kind === 'corruption')
        out(c.red(`corrupt at byte ${event.position}${after(event)}: ${event.message}\n`));
      else out(summaryText(event));
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no such file: ${file}`);
    if (code === 'EISDIR') throw new CliError(`${file} is a directory: give a segment's .log file`);
    if (code === 'EACCES') throw new CliError(`permission denied reading ${file}`);
    throw err;
  }
  if (firstCorruption && summary) {
    throw new CliError(
      `${file} is corrupt at byte ${firstCorruption.position}${after(firstCorruption)}: ${firstCorruption.message}` +
        ` (${summary.corrupt} problem${summary.corrupt === 1 ? '' : 's'}; bytes 0..${summary.validBytes} are sound)`,
    );
  }
}

const after = (e: Corruption) =>
  e.afterOffset !== undefined ? ` (after offset ${e.afterOffset})` : ' (before any valid batch)';

function batchText(b: ScannedBatch, ok: (s: string) => string, bad: (s: string) => string): string {
  const h = b.header;
  const marker = b.marker ? `marker: ${b.marker.type} coordinatorEpoch: ${b.marker.coordinatorEpoch}` : '';
  const flags = [b.transactional && 'transactional', b.control && 'control', marker].filter(Boolean).join(' ');
  let s =
    `baseOffset: ${h.baseOffset} lastOffset: ${b.lastOffset} count: ${h.recordCount} position: ${b.position} ` +
    `size: ${h.sizeInBytes} ${b.timestampType === 'LogAppendTime' ? 'logAppendTime' : 'createTime'}: ${isoTime(h.maxTimestamp)} ` +
    `baseTimestamp: ${isoTime(h.baseTimestamp)} compression: ${b.compression} producerId: ${h.producerId} producerEpoch: ${h.producerEpoch} ` +
    `crc: ${hex(h.crc)} ${b.crcValid ? ok('valid') : bad('INVALID')}${flags ? ` ${flags}` : ''}\n`;
  for (const r of b.records ?? []) {
    const headers = headersText(r.headers);
    s += `| offset: ${r.offset} timestamp: ${isoTime(r.timestamp)} key: ${quoted(r.key)} value: ${quoted(r.value)}${headers ? ` headers: ${headers}` : ''}\n`;
  }
  return s;
}

const quoted = (b: Buffer | null) => (b === null ? '(null)' : `"${textOf(b)}"`);

function summaryText(s: ScanSummary): string {
  const range = s.firstOffset === null ? 'no records' : `offsets ${s.firstOffset}..${s.lastOffset}`;
  return (
    `${s.file}: ${formatCount(s.batches)} batches, ${formatCount(s.records)} records, ${range}, ${formatBytes(s.bytes)}` +
    `${s.corrupt > 0 ? `, ${s.corrupt} corrupt` : ', all CRCs valid'}\n`
  );
}

function eventJson(e: ScannedBatch | Corruption | ScanSummary): Record<string, unknown> {
  if (e.kind !== 'batch') return { ...e };
  const h = e.header;
  return {
    kind: 'batch',
    position: e.position,
    baseOffset: h.baseOffset,
    lastOffset: e.lastOffset,
    count: h.recordCount,
    size: h.sizeInBytes,
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    timestampType: e.timestampType,
    compression: e.compression,
    crc: hex(h.crc),
    crcValid: e.crcValid,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    transactional: e.transactional,
    control: e.control,
    ...(e.marker ? { marker: e.marker } : {}),
    ...(e.records
      ? {
          records: e.records.map((r) => {
            const { topic: _t, partition: _p, ...rest } = recordToJson({ topic: '', partition: 0, ...r });
            return rest;
          }),
        }
      : {}),
  };
}
