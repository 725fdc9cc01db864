#!/usr/bin/env -S node --initial-old-space-size=128
// The `sluice` command's launcher (dist/bin/sluice.js), CommonJS on purpose. The broker's file work (appends
// of 64 KiB or more, fsyncs, segment reads, recovery) runs on libuv's thread pool, whose size
// (UV_THREADPOOL_SIZE) is read once, when the pool is first used; Node reads ES modules through that pool,
// so only code that runs before the first ES module is read can still set it. With libuv's default of 4
// threads a stop or a recovery of thousands of partitions waits on four fsyncs at a time, and a consumer's
// segment read waits behind them. A size the user set is kept (an empty one counts as unset).
'use strict';

if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';
import('./main.mjs');
