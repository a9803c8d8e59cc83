import type { Caller } from '../subgraphs/kernel/caller.js';

/** Per-request context of the gateway's Apollo Server. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
}
