import { randomBytes } from 'node:crypto';
import type { ApiClient } from '../../generated/prisma/client.js';
import { Prisma } from '../../generated/prisma/client.js';
import { Role } from '../../generated/prisma/enums.js';
import type { Viewer } from '../../auth/viewer.js';
import { DUMMY_HASH, generateSecret, hashSecret, verifySecret } from '../../auth/secrets.js';
import type { AccessTokenClaims } from '../../auth/tokens.js';
import { badInput, notFound } from '../../shared/errors.js';
import type { AuditEvent } from '../audit/audit.service.js';
import type { AgencyService } from '../agency/agency.service.js';
import type { ClientRepository } from './client.repository.js';

export interface CreatedClient {
  clientId: string;
  clientSecret: string;
  agency: string;
  roles: Role[];
  name: string;
}

export type ActorAudit = Omit<AuditEvent, 'action'>;

export class ClientService {
  /** The viewers viewerFor found last, by client id (see recentViewer). */
  private readonly recent = new Map<string, { viewer: Viewer; rotatedAt: Date | null; at: number }>();

  constructor(
    private readonly repo: ClientRepository,
    private readonly agencies: AgencyService,
    private readonly hubCode: string,
  ) {}

  /** Creates a client; the secret is returned here once and stored only as a hash. */
  async create(input: { agency: string; roles: string[]; name?: string | null }, audit: ActorAudit): Promise<CreatedClient> {
    const roles = parseRoles(input.roles);
    const agency = await this.agencies.byCode(input.agency);
    if (!agency) throw badInput(`Agency not found: ${input.agency}`, { field: 'agency' });
    const clientId = `${this.hubCode.toLowerCase()}-${randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
    const clientSecret = generateSecret();
    const name = input.name?.trim() || `${agency.code} ${roles.join('+').toLowerCase()}`;
    await this.repo.create(
      { clientId, name, agencyId: agency.id, roles, secretHash: await hashSecret(clientSecret) },
      { ...audit, action: 'client.create' },
    );
    return { clientId, clientSecret, agency: agency.code, roles, name };
  }

  async disable(clientId: string, audit: ActorAudit): Promise<ApiClient> {
    return this.mutate(clientId, { disabledAt: new Date() }, { ...audit, action: 'client.disable' });
  }

  async enable(clientId: string, audit: ActorAudit): Promise<ApiClient> {
    return this.mutate(clientId, { disabledAt: null }, { ...audit, action: 'client.enable' });
  }

  /** New secret; tokens issued before the rotation stop working at once. */
  async rotate(clientId: string, audit: ActorAudit): Promise<{ clientId: string; clientSecret: string }> {
    const clientSecret = generateSecret();
    await this.mutate(clientId, { secretHash: await hashSecret(clientSecret), rotatedAt: new Date() }, { ...audit, action: 'client.rotate' });
    return { clientId, clientSecret };
  }

  /** Checks client credentials; a wrong id or secret costs the same time. */
  async authenticate(clientId: string, secret: string): Promise<{ clientId: string; agencyCode: string; roles: Role[] } | undefined> {
    const client = await this.repo.findWithAgency(clientId);
    const ok = await verifySecret(secret, client?.secretHash ?? DUMMY_HASH);
    if (!client || !ok || client.disabledAt) return undefined;
    return { clientId: client.clientId, agencyCode: client.agencyCode, roles: client.roles };
  }

  recordFailedAuthentication(clientId: string | undefined, reason: string, requestId: string): Promise<void> {
    return this.repo.recordFailure({
      action: 'auth.failure',
      actorClient: clientId?.slice(0, 100) ?? null,
      targetType: 'api_client',
      targetRef: clientId?.slice(0, 100),
      requestId,
      details: { reason },
    });
  }

  /**
   * The Viewer behind verified token claims, checked against the database on every request:
   * a disabled client, or a token issued before the last secret rotation, is refused.
   */
  async viewerFor(claims: AccessTokenClaims): Promise<Viewer | undefined> {
    const client = await this.repo.findWithAgency(claims.sub);
    if (!client || client.disabledAt) {
      this.recent.delete(claims.sub);
      return undefined;
    }
    if (issuedBeforeRotation(claims, client.rotatedAt)) return undefined;
    const viewer: Viewer = {
      clientId: client.clientId,
      clientKey: client.id,
      agencyId: client.agencyId,
      agencyCode: client.agencyCode,
      agencyName: client.agencyName,
      hubCode: client.hubCode,
      roles: client.roles,
    };
    if (this.recent.size >= RECENT_VIEWERS && !this.recent.has(claims.sub)) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(claims.sub, { viewer, rotatedAt: client.rotatedAt, at: Date.now() });
    return viewer;
  }

  /**
   * What {@link viewerFor} last found for the client of these claims (within RECENT_VIEWER_MS),
   * or undefined. Never an answer by itself: a caller may start work that takes long on it (a
   * routed read's forward) while viewerFor checks the client again, and releases nothing
   * before that check confirms it.
   */
  recentViewer(claims: AccessTokenClaims): Viewer | undefined {
    const r = this.recent.get(claims.sub);
    if (!r || Date.now() - r.at > RECENT_VIEWER_MS || issuedBeforeRotation(claims, r.rotatedAt)) return undefined;
    return r.viewer;
  }

  private async mutate(clientId: string, data: Prisma.ApiClientUpdateInput, audit: AuditEvent): Promise<ApiClient> {
    try {
      this.recent.delete(clientId);
      return await this.repo.update(clientId, data, audit);
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2025') throw notFound('API client', clientId);
      throw e;
    }
  }
}

const RECENT_VIEWERS = 10_000;
const RECENT_VIEWER_MS = 60_000;

/** A token issued before the client's last secret rotation (a second of clock slack). */
function issuedBeforeRotation(claims: AccessTokenClaims, rotatedAt: Date | null): boolean {
  return !!rotatedAt && (claims.iat ?? 0) * 1000 < rotatedAt.getTime() - 1000;
}

export function parseRoles(values: readonly string[]): Role[] {
  const all = Object.values(Role) as string[];
  const roles = [...new Set(values.map((v) => v.trim().toUpperCase()))];
  if (roles.length === 0) throw badInput(`At least one role is required (${all.join(', ')})`, { field: 'role' });
  for (const r of roles) if (!all.includes(r)) throw badInput(`Unknown role ${r}: expected one of ${all.join(', ')}`, { field: 'role' });
  return roles as Role[];
}
