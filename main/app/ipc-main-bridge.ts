/**
 * The only file that touches raw ipcMain: it binds every contract channel to the registry after the
 * sender check (Electron checklist: validate the sender of all IPC messages), and forwards events.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { invokeChannels } from '../../shared/ipc/contract.ts';
import type { EventHub, Registry } from '../ipc/registry.ts';
import { isTrustedSender } from './policy.ts';

function senderFacts(event: IpcMainInvokeEvent) {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frameUrl: frame ? frame.url : null,
    isMainFrame: frame !== null && frame === event.sender.mainFrame,
  };
}

/** Registers one handler per channel; returns a function that removes them all. */
export function bindIpc(registry: Registry, events: EventHub, target: () => WebContents | null): () => void {
  for (const channel of invokeChannels) {
    ipcMain.handle(channel, (event, args: unknown) => {
      if (!isTrustedSender(senderFacts(event), target()?.id ?? null)) {
        return {
          ok: false,
          error: { code: 'E_UNTRUSTED_SENDER', message: 'The request came from an untrusted frame and was refused.' },
        };
      }
      return registry.invoke(channel, args);
    });
  }
  const unsubscribe = events.subscribe((channel, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(channel, payload);
  });
  return () => {
    unsubscribe();
    for (const channel of invokeChannels) ipcMain.removeHandler(channel);
  };
}
