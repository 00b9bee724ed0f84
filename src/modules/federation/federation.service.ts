import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import type { KeyStore } from '../../auth/keys.js';
import type { Viewer } from '../../auth/viewer.js';
import type { Database } from '../../db/database.js';
import type { CounterStore } from '../../shared/counters.js';
import { AppError, ErrorCode, badInput, notFound } from '../../shared/errors.js';
import { logger } from '../../shared/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import { actorOf } from '../audit/audit.service.js';
import type { ResponseSignature } from '../audit/provenance.js';
import type { Caller } from '../catalogue/dataset.service.js';
import type { ClientCheck } from '../../server/context.js';
import type { DatasetRepository } from '../catalogue/dataset.repository.js';
import type { AgencyRepository } from '../agency/agency.repository.js';
import { toCatalogueEntry } from './catalogue-entry.js';
import { DELEGATION_TYP, delegationIssuer, issueDelegation, verifyDelegation } from './delegation.js';
import type { FederationRepository, Peer } from './federation.repository.js';
import { FEED_PAGE, Harvester, type FeedPage, type HarvestResult } from './harvester.js';
import { PeerClient, unavailable } from './peer-client.js';
import { PEER_CACHE_MS, PeerDirectory, pinnedJwks } from './peer-directory.js';
import { routedRecordsQuery, type RecordsSelection } from './routed-selection.js';

export type { FeedPage, HarvestResult };

const log = logger('federation');
const HUB_CODE = /^[A-Z][A-Z0-9]{1,9}$/;

/**
 * What a routed records read returns: the page as the owning hub answered, and its signature.
 * `pageInfo` holds, and `totalCount` is set for, only what the client selected (RecordsSelection).
 */
export interface RemotePage {
  edges: { cursor: string; node: { id: string; data: Record<string, unknown> } }[];
  pageInfo: Partial<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>;
  totalCount?: number;
  signature: ResponseSignature | undefined;
}

export async function jwksFingerprint(jwks: { keys: JWK[] }): Promise<string> {
  const prints = (await Promise.all(jwks.keys.map((k) => calculateJwkThumbprint(k)))).sort();
  return prints.map((p) => p.slice(0, 16)).join(',');
}

/**
 * Federation: peering (pinned JWKS), the change feed this hub serves, harvesting of peers'
 * feeds, delegated identity for routed requests, and the routing itself. Each hub stays
 * autonomous: a routed read is decided by the owning hub under its own grants.
 */
