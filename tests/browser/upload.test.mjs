// Uploads: a batch of three with per-image progress and each image's result; files the app
// refuses before sending (type, size) and the server's refusals shown as it words them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, image, launchBrowser, logIn, newPage, uniqueEmail, waitFor } from './harness.mjs';

describe('uploads', () => {
  let server;
  let browser;
  let files;
  before(async () => {
    server = new Server();
    files = mkdtempSync(join(tmpdir(), 'ov-browser-files-'));
    [browser] = await Promise.all([launchBrowser(), server.start()]);
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  async function signedIn() {
    const email = uniqueEmail('upload');
    server.createUser(email, 'correct horse battery');
    const page = await newPage(browser);
    await page.goto(`${server.url}/login`);
    await logIn(page, { email, password: 'correct horse battery' });
    await page.locator('[data-live="connected"]').waitFor();
    return page;
  }

  it('a batch of three: progress per image, then every result', async () => {
    const page = await signedIn();
    await page.getByLabel('Choose images').setInputFiles([image('dog.jpg'), image('horses.jpg'), image('person.jpg')]);
    await waitFor(async () => (await page.locator('.files img.thumb').count()) === 3, { what: 'three thumbnails' });
    // Tiles make each image take a while, so the progress can be seen moving.
    await page.getByLabel('Detect in tiles').check();
    await page.getByLabel('Tile width (px)').fill('192');
    await page.getByLabel('Tile height (px)').fill('192');
    await page.getByLabel('Job name (optional)').fill('Three photos');
    // Record what the progress line says as it changes (it is replaced, not only re-texted).
    await page.evaluate(() => {
      window.ovSeen = [];
      new MutationObserver(() => {
        const t = document.querySelector('.progress-text .count')?.textContent;
        if (t && window.ovSeen[window.ovSeen.length - 1] !== t) window.ovSeen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Detect objects in 3 images' }).click();
    await page.waitForURL(/\/jobs\//);
    await page.getByRole('heading', { name: 'Three photos' }).waitFor();
    const progress = page.locator('.progress-text');
    await waitFor(async () => (await progress.getAttribute('data-status')) === 'completed', { timeout: 60000, what: 'the batch to complete' });
    assert.match(await progress.innerText(), /3 \/ 3\s+images/);
    const seen = await page.evaluate(() => window.ovSeen);
    if (process.env.OV_DEBUG) console.log('seen', seen);
    assert.equal(seen[seen.length - 1], '3 / 3');
    assert.ok(seen.some((t) => /^[12] \/ 3$/.test(t)), `per-image progress seen: ${JSON.stringify(seen)}`);
    const done = seen.map((t) => parseInt(t, 10));
    assert.deepEqual(done, [...done].sort((a, b) => a - b), 'progress never goes back');

    // Every image: a thumbnail to pick, its own boxes.
    const thumbs = page.getByRole('button', { name: /^Image \d of 3: / });
    assert.equal(await thumbs.count(), 3);
    for (const [i, name] of ['dog.jpg', 'horses.jpg', 'person.jpg'].entries()) {
      const thumb = page.getByRole('button', { name: new RegExp(`^Image ${i + 1} of 3: ${name.replace('.', '\\.')}, \\d+ objects?$`) });
      await thumb.click();
      assert.equal(await thumb.getAttribute('aria-pressed'), 'true');
      await page.getByRole('heading', { name: new RegExp(`Image ${i + 1} of 3: ${name.replace('.', '\\.')}`) }).waitFor();
      await page.locator('.overlay .box').first().waitFor();
    }
    await page.locator('.overlay .box[data-class="person"]').first().waitFor(); // person.jpg
    await page.getByRole('button', { name: /^Image 2 of 3/ }).click();
    await page.locator('.overlay .box[data-class="horse"]').first().waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('refuses a wrong type and a too-large file before sending; shows the server\'s refusals', async () => {
    const page = await signedIn();
    const detectCalls = [];
    page.on('request', (r) => r.url().includes('/api/v1/detect/') && r.method() === 'POST' && detectCalls.push(r.url()));
    const config = await (await fetch(`${server.url}/api/v1/client-config`)).json();
    const huge = join(files, 'huge.jpg');
    writeFileSync(huge, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(config.max_upload_bytes + 1024)]));
    const text = join(files, 'notes.txt');
    writeFileSync(text, 'not an image\n');

    // Dropped files go through the same checks as picked ones.
    await dropFiles(page, '.drop', [
      { name: 'dog.jpg', type: 'image/jpeg', bytes: readFileSync(image('dog.jpg')) },
      { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image\n') },
    ]);
    await page.getByText(/^notes\.txt is not an image type we accept \(text\/plain\)/).waitFor();
    await page.locator('.files li:not(.bad) img.thumb').waitFor();
    await page.getByRole('button', { name: 'Remove dog.jpg' }).click();
    await page.getByRole('button', { name: 'Remove notes.txt' }).click();

    await page.getByLabel('Choose images').setInputFiles([huge, text]);
    await page.getByText(/^huge\.jpg is too large: [\d.]+ MB, and the limit is [\d.]+ MB\.$/).waitFor();
    await page.getByText(/^notes\.txt is not an image type we accept \(text\/plain\)/).waitFor();
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.getByText('None of the chosen files can be sent: see the problems above.').waitFor();
    assert.deepEqual(detectCalls, [], 'nothing was sent');
    await page.getByRole('button', { name: 'Remove huge.jpg' }).click();
    await page.getByRole('button', { name: 'Remove notes.txt' }).click();
    await waitFor(async () => (await page.locator('.files li').count()) === 0, { what: 'the list to empty' });

    // Text named .jpg: the browser calls it image/jpeg, so it goes; the server reads the bytes.
    const fake = join(files, 'fake.jpg');
    writeFileSync(fake, 'this is text, not a JPEG\n'.repeat(20));
    await page.getByLabel('Choose images').setInputFiles(fake);
    await page.getByRole('button', { name: 'Detect objects' }).click();
    const alert = page.locator('#upload-error');
    await alert.waitFor();
    assert.equal(await alert.innerText(), 'Unsupported image type');
    assert.equal(detectCalls.length, 1);
    assert.equal(new URL(page.url()).pathname, '/upload');

    // A validation error (422, a list): shown as "field: message".
    await page.getByRole('button', { name: 'Remove fake.jpg' }).click();
    await page.getByLabel('Choose images').setInputFiles(image('dog.jpg'));
    await page.getByLabel('Detect in tiles').check();
    await page.getByLabel('Tile width (px)').fill('16');
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.getByText(/^tile: /).waitFor();
    assert.equal(new URL(page.url()).pathname, '/upload');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

// Drops files on an element as a user dragging them from the desktop would (a DataTransfer
// holding File objects, then dragenter, dragover and drop).
async function dropFiles(page, selector, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.type, data: f.bytes.toString('base64') }));
  await page.locator(selector).evaluate((el, list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bin = atob(f.data);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    for (const type of ['dragenter', 'dragover', 'drop']) {
      el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, payload);
}
