import { expect } from 'vitest';
import { approveOk, grantOk, inDays, requestOk, revoke, type AccessRequestView, type GrantView } from './access.js';
import type { TestHub } from './hub.js';
import { actor, agencyWith, datasetWith, importOk, sleep, type Actor, type FieldSpec } from './records.js';

/**
 * The world the adversarial suite attacks: datasets in every sharing mode (and a draft) whose
 * protected values carry sentinels, agencies holding active, narrowed, revoked and expired grants,
 * pending requests, and strangers. Whatever must not be read contains one of the SECRETS strings,
 * so a test can search a whole raw response body for them.
 */

export const PURPOSE = 'Thanh tra việc chi trả trợ cấp';

/** Values only the owner, or a grant naming the field, may read. */
export const SENTINEL = 'SENTINEL';
export const SECRET_NUMBER = 987654321;
/** Protected for everyone without a grant on the ON_REQUEST dataset (the grantee reads them). */
const ON_REQUEST_OPEN_PART = ['OPEN-MA-', 'XA-A'];
/** Readable by any authenticated agency, never anonymously. */
const AUTHENTICATED_ONLY = ['D-XA-', 'OPEN-INTERNAL-'];

export const SECRETS = {
  /** For the grantee of the narrowed ON_REQUEST grant: other fields and rows stay secret. */
  grantee: [SENTINEL, String(SECRET_NUMBER)],
  /** For an authenticated agency without grants. */
  stranger: [SENTINEL, String(SECRET_NUMBER), ...ON_REQUEST_OPEN_PART],
  /** For an anonymous caller. */
  anonymous: [SENTINEL, String(SECRET_NUMBER), ...ON_REQUEST_OPEN_PART, ...AUTHENTICATED_ONLY],
};

export function expectNoSecret(text: string, secrets: readonly string[]) {
  for (const s of secrets) expect(text, `the response leaks "${s}"`).not.toContain(s);
}

const f = (name: string, type: FieldSpec['type'], classification: FieldSpec['classification'], extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, classification, ...extra });

export interface World {
  own: { code: string; MAINTAINER: Actor; DEVELOPER: Actor };
  grantee: { code: string; DEVELOPER: Actor; MAINTAINER: Actor };
  revoked: { code: string; DEVELOPER: Actor };
  expired: { code: string; DEVELOPER: Actor };
  stranger: { code: string; DEVELOPER: Actor; MAINTAINER: Actor; ADMIN: Actor };
  disabled: Actor;
  ds: { onRequest: string; byDefault: string; open: string; draft: string };
  grants: { narrowed: GrantView; personal: GrantView; revoked: GrantView; expired: GrantView };
  /** A request of the grantee still PENDING (for attempts on other agencies' ids). */
  pending: AccessRequestView;
}

