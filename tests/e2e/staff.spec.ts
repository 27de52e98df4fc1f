import { expect, test } from '@playwright/test';
import { ACCOUNTS, signIn } from './fixtures.ts';

test('an admin creates an editor, who then signs in with the password shown once', async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
  await expect(page.getByRole('heading', { name: 'Staff accounts' })).toBeVisible();

  const email = `new-editor-${Date.now()}@example.com`;
  await page.getByLabel('Name', { exact: true }).fill('Nina Newcomer');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByRole('button', { name: 'Create account' }).click();

  const status = page.getByRole('status');
  await expect(status).toContainText(`Created an account for Nina Newcomer (${email})`);
  const match = /shown only now: (\S+)\. Give it/.exec((await status.textContent()) ?? '');
  expect(match, 'the status message shows the generated password').not.toBeNull();
  const password = match![1]!;
  await expect(page.getByRole('rowheader', { name: 'Nina Newcomer' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('status')).toHaveText('You are signed out.');

  await signIn(page, { email, password });
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Nina Newcomer' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Staff' }), 'editors see no admin link').toHaveCount(0);
});

test('five wrong passwords lock the account, even against the right password', async ({ page }) => {
  const account = ACCOUNTS.lockout;
  await page.goto('/sign-in');
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(`wrong password ${attempt}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('That email and password do not match an active account.');
  }
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    /^Too many failed sign-in attempts\. Wait (\d+ minutes|a minute) and try again\.$/,
  );
  await expect(page).toHaveURL(/\/sign-in/);
});

test('a visitor who is not signed in is sent to sign in, and then back where they were going', async ({ page }) => {
  await page.goto('/app');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fapp$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Groundtruth' })).toBeVisible();

  await signIn(page, ACCOUNTS.editor, { from: '/app/account' });
  await expect(page).toHaveURL(/\/app\/account$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
});

test('changing the password signs out every other session but keeps this one', async ({ browser }) => {
  const account = ACCOUNTS.passwordChange;
  const newPassword = 'a brand new passphrase for e2e';
  const here = await browser.newContext();
  const elsewhere = await browser.newContext();
  try {
    const page = await here.newPage();
    const otherPage = await elsewhere.newPage();
    await signIn(page, account);
    await signIn(otherPage, account);
    await expect(otherPage.getByRole('heading', { name: `Welcome, ${account.name}` })).toBeVisible();

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Current password').fill(account.password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('status')).toHaveText('Your password is changed. You were signed out everywhere else.');

    await page.goto('/app');
    await expect(page.getByRole('heading', { name: `Welcome, ${account.name}` })).toBeVisible();

    await otherPage.reload();
    await expect(otherPage).toHaveURL(/\/sign-in\?next=%2Fapp$/);

    await otherPage.getByLabel('Email').fill(account.email);
    await otherPage.getByLabel('Password').fill(account.password);
    await otherPage.getByRole('button', { name: 'Sign in' }).click();
    await expect(otherPage.getByRole('alert')).toHaveText('That email and password do not match an active account.');

    await signIn(otherPage, { email: account.email, password: newPassword });
    await expect(otherPage.getByRole('heading', { name: `Welcome, ${account.name}` })).toBeVisible();
  } finally {
    await here.close();
    await elsewhere.close();
  }
});

test('an editor is refused the admin page and the admin actions', async ({ page }) => {
  await signIn(page, ACCOUNTS.editor);
  const response = await page.goto('/app/admin/staff');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: 'Only admins can open this page' })).toBeVisible();
  await expect(page).toHaveURL(/\/app\/admin\/staff$/);
  await expect(page.getByRole('link', { name: 'Back to the start page' })).toBeVisible();
  // Nothing of the admin page itself is drawn.
  await expect(page.getByRole('heading', { name: /^Staff/ })).toHaveCount(0);

  // The action itself refuses too, not only the page that shows its form.
  const create = await page.request.post('/_actions/staff.create', {
    form: { name: 'Sneaky', email: 'sneaky@example.com', role: 'admin' },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(create.status()).toBe(403);
});
