/**
 * The Settings view's remote workers (issue #16): a Redis URL checked before
 * it is sent, remote workers on and this machine's threads off without a
 * restart, the saved password never sent back to the window. Real Chromium,
 * the real bridge and engine, a real redis-server.
 */
import { startRedis, REDIS_SERVER, NO_REDIS_REASON, type TestRedis } from '../helpers/redis.js';
import { expect, goTo, test, watchPage } from './fixture.js';

const SECRET = 'pw-never-shown-81c2';

test('remote workers turn on and off from Settings; the password is never shown again', async ({ page, quarry }) => {
  test.skip(!REDIS_SERVER, NO_REDIS_REASON);
  const redis: TestRedis = await startRedis();
  try {
    // (ioredis warns once that this redis-server needs no password: the page never sees that.)
    const problems = watchPage(page, quarry.bridge.origin, [/400 \(Bad Request\)/]);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(quarry.bridge.url);
    await goTo(page, 'Settings');
    const part = page.getByRole('region', { name: 'Remote workers' });
    const url = part.getByLabel('Redis URL');
    const status = part.locator('.field-hint');
    await expect(status).toHaveText('Off: only this machine extracts.');
    await expect(part.getByRole('checkbox', { name: /This machine extracts too/ })).toBeDisabled();

    // A URL that is not Redis's is said beside the field, and nothing is sent.
    await part.getByRole('checkbox', { name: /Remote workers extract too/ }).check();
    await url.fill('http://cache.internal:6379');
    await part.getByRole('button', { name: 'Apply' }).click();
    await expect(part.getByRole('alert')).toHaveText(/starts with redis:\/\/ or rediss:\/\//);
    expect((await quarry.invoke('settings.remote', {})).enabled).toBe(false);

    await url.fill(redis.url);
    await part.getByLabel('Password').fill(SECRET);
    await part.getByRole('checkbox', { name: /This machine extracts too/ }).uncheck();
    await part.getByRole('button', { name: 'Apply' }).click();
    await expect(status).toHaveText(/^On now, through redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\./);
    await expect(part.getByLabel('Password')).toHaveValue('');
    await expect(part.getByLabel('Password')).toHaveAttribute('placeholder', /saved/);
    // Applied in the running engine, saved, and nowhere does the password come back.
    const saved = await quarry.invoke('settings.remote', {});
    expect(saved).toMatchObject({ enabled: true, url: redis.url, hasPassword: true, localThreads: false });
    expect(JSON.stringify(saved)).not.toContain(SECRET);
    expect(await page.content()).not.toContain(SECRET);

    // The Workers view follows: remote on through the same URL, this machine with no threads.
    await goTo(page, 'Workers');
    await expect(page.getByText(/Remote workers on through redis:\/\/:\*\*\*@127\.0\.0\.1/)).toBeVisible();

    await goTo(page, 'Settings');
    // Forgetting the password works whatever the URL field holds mid-edit.
    await url.fill('not a url');
    await part.getByRole('button', { name: 'Forget password' }).click();
    await expect(part.getByLabel('Password')).toHaveAttribute('placeholder', 'none');
    expect(await quarry.invoke('settings.remote', {})).toMatchObject({ enabled: true, url: redis.url, hasPassword: false });
    await expect(url).toHaveValue(redis.url);

    await part.getByRole('checkbox', { name: /Remote workers extract too/ }).uncheck();
    await part.getByRole('button', { name: 'Apply' }).click();
    await expect(status).toHaveText('Off: only this machine extracts.');
    expect(await quarry.invoke('settings.remote', {})).toMatchObject({ enabled: false, localThreads: true, active: null, hasPassword: false });
    expect(problems).toEqual([]);
  } finally {
    await redis.stop();
  }
});
