/**
 * The tooltips of the annotation badges (AnnotationBadge.svelte), driven by one set of listeners
 * on the editor instead of handlers on every badge: a large map can carry thousands.
 *
 * A badge is a button with `data-ann-tip` naming its tooltip, which is also its
 * `aria-describedby`. The tooltip is a manual popover, so it opens in the top layer: the grid's
 * cells clip what overflows them (`content-visibility` contains their paint) and the grid scrolls,
 * but a popover is drawn above all of it. Its place is set from the badge's position (through
 * CSSOM, which the CSP allows, unlike style attributes).
 *
 * WCAG 1.4.13, content on hover or focus: it shows while the badge is hovered or focused (and on
 * a click, for touch), stays while the pointer moves onto it, and Escape hides it without moving
 * focus.
 */

const GAP_PX = 6;
const EDGE_PX = 8;
const HIDE_DELAY_MS = 300;

function placeTip(tip: HTMLElement, trigger: HTMLElement): void {
  const anchor = trigger.getBoundingClientRect();
  const width = tip.offsetWidth;
  const height = tip.offsetHeight;
  const viewportWidth = document.documentElement.clientWidth;
  const viewportHeight = window.innerHeight;
  const left = Math.max(EDGE_PX, Math.min(anchor.left, viewportWidth - width - EDGE_PX));
  let top = anchor.bottom + GAP_PX;
  // Above the badge when it does not fit below, so that it never covers the focused badge.
  if (top + height > viewportHeight - EDGE_PX && anchor.top - GAP_PX - height >= EDGE_PX) top = anchor.top - GAP_PX - height;
  tip.style.left = `${Math.round(left)}px`;
  tip.style.top = `${Math.round(Math.max(EDGE_PX, top))}px`;
}

/** Starts the tooltips inside `root`; returns the function that stops them. */
export function attachAnnotationTips(root: HTMLElement): () => void {
  let open: { trigger: HTMLElement; tip: HTMLElement } | null = null;
  let isPointerOver = false;
  let hideTimer: ReturnType<typeof setTimeout> | undefined;

  const triggerOf = (node: EventTarget | null) => (node instanceof Element ? node.closest<HTMLElement>('[data-ann-tip]') : null);
  const isInOpen = (node: EventTarget | null) => !!open && node instanceof Node && (open.trigger.contains(node) || open.tip.contains(node));

  function cancelHide() {
    clearTimeout(hideTimer);
    hideTimer = undefined;
  }

  function hide() {
    cancelHide();
    if (!open) return;
    if (open.tip.isConnected && open.tip.matches(':popover-open')) open.tip.hidePopover();
    open = null;
  }

  function show(trigger: HTMLElement) {
    cancelHide();
    if (open?.trigger === trigger) return;
    hide();
    const tip = document.getElementById(trigger.dataset.annTip ?? '');
    if (!tip) return;
    tip.showPopover();
    placeTip(tip, trigger);
    open = { trigger, tip };
  }

  function onMouseOver(event: MouseEvent) {
    const trigger = triggerOf(event.target);
    if (trigger) {
      isPointerOver = true;
      show(trigger);
    } else if (isInOpen(event.target)) {
      isPointerOver = true;
      cancelHide();
    }
  }

  function onMouseOut(event: MouseEvent) {
    if (!open || !isInOpen(event.target) || isInOpen(event.relatedTarget)) return;
    isPointerOver = false;
    if (document.activeElement === open.trigger) return;
    cancelHide();
    hideTimer = setTimeout(hide, HIDE_DELAY_MS);
  }

  function onFocusIn(event: FocusEvent) {
    const trigger = triggerOf(event.target);
    if (trigger) show(trigger);
  }

  function onFocusOut(event: FocusEvent) {
    if (open && event.target === open.trigger && !isInOpen(event.relatedTarget) && !isPointerOver) hide();
  }

  function onClick(event: MouseEvent) {
    const trigger = triggerOf(event.target);
    if (trigger) show(trigger);
  }

  function onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Escape' || !open) return;
    // This Escape is for the tooltip only, not for the panel or form around it.
    event.preventDefault();
    event.stopPropagation();
    hide();
  }

  function onScroll() {
    if (open?.tip.isConnected) placeTip(open.tip, open.trigger);
  }

  root.addEventListener('mouseover', onMouseOver);
  root.addEventListener('mouseout', onMouseOut);
  root.addEventListener('focusin', onFocusIn);
  root.addEventListener('focusout', onFocusOut);
  root.addEventListener('click', onClick);
  document.addEventListener('keydown', onKeydown, true);
  document.addEventListener('scroll', onScroll, { capture: true, passive: true });
  window.addEventListener('resize', onScroll, { passive: true });
  return () => {
    hide();
    root.removeEventListener('mouseover', onMouseOver);
    root.removeEventListener('mouseout', onMouseOut);
    root.removeEventListener('focusin', onFocusIn);
    root.removeEventListener('focusout', onFocusOut);
    root.removeEventListener('click', onClick);
    document.removeEventListener('keydown', onKeydown, true);
    document.removeEventListener('scroll', onScroll, { capture: true });
    window.removeEventListener('resize', onScroll);
  };
}
