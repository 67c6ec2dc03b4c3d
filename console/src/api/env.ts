import type { Principal } from './auth.js';

/** The Hono environment of every API route: who is asking (set by the bearer-token check). */
export type AppEnv = { Variables: { principal: Principal } };
