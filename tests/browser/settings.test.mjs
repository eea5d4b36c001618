// Settings (name, theme applied at once, mails, the API key shown once, password) and the admin
// page (workers, queue, models, schedules for an admin; "admins only" for anyone else).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PHONE, Server, launchBrowser, logIn, newPage, overflowAt, screenshot, uniqueEmail, unlabelled, waitFor } from './harness.mjs';

const PASSWORD = 'correct horse battery';

describe('settings and admin', () => {
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

  async function signedIn({ admin = false, viewport, colorScheme, email = uniqueEmail(admin ? 'admin' : 'user') } = {}) {
    server.createUser(email, PASSWORD, { admin, name: admin ? 'Ada Admin' : 'Uma User' });
    const page = await newPage(browser, { viewport, colorScheme });
    await page.goto(`${server.url}/login`);
    await logIn(page, { email, password: PASSWORD });
    return { page, email };
  }

  const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  it('changes the name, the theme (at once, and kept), the mails; shows an API key once', async () => {
    const { page, email } = await signedIn({ colorScheme: 'light' });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const light = await background(page);

    await page.getByLabel('Name', { exact: true }).fill('Uma Renamed');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Name saved.').waitFor();
    await page.locator('header .who', { hasText: 'Uma Renamed' }).waitFor();

    // Dark: the attribute and the colours change at once, and the choice is kept by the server.
    await page.getByRole('radio', { name: 'Dark' }).check();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const dark = await background(page);
    assert.notEqual(dark, light);
    await page.getByText('Theme: dark.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.ok(await page.getByRole('radio', { name: 'Dark' }).isChecked());
    // System follows the device: light here, dark when the device prefers dark.
    await page.getByRole('radio', { name: /^System/ }).check();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'system');
    assert.equal(await background(page), light);
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await background(page), dark);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByText('Theme: system.').waitFor();

    const daily = page.getByLabel('A daily report');
    assert.equal(await daily.isChecked(), false);
    await daily.check();
    await page.getByText('Saved.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    assert.equal(await page.getByLabel('A daily report').isChecked(), true);

    // The API key: shown once with a copy button; a rotation gives another; gone after a reload.
    await page.getByText('You have no key.').waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const keyField = page.getByLabel(/Your new API key/);
    await keyField.waitFor();
    const key1 = await keyField.inputValue();
    assert.match(key1, /^ov_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key1);
    await page.getByText('You have a key.').waitFor();
    await screenshot(page, 'settings-desktop');
    assert.deepEqual(await unlabelled(page), []);
    await page.getByRole('button', { name: 'Rotate API key' }).click();
    await waitFor(async () => (await keyField.inputValue()) !== key1, { what: 'a new key' });
    const key2 = await keyField.inputValue();
    assert.match(key2, /^ov_/);
    // The key works where cameras use it (the DeepStack model list), the old one no more.
    const list = async (k) => (await fetch(`${server.url}/v1/vision/custom/list`, { method: 'POST', headers: { 'X-API-Key': k } })).status;
    assert.equal(await list(key2), 200);
    await page.reload();
    await page.getByText('You have a key.').waitFor();
    assert.equal(await page.getByLabel(/Your new API key/).count(), 0, 'shown once only');
    await page.getByRole('button', { name: 'Revoke API key' }).click();
    await page.getByRole('dialog', { name: 'Revoke the API key?' }).getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('You have no key.').waitFor();

    // A wrong current password: the server's refusal, and the session (and its live socket) go on.
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('a brand new secret');
    await page.getByLabel('New password, again').fill('a brand new secret');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Current password is incorrect').waitFor();
    await page.locator('[data-live="connected"]').waitFor();

    // The password: the old sessions end, the new password logs in.
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('a brand new secret');
    await page.getByLabel('New password, again').fill('a brand new secret');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. Log in with the new password.').waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), email);
    await logIn(page, { email, password: 'a brand new secret', filled: true });

    // Not an admin: no Admin link, and the page says so.
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(), 0);
    await page.goto(`${server.url}/admin`);
    await page.getByText('This page is for admins only.').waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();

    const phone = (await signedIn({ viewport: PHONE })).page;
    await phone.goto(`${server.url}/settings`);
    await phone.getByRole('heading', { name: 'Settings' }).waitFor();
    await screenshot(phone, 'settings-phone');
    assert.ok((await overflowAt(phone, 360)) <= 0, 'settings fit 360 px');
    await phone.context().close();
  });

  it('shows an admin the workers, the queue, every user\'s failed jobs, the models (with their buttons) and the schedules', async () => {
    const failing = await server.failedJob('a broken upload');
    for (const [viewport, suffix] of [[undefined, 'desktop'], [PHONE, 'phone']]) {
      const { page } = await signedIn({ admin: true, viewport });
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('heading', { name: 'Admin', exact: true }).waitFor();
      const workers = page.locator('section', { has: page.getByRole('heading', { name: 'Workers and queue' }) });
      await workers.getByRole('cell', { name: /^serve-/ }).first().waitFor();
      assert.match(await workers.locator('[data-stat="queue-depth"]').innerText(), /^\d+$/);
      const model = page.locator('tr[data-model="nanodet-m"]');
      await model.waitFor();
      assert.match(await model.innerText(), /loaded/);
      await model.getByRole('button', { name: 'Unload nanodet-m' }).waitFor();
      const tasks = page.locator('section', { has: page.getByRole('heading', { name: 'Scheduled tasks' }) });
      await tasks.getByRole('cell', { name: 'jobs.reconcile' }).waitFor();
      const failures = page.locator('section', { has: page.getByRole('heading', { name: 'Recent failures' }) });
      await failures.getByText(`Job a broken upload of ${failing.email}`).waitFor();
      await screenshot(page, `admin-${suffix}`);
      assert.deepEqual(await unlabelled(page), []);
      assert.ok((await overflowAt(page, 360)) <= 0, 'the admin page fits 360 px');
      if (suffix === 'desktop') {
        await model.getByRole('button', { name: 'Reload nanodet-m' }).click();
        await page.getByText('nanodet-m: reload done.').waitFor({ timeout: 30000 });
      }
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  });
});
