import { libraryConfig } from '../../tsup.library.js';

// hyparquet-writer (and its hyparquet dependency) ship ESM only, so they are bundled: the CJS build then
// never require()s them.
export default libraryConfig({
  entry: ['src/index.ts'],
  noExternal: ['hyparquet-writer', 'hyparquet'],
});