export async function buildWorld(hub: TestHub): Promise<World> {
  const [own, grantee, revoked, expired, stranger] = await Promise.all([
    agencyWith(hub, ['MAINTAINER', 'DEVELOPER'] as const),
    agencyWith(hub, ['DEVELOPER', 'MAINTAINER'] as const),
    agencyWith(hub, ['DEVELOPER'] as const),
    agencyWith(hub, ['DEVELOPER'] as const),
    agencyWith(hub, ['DEVELOPER', 'MAINTAINER', 'ADMIN'] as const),
  ]);
  const disabled = await actor(hub, stranger.code, 'DEVELOPER');
  await hub.services.clients.disable(disabled.clientId, { actorClient: 'test', requestId: 'test' });

  const mk = async (fields: FieldSpec[], sharingMode: 'OPEN' | 'DEFAULT' | 'ON_REQUEST', rows: Record<string, unknown>[], status?: 'DRAFT') => {
    const code = (await datasetWith(hub, own.code, fields, { sharingMode, status })).code;
    await importOk(hub, own.MAINTAINER.token, code, rows, 'REPLACE');
    return code;
  };
  const onRequest = await mk(
    [f('ma', 'STRING', 'INTERNAL', { key: true }), f('xa', 'STRING', 'PUBLIC', { indexed: true }), f('ten', 'STRING', 'PERSONAL'), f('cccd', 'STRING', 'SENSITIVE_PERSONAL'), f('luong', 'INTEGER', 'INTERNAL')],
    'ON_REQUEST',
    [1, 2, 3, 4, 5, 6].map((i) =>
      i <= 3
        ? { ma: `OPEN-MA-A${i}`, xa: 'XA-A', ten: `SENTINEL-TEN-A${i}`, cccd: `SENTINEL-CCCD-000${i}`, luong: SECRET_NUMBER }
        : { ma: `SENTINEL-MA-B${i}`, xa: 'SENTINEL-XA-B', ten: `SENTINEL-TEN-B${i}`, cccd: `SENTINEL-CCCD-000${i}`, luong: SECRET_NUMBER },
    ),
  );
  const byDefault = await mk(
    [f('xa', 'STRING', 'PUBLIC'), f('so', 'INTEGER', 'INTERNAL'), f('ten', 'STRING', 'PERSONAL'), f('cccd', 'STRING', 'SENSITIVE_PERSONAL')],
    'DEFAULT',
    [1, 2, 3].map((i) => ({ xa: `D-XA-${i}`, so: i, ten: `SENTINEL-DTEN-${i}`, cccd: `SENTINEL-DCCCD-${i}` })),
  );
  const open = await mk(
    [f('ten_tt', 'STRING', 'PUBLIC'), f('noi_bo', 'STRING', 'INTERNAL'), f('ten', 'STRING', 'PERSONAL')],
    'OPEN',
    [1, 2, 3].map((i) => ({ ten_tt: `Thủ tục ${i}`, noi_bo: `OPEN-INTERNAL-${i}`, ten: `SENTINEL-OTEN-${i}` })),
  );
  const draft = await mk([f('dia_chi', 'STRING', 'PUBLIC')], 'OPEN', [{ dia_chi: 'SENTINEL-DRAFT-1' }], 'DRAFT');

  const narrowed = await grantOk(
    hub,
    grantee.DEVELOPER.token,
    own.MAINTAINER.token,
    { dataset: onRequest, fields: ['ma', 'xa', 'ten'], purpose: PURPOSE, validUntil: inDays(30) },
    { fields: ['ma', 'xa'], rowFilter: [{ field: 'xa', op: 'eq', value: 'XA-A' }] },
  );
  const personal = await grantOk(hub, grantee.DEVELOPER.token, own.MAINTAINER.token, { dataset: byDefault, fields: ['ten'], purpose: PURPOSE });
  const revokedGrant = await grantOk(hub, revoked.DEVELOPER.token, own.MAINTAINER.token, { dataset: onRequest, fields: ['ma', 'xa', 'ten', 'cccd', 'luong'], purpose: PURPOSE });
  const revokedNow = (await revoke(hub, own.MAINTAINER.token, revokedGrant.id)).body.data!.revokeGrant;
  const expiring = await requestOk(hub, expired.DEVELOPER.token, { dataset: onRequest, fields: ['ma', 'xa', 'ten', 'cccd', 'luong'], purpose: PURPOSE });
  const until = new Date(Date.now() + 1_500);
  const expiredGrant = await approveOk(hub, own.MAINTAINER.token, expiring.id, { validUntil: until.toISOString() });
  const pending = await requestOk(hub, grantee.MAINTAINER.token, { dataset: onRequest, fields: ['cccd'], purpose: `${SENTINEL}-PURPOSE of another agency` });
  await sleep(Math.max(0, until.getTime() - Date.now() + 100));

  return {
    own,
    grantee,
    revoked,
    expired,
    stranger,
    disabled,
    ds: { onRequest, byDefault, open, draft },
    grants: { narrowed, personal, revoked: revokedNow, expired: expiredGrant },
    pending,
  };
}
