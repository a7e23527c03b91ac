import type { Rule } from 'eslint';

export declare const guardedCallbacks: Rule.RuleModule;
declare const plugin: { rules: { 'guarded-callbacks': Rule.RuleModule } };
export default plugin;
