/**
 * The preload: exposes `window.tombstone` with one method per invoke channel and one subscription
 * per event channel of the contract — never ipcRenderer itself nor a generic send (Electron
 * checklist: contextIsolation with a minimal bridge).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { eventChannels, invokeChannels, methodName, subscriptionName } from '../shared/ipc/contract.ts';

const api: Record<string, unknown> = {};
for (const channel of invokeChannels) {
  api[methodName(channel)] = (args: unknown) => ipcRenderer.invoke(channel, args ?? null);
}
for (const channel of eventChannels) {
  api[subscriptionName(channel)] = (listener: (payload: unknown) => void) => {
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  };
}
contextBridge.exposeInMainWorld('tombstone', Object.freeze(api));
