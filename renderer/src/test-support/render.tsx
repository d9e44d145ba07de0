/** Mounts the real App over a fake API with react-dom/client + act (no testing library), plus DOM helpers. */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from '../app.tsx';
import { createAppStore, type AppStore } from '../store/app-store.ts';
import { createFakeApi, flush, type ApiMethods, type FakeApi } from './fake-api.ts';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

// happy-dom has no layout: give the virtualized grids a viewport so they render rows as a browser would.
for (const [prop, size] of [
  ['clientHeight', 400],
  ['clientWidth', 1000],
] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('grid-scroll') ? size : 0;
    },
  });
}

/** A mounted app. */
export interface Mounted {
  fake: FakeApi;
  store: AppStore;
  container: HTMLElement;
  unmount(): void;
}

/** Mounts the app, starts the store, and lets the first loads settle. */
export async function mountApp(overrides: Partial<ApiMethods> = {}): Promise<Mounted> {
  const fake = createFakeApi(overrides);
  const store = createAppStore(fake.api, { refreshDelayMs: 0 });
  const container = document.createElement('div');
  document.body.append(container);
  let root: Root | null = null;
  await act(async () => {
    root = createRoot(container);
    root.render(<App store={store} />);
  });
  await settle();
  return {
    fake,
    store,
    container,
    unmount: () => {
      act(() => root?.unmount());
      container.remove();
    },
  };
}

/** Lets promises, zero-delay timers and React updates settle. */
export async function settle(): Promise<void> {
  await act(async () => {
    await flush(4);
  });
}

/** The element with `data-testid`, or a thrown error naming it. */
export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no element with data-testid="${id}"`);
  return el;
}

/** The button whose text is exactly `text`. */
export function button(root: ParentNode, text: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === text);
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

/** Clicks and settles. */
export async function click(el: HTMLElement): Promise<void> {
  await act(async () => {
    el.click();
  });
  await settle();
}

/** Sets an input's value the way a user does, so React's onChange fires. */
export async function type(el: HTMLInputElement | HTMLTextAreaElement, value: string): Promise<void> {
  const proto = Object.getPrototypeOf(el) as object;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  await act(async () => {
    setter?.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await settle();
}

/** Dispatches a keydown on `target` (default: window) and settles. */
export async function key(init: KeyboardEventInit, target: EventTarget = window): Promise<void> {
  await act(async () => {
    target.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));
  });
  await settle();
}

/** Fills the reason and ticks the confirmation of a ReasonConfirm inside `root`. */
export async function reasonAndConfirm(root: ParentNode, reason: string, confirm = true): Promise<void> {
  const textarea = root.querySelector('textarea');
  if (!textarea) throw new Error('no reason textarea');
  await type(textarea, reason);
  const box = root.querySelector<HTMLInputElement>('.reason-confirm input[type="checkbox"]');
  if (confirm && box && !box.checked) await click(box);
}

/** Runs store calls or fake-API events inside act, then settles. */
export async function inAct(fn: () => unknown): Promise<void> {
  await act(async () => {
    await fn();
  });
  await settle();
}
