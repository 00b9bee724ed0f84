import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../app/services.js';
import type { Metrics } from '../server/metrics.js';
import { mediaType, readBody, sendJson } from '../server/http-util.js';
import { logger } from '../shared/logger.js';

const log = logger('auth');

/** RFC 6749 error answer; `no-store` as §5.1 requires. */
function oauthError(res: ServerResponse, status: number, error: string, description: string, basic = false): void {
  sendJson(res, status, { error, error_description: description }, {
    pragma: 'no-cache',
    ...(status === 401 ? { 'www-authenticate': basic ? 'Basic realm="lgsp-hub"' : 'Bearer realm="lgsp-hub"' } : {}),
  });
}

/**
 * POST /oauth/token — client credentials grant (RFC 6749 §4.4). Credentials come in the form or
 * JSON body, or in HTTP Basic. Bad credentials: 401 invalid_client, audited without the secret.
 */
export async function handleTokenRequest(req: IncomingMessage, res: ServerResponse, services: Services, metrics: Metrics, requestId: string): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return oauthError(res, 405, 'invalid_request', 'use POST');
  }
  const raw = (await readBody(req, 16 * 1024)).toString('utf8');
  let params: Record<string, string | undefined>;
  const type = mediaType(req);
  if (type === 'application/json') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      params = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
    } catch {
      return oauthError(res, 400, 'invalid_request', 'body is not a JSON object');
    }
  } else if (type === 'application/x-www-form-urlencoded' || type === '') {
    params = Object.fromEntries(new URLSearchParams(raw));
  } else {
    return oauthError(res, 400, 'invalid_request', 'send application/x-www-form-urlencoded or application/json');
  }

  let clientId = params.client_id;
  let clientSecret = params.client_secret;
  const auth = req.headers.authorization;
  const basic = !!auth && /^basic /i.test(auth);
  if (basic) {
    const decoded = Buffer.from(auth!.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return oauthError(res, 401, 'invalid_client', 'malformed Basic credentials', true);
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      // RFC 6749 §2.3.1 form-encodes Basic credentials; a malformed escape is bad credentials, not a 500.
      return oauthError(res, 401, 'invalid_client', 'malformed Basic credentials', true);
    }
  }
  if (params.grant_type !== 'client_credentials') {
    metrics.tokensIssued.inc({ result: 'unsupported_grant_type' });
    return oauthError(res, 400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
  }
  if (!clientId || !clientSecret) {
    return oauthError(res, 401, 'invalid_client', 'client_id and client_secret are required', basic);
  }
  const client = await services.clients.authenticate(clientId, clientSecret);
  if (!client) {
    metrics.tokensIssued.inc({ result: 'invalid_client' });
    log.warn({ requestId, clientId: clientId.slice(0, 100) }, 'client authentication failed');
    await services.clients.recordFailedAuthentication(clientId, 'invalid_client', requestId);
    return oauthError(res, 401, 'invalid_client', 'unknown client, wrong secret or disabled client', basic);
  }
  // RFC 8707-style `audience` (or `resource`): a token for a pinned peer hub, e.g. the national hub.
  const audience = (params.audience ?? params.resource)?.replace(/^lgsp:/, '').toUpperCase();
  if (audience && audience !== services.config.hubCode && !(await services.federation.isPeer(audience))) {
    return oauthError(res, 400, 'invalid_target', `unknown audience ${audience}: not this hub nor a peer`);
  }
  const token = await services.tokens.issue(client, audience && audience !== services.config.hubCode ? audience : undefined);
  metrics.tokensIssued.inc({ result: 'issued' });
  sendJson(res, 200, { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn }, { pragma: 'no-cache' });
}
