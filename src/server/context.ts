import type { Logger } from 'pino';
import type { Loaders, Services } from '../app/services.js';
import type { Viewer } from '../auth/viewer.js';
import type { ResponseSignature } from '../modules/audit/provenance.js';

/** What every resolver receives: who asks, this request's loaders, a logger and the services. */
export interface RequestContext {
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  loaders: Loaders;
  services: Services;
  /** Signatures of the records fields answered, sent in `extensions.signatures`. */
  signatures: ResponseSignature[];
  hubPath?: string[];
  /** The id of the peer's delegation this request came with. */
  delegation?: string;
  /**
   * Set when `viewer` is the client as last found and its row is still to be read again (a known
   * routed operation, see http-server.ts): the first call reads it, and every call gives that
   * read's outcome, the client as it is now or a rejection with UNAUTHENTICATED. No answer goes
   * out before it resolves.
   */
  viewerCheck?: ClientCheck;
}

/** The read of a request's client row again, made on the first call (see RequestContext.viewerCheck). */
export type ClientCheck = () => Promise<Viewer>;

/** The context of one request, built the same way for /graphql and /subgraph. */
export function createRequestContext(services: Services, viewer: Viewer | null, requestId: string, parentLog: Logger, hubPath?: string[], delegation?: string): RequestContext {
  // The child logger is made on first use: pino redacts a child's bindings as it makes it, work
  // that a request logging nothing (most of them, at the production level) need not do.
  let log: Logger | undefined;
  // Loaders too: an operation routed to another hub as a whole loads nothing here.
  let loaders: Loaders | undefined;
  return {
    viewer,
    requestId,
    get log() {
      return (log ??= parentLog.child({ requestId }));
    },
    get loaders() {
      return (loaders ??= services.createLoaders(viewer));
    },
    set loaders(value: Loaders) {
      loaders = value;
    },
    services,
    signatures: [],
    hubPath,
    delegation,
  };
}
