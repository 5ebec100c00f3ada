// `valk/rollup`: the rollup form of the plugin (plugin.ts).

import { valk } from './plugin.js';

export type { ValkPluginOptions } from './plugin.js';
export default valk.rollup;
