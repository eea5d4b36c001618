// The main path through the app: sign up, log in, upload a photo, watch it progress, see the
// boxes drawn over it, filter them, download, find the job in the history, delete it, log out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  PHONE, Server, image, launchBrowser, newPage, overflowAt, screenshot, signUpAndLogIn, unlabelled, waitFor,
} from './harness.mjs';

describe('the main flow', () => {
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

  it('signs up, uploads dog.jpg, shows and filters the boxes, finds it in the history, deletes it, logs out', async () => {
    const page = await newPage(browser);

    // Anonymous: the root and any protected page lead to the login page.
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    await screenshot(page, 'login-desktop');
    assert.deepEqual(await unlabelled(page), []);

    const account = await signUpAndLogIn(page, server);
    assert.equal(new URL(page.url()).pathname, '/upload');
    await page.locator('[data-live="connected"]').waitFor();
    await screenshot(page, 'upload-desktop');
    assert.deepEqual(await unlabelled(page), []);

    // Upload: a thumbnail of the chosen file, then the job page with its progress.
    await page.getByLabel('Choose images').setInputFiles(image('dog.jpg'));
    await page.locator('.files img.thumb').waitFor();
    assert.match(await page.locator('.files img.thumb').getAttribute('src'), /^blob:/);
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').pop();
    const progress = page.locator('.progress-text');
    await progress.waitFor();
    assert.ok(await page.locator('progress#job-progress').count(), 'a progress bar');
    await waitFor(async () => (await progress.getAttribute('data-status')) === 'completed', { what: 'the job to complete' });
    assert.match(await progress.innerText(), /1 \/ 1/);

    // The boxes: drawn by the app over the original (a blob: URL), the dog among them, inside
    // the image and where the API put it.
    const photo = page.locator('.stage img.photo');
    await photo.waitFor();
    assert.match(await photo.getAttribute('src'), /^blob:/);
    await waitFor(() => photo.evaluate((img) => img.complete && img.naturalWidth > 0), { what: 'the image to load' });
    const dog = page.locator('.overlay .box[data-class="dog"]');
    await dog.waitFor();
    assert.match(await dog.innerText(), /dog\s+\d+%/);
    const img = await photo.boundingBox();
    const box = await dog.boundingBox();
    assert.ok(box.x >= img.x - 1 && box.y >= img.y - 1, 'the box starts inside the image');
    assert.ok(box.x + box.width <= img.x + img.width + 1 && box.y + box.height <= img.y + img.height + 1, 'the box ends inside the image');
    // NanoDet-m finds the dog in the lower left quarter of the photo.
    assert.ok(box.x - img.x < img.width * 0.3 && box.y - img.y > img.height * 0.25, `dog box where expected: ${JSON.stringify({ box, img })}`);

    // The confidence slider filters live: above the dog's confidence it goes, back down it returns.
    const slider = page.getByLabel('Minimum confidence');
    await slider.focus();
    await page.keyboard.press('End');
    await waitFor(async () => (await dog.count()) === 0, { what: 'the dog box to disappear' });
    await page.getByText(/^0 of \d+ objects shown$/).waitFor();
    await page.keyboard.press('Home');
    await dog.waitFor();
    // A class toggle hides that class only.
    const dogToggle = page.getByRole('checkbox', { name: /^dog/ });
    await dogToggle.uncheck();
    await waitFor(async () => (await dog.count()) === 0, { what: 'the dog class to be hidden' });
    assert.ok((await page.locator('.overlay .box').count()) > 0, 'other classes stay');
    await dogToggle.check();
    await dog.waitFor();

    // Zoom: the buttons (and the wheel).
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByText('150%').waitFor();
    await page.getByRole('button', { name: 'Fit' }).click();
    await page.getByText('100%').waitFor();
    await photo.hover();
    await page.mouse.wheel(0, -400);
    await waitFor(async () => (await page.locator('.zoom-level').innerText()) !== '100%', { what: 'the wheel to zoom' });
    await page.getByRole('button', { name: 'Fit' }).click();

    // Downloads: the job's JSON, and the PNG the app draws.
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    assert.equal(jsonDownload.suggestedFilename(), `job-${jobId}.json`);
    const saved = JSON.parse(readFileSync(await jsonDownload.path(), 'utf8'));
    assert.equal(saved.job_id, jobId);
    assert.ok(saved.images[0].detections.some((d) => d.class === 'dog'));
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download annotated PNG' }).click()]);
    assert.equal(pngDownload.suggestedFilename(), 'dog-annotated.png');
    const png = readFileSync(await pngDownload.path());
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 768, 'the PNG has the photo\'s width');
    await screenshot(page, 'job-desktop');
    assert.deepEqual(await unlabelled(page), []);

    // The history: the job is listed (the server's class filter keeps it, another class hides it).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Completed/);
    const classFilter = page.getByLabel('Class', { exact: true });
    await classFilter.fill('giraffe');
    await classFilter.press('Enter');
    await page.waitForURL(/class=giraffe/);
    await page.getByText('No job here matches the filters.').waitFor();
    await classFilter.fill('dog');
    await classFilter.press('Enter');
    await page.waitForURL(/class=dog/);
    await row.waitFor();
    await classFilter.fill('');
    await classFilter.press('Enter');
    await page.getByLabel('Status').selectOption('completed');
    await page.waitForURL(/status=completed/);
    await row.waitFor();
    await screenshot(page, 'history-desktop');
    assert.deepEqual(await unlabelled(page), []);

    // The row links to the job page.
    await row.getByRole('link', { name: 'dog.jpg' }).click();
    await page.waitForURL(`**/jobs/${jobId}`);
    await page.locator('.overlay .box[data-class="dog"]').waitFor();

    // Phone-sized screenshots of the same pages, in a session of their own.
    await phoneShots(browser, server, account, jobId);

    // Delete from the history, after confirming.
    await page.goBack();
    await row.waitFor();
    await row.getByRole('button', { name: 'Delete job dog.jpg' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this job?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete job' }).click();
    await page.getByText('Job “dog.jpg” deleted.').waitFor();
    await waitFor(async () => (await row.count()) === 0, { what: 'the row to go' });
    const gone = await page.evaluate(async (id) => (await fetch(`/api/v1/detect/jobs/${id}`)).status, jobId);
    assert.equal(gone, 401, 'without the token the API refuses (the app keeps it in memory)');

    // Log out: the login page, and a protected page leads back to it.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('ov.refresh_token')), null);
    await page.goto(`${server.url}/history`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    // Back in, the same page as before is where the login leads.
    // By keyboard alone this time.
    await page.getByLabel('Email').focus();
    await page.keyboard.type(account.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(account.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new page');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

async function phoneShots(browser, server, account, jobId) {
  const page = await newPage(browser, { viewport: PHONE });
  await page.goto(`${server.url}/login`);
  await screenshot(page, 'login-phone');
  await fits(page);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Upload' }).waitFor();
  await page.locator('[data-live="connected"]').waitFor();
  await screenshot(page, 'upload-phone');
  await fits(page);
  await page.goto(`${server.url}/jobs/${jobId}`);
  await page.locator('.overlay .box[data-class="dog"]').waitFor();
  await page.waitForFunction(() => document.querySelector('.stage img.photo')?.complete);
  await page.locator('#result-title').evaluate((el) => el.scrollIntoView());
  await screenshot(page, 'job-phone');
  await fits(page);
  await page.goto(`${server.url}/history`);
  await page.locator('tr[data-job-id]').first().waitFor();
  await screenshot(page, 'history-phone');
  await fits(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
}

// Nothing wider than a phone's screen, down to 360 px; every control labelled.
async function fits(page) {
  for (const width of [390, 360]) {
    const over = await overflowAt(page, width);
    assert.ok(over <= 0, `${page.url()} is ${over}px wider than ${width}px`);
  }
  assert.deepEqual(await unlabelled(page), []);
}
