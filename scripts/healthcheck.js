#!/usr/bin/env node
'use strict';
/**
 * Health check for containers (docker-compose `healthcheck`) and scripts. Exit 0 when healthy,
 * 1 otherwise, with one line on stderr saying why.
 *
 *   node scripts/healthcheck.js <host:port> [service]
 *       grpc.health.v1 Check of `service` (default '': the whole server) must answer SERVING.
 *   node scripts/healthcheck.js --heartbeat-file <file> [--max-age-ms <ms>]
 *       the file (DEVNET_HEARTBEAT_FILE of the devnet producer, rewritten after committed
 *       slots) must have been modified within max-age-ms (default 10000).
 *
 * Uses the compiled @massa-bootstrap/proto, or its sources when MASSA_START_FROM_SOURCE=1.
 */
const fs = require('node:fs');

const TIMEOUT_MS = 3000;

function fail(message) {
  process.stderr.write(`unhealthy: ${message}\n`);
  process.exit(1);
}

function checkHeartbeat(args) {
  const file = args[args.indexOf('--heartbeat-file') + 1];
  const ageFlag = args.indexOf('--max-age-ms');
  const maxAgeMs = ageFlag >= 0 ? Number(args[ageFlag + 1]) : 10_000;
  if (!file) fail('--heartbeat-file needs a path');
  if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) fail('--max-age-ms needs a positive number');
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    fail(`${file} does not exist yet (no slot committed)`);
  }
  const age = Date.now() - stat.mtimeMs;
  if (age > maxAgeMs)
    fail(`${file} is ${Math.round(age)} ms old (limit ${maxAgeMs} ms): no slot committed lately`);
  process.stdout.write(`healthy: last slot committed ${Math.round(age)} ms ago\n`);
  process.exit(0);
}

async function checkGrpc(target, service) {
  const { loadProto } = require('./lib/proto');
  const { checkHealth } = require('./lib/probes');
  let status;
  try {
    status = await checkHealth(loadProto(), target, service, TIMEOUT_MS);
  } catch (err) {
    fail(`${target}: ${err.details || err.message}`);
  }
  if (status !== 'SERVING') fail(`${target}${service ? ` ${service}` : ''} is ${status}`);
  process.stdout.write(`healthy: ${target}${service ? ` ${service}` : ''} SERVING\n`);
  process.exit(0);
}

const args = process.argv.slice(2);
if (args.includes('--heartbeat-file')) checkHeartbeat(args);
else if (args.length >= 1 && args.length <= 2 && !args[0].startsWith('-'))
  void checkGrpc(args[0], args[1] ?? '');
else
  fail('usage: healthcheck.js <host:port> [service] | --heartbeat-file <file> [--max-age-ms <ms>]');
