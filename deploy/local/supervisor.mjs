#!/usr/bin/env node
// `npm start`: brings Gilt up on this machine with embedded defaults and supervises it.
//
//   node deploy/local/supervisor.mjs [--print-env]
//
// - a nats-server (JetStream) and a redis-server of its own on free ports, data in
//   ./.gilt/ (GILT_DATA_DIR), unless GILT_NATS_URL / GILT_REDIS_URL point elsewhere;
// - an admin token on the first run (.gilt/admin-token, hashed in .gilt/tokens.json);
// - every built service as `node services/<name>/dist/main.js`, output appended to
//   .gilt/logs/<name>.log, restarted with backoff when it dies;
// - a banner with the URLs once GET /healthz on the gateway answers 200;
// - Ctrl-C / SIGTERM stops everything it started (services first, then Redis and NATS).
//
// Environment: GILT_DATA_DIR, GILT_PORT (8080), GILT_HOST (127.0.0.1), GILT_NATS_URL,
// GILT_NATS_PORT, GILT_REDIS_URL, GILT_REDIS_PORT, GILT_SERVICES (comma list); every
// other variable is passed on to the services as it is.
//
// Plain JavaScript with node built-ins only (plus libs/testing's server starter), so it
// runs straight after `npm run build` with nothing else to compile.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// Services `npm start` runs, in start order (the gateway last: it is what the health
// check waits for). CORE services are expected: a missing build is warned about.
// OPTIONAL ones are started as soon as they are built, so new services join by
// themselves. GILT_SERVICES=a,b,c replaces both lists.
const CORE_SERVICES = ['ingestion', 'channels', 'gateway'];
const OPTIONAL_SERVICES = ['ancestry', 'revocation', 'notifier'];

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const HEALTHY_RESET_MS = 60_000; // a service up this long starts its backoff from 1 s again
const INFRA_WATCH_MS = 1_000;
// npm forwards SIGINT to its child, and the terminal sends it to the whole process group
// too: one Ctrl-C under `npm start` arrives twice within a few milliseconds. Only a
// signal this much later counts as a second Ctrl-C.
const DUPLICATE_SIGNAL_MS = 1_000;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const invokedFrom = process.cwd(); // a relative GILT_DATA_DIR means relative to here
process.chdir(repoRoot);

let dotsPending = false; // progress dots on stderr without their newline yet
// A closed console (`npm start | head`, a terminal gone) must not take Gilt down.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    'usage: node deploy/local/supervisor.mjs [--print-env]\n' +
      '  --print-env  after start, also print an `export GILT_URL=… GILT_TOKEN=… GILT_NATS_URL=…` line\n' +
      'environment: GILT_DATA_DIR (./.gilt), GILT_PORT (8080), GILT_HOST (127.0.0.1), GILT_NATS_URL, GILT_NATS_PORT,\n' +
      '             GILT_REDIS_URL, GILT_REDIS_PORT, GILT_SERVICES (comma list of services to run)\n',
  );
  process.exit(0);
}
const unknownArgs = args.filter((a) => a !== '--print-env');
if (unknownArgs.length > 0) fail(`unknown argument ${unknownArgs.join(' ')} (known: --print-env, --help)`);
const printEnv = args.includes('--print-env');

// ---------------------------------------------------------------------------------
// Settings

const env = process.env;
const dataDir = env.GILT_DATA_DIR ? path.resolve(invokedFrom, env.GILT_DATA_DIR) : path.join(repoRoot, '.gilt');
const natsDir = path.join(dataDir, 'nats');
const redisDir = path.join(dataDir, 'redis');
const logDir = path.join(dataDir, 'logs');
const tokensFile = path.join(dataDir, 'tokens.json');
const adminTokenFile = path.join(dataDir, 'admin-token');
const stateFile = path.join(dataDir, 'supervisor.json');

