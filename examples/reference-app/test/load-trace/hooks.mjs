// Module hooks of register.mjs (they run on Node's loader thread): a synchronous append per loaded module, so
// the list is complete by the time the module runs.
import { appendFileSync } from 'node:fs';

let file = '';

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
