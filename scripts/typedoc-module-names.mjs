// TypeDoc plugin (issue 20): name each module of the API reference by the import specifier a user writes
// (`@ha-ingestor/core/testing`), not by its path under packages/ (`core/src/testing`). The map from source
// file to specifier comes from the packages' `exports` (the `source` condition), read by typedoc.config.mjs.
import { Converter, ParameterType, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: 'haIngestorModules',
    help: 'Map of `<package name>:<source path in the package>` → import specifier (set by typedoc.config.mjs).',
    type: ParameterType.Mixed,
    defaultValue: {},
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const specifiers = /** @type {Record<string, string>} */ (app.options.getValue('haIngestorModules'));
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      // `sources` is empty under disableSources; the symbol id still knows package and file.
      const id = context.project.getSymbolIdFromReflection(module);
      const specifier = id === undefined ? undefined : specifiers[`${id.packageName}:${id.packagePath}`];
      if (specifier === undefined)
        throw new Error(`typedoc-module-names: no import specifier for module ${module.name}`);
      module.name = specifier;
    }
  });
}
