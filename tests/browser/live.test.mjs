// The live socket and the session: the socket reconnects after the server restarts (the page
// re-reads what it shows, and a new job's progress arrives live); a revoked access token is
// refreshed once and the call retried; a refused refresh leads to the login page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Server, image, launchBrowser, logIn, newPage, uniqueEmail, waitFor } from './harness.mjs';

describe('live updates and the session', () => {
  let server;
  let browser;
  before(async () => {
    server = new Server();
    [browser] = await Promise.all([launchBrowser(), server.start()]);
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  async function signedIn(watch = () => {}) {
    const email = uniqueEmail('live');
    server.createUser(email, 'correct horse battery');
    const page = await newPage(browser);
    watch(page);
    await page.goto(`${server.url}/login`);
    await logIn(page, { email, password: 'correct horse battery' });
    await page.locator('[data-live="connected"]').waitFor();
    return page;
  }

  async function upload(page, file, { tiles = false } = {}) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).click();
    await page.getByLabel('Choose images').setInputFiles(image(file));
    if (tiles) {
      await page.getByLabel('Detect in tiles').check();
      await page.getByLabel('Tile width (px)').fill('160');
      await page.getByLabel('Tile height (px)').fill('160');
    }
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.waitForURL(/\/jobs\//);
    const id = page.url().split('/').pop();
    await waitFor(async () => (await page.locator('.progress-text').getAttribute('data-status')) === 'completed', { timeout: 30000, what: 'the job to complete' });
    return id;
  }

  it('reconnects after a server restart, re-reads the job, and shows a new job live', async () => {
    const page = await signedIn();
    const frames = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push({ at: Date.now(), text: String(f.payload) })));
    const first = await upload(page, 'dog.jpg');
    await page.evaluate(() => {
      const el = document.querySelector('[data-live]');
      window.ovLive = [el.dataset.live];
      new MutationObserver(() => {
        const v = document.querySelector('[data-live]')?.dataset.live;
        if (v && window.ovLive[window.ovLive.length - 1] !== v) window.ovLive.push(v);
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-live'] });
    });
    const jobReads = [];
    page.on('request', (r) => r.url().endsWith(`/api/v1/detect/jobs/${first}`) && jobReads.push(Date.now()));

    await server.restart();
    await waitFor(async () => (await page.evaluate(() => window.ovLive)).includes('disconnected'), { what: 'the indicator to show the drop' });
    await page.locator('[data-live="connected"]').waitFor({ timeout: 20000 });
    const states = await page.evaluate(() => window.ovLive);
    assert.deepEqual(states.slice(0, 2), ['connected', 'disconnected']);
    assert.equal(states[states.length - 1], 'connected');
    const reconnectedAt = Date.now();
    await waitFor(() => jobReads.length > 0, { what: 'the job page to read the job again after the reconnect' });
    assert.match(await page.getByRole('status').filter({ hasText: 'Live updates' }).innerText(), /connected/);

    // A job after the restart: its events arrive on the new socket and the page follows them.
    const second = await upload(page, 'horses.jpg', { tiles: true });
    const events = frames.filter((f) => f.at >= reconnectedAt).map((f) => JSON.parse(f.text)).filter((m) => m.job_id === second);
    const types = events.map((m) => m.type);
    assert.ok(types.includes('job.completed'), `events of the new job: ${types}`);
    assert.ok(types.includes('job.progress') || types.includes('job.started'), `progress events: ${types}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('refreshes a revoked access token once and retries; a refused refresh leads to the login page', async () => {
    let access = null;
    let refresh = null;
    const refreshes = [];
    const historyAnswers = [];
    const page = await signedIn((p) => p.on('request', (r) => {
      const h = r.headers().authorization;
      if (h && h.startsWith('Bearer ')) access = h.slice(7);
    }));
    page.on('response', async (r) => {
      if (r.url().includes('/api/v1/detect/history')) historyAnswers.push({ status: r.status(), token: r.request().headers().authorization });
    });
    // The next refresh is held until the history has been refused once, so that the history call
    // is the one that meets the 401 (the socket, closed by the logout, asks for a refresh too).
    await page.route('**/api/v1/auth/refresh', async (route) => {
      refreshes.push(Date.now());
      const answer = await route.fetch();
      const body = await answer.json();
      if (answer.status() === 200) refresh = body.refresh_token;
      if (refreshes.length === 1) await waitFor(() => historyAnswers.some((a) => a.status === 401), { what: 'the history to meet a 401' });
      await route.fulfill({ response: answer, json: body });
    });
    // The app's access token (read off its own requests) is logged out behind its back.
    await waitFor(() => access, { what: 'a request with the token' });
    const revoked = access;
    assert.equal((await server.call('POST', '/api/v1/auth/logout', { token: revoked })).status, 204);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByText('No jobs yet.').waitFor();
    // Refused once, then answered (the page reads again when the socket is back: 200 too).
    assert.deepEqual(historyAnswers.map((a) => a.status).slice(0, 2), [401, 200]);
    assert.ok(historyAnswers.slice(1).every((a) => a.status === 200));
    assert.notEqual(historyAnswers[1].token, `Bearer ${revoked}`);
    assert.equal(refreshes.length, 1, 'one refresh for the socket and the call together (a second would be a replay)');
    await page.locator('[data-live="connected"]').waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);

    // Now the refresh token's family is revoked too: the next refresh fails, the login page shows.
    await waitFor(() => refresh && access !== revoked, { what: 'the new tokens' });
    assert.equal((await server.call('POST', '/api/v1/auth/logout', { token: access, json: { refresh_token: refresh } })).status, 204);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.evaluate(() => localStorage.getItem('ov.refresh_token')), null);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
