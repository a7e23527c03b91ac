import { ESM_ONLY_RETRY, libraryConfig } from '../../tsup.library.js';

export default libraryConfig({
  entry: ['src/index.ts'],
  noExternal: ESM_ONLY_RETRY,
});
