/**
 * The DICOMweb credentials the user gave in the PACS panel, per service root, for the requests the
 * image loader makes itself (its `beforeSend`). Held in memory only: never in the URL or in storage.
 */

/** Request headers (credentials) per service root, for the image loader's own requests. */
const loaderHeaders = new Map<string, Record<string, string>>();

/** Sets the headers the image loader sends with requests under `root` (the panel's credentials). */
export function setLoaderHeaders(root: string, headers: Record<string, string>): void {
  loaderHeaders.set(root, headers);
}

/** The image loader's `beforeSend`: the headers for the root the image id lies under. */
export function loaderHeadersFor(imageId: string): Record<string, string> {
  const url = imageId.replace(/^wadors:/, '');
  for (const [root, headers] of loaderHeaders) if (url.startsWith(`${root}/`)) return { ...headers };
  return {};
}

/** The headers the user gave for `root` (none when they gave none). */
export function headersForRoot(root: string): Record<string, string> {
  return { ...loaderHeaders.get(root) };
}
