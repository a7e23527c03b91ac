import type { Rule } from 'eslint';

export declare const documentedExports: Rule.RuleModule;
declare const plugin: { rules: { 'documented-exports': Rule.RuleModule } };
export default plugin;
