import { libraryConfig } from '../../tsup.library.js';

export default libraryConfig({
  entry: ['src/index.ts'],
});
