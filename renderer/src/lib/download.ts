/** Saving a generated file from the renderer (no network; the CSP allows object URLs for downloads). */

/** Saves `text` as `fileName` through a temporary object URL and a download link. */
export function downloadFile(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
