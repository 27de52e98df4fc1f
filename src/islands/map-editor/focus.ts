/**
 * Focus moves that follow a change in the grid. Elements that can take focus after a change
 * carry `data-focus-key` ("card:ID", "stage:ID", "lane:ID", "add:STAGE:LANE", "map:ID"), so focus
 * can find them again after Svelte has re-rendered or moved them.
 */
import { tick } from 'svelte';

export async function focusByKey(...keys: string[]): Promise<boolean> {
  await tick();
  for (const key of keys) {
    const element = document.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
    if (!element) continue;
    element.focus();
    return true;
  }
  return false;
}

export async function focusById(id: string): Promise<void> {
  await tick();
  document.getElementById(id)?.focus();
}
