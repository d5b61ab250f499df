'use strict';
/**
 * Log output of start.js. Children log JSON lines (pino) on stdout; start.js re-emits every
 * line of every child, either pretty (pino-pretty, one line per record, prefixed with the
 * service name) on a terminal, or as JSON lines carrying a "service" field otherwise.
 */
const { prettyFactory } = require('pino-pretty');

const COLORS = {
  'history-store': '\u001b[36m',
  'bootstrap-gateway': '\u001b[35m',
  'devnet-producer': '\u001b[33m',
  start: '\u001b[32m',
};
const RESET = '\u001b[0m';
const WIDTH = Math.max(...Object.keys(COLORS).map((n) => n.length));

/**
 * Makes the line writer for `format` ('pretty' or 'json'). The writer takes the emitting
 * service, the stream ('stdout'/'stderr') and one raw line.
 */
function createLineWriter({ format, colorize, out = process.stdout }) {
  if (format === 'json') {
    return (service, stream, line) => {
      if (line.trim() === '') return;
      const record = parseRecord(line);
      if (record === undefined) {
        out.write(
          `${JSON.stringify({ level: stream === 'stderr' ? 50 : 30, time: Date.now(), service, msg: line })}\n`,
        );
      } else if (record.service === undefined) {
        out.write(`${JSON.stringify({ ...record, service })}\n`);
      } else {
        out.write(`${line}\n`);
      }
    };
  }
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
  return (service, _stream, line) => {
    if (line.trim() === '') return;
    const prefix = colorize
      ? `${COLORS[service] ?? ''}${service.padEnd(WIDTH)}${RESET} | `
      : `${service.padEnd(WIDTH)} | `;
    const record = parseRecord(line);
    const text = record === undefined ? line : pretty(record).replace(/\n$/, '');
    out.write(
      text
        .split('\n')
        .map((l) => prefix + l)
        .join('\n') + '\n',
    );
  };
}

function parseRecord(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * start.js's own records: `log('info', msg, fields)` as a pino-compatible JSON line, so both
 * formats render it like a child's.
 */
function createStartLogger(writeLine) {
  const levels = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
  return (level, msg, fields = {}) =>
    writeLine(
      'start',
      'stdout',
      JSON.stringify({
        level: levels[level] ?? 30,
        time: Date.now(),
        service: 'start',
        ...fields,
        msg,
      }),
    );
}

module.exports = { createLineWriter, createStartLogger };
