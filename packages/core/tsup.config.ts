import { ESM_ONLY_RETRY, libraryConfig } from '../../tsup.library.js';

// Every subpath is its own entry; `splitting` shares their modules in both formats, so `SdkError` (and every
// other class) is one class whether it is imported from the root or from a subpath.
export default libraryConfig({
  entry: [
    'src/index.ts',
    ...['testing', 'resilience', 'stages', 'json', 'line-protocol', 'file-sink'].map(
      (subpath) => `src/${subpath}/index.ts`,
    ),
  ],
  splitting: true,
  noExternal: ESM_ONLY_RETRY,
});
