/**
 * Keyboard triage for the review queue page. The page works without it — every shortcut presses
 * a button or opens a control that is on the page anyway — so this only moves the focus and
 * submits the item's own forms.
 *
 * A change reloads the page (a plain form post). Before it goes, the item and the one after it
 * are remembered for this tab, so after the reload the focus returns to the item, or to the
 * next one when the change took the item out of the filtered view.
 */
const FOCUS_KEY = 'groundtruth.review.focus';
/** WCAG 2.1.4: single-key shortcuts can be turned off (in the help dialog); remembered on this device. */
const ENABLED_KEY = 'groundtruth.review.shortcuts';
/** Inputs where a letter is typed text; a checkbox, radio or button is not. */
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'month', 'week', 'time']);

type Shortcut = 'approve' | 'accept' | 'decline' | 'assign';
const SHORTCUTS: Record<string, Shortcut> = { p: 'approve', a: 'accept', d: 'decline', o: 'assign' };
const LABELS: Record<Shortcut, string> = { approve: 'Approve', accept: 'Accept', decline: 'Decline', assign: 'Assign' };

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return TEXT_INPUT_TYPES.has(target.type);
  // A select takes letters to pick an option.
  return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.closest('dialog[open]') !== null;
}

function shortcutsEnabled(): boolean {
  return localStorage.getItem(ENABLED_KEY) !== 'off';
}

export function installQueueKeyboard(doc: Document): void {
  const items = () => [...doc.querySelectorAll<HTMLElement>('.queue-item')];
  const announcer = doc.getElementById('queue-announcer');
  const dialog = doc.getElementById('shortcuts') as HTMLDialogElement | null;
  const announce = (text: string) => {
    if (!announcer) return;
    announcer.textContent = '';
    const p = doc.createElement('p');
    p.className = 'notice';
    p.textContent = text;
    announcer.append(p);
  };
  const current = (): HTMLElement | null => {
    const active = doc.activeElement;
    return active instanceof HTMLElement ? active.closest<HTMLElement>('.queue-item') : null;
  };
  const focusItem = (item: HTMLElement | undefined | null) => {
    if (!item) return;
    item.focus();
    item.scrollIntoView({ block: 'nearest' });
  };
  const remember = (item: HTMLElement) => {
    const list = items();
    const next = list[list.indexOf(item) + 1] ?? list[list.indexOf(item) - 1];
    sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ id: item.dataset.id, next: next?.dataset.id ?? null }));
  };

  // Restore the focus after a change reloaded the page.
  const saved = sessionStorage.getItem(FOCUS_KEY);
  if (saved) {
    sessionStorage.removeItem(FOCUS_KEY);
    try {
      const { id, next } = JSON.parse(saved) as { id?: string; next?: string | null };
      focusItem(doc.getElementById(`item-${id}`) ?? (next ? doc.getElementById(`item-${next}`) : null) ?? items()[0]);
    } catch {
      // A stale or foreign value: nothing to restore.
    }
  }

  // Any post from an item (by mouse or keyboard) remembers where the reviewer was.
  doc.addEventListener('submit', (event) => {
    const item = (event.target as HTMLElement).closest<HTMLElement>('.queue-item');
    if (item) remember(item);
  });

  doc.getElementById('shortcuts-open')?.addEventListener('click', () => dialog?.showModal());
  const toggle = doc.getElementById('shortcuts-enabled') as HTMLInputElement | null;
  if (toggle) {
    toggle.checked = shortcutsEnabled();
    toggle.addEventListener('change', () => {
      localStorage.setItem(ENABLED_KEY, toggle.checked ? 'on' : 'off');
      announce(toggle.checked ? 'Keyboard shortcuts are on.' : 'Keyboard shortcuts are off.');
    });
  }

  // In a decline reason: Ctrl+Enter (or ⌘+Enter) declines, Escape closes the form.
  doc.addEventListener('keydown', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLTextAreaElement)) return;
    const details = target.closest<HTMLDetailsElement>('details[data-shortcut="decline"]');
    if (!details) return;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      target.form?.requestSubmit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      details.open = false;
      details.closest<HTMLElement>('.queue-item')?.focus();
    }
  });

  doc.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target) || !shortcutsEnabled()) return;
    const list = items();
    const item = current();
    const index = item ? list.indexOf(item) : -1;
    const key = event.key;
    if (key === '?') {
      event.preventDefault();
      dialog?.showModal();
      return;
    }
    if (key === 'j' || key === 'ArrowDown') {
      if (list.length === 0) return;
      event.preventDefault();
      focusItem(list[Math.min(index + 1, list.length - 1)]);
      return;
    }
    if (key === 'k' || key === 'ArrowUp') {
      if (list.length === 0) return;
      event.preventDefault();
      focusItem(list[Math.max(index - 1, 0)]);
      return;
    }
    if (!item) return;
    if (key === 'Enter' && event.target === item) {
      event.preventDefault();
      item.querySelector<HTMLAnchorElement>('.item-title a')?.click();
      return;
    }
    if (key === 'x') {
      event.preventDefault();
      const box = item.querySelector<HTMLInputElement>('input[type="checkbox"]');
      if (box) {
        box.checked = !box.checked;
        announce(box.checked ? 'Selected.' : 'Unselected.');
      }
      return;
    }
    const shortcut = SHORTCUTS[key];
    if (!shortcut) return;
    event.preventDefault();
    const control = item.querySelector<HTMLElement>(`[data-shortcut="${shortcut}"]`);
    if (!control) {
      announce(`${LABELS[shortcut]} is not possible for this item.`);
      return;
    }
    if (control instanceof HTMLFormElement && (shortcut === 'approve' || shortcut === 'accept')) {
      remember(item);
      control.requestSubmit();
    } else if (control instanceof HTMLDetailsElement) {
      control.open = true;
      control.querySelector<HTMLTextAreaElement>('textarea')?.focus();
    } else {
      control.querySelector<HTMLSelectElement>('select')?.focus();
    }
  });
}
