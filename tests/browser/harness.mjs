// The browser tests' harness: the real `objectvision serve` (embedded) on a free 127.0.0.1 port in
// a fresh temp dir (removed after), restartable on the same port and data; an admin made with the
// CLI; Debian's chromium driven headless by playwright-core (which downloads nothing). Every
// wait polls a condition against a deadline.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINARY = process.env.OV_BINARY || join(REPO, 'build', 'objectvision');
// Real photos: Debian's darknet package, as the black-box tests use.
export const IMAGES = process.env.OV_TEST_IMAGES || '/usr/share/darknet/data';
export const SCREENSHOTS = join(REPO, 'docs', 'screenshots');
export const CHROMIUM = process.env.OV_CHROMIUM || '/usr/bin/chromium';
const JWT_SECRET = 'browser-tests-jwt-secret-7d0c2b9e4f5a6a1b3c8d9e0f1a2b3c4d';
const GENEROUS = '100000';

const require = createRequire(import.meta.url);
const { chromium } = require(join(REPO, 'third_party', 'playwright', 'node_modules', 'playwright-core'));

export function image(name) {
  return join(IMAGES, name);
}

// Polls fn() until it returns something truthy; throws with `what` after the deadline.
export async function waitFor(fn, { timeout = 15000, interval = 100, what = 'a condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export class Server {
  constructor(settings = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'ov-browser-'));
    this.dataDir = join(this.dir, 'data');
    this.settings = settings;
    this.port = null;
    this.proc = null;
    this.runs = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  env() {
    const env = {
      PATH: process.env.PATH || '/usr/bin:/bin',
      HOME: this.dir,
      DATA_DIR: this.dataDir,
      HOST: '127.0.0.1',
      PORT: String(this.port ?? 0),
      ENVIRONMENT: 'development',
      JWT_SECRET_KEY: JWT_SECRET,
      MODELS_DIR: join(REPO, 'models'),
      LOG_LEVEL: 'warning',
      ARGON2_OPS: '1',
      ARGON2_MEMORY_KIB: '8192',
      INFERENCE_THREADS: '1',
      INFERENCE_WARM_UP_RUNS: '1',
      SHUTDOWN_GRACE_SECONDS: '2',
      EMAIL_TRANSPORT: 'off',
      RATE_LIMIT_PER_MINUTE: GENEROUS,
      RATE_LIMIT_BURST: GENEROUS,
      RATE_LIMIT_USER_PER_MINUTE: GENEROUS,
      RATE_LIMIT_USER_BURST: GENEROUS,
      RATE_LIMIT_AUTH_PER_MINUTE: GENEROUS,
      RATE_LIMIT_AUTH_BURST: GENEROUS,
      RATE_LIMIT_LOGIN_ACCOUNT_PER_MINUTE: GENEROUS,
      RATE_LIMIT_LOGIN_ACCOUNT_BURST: GENEROUS,
    };
    for (const k of ['LANG', 'LC_ALL', 'TZ', 'LD_LIBRARY_PATH', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) {
      if (process.env[k]) env[k] = process.env[k];
    }
    return { ...env, ...this.settings };
  }

  async start({ timeout = 30000 } = {}) {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} does not exist: build it first`);
    if (this.port === null) this.port = await freePort();
    this.runs++;
    const out = openSync(join(this.dir, `serve-${this.runs}.log`), 'w');
    this.proc = spawn(BINARY, ['serve'], { cwd: this.dir, env: this.env(), stdio: ['ignore', out, out] });
    closeSync(out);
    const proc = this.proc;
    proc.exited = new Promise((res) => proc.once('exit', (code, signal) => res({ code, signal })));
    let exitedEarly = null;
    proc.exited.then((r) => { exitedEarly = r; });
    await waitFor(async () => {
      if (exitedEarly) throw Object.assign(new Error(`serve exited (${JSON.stringify(exitedEarly)}): ${this.log().slice(-2000)}`), { fatal: true });
      const r = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      return r.status === 200;
    }, { timeout, what: `${this.url}/health/ready` }).catch((e) => {
      throw new Error(`${e.message}\n${this.log().slice(-2000)}`);
    });
  }

  log() {
    try {
      return readFileSync(join(this.dir, `serve-${this.runs}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  async stop({ timeout = 15000 } = {}) {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    let timer;
    const done = await Promise.race([proc.exited, new Promise((r) => { timer = setTimeout(() => r(null), timeout); })]);
    clearTimeout(timer);
    if (!done) {
      proc.kill('SIGKILL');
      await proc.exited;
    }
    this.proc = null;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  // A user made with the CLI (`objectvision user create`); returns its id.
  createUser(email, password, { admin = false, name } = {}) {
    const args = ['user', 'create', '--email', email, '--password', password];
    if (name) args.push('--name', name);
    if (admin) args.push('--admin');
    const r = spawnSync(BINARY, args, { cwd: this.dir, env: this.env(), encoding: 'utf8', timeout: 30000 });
    if (r.status !== 0) throw new Error(`user create failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
  }

  // Calls the API directly (JSON in and out).
  async call(method, path, { token, json } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.url + path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await r.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, body };
  }

  // A job of a new user that fails: its one image is a PNG that no decoder can read (see
  // undecodablePng). Resolves to {email, jobId} once the job has failed.
  async failedJob(name) {
    const email = uniqueEmail('failing');
    const password = 'correct horse battery';
    this.createUser(email, password);
    const tokens = await this.call('POST', '/api/v1/auth/login', { json: { email, password } });
    if (tokens.status !== 200) throw new Error(`login: ${tokens.status}`);
    const token = tokens.body.access_token;
    const form = new FormData();
    form.append('images', new Blob([undecodablePng()], { type: 'image/png' }), 'broken.png');
    form.append('name', name);
    const r = await fetch(`${this.url}/api/v1/detect/batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    });
    if (r.status !== 202) throw new Error(`upload: ${r.status} ${await r.text()}`);
    const { job_id: jobId } = await r.json();
    await waitFor(async () => (await this.call('GET', `/api/v1/detect/jobs/${jobId}`, { token })).body.status === 'failed', {
      timeout: 30000,
      what: `job ${jobId} to fail`,
    });
    return { email, jobId };
  }

  async cleanup() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  // No sandbox: the tests run as root (CI); no /dev/shm needed (a fresh root may lack it).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// A page with a console/page-error record (tests assert that no script error happened).
export async function newPage(browser, { viewport = DESKTOP, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    // The browser's own network notes (a refused request, a socket to a server that is down) are
    // expected in some tests; script errors are not.
    if (m.type() === 'error' && !/Failed to load resource|^WebSocket connection to .* failed/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

let counter = 0;
export function uniqueEmail(tag = 'user') {
  counter++;
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

// Through the UI: the signup form, then the login form it leads to.
export async function signUpAndLogIn(page, server, { name = 'Ann Example', email = uniqueEmail(), password = 'correct horse battery' } = {}) {
  await page.goto(`${server.url}/signup`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await logIn(page, { email, password, filled: true });
  return { name, email, password };
}

export async function logIn(page, { email, password, filled = false }) {
  if (!filled) await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Upload' }).waitFor();
}

// Form controls and buttons without an accessible name (a <label for>, a wrapping <label>,
// aria-label or aria-labelledby; for buttons, their text), described for the assertion message.
export function unlabelled(page) {
  return page.evaluate(() => {
    const named = (el) => {
      if (el.getAttribute('aria-label')?.trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
      if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
      if (el.tagName === 'BUTTON') return !!el.textContent.trim();
      return false;
    };
    return [...document.querySelectorAll('input:not([type=hidden]):not([hidden]), select, textarea, button')]
      .filter((el) => !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

// How many pixels the page is wider than the window at `width` (0: it fits).
export async function overflowAt(page, width) {
  const before = page.viewportSize();
  await page.setViewportSize({ width, height: before.height });
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize(before);
  return over;
}

// CRC-32 (ISO 3309, as PNG's chunks use it).
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

// A 64x64 PNG whose signature, header and checksums are right but whose pixel data is no deflate
// stream: the upload's probe accepts it, the decoder cannot make an image of it.
export function undecodablePng() {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(64, 0);
  header.writeUInt32BE(64, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const garbage = Buffer.concat([Buffer.from([0x78, 0x9c]), ...Array(4).fill(Buffer.from([...Array(256).keys()]))]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', garbage),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
