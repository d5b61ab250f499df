'use strict';
/**
 * Child processes of start.js. Each child runs in its own process group (detached), so that a
 * Ctrl-C in the terminal reaches start.js only and every child receives exactly one SIGTERM
 * from it (the services treat a second signal as "exit now"). Stopping sends SIGTERM to the
 * group, waits, then SIGKILLs it; if start.js itself exits, remaining groups are SIGKILLed.
 */
const { spawn } = require('node:child_process');
const readline = require('node:readline');

class ServiceProcess {
  /**
   * @param {object} spec name, command, args, env, cwd
   * @param {(service: string, stream: string, line: string) => void} writeLine log sink
   */
  constructor(spec, writeLine) {
    this.name = spec.name;
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    this.exitInfo = undefined;
    const streamsClosed = [];
    for (const stream of ['stdout', 'stderr']) {
      const lines = readline.createInterface({ input: this.child[stream], crlfDelay: Infinity });
      lines.on('line', (line) => writeLine(this.name, stream, line));
      streamsClosed.push(new Promise((resolve) => lines.once('close', resolve)));
    }
    /** Resolves with { code, signal } once the process exited and its output was written. */
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.exitInfo = { code: null, signal: null, error: err };
        resolve(this.exitInfo);
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        Promise.all(streamsClosed).then(() => resolve(this.exitInfo));
      });
    });
  }

  /** True until the process exited. */
  get running() {
    return this.exitInfo === undefined && this.pid !== undefined;
  }

  /** Sends `signal` to the child's process group (no-op once it exited, unless `sweep`). */
  signalGroup(signal, sweep = false) {
    if (this.pid === undefined || (!this.running && !sweep)) return;
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      if (err.code !== 'ESRCH') throw err;
    }
  }

  /**
   * SIGTERM, then SIGKILL after `timeoutMs` if the process is still there. Resolves with how
   * it stopped: { code, signal, killed }.
   */
  async stop(timeoutMs) {
    if (!this.running) return { ...(await this.exited), killed: false };
    this.signalGroup('SIGTERM');
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') this.signalGroup('SIGKILL');
    const info = await this.exited;
    // A process id is not reused while its group has members: this only reaches leftovers
    // the service may have started itself.
    this.signalGroup('SIGKILL', true);
    return { ...info, killed: first === 'timeout' };
  }
}

module.exports = { ServiceProcess };
