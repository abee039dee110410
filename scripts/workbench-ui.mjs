// Reads and drives the real workbench DOM: what the tests and the demo ask of the UI.
// Tree rows and panes are plain DOM with aria labels, so this reads what a user sees.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function workbenchUi(page, resultsDir) {
  const container = () =>
    page
      .locator(
        '.activitybar .action-item a[aria-label^="Runner Ops"], .activitybar .action-item [aria-label^="Runner Ops"]',
      )
      .first();

  async function openContainer() {
    await page.waitForSelector('.monaco-workbench .activitybar', { timeout: 60_000 });
    const sidebarTitle = page.locator('.sidebar .composite.title h2, .sidebar .title-label h2').first();
    const current = (await sidebarTitle.textContent().catch(() => '')) ?? '';
    if (/runner ops/i.test(current)) return;
    await container().click({ timeout: 30_000 });
    await page.waitForSelector('.sidebar .pane-header', { timeout: 30_000 });
  }

  function pane(title) {
    return page
      .locator('.sidebar .pane')
      .filter({ has: page.locator(`.pane-header h3.title:text-is("${title}")`) })
      .first();
  }

  async function readView({ title }) {
    const p = pane(title);
    await p.waitFor({ timeout: 15_000 });
    const header = p.locator('.pane-header').first();
    let expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if (!expanded) {
      await header.click();
      expanded = (await header.getAttribute('aria-expanded')) === 'true';
    }
    const welcome = (
      await p
        .locator('.welcome-view-content')
        .allInnerTexts()
        .catch(() => [])
    )
      .join('\n')
      .trim();
    const rows = await p.locator('.monaco-list-row').evaluateAll((elements) =>
      elements.map((row) => ({
        label: row.getAttribute('aria-label') ?? '',
        text: (row.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
        level: Number(row.getAttribute('aria-level') ?? 0),
        icon: [...(row.querySelector('.custom-view-tree-node-item-icon')?.classList ?? [])].join(' '),
      })),
    );
    return { title, expanded, welcome, rows };
  }

  async function notifications() {
    return page
      .locator(
        '.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message',
      )
      .allInnerTexts();
  }

  /** Every text the workbench renders now (what a screenshot of it would show, and what it hides). */
  async function pageText() {
    return page.evaluate(() => document.body.innerText);
  }

  async function screenshot({ name }) {
    mkdirSync(resultsDir, { recursive: true });
    const path = join(resultsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path });
    return path;
  }

  /** The first row of a view whose label starts with `label`. */
  async function findRow(title, label) {
    const rows = pane(title).locator('.monaco-list-row');
    const texts = await rows.evaluateAll((elements) =>
      elements.map((row) => (row.querySelector('.label-name')?.textContent ?? '').trim()),
    );
    const index = texts.findIndex((text) => text.startsWith(label));
    if (index < 0) throw new Error(`no row starting with "${label}" in ${title}; rows: ${texts.join(' | ')}`);
    return rows.nth(index);
  }

  /** Clicks the first row of a view whose label starts with `label` (toggles a collapsible row). */
  async function clickRow({ title, label }) {
    await (await findRow(title, label)).click({ timeout: 10_000 });
  }

  /** Hovers a row and clicks its inline action titled `action`, as a user would. */
  async function clickRowAction({ title, label, action }) {
    const row = await findRow(title, label);
    await row.hover({ timeout: 10_000 });
    await row.locator(`.actions .action-label[aria-label="${action}"]`).click({ timeout: 10_000 });
  }

  const quickWidget = () => page.locator('.quick-input-widget').first();

  /** The quick pick on screen: title, placeholder, what is typed, and the rows rendered (a screenful: the list is virtual). */
  async function quickInput() {
    const widget = quickWidget();
    if (!(await widget.isVisible().catch(() => false)))
      return { visible: false, title: '', placeholder: '', value: '', rows: [] };
    return widget.evaluate((el) => ({
      visible: true,
      title: (el.querySelector('.quick-input-title')?.textContent ?? '').trim(),
      placeholder: el.querySelector('.quick-input-box input')?.getAttribute('placeholder') ?? '',
      value: el.querySelector('.quick-input-box input')?.value ?? '',
      /** An input box's prompt, or its validation message while one shows. */
      message: (el.querySelector('.quick-input-message')?.textContent ?? '').trim(),
      rows: [...el.querySelectorAll('.quick-input-list .monaco-list-row')]
        .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
        .map((row) => ({
          label: (row.querySelector('.label-name')?.textContent ?? '').trim(),
          description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
          // label, description and detail, as a screen reader hears the row
          text: row.getAttribute('aria-label') ?? '',
        })),
    }));
  }

  /** The active editor as shown: how far its text is scrolled sideways, and the status bar's "Ln 9, Col 1". */
  async function activeEditor() {
    return page.evaluate(() => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor');
      const slider = editor?.querySelector('.scrollbar.horizontal .slider');
      const lines = editor?.querySelector('.lines-content');
      return {
        sliderLeft: slider ? parseFloat(getComputedStyle(slider).left) || 0 : 0,
        contentLeft: lines ? parseFloat(getComputedStyle(lines).left) || 0 : 0,
        cursor: (document.getElementById('status.editor.selection')?.textContent ?? '').trim(),
      };
    });
  }

  /** Expands the first row whose label starts with `label`, unless it is expanded already. */
  async function expandRow({ title, label }) {
    // A click can land while a refresh re-renders the row, or only focus the tree: check, and try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await findRow(title, label);
      if ((await row.getAttribute('aria-expanded', { timeout: 5_000 })) !== 'false') return;
      await row.click({ timeout: 10_000 });
      await page.waitForTimeout(500);
    }
  }

  /**
   * Hovers the first row whose label starts with `label` and returns its tooltip as shown: only a
   * hover on screen that names the row (an earlier row's hover may linger, or stay in the DOM
   * hidden). A view re-rendering under the pointer (a live pipeline) closes a hover: move away,
   * wait for it to go, and hover again.
   */
  async function hoverRow({ title, label }) {
    const shown = page.locator('.workbench-hover:visible, .monaco-hover:visible');
    const name = label.replace(/^#\d+ /, '');
    const hover = shown.filter({ hasText: name }).first();
    const started = Date.now();
    // The bridge gives a call 25 s: the last try starts early enough to end well before.
    const lastTry = (attempt) => attempt === 4 || Date.now() - started > 10_000;
    for (let attempt = 1; ; attempt++) {
      await page.mouse.move(0, 0);
      await shown
        .first()
        .waitFor({ state: 'hidden', timeout: 3_000 })
        .catch(() => undefined);
      await (await findRow(title, label)).locator('.label-name').hover({ timeout: 5_000 });
      try {
        await hover.waitFor({ state: 'visible', timeout: 6_000 });
        const text = await hover.innerText();
        await page.mouse.move(0, 0);
        // A neighbour's tooltip can name this row too (a runner's A/B pair): its first line names the row.
        if (text.split('\n')[0].includes(name) || lastTry(attempt)) return text;
      } catch (error) {
        if (!lastTry(attempt)) continue;
        // What was on screen instead, so a failure says why (a hover still "Loading…", another row's, none).
        const others = await shown.allInnerTexts().catch(() => []);
        throw new Error(
          `no hover naming "${name}" after ${attempt} tries in ${Math.round((Date.now() - started) / 1000)} s; ` +
            `hovers on screen: ${others.length ? others.map((t) => JSON.stringify(t.slice(0, 120))).join(', ') : 'none'} ` +
            `(${error.message.split('\n')[0]})`,
        );
      }
    }
  }

  /** Clicks the first item of the open quick pick whose label starts with `label`. */
  async function choosePick({ label }) {
    const rows = quickWidget().locator('.quick-input-list .monaco-list-row');
    const labels = await rows.evaluateAll((elements) =>
      elements.map((row) => (row.querySelector('.label-name')?.textContent ?? '').trim()),
    );
    const index = labels.findIndex((text) => text.startsWith(label));
    if (index < 0) throw new Error(`no quick pick item starting with "${label}"; items: ${labels.join(' | ')}`);
    // A hover left by the mouse over another item can cover the row; a user would move away first.
    await page.mouse.move(0, 0);
    await page
      .locator('.context-view .monaco-hover, .workbench-hover')
      .first()
      .waitFor({ state: 'hidden', timeout: 3_000 })
      .catch(() => undefined);
    await rows.nth(index).click({ timeout: 10_000 });
  }

  /** Types `text` into the open quick input's box (a picker's filter or an input box), then Enter. */
  async function typeInput({ text, submit = true }) {
    const input = quickWidget().locator('.quick-input-box input');
    await input.fill(text, { timeout: 10_000 });
    if (submit) await input.press('Enter');
  }

  /** Clicks a button of the first notification (toast or center) whose message matches `message`. */
  async function clickNotificationButton({ message, button }) {
    const item = page
      .locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item')
      .filter({ has: page.locator('.notification-list-item-message', { hasText: new RegExp(message) }) })
      .first();
    await item.click({ timeout: 10_000 }); // focused, a notification in the center shows its buttons
    await item.locator('.notification-list-item-buttons-container .monaco-button', { hasText: button }).first().click({
      timeout: 10_000,
    });
  }

  /**
   * The steps of the walkthrough on screen (the Welcome editor's category page): each step's id
   * (the part after the last '#'), title and whether its check mark shows it done.
   */
  async function walkthroughSteps() {
    const steps = page.locator('.gettingStartedContainer button.getting-started-step');
    await steps.first().waitFor({ timeout: 15_000 });
    return steps.evaluateAll((buttons) =>
      buttons.map((b) => ({
        id: (b.getAttribute('data-step-id') ?? '').split('#').pop(),
        title: (b.querySelector('.step-title')?.textContent ?? '').trim(),
        checked: b.getAttribute('aria-checked') === 'true',
      })),
    );
  }

  return {
    openContainer,
    walkthroughSteps,
    readView,
    notifications,
    screenshot,
    pageText,
    clickRow,
    clickRowAction,
    expandRow,
    hoverRow,
    quickInput,
    activeEditor,
    choosePick,
    typeInput,
    clickNotificationButton,
  };
}
