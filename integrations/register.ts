// `node --import valk/register app.valk`: Node loads .valk files through hooks.ts.

import { register } from 'node:module';

register('./hooks.js', import.meta.url);
