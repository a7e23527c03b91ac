/* global module */
// Changelog lines for `changeset version` (configured in .changeset/config.json). The default
// (@changesets/changelog-git) prefixes every entry with a commit hash and repeats "Updated dependencies"
// once per changeset: in a fixed group every package would list the same line seven times. Here an entry
// is the changeset's text as written, and a dependency update is one line naming the new versions.

/** @type {import('@changesets/types').ChangelogFunctions['getReleaseLine']} */
const getReleaseLine = async (changeset) => {
  const [firstLine = '', ...rest] = changeset.summary.split('\n').map((line) => line.trimEnd());
  return [`- ${firstLine}`, ...rest.map((line) => (line === '' ? '' : `  ${line}`))].join('\n');
};

/** @type {import('@changesets/types').ChangelogFunctions['getDependencyReleaseLine']} */
const getDependencyReleaseLine = async (_changesets, dependenciesUpdated) => {
  if (dependenciesUpdated.length === 0) return '';
  return `- Updated dependencies: ${dependenciesUpdated.map((dep) => `\`${dep.name}@${dep.newVersion}\``).join(', ')}`;
};

module.exports = { default: { getReleaseLine, getDependencyReleaseLine } };