export class FederationService {
  readonly client: PeerClient;
  private readonly peers: PeerDirectory;
  private readonly harvester: Harvester;
  private lastKeyRefresh = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly repo: FederationRepository,
    private readonly datasets: DatasetRepository,
    private readonly agencies: AgencyRepository,
    private readonly keys: KeyStore,
    private readonly counters: CounterStore,
    private readonly audit: AuditLog,
    private readonly hubCode: string,
    timeoutMs: number,
  ) {
    this.client = new PeerClient(timeoutMs);
    this.peers = new PeerDirectory(repo);
    this.harvester = new Harvester(repo, agencies, this.client);
  }

  // ── Peering ────────────────────────────────────────────────────────────────────────────────

  /** Fetches the peer's identity and JWKS and pins them; returns the fingerprint to compare out of band. */
  async addPeer(code: string, url: string): Promise<{ code: string; url: string; name: string; fingerprint: string; keys: string[] }> {
    const peer = code.trim().toUpperCase();
    if (!HUB_CODE.test(peer)) throw badInput('Hub code must be 2–10 upper-case letters or digits', { field: 'code' });
    if (peer === this.hubCode) throw badInput('A hub does not peer with itself', { field: 'code' });
    let base: URL;
    try {
      base = new URL(url);
      if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw badInput(`Not an http(s) URL: ${url}`, { field: 'url' });
    }
    const root = base.toString().replace(/\/$/, '');
    const info = (await (await this.client.request(peer, `${root}/federation/hub`)).json()) as { code?: string; name?: string };
    if (info.code !== peer) throw badInput(`The hub at ${root} says it is ${info.code ?? 'unknown'}, not ${peer}`, { field: 'code' });
    const jwks = (await (await this.client.request(peer, `${root}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.some((k) => 'd' in k)) throw badInput('The peer published no usable public keys', { field: 'url' });
    const fingerprint = await jwksFingerprint(jwks);
    await this.repo.upsertPeer(peer, root, { keys: jwks.keys }, fingerprint);
    this.peers.forget(peer);
    log.info({ peer, url: root, fingerprint }, 'peer pinned');
    return { code: peer, url: root, name: info.name ?? peer, fingerprint, keys: jwks.keys.map((k) => String(k.kid)) };
  }

  async isPeer(code: string): Promise<boolean> {
    return !!(await this.peers.get(code));
  }

  listPeers(): Promise<Peer[]> {
    return this.repo.peers();
  }

  async removePeer(code: string): Promise<boolean> {
    const peer = code.trim().toUpperCase();
    try {
      return await this.repo.removePeer(peer);
    } finally {
      this.peers.forget(peer);
    }
  }

  /**
   * A peer rotated its key: its JWKS is re-read, and accepted only if it still holds one of the
   * pinned keys (the overlap proves it is the same hub).
   */
  private async refreshPeerKeys(peer: Peer): Promise<Peer | undefined> {
    const last = this.lastKeyRefresh.get(peer.code) ?? 0;
    if (Date.now() - last < 30_000) return undefined;
    this.lastKeyRefresh.set(peer.code, Date.now());
    try {
      const fresh = (await (await this.client.request(peer.code, `${peer.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      const pinned = new Set(pinnedJwks(peer).keys.map((k) => k.kid));
      if (!fresh.keys?.some((k) => pinned.has(k.kid))) {
        log.warn({ peer: peer.code }, 'peer JWKS shares no key with the pinned one: not accepted (re-pin with lgsp peer add)');
        return undefined;
      }
      const refreshed = await this.repo.upsertPeer(peer.code, peer.url, { keys: fresh.keys }, await jwksFingerprint(fresh));
      this.peers.forget(peer.code);
      return refreshed;
    } catch {
      return undefined;
    }
  }

  // ── Delegated identity ─────────────────────────────────────────────────────────────────────

  /**
   * The Viewer behind a peer's delegation token, or undefined when it is not one we can verify;
   * with the delegation's id (its jti; none for a peer's access token, which is used many times).
   */
  async viewerForDelegation(token: string): Promise<{ viewer: Viewer; hubPath: string[]; delegation?: string } | undefined> {
    const issuer = delegationIssuer(token);
    if (!issuer) return undefined;
    let peer = await this.peers.get(issuer);
    if (!peer) return undefined;
    let claims = await verifyDelegation(token, issuer, this.peers.keySet(peer), this.hubCode, this.counters);
    if (!claims) {
      const kid = decodeProtectedHeader(token).kid;
      const known = (p: Peer) => pinnedJwks(p).keys.some((k) => k.kid === kid);
      if (known(peer)) return undefined;
      // An unknown kid: another process may have pinned the peer's new key already (this copy
      // is up to PEER_CACHE_MS old); failing that, the peer may have rotated.
      const current = await this.peers.get(issuer, { fresh: true });
      const refreshed = current && known(current) ? current : current && (await this.refreshPeerKeys(current));
      if (!refreshed) return undefined;
      peer = refreshed;
      claims = await verifyDelegation(token, issuer, this.peers.keySet(peer), this.hubCode, this.counters);
      if (!claims) return undefined;
    }
    const agency = await this.ensureRemoteAgency(claims.agency, claims.agency_hub, claims.agency_name);
    if (!agency) return undefined;
    return {
      viewer: {
        clientId: `${issuer}/${claims.sub}`,
        clientKey: `delegated:${issuer}`,
        agencyId: agency.id,
        agencyCode: agency.code,
        agencyName: agency.name,
        hubCode: agency.hubCode,
        // A remote client never administers or audits this hub.
        roles: claims.roles.filter((r): r is 'DEVELOPER' | 'MAINTAINER' => r === 'DEVELOPER' || r === 'MAINTAINER'),
      },
      hubPath: [...claims.hub_path, this.hubCode],
      ...(decodeProtectedHeader(token).typ === DELEGATION_TYP ? { delegation: claims.jti } : {}),
    };
  }

  /**
   * Remote agencies' local rows as found or made by {@link ensureRemoteAgency}, for
   * PEER_CACHE_MS. Such a row is written once and never changed by this hub (its name was the
   * peer's word at first sight), so a routed read need not read it again: that was a database
   * round trip on the path of every delegation. Access is decided from grants on every request.
   */
  private readonly remoteAgencies = new Map<string, { agency: RemoteAgencyRow; at: number }>();

  /** The local row of a remote agency (grants are made to it); a local agency's code is never taken over. */
  private async ensureRemoteAgency(code: string, hub: string, name: string | undefined): Promise<RemoteAgencyRow | undefined> {
    // A peer vouches only for agencies of other hubs: this hub's own agencies authenticate here
    // with their own clients, never through a peer (no peer can act as one of them).
    if (hub === this.hubCode) return undefined;
    const cached = this.remoteAgencies.get(code);
    if (cached && Date.now() - cached.at < PEER_CACHE_MS) return cached.agency.hubCode === hub ? cached.agency : undefined;
    let [row] = await this.agencies.findByCodes([code]);
    if (!row) {
      await this.db.sql.query(
        `INSERT INTO hub (code, name, is_local, updated_at) VALUES ($1, $1, false, now()) ON CONFLICT (code) DO NOTHING`,
        [hub],
      );
      await this.db.sql.query(
        `INSERT INTO agency (code, name, hub_code, updated_at) VALUES ($1, $2, $3, now()) ON CONFLICT (code) DO NOTHING`,
        [code, name ?? code, hub],
      );
      [row] = await this.agencies.findByCodes([code]);
    }
    if (!row) return undefined;
    // Codes come from verified delegations only; the bound keeps a misbehaving peer from growing it.
    if (this.remoteAgencies.size >= REMOTE_AGENCY_CACHE_SIZE) this.remoteAgencies.delete(this.remoteAgencies.keys().next().value!);
    this.remoteAgencies.set(code, { agency: row, at: Date.now() });
    return row.hubCode === hub ? row : undefined;
  }

  // ── Change feed (served) and harvesting ────────────────────────────────────────────────────

  async feed(after: number, limit = FEED_PAGE): Promise<FeedPage> {
    const rows = await this.repo.changes(after, Math.min(Math.max(limit, 1), 1000));
    const ids = [...new Set(rows.map((r) => r.datasetId))];
    const datasets = new Map((await this.datasets.findByIds(ids)).map((d) => [d.id, d]));
    const owners = new Map((await this.agencies.findByIds([...new Set([...datasets.values()].map((d) => d.ownerId))])).map((a) => [a.id, a]));
    const fields = await this.datasets.currentFields(ids);
    // Only the last change of each dataset in the page matters: it carries the current state.
    const last = new Map(rows.map((r) => [r.datasetId, r]));
    const changes = [...last.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((r) => {
        const d = datasets.get(r.datasetId);
        const owner = d ? owners.get(d.ownerId) : undefined;
        const visible = d && owner && d.status !== 'DRAFT';
        return {
          seq: r.seq,
          ref: `${this.hubCode}:${r.code}`,
          code: r.code,
          entry: visible ? toCatalogueEntry(d, { code: owner.code, name: owner.name, nameEn: owner.nameEn }, fields.get(d.id) ?? []) : null,
        };
      });
    const next = rows.at(-1)?.seq ?? after;
    return { hub: this.hubCode, changes, next, hasMore: rows.length >= limit };
  }

  /** Harvests every peer due (or all, when forced), a few at a time; never throws. */
  harvestAll(force = false): Promise<HarvestResult[]> {
    return this.harvester.harvestAll(force);
  }

  async harvestOne(code: string): Promise<HarvestResult> {
    const peer = await this.repo.peer(code.trim().toUpperCase());
    if (!peer) throw notFound('Peer', code);
    return this.harvester.harvest(peer);
  }

  // ── Routing ────────────────────────────────────────────────────────────────────────────────

  /** Sends a GraphQL operation to the owning hub on behalf of the caller; maps its errors to ours. */
  async forward<T>(caller: Caller, hub: string, query: string, variables: Record<string, unknown>): Promise<PeerAnswer<T>> {
    return this.send<T>(await this.prepareCall(caller, hub), query, variables);
  }

  /** Where a call to `hub` goes and its headers: for a client, a delegation signed for it, whose id is returned too. */
  private async prepareCall(caller: Caller, hub: string): Promise<PeerCall> {
    const peer = await this.peers.get(hub);
    if (!peer) throw notFound('Hub', hub);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': caller.requestId };
    let delegation: string | null = null;
    if (caller.viewer) {
      delegation = randomUUID();
      // The statement that found the viewer read its agency's name; a viewer from elsewhere has it looked up.
      const agencyName = caller.viewer.agencyName ?? (await caller.loaders.agencyById.load(caller.viewer.agencyId))?.name;
      headers.authorization = `Bearer ${await issueDelegation(this.keys, caller.viewer, agencyName, hub, caller.hubPath ?? [this.hubCode], delegation)}`;
    }
    return { hub, url: `${peer.url}/graphql`, headers, delegation };
  }

  private async send<T>(call: PeerCall, query: string, variables: Record<string, unknown>): Promise<PeerAnswer<T>> {
    const body = await this.exchange<T>(call, { query, variables });
    const error = body.errors?.[0];
    if (error) throw peerError(call.hub, error);
    if (!body.data) throw unavailable(call.hub, 'no data in the answer');
    return { data: body.data, extensions: body.extensions };
  }

  /** One GraphQL request to the peer, its answer parsed (errors and all). */
  private async exchange<T>(call: PeerCall, request: RoutedRequest): Promise<PeerBody<T>> {
    const res = await this.client.request(call.hub, call.url, { method: 'POST', headers: call.headers, body: JSON.stringify(request) });
    try {
      return res.json<PeerBody<T>>();
    } catch {
      throw unavailable(call.hub, 'the answer was not JSON');
    }
  }

  /**
   * The hop of routed reads of another hub's records, audited here. Each read's `records.route`
   * entry records what was forwarded (who, to which hub, under which delegation, the fields,
   * conditions and purpose) and is written while the owning hub answers: its commit is not one
   * more wait after the answer. The answer still waits for the entries, so no page is passed on
   * without them. The rows returned are in the owning hub's own entry (which names the same
   * delegation and request id) and under its signature. A read that fails, as a whole or in the
   * answer (`refusal`), gets a second entry with the outcome.
   *
   * With `check` (RequestContext.viewerCheck), the caller is the client as last found, and its
   * row is read again once the forward is on its way (with the entries, off the forward's path):
   * the answer also waits for that check, and is not passed on if the client is refused now (the
   * check's rejection is thrown) or no longer the one the delegation named (ViewerChanged: ask
   * again as it is).
   */
  private async hop<T>(
    caller: Caller,
    hub: string,
    reads: readonly RoutedRead[],
    forward: (call: PeerCall) => Promise<T>,
    { refusal, check }: { refusal?: (answer: T, read: RoutedRead) => AppError | undefined; check?: ClientCheck } = {},
  ): Promise<T> {
    const call = await this.prepareCall(caller, hub);
    const hubPath = [...(caller.hubPath ?? [this.hubCode]), hub];
    const about = (read: RoutedRead) => ({
      ...actorOf(caller.viewer),
      ...(caller.viewer ? {} : { actorClient: null }),
      targetType: 'dataset',
      targetRef: read.ref,
      requestId: caller.requestId,
    });
    const written = Promise.all(
      reads.map((read) =>
        this.audit.append({ ...about(read), action: 'records.route', details: { hubPath, delegation: call.delegation, fields: read.fields ?? null, where: read.where ?? null, purpose: read.purpose ?? null } }),
      ),
    );
    const failed = (read: RoutedRead, e: Error) =>
      // The audit log reports a failed write itself; the caller is told what became of the forward.
      this.audit
        .append({ ...about(read), action: 'records.route.failed', details: { hubPath, delegation: call.delegation, outcome: e instanceof AppError ? e.code : e instanceof ViewerChanged ? e.outcome : 'INTERNAL', reason: e.message } })
        .catch(() => undefined);
    const answered = forward(call);
    // The forward's request is written on the next tick; the entries' statement and the client's
    // read go after it (setImmediate), as the audit log writes its queue.
    const checked = check && new Promise<void>((resolve) => setImmediate(resolve)).then(check);
    const [entry, answer, client] = await Promise.allSettled([written, answered, checked]);
    if (client.status === 'rejected' || (client.value && !sameDelegatedClient(client.value, caller.viewer))) {
      const e = client.status === 'rejected' ? (client.reason as Error) : new ViewerChanged(client.value!);
      await Promise.all(reads.map((read) => failed(read, e)));
      throw e;
    }
    if (answer.status === 'rejected') {
      await Promise.all(reads.map((read) => failed(read, answer.reason as Error)));
      throw answer.reason;
    }
    if (entry.status === 'rejected') throw entry.reason;
    const refused = reads.flatMap((read) => {
      const e = refusal?.(answer.value, read);
      return e ? [failed(read, e)] : [];
    });
    if (refused.length > 0) await Promise.all(refused);
    return answer.value;
  }

  /** A records read of another hub's dataset, for the records resolver, passed through with the owner's signature. */
  async routeRecords(caller: Caller, hub: string, args: Record<string, unknown>, selection: RecordsSelection): Promise<RemotePage> {
    const read = { ref: String(args.dataset), fields: args.fields, where: args.where, purpose: args.purpose };
    const { data, extensions } = await this.hop(caller, hub, [read], (call) => this.send<{ records: Omit<RemotePage, 'signature'> }>(call, routedRecordsQuery(selection), args));
    const signature = extensions?.signatures?.find((s) => s.path.length === 1 && s.path[0] === 'records');
    return { ...data.records, signature };
  }

  /**
   * An operation made only of reads of one other hub's records (routed-operation.ts), sent to
   * that hub as the client wrote it: the owning hub answers it as a whole, and its data, errors
   * (as this hub reports a peer's errors) and signatures are passed on as they are. Nothing of
   * the operation is executed here.
   */
  async routeOperation(
    caller: Caller,
    hub: string,
    request: RoutedRequest,
    reads: readonly RoutedRead[],
    check?: ClientCheck,
  ): Promise<RoutedAnswer> {
    return this.hop(
      caller,
      hub,
      reads,
      async (call) => {
        const body = await this.exchange<Record<string, unknown>>(call, request);
        if (body.data === undefined && !body.errors?.length) throw unavailable(hub, 'no data in the answer');
        return {
          data: body.data ?? null,
          errors: (body.errors ?? []).map((e) => ({ path: e.path, locations: e.locations, error: peerError(hub, e) })),
          signatures: Array.isArray(body.extensions?.signatures) ? body.extensions.signatures : [],
        };
      },
      { refusal: (answer, read) => answer.errors.find((e) => !e.path || e.path[0] === read.alias)?.error, check },
    );
  }
}

/** The client a routed read's delegation named is no longer as it was (roles, agency): the read is asked again for `viewer`. */
export class ViewerChanged extends Error {
  readonly outcome = 'CLIENT_CHANGED';
  constructor(readonly viewer: Viewer) {
    super('The client changed while its routed read was in flight; asked again as it is now');
  }
}

/** Whether a delegation made for `before` says what one made for `now` would. */
function sameDelegatedClient(now: Viewer, before: Viewer | null): boolean {
  return (
    !!before &&
    now.clientId === before.clientId &&
    now.clientKey === before.clientKey &&
    now.agencyId === before.agencyId &&
    now.agencyCode === before.agencyCode &&
    now.agencyName === before.agencyName &&
    now.hubCode === before.hubCode &&
    now.roles.length === before.roles.length &&
    now.roles.every((r) => before.roles.includes(r))
  );
}

/** What a peer's error becomes here: its code when the client can act on it (the message names the hub), PEER_UNAVAILABLE otherwise. */
function peerError(hub: string, error: PeerError): AppError {
  const code = error.extensions?.code as ErrorCode | undefined;
  if (code && PASSED_THROUGH.includes(code)) return new AppError(code, `${hub}: ${error.message}`, { ...(error.extensions ?? {}), code, peer: hub });
  return unavailable(hub, `it answered ${code ?? 'an error'}`);
}

const PASSED_THROUGH: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'RATE_LIMITED', 'QUERY_TOO_COMPLEX'];

/** A GraphQL request as sent to a peer. */
export interface RoutedRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string | null;
}

/** One routed read of an operation: the dataset (HUB:code) and what is audited of its arguments; `alias` is its response key. */
export interface RoutedRead {
  ref: string;
  alias?: string;
  fields?: unknown;
  where?: unknown;
  purpose?: unknown;
}

/** A routed operation's answer: the owning hub's data, its errors as this hub reports them, at their paths, and its signatures. */
export interface RoutedAnswer {
  data: Record<string, unknown> | null;
  errors: { path?: readonly (string | number)[]; locations?: readonly { line: number; column: number }[]; error: AppError }[];
  signatures: ResponseSignature[];
}

interface PeerError {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: { code?: string };
}

type PeerBody<T> = { data?: T | null; errors?: PeerError[]; extensions?: { signatures?: ResponseSignature[] } };

/** A prepared call to a peer: its URL, headers and the id of the delegation they carry (null for an anonymous caller). */
interface PeerCall {
  hub: string;
  url: string;
  headers: Record<string, string>;
  delegation: string | null;
}

type PeerAnswer<T> = { data: T; extensions?: { signatures?: ResponseSignature[] } };

type RemoteAgencyRow = Awaited<ReturnType<AgencyRepository['findByCodes']>>[number];
const REMOTE_AGENCY_CACHE_SIZE = 10_000;
