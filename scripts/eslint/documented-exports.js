// @ts-check
/**
 * ESLint rule `ha-ingestor/documented-exports` (issue 20): every name a package exports from one of its entry
 * points (the `source` files of its package.json `exports`) has a TSDoc comment on its declaration, because
 * that comment is the API reference (`pnpm docs:api`) and the hover text a user sees.
 *
 * The rule runs only on entry files and follows each export, through re-exports, to the declaration that
 * defines it (type-aware, via the TypeScript program), so it checks exactly the public API: a helper exported
 * from one module to another inside the package needs no comment. The report sits on the export in the entry
 * file and names the file to document. TypeDoc's `notDocumented` validation checks the same names when the
 * reference is built; this rule says it in the editor and in `npx eslint .`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** @type {Map<string, Set<string>>} package dir → absolute source paths of its entry points */
const entryCache = new Map();

/** @param {string} file */
function isEntryFile(file) {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
  let entries = entryCache.get(dir);
  if (entries === undefined) {
    entries = new Set();
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const target of Object.values(manifest.exports ?? {})) {
      if (typeof target?.source === 'string') entries.add(resolve(dir, target.source));
    }
    entryCache.set(dir, entries);
  }
  return entries.has(resolve(file));
}

/** @param {ts.Declaration} declaration */
function hasDocComment(declaration) {
  // getJSDocCommentsAndTags finds the comment of a `const` on its statement, and of an overload on each signature.
  return ts
    .getJSDocCommentsAndTags(declaration)
    .some((doc) => ts.isJSDoc(doc) && (doc.comment !== undefined || (doc.tags?.length ?? 0) > 0));
}

/** @type {import('eslint').Rule.RuleModule} */
export const documentedExports = {
  meta: {
    type: 'suggestion',
    docs: { description: 'Every export of a package entry point has a TSDoc comment on its declaration' },
    schema: [],
    messages: {
      undocumented:
        '`{{name}}` is public API (exported from this entry point) but has no TSDoc comment: add /** one summary line … */ ' +
        'above its declaration in {{file}}.',
    },
  },
  create(context) {
    if (!isEntryFile(context.filename)) return {};
    const services = context.sourceCode.parserServices;
    if (services?.program == null || services.esTreeNodeToTSNodeMap == null) {
      throw new Error('ha-ingestor/documented-exports needs type information (parserOptions.projectService)');
    }
    const program = /** @type {ts.Program} */ (services.program);
    const checker = program.getTypeChecker();
    const toTs = services.esTreeNodeToTSNodeMap;
    return {
      Program(node) {
        const sourceFile = /** @type {ts.SourceFile} */ (toTs.get(node));
        const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
        if (moduleSymbol === undefined) return;
        for (const exported of checker.getExportsOfModule(moduleSymbol)) {
          const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
          const declarations = symbol.declarations ?? [];
          if (declarations.length === 0 || declarations.some(hasDocComment)) continue;
          // Report at the `export { name }` specifier of this file when there is one, else at the top.
          const local = (exported.declarations ?? []).find((d) => d.getSourceFile() === sourceFile);
          const at =
            local === undefined ? undefined : sourceFile.getLineAndCharacterOfPosition(local.getStart(sourceFile));
          const defined = declarations[0]?.getSourceFile().fileName ?? '?';
          context.report({
            loc: at === undefined ? { line: 1, column: 0 } : { line: at.line + 1, column: at.character },
            messageId: 'undocumented',
            data: { name: exported.name, file: relative(context.cwd, defined) },
          });
        }
      },
    };
  },
};

export default { rules: { 'documented-exports': documentedExports } };
