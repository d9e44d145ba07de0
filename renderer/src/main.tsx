/** Renderer entry: finds the API (preload in Electron, HTTP bridge in browser mode) and mounts the screen. */
import { createRoot } from 'react-dom/client';
import type { TombstoneApi } from '../../shared/ipc/contract.ts';
import { App } from './app.tsx';
import { createBrowserBridge, establishSession } from './bridge/browser-bridge.ts';
import { createAppStore } from './store/app-store.ts';
import './styles.css';
import './layout.css';
import './components.css';

declare global {
  interface Window {
    tombstone?: TombstoneApi;
  }
}

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  let api = window.tombstone;
  if (!api) {
    const session = await establishSession(window.location, window.history);
    if (!session.ok) {
      root.render(
        <main className="empty-state" role="alert">
          <h1>Cannot open this console</h1>
          <p>
            <code>{session.error.code}</code> {session.error.message}
          </p>
        </main>,
      );
      return;
    }
    api = createBrowserBridge();
  }
  // The start-up calls go out before the first render (a render of the whole shell), not from an effect after it.
  const store = createAppStore(api);
  void store.getState().start();
  root.render(<App store={store} autoStart={false} />);
}

void boot();
