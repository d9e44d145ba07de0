/**
 * The few host globals that every runtime the shared layer runs in (Node ≥ 22, Chromium, Electron)
 * provides identically. Declared here so `shared/` compiles with neither DOM nor Node types.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