const host = env.GILT_HOST || '127.0.0.1';
const httpPort = parsePort('GILT_PORT', env.GILT_PORT ?? '8080');
// The address to reach the gateway at: a wildcard bind is reached on loopback.
const reachHost = ['0.0.0.0', '::', '[::]', ''].includes(host) ? '127.0.0.1' : host;
const httpUrl = `http://${reachHost.includes(':') ? `[${reachHost}]` : reachHost}:${httpPort}`;
const natsPort = env.GILT_NATS_PORT ? parsePort('GILT_NATS_PORT', env.GILT_NATS_PORT) : undefined;
const redisPort = env.GILT_REDIS_PORT ? parsePort('GILT_REDIS_PORT', env.GILT_REDIS_PORT) : undefined;

/** A path as the user should read it: relative to the repo when inside it. */
function shown(p) {
  const rel = path.relative(repoRoot, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function parsePort(name, value) {
  const port = Number(value);
  if (!/^\d+$/.test(String(value).trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`${name} must be a port number from 1 to 65535, got "${value}"`);
  }
  return port;
}

// ---------------------------------------------------------------------------------
// Console output. Progress goes to stderr, so the first lines on stdout are the banner.

function say(line) {
  endDots();
  process.stdout.write(`${line}\n`);
}

function note(line) {
  endDots();
  process.stderr.write(`${line}\n`);
}

function dot() {
  process.stderr.write('.');
  dotsPending = true;
}

function endDots() {
  if (dotsPending) process.stderr.write('\n');
  dotsPending = false;
}

function fail(message) {
  endDots();
  process.stderr.write(`gilt: ${message}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------
// State

/** @type {{stop(): Promise<void>, restart(): Promise<void>, url: string, port: number, pid: number} | undefined} */
let nats;
/** @type {typeof nats} */
let redis;
let natsUrl = env.GILT_NATS_URL || '';
let redisUrl = env.GILT_REDIS_URL || '';
/** name -> Supervised */
const services = new Map();
let shuttingDown = false;
let firstSignalAt = 0;
let infraStarting = Promise.resolve();
let infraWatch;
let gatewayHealthy = false;
const startedAt = Date.now();

// ---------------------------------------------------------------------------------
// Signals: installed first, so a Ctrl-C during start-up already stops what has started.
// (libs/testing's own handlers stand back when another listener exists.)

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => onSignal(signal));
}

function onSignal(signal) {
  const now = Date.now();
  if (!shuttingDown) {
    firstSignalAt = now;
    void shutdown(0, signal === 'SIGINT' ? ' (Ctrl-C again to force)' : '');
    return;
  }
  if (now - firstSignalAt < DUPLICATE_SIGNAL_MS) return; // the same Ctrl-C, delivered twice
  note('gilt: forced exit; killing everything started here');
  killEverythingNow();
  process.exit(130);
}

// Whatever ends this process (an exception, process.exit), the services must not outlive
// it. Synchronous: nothing can be awaited in 'exit'. libs/testing does the same for
// nats-server and redis-server.
process.on('exit', () => {
  for (const svc of services.values()) {
    if (svc.child && svc.child.exitCode === null && svc.child.signalCode === null) {
      try {
        svc.child.kill('SIGKILL');
      } catch {
        // exiting anyway
      }
    }
  }
});

process.on('uncaughtException', (err) => {
  note(`gilt: internal error: ${err?.stack ?? err}`);
  void shutdown(1);
});
process.on('unhandledRejection', (err) => {
  note(`gilt: internal error: ${err?.stack ?? err}`);
  void shutdown(1);
});

function killEverythingNow() {
  for (const svc of services.values()) {
    try {
      svc.child?.kill('SIGKILL');
    } catch {
      // best effort
    }
  }
  // nats-server and redis-server: libs/testing's 'exit' handler stops them.
}

// ---------------------------------------------------------------------------------
// Start-up (called at the end of the file, once every declaration below exists)

async function main() {
  let testing;
  try {
    testing = await import('../../libs/testing/dist/index.js');
  } catch (err) {
    fail(`cannot load libs/testing/dist/index.js (${err.code ?? err.message}): run \`npm run build\` first (npm start does)`);
  }

  const serviceNames = chooseServices();

  for (const dir of [dataDir, logDir]) fs.mkdirSync(dir, { recursive: true });
  await refuseSecondInstance();

  // Fail early and clearly when the HTTP port is taken, before starting anything.
  if (serviceNames.includes('gateway')) {
    const problem = await portProblem(host, httpPort);
    if (problem) {
      fail(
        `cannot serve HTTP on ${host}:${httpPort}: ${problem}.\n` +
          `      Another Gilt or another server holds it. Choose another port with GILT_PORT, e.g.\n` +
          `      GILT_PORT=${httpPort === 8080 ? 8081 : httpPort + 1} npm start`,
      );
    }
  }

  writeState();
  const adminToken = ensureTokens();

  infraStarting = startInfra(testing);
  await infraStarting;
  if (shuttingDown) return;
  writeState();
  infraWatch = setInterval(watchInfra, INFRA_WATCH_MS);

  for (const name of serviceNames) {
    const svc = new Supervised(name);
    services.set(name, svc);
    svc.start();
  }
  writeState();

  if (serviceNames.includes('gateway')) {
    const healthy = await waitForGateway();
    if (shuttingDown) return;
    gatewayHealthy = healthy;
    if (!healthy) {
      note(`gilt: the gateway did not answer GET ${httpUrl}/healthz with 200 within ${HEALTH_TIMEOUT_MS / 1000} s.`);
      printLogTail('gateway');
      await shutdown(1);
      return;
    }
  } else {
    note('gilt: gateway not in GILT_SERVICES: not waiting for /healthz');
  }
  if (shuttingDown) return;

  const gatewayLine = serviceNames.includes('gateway')
    ? `  HTTP API   ${httpUrl}   (OpenAPI: /v1/openapi.json)`
    : '  HTTP API   not started (gateway is not in GILT_SERVICES)';
  const lines = [
    'Gilt is running',
    gatewayLine,
    `  NATS       ${natsUrl}   (public events for downstream subscribers)${nats ? '' : '   [GILT_NATS_URL]'}`,
    `  Redis      ${redisUrl}${redis ? '' : '   [GILT_REDIS_URL]'}`,
    `  Admin token: ${shown(adminTokenFile)}   (export GILT_TOKEN=$(cat ${shellQuote(shown(adminTokenFile))}) GILT_URL=${httpUrl})`,
    `  Logs:       ${shown(logDir)}/`,
    `  Services:   ${serviceNames.join(', ')}`,
    'Press Ctrl-C to stop everything started here.',
  ];
  say(lines.join('\n'));
  if (printEnv) {
    say(
      `export GILT_URL=${shellQuote(httpUrl)} GILT_TOKEN=${shellQuote(adminToken)} ` +
        `GILT_NATS_URL=${shellQuote(natsUrl)} GILT_REDIS_URL=${shellQuote(redisUrl)}`,
    );
  }
}

function chooseServices() {
  const builtMain = (name) => path.join(repoRoot, 'services', name, 'dist', 'main.js');
  const explicit = (env.GILT_SERVICES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const chosen = [];
  if (explicit.length > 0) {
    for (const name of explicit) {
      if (!/^[a-z][a-z0-9-]*$/.test(name)) fail(`GILT_SERVICES: "${name}" is not a service name`);
      if (fs.existsSync(builtMain(name))) chosen.push(name);
      else note(`gilt: warning: GILT_SERVICES names ${name}, but services/${name}/dist/main.js does not exist: skipping it`);
    }
  } else {
    for (const name of CORE_SERVICES) {
      if (fs.existsSync(builtMain(name))) chosen.push(name);
      else note(`gilt: warning: services/${name}/dist/main.js does not exist (not built yet?): skipping ${name}`);
    }
    for (const name of OPTIONAL_SERVICES) if (fs.existsSync(builtMain(name))) chosen.push(name);
    // The gateway goes last: it is the one the health check waits for.
    chosen.sort((a, b) => (a === 'gateway') - (b === 'gateway'));
  }
  if (chosen.length === 0) fail('no service to start: run `npm run build` first (npm start does)');
  if (explicit.length === 0 && !chosen.includes('gateway')) {
    fail('services/gateway/dist/main.js does not exist: run `npm run build` first (npm start does)');
  }
  return [...new Set(chosen)];
}

async function startInfra(testing) {
  if (natsUrl) {
    note(`gilt: using NATS at ${natsUrl} (GILT_NATS_URL)`);
  } else {
    fs.mkdirSync(natsDir, { recursive: true });
    try {
      nats = await testing.startNats({ dataDir: natsDir, port: natsPort });
    } catch (err) {
      failStart('nats-server', err, natsPort ? 'GILT_NATS_PORT' : undefined);
      return;
    }
    natsUrl = nats.url;
    if (shuttingDown) return;
  }
  if (redisUrl) {
    note(`gilt: using Redis at ${redisUrl} (GILT_REDIS_URL)`);
  } else {
    fs.mkdirSync(redisDir, { recursive: true });
    try {
      redis = await testing.startRedis({ dataDir: redisDir, port: redisPort });
    } catch (err) {
      failStart('redis-server', err, redisPort ? 'GILT_REDIS_PORT' : undefined);
      return;
    }
    redisUrl = redis.url;
  }
}

function failStart(what, err, portVar) {
  note(`gilt: could not start ${what}: ${err?.message ?? err}`);
  if (portVar) note(`gilt: (${portVar} fixes its port; unset it to use a free one)`);
  void shutdown(1);
}

/** nats-server or redis-server died under us: start it again, same port and data. */
let infraRestarting = false;
async function watchInfra() {
  if (shuttingDown || infraRestarting) return;
  for (const [name, server] of [['nats-server', nats], ['redis-server', redis]]) {
    if (!server || isAlive(server.pid)) continue;
    infraRestarting = true;
    say(`gilt: ${name} exited; restarting it on ${server.url} (data ${shown(name === 'nats-server' ? natsDir : redisDir)})`);
    try {
      await server.restart();
      if (!shuttingDown) say(`gilt: ${name} is back on ${server.url}`);
      writeState();
    } catch (err) {
      say(`gilt: ${name} did not come back: ${err?.message ?? err}; trying again`);
    } finally {
      infraRestarting = false;
    }
    return;
  }
}

function isAlive(pid) {
  if (!pid || pid < 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------
// Tokens

/**
 * First run: one admin token, plaintext in .gilt/admin-token (0600), its SHA-256 in
 * .gilt/tokens.json. Later runs reuse both, and repair them when one went missing.
 */
function ensureTokens() {
  let doc = { tokens: [] };
  if (fs.existsSync(tokensFile)) {
    try {
      doc = JSON.parse(fs.readFileSync(tokensFile, 'utf8'));
    } catch (err) {
      fail(`${shown(tokensFile)} is not valid JSON (${err.message}): fix it, or delete it (and ${shown(adminTokenFile)}) to get a new admin token`);
    }
    if (!doc || !Array.isArray(doc.tokens)) fail(`${shown(tokensFile)} must look like {"tokens": [{"name", "role", "sha256"}]}`);
  }

  let token = '';
  if (fs.existsSync(adminTokenFile)) token = fs.readFileSync(adminTokenFile, 'utf8').trim();
  if (token === '') {
    token = randomBytes(32).toString('base64url');
    writeFileAtomic(adminTokenFile, `${token}\n`, 0o600);
    note(`gilt: created an admin token in ${shown(adminTokenFile)}`);
  } else {
    try {
      fs.chmodSync(adminTokenFile, 0o600);
    } catch {
      // not ours to fix (e.g. another owner); the gateway works anyway
    }
  }

  const sha256 = createHash('sha256').update(token).digest('hex');
  const entry = doc.tokens.find((t) => t && t.sha256 === sha256);
  if (!entry || entry.role !== 'admin' || !fs.existsSync(tokensFile)) {
    if (entry) entry.role = 'admin';
    else {
      const names = new Set(doc.tokens.map((t) => t?.name));
      let name = 'admin';
      for (let i = 2; names.has(name); i++) name = `admin-${i}`;
      doc.tokens.push({ name, role: 'admin', sha256 });
    }
    writeFileAtomic(tokensFile, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
  }
  return token;
}

function writeFileAtomic(file, text, mode) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------
// One instance per data dir. A previous supervisor that was killed (-9) leaves its
// children running on our data: stop those first (only processes it recorded, and
// only when /proc says they are still what it started).

async function refuseSecondInstance() {
  let previous;
  try {
    previous = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return;
  }
  if (previous.pid && previous.pid !== process.pid && isAlive(previous.pid) && cmdline(previous.pid).includes('supervisor.mjs')) {
    fail(
      `Gilt is already running from ${shown(dataDir)} (supervisor pid ${previous.pid}).\n` +
        '      Stop it first (Ctrl-C in its terminal), or run a second one with another GILT_DATA_DIR and GILT_PORT.',
    );
  }
  const leftovers = [];
  const check = (label, pid, matches) => {
    if (pid && isAlive(pid) && matches(cmdline(pid))) leftovers.push({ label, pid });
  };
  check('nats-server', previous.nats?.pid, (c) => c.includes('nats-server') && c.includes(natsDir));
  check('redis-server', previous.redis?.pid, (c) => c.includes('redis-server') && c.includes(`:${previous.redis?.port}`));
  for (const [name, pid] of Object.entries(previous.services ?? {})) {
    check(name, pid, (c) => c.includes(path.join('services', name, 'dist', 'main.js')));
  }
  if (leftovers.length === 0) return;
  note(`gilt: a previous run (pid ${previous.pid}) did not shut down; stopping what it left running:`);
  for (const { label, pid } of leftovers) {
    note(`gilt:   ${label} (pid ${pid})`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (leftovers.some(({ pid }) => isAlive(pid)) && Date.now() < deadline) await sleep(100);
  for (const { pid } of leftovers) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function writeState() {
  const state = {
    pid: process.pid,
    started_at: new Date(startedAt).toISOString(),
    http: httpUrl,
    nats: nats ? { url: nats.url, port: nats.port, pid: nats.pid } : { url: natsUrl, external: true },
    redis: redis ? { url: redis.url, port: redis.port, pid: redis.pid } : { url: redisUrl, external: true },
    services: Object.fromEntries([...services].map(([name, svc]) => [name, svc.child?.pid ?? null])),
  };
  try {
    writeFileAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`, 0o644);
  } catch {
    // informational only
  }
}

// ---------------------------------------------------------------------------------
// Services

class Supervised {
  constructor(name) {
    this.name = name;
    this.logFile = path.join(logDir, `${name}.log`);
    this.child = undefined;
    this.failures = 0;
    this.startedAt = 0;
    this.restartTimer = undefined;
    this.exited = Promise.resolve();
  }

  start() {
    if (shuttingDown) return;
    this.restartTimer = undefined;
    const serviceEnv = {
      ...process.env,
      GILT_NATS_URL: natsUrl,
      GILT_REDIS_URL: redisUrl,
      GILT_TOKENS_FILE: tokensFile,
      GILT_PORT: String(httpPort),
      GILT_HOST: host,
      // Plain text in the log files (NestJS colours its output unless told not to).
      NO_COLOR: process.env.NO_COLOR ?? '1',
    };
    delete serviceEnv.GILT_SERVICES;
    const main = path.join('services', this.name, 'dist', 'main.js');
    let fd;
    try {
      fs.mkdirSync(logDir, { recursive: true }); // someone may have removed it meanwhile
      fd = fs.openSync(this.logFile, 'a');
      fs.writeSync(fd, `\n--- gilt: starting ${this.name} at ${new Date().toISOString()} ---\n`);
    } catch (err) {
      say(`gilt: cannot write ${shown(this.logFile)} (${err.code ?? err.message}); ${this.name}'s output is lost`);
    }
    let child;
    try {
      // Own process group: a Ctrl-C in the terminal reaches the supervisor only, which
      // then stops the services in order (and does not mistake their exit for a crash).
      child = spawn(process.execPath, [main], {
        cwd: repoRoot,
        env: serviceEnv,
        stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
        detached: true,
      });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    this.child = child;
    this.startedAt = Date.now();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        this.onExit(child, code, signal);
      });
      child.once('error', (err) => {
        // spawn failed: there will be no 'exit'
        resolve();
        this.onExit(child, null, null, err);
      });
    });
    writeState();
  }

  onExit(child, code, signal, error) {
    if (this.child !== child) return;
    this.child = undefined;
    const how = error ? `failed to start: ${error.message}` : signal ? `signal ${signal}` : `code ${code}`;
    try {
      fs.appendFileSync(this.logFile, `--- gilt: ${this.name} exited (${how}) at ${new Date().toISOString()} ---\n`);
    } catch {
      // the log is a convenience
    }
    if (shuttingDown) return;
    if (this.name === 'gateway' && !gatewayHealthy && logTail(this.logFile).includes('EADDRINUSE')) {
      note(`gilt: the gateway cannot listen on ${host}:${httpPort}: the port is already in use. Choose another with GILT_PORT.`);
      void shutdown(1);
      return;
    }
    if (Date.now() - this.startedAt >= HEALTHY_RESET_MS) this.failures = 0;
    const delay = Math.min(BACKOFF_START_MS * 2 ** this.failures, BACKOFF_MAX_MS);
    this.failures++;
    say(`gilt: ${this.name} exited (${how}); restarting in ${delay / 1000} s (see ${shown(this.logFile)})`);
    this.restartTimer = setTimeout(() => this.start(), delay);
    writeState();
  }

  /** SIGTERM, SIGKILL after STOP_GRACE_MS; resolves once it has exited. */
  async stop() {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const escalate = setTimeout(() => {
      note(`gilt: ${this.name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(escalate);
  }
}

// ---------------------------------------------------------------------------------
// Health

async function waitForGateway() {
  note(`gilt: waiting for the gateway on ${httpUrl}/healthz `);
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastDot = Date.now();
  let last = 'no answer';
  while (!shuttingDown && Date.now() < deadline) {
    const answer = await getHealth();
    if (answer.status === 200) {
      endDots();
      return true;
    }
    last = answer.status ? `HTTP ${answer.status} ${answer.body.slice(0, 200)}` : answer.error;
    if (Date.now() - lastDot >= 1000) {
      dot();
      lastDot = Date.now();
    }
    await sleep(250);
  }
  endDots();
  if (!shuttingDown) note(`gilt: last answer from /healthz: ${last}`);
  return false;
}

function getHealth() {
  return new Promise((resolve) => {
    const req = http.get(`${httpUrl}/healthz`, { timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ error: err.code ?? err.message }));
  });
}

/** Why `host:port` cannot be listened on, or undefined when it can. */
function portProblem(bindHost, port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve(err.code === 'EADDRINUSE' ? 'the port is already in use' : `${err.code ?? err.message}`));
    server.listen({ host: bindHost, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The last bytes of a log file ('' when there is none). */
function logTail(file, bytes = 8192) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(bytes, size);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

function printLogTail(name, lines = 30) {
  const file = path.join(logDir, `${name}.log`);
  const text = logTail(file, 16_384);
  if (text === '') return;
  note(`gilt: last lines of ${shown(file)}:`);
  for (const line of text.trimEnd().split('\n').slice(-lines)) note(`  | ${line}`);
}

// ---------------------------------------------------------------------------------
// Shutdown

let shutdownPromise;
function shutdown(code, hint = '') {
  shutdownPromise ??= doShutdown(code, hint);
  return shutdownPromise;
}

async function doShutdown(code, hint) {
  shuttingDown = true;
  if (infraWatch) clearInterval(infraWatch);
  note(`gilt: stopping…${hint}`);
  // Services first, so they do not log a storm of connection errors on the way out.
  await Promise.all([...services.values()].map((svc) => svc.stop()));
  // A server still being started finishes starting (or failing) before it can stop.
  await infraStarting.catch(() => {});
  await Promise.all([redis?.stop(), nats?.stop()].map((p) => Promise.resolve(p).catch((err) => note(`gilt: ${err?.message ?? err}`))));
  try {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    if (state.pid === process.pid) fs.rmSync(stateFile, { force: true });
  } catch {
    // nothing recorded
  }
  say('gilt: stopped');
  process.exit(code);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;
}

await main();
