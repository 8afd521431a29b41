// A real OpenID Provider (npm oidc-provider) laid out like Microsoft Entra ID, for the tests.
//
// Entra serves one multi-tenant ("organizations") discovery document whose issuer holds a
// `{tenantid}` placeholder, while every id token names its own tenant's issuer. oidc-provider has
// one issuer per instance, so this script runs one Provider per tenant under `/{tid}/v2.0` and
// serves the Entra-shaped front itself:
//   GET  /organizations/v2.0/.well-known/openid-configuration   the discovery document
//   GET  /organizations/oauth2/v2.0/authorize                   "Sign in" (asks for the account),
//        then hands the request to the account's tenant Provider (/{tid}/v2.0/auth)
//   POST /organizations/oauth2/v2.0/token                       routed to the Provider that
//        issued the code
//   GET  /organizations/discovery/v2.0/keys                     the signing keys (shared)
//
// Configuration: JSON in ENTRA_TEST_CONFIG
//   {client_id, client_secret, redirect_uris: [...], tenants: [tid, ...],
//    accounts: [{oid, tid, preferred_username, email, name, acct?, xms_edov?, login?, issuer_tid?}]}
// `acct` (0 member, 1 guest) and `xms_edov` (the email's domain is verified by the organisation)
// are Entra's optional claims: an account without them gets a token without them. `login` is
// the name typed on the sign-in page (default: `preferred_username`), so that two accounts may
// claim the same username.
// `issuer_tid` lets a test make a tenant's Provider sign a token that claims another `tid`
// (a forged tenant): the relying party must refuse it.
// The script listens on a free port and prints `READY <port>` once it serves.

import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import querystring from 'node:querystring';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.ENTRA_TEST_CONFIG);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'entra-test-key';
const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };

const codeTenant = new Map(); // authorization code id -> tid of the Provider that issued it
const providers = new Map(); // tid -> Provider

function memoryAdapter(tid) {
  const store = new Map();
  return class MemoryAdapter {
    constructor(name) { this.name = name; }
    key(id) { return `${this.name}:${id}`; }
    async upsert(id, payload) {
      store.set(this.key(id), payload);
      if (this.name === 'AuthorizationCode') codeTenant.set(id, tid);
    }
    async find(id) { return store.get(this.key(id)); }
    async findByUid(uid) {
      for (const [key, payload] of store) {
        if (key.startsWith(`${this.name}:`) && payload.uid === uid) return payload;
      }
      return undefined;
    }
    async findByUserCode() { return undefined; }
    async consume(id) {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const [key, payload] of store) if (payload.grantId === grantId) store.delete(key);
    }
  };
}

function accountFor(id) {
  return config.accounts.find((account) => account.oid === id);
}

const loginOf = (account) => (account.login || account.preferred_username).toLowerCase();

function makeProvider(base, tid) {
  const provider = new Provider(`${base}/${tid}/v2.0`, {
    adapter: memoryAdapter(tid),
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [privateJwk] },
    cookies: { keys: ['entra-test-cookie-key'] },
    claims: {
      openid: ['sub', 'tid', 'oid', 'acct'],
      email: ['email', 'xms_edov'],
      profile: ['name', 'preferred_username'],
    },
    // Entra puts these claims in the id token itself; the portal reads no userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => false },
    interactions: { url: (ctx, interaction) => `/${tid}/v2.0/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = accountFor(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: account.oid,
            oid: account.oid,
            tid: account.tid,
            email: account.email,
            preferred_username: account.preferred_username,
            name: account.name,
            acct: account.acct,
            xms_edov: account.xms_edov,
          };
        },
      };
    },
  });
  provider.proxy = false;
  return provider;
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(query, error = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body><main><h1>Sign in</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/organizations/oauth2/v2.0/authorize">
<input type="hidden" name="query" value="${escape(query)}">
<label for="login">Email, phone, or Skype</label> <input id="login" name="login" autofocus>
<button type="submit">Next</button></form></main></body></html>`;
}

async function handleInteraction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const account = config.accounts.find((a) => loginOf(a) === params.login_hint);
    if (!account) return send(res, 400, 'unknown login_hint', 'text/plain');
    return provider.interactionFinished(req, res, { login: { accountId: account.oid } }, {
      mergeWithLastSubmission: false,
    });
  }
  // Consent: the organisation's admin consented to openid email profile for the app.
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope('openid email profile');
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
}

const server = createServer(async (req, res) => {
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    const url = new URL(req.url, base);
    const path = url.pathname;
    if (path === '/organizations/v2.0/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer: `${base}/{tenantid}/v2.0`,
        authorization_endpoint: `${base}/organizations/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/organizations/oauth2/v2.0/token`,
        jwks_uri: `${base}/organizations/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid', 'oid',
          'preferred_username', 'email', 'name', 'acct', 'xms_edov'],
        tenant_region_scope: null,
      });
    }
    if (path === '/organizations/discovery/v2.0/keys') {
      return send(res, 200, { keys: [publicJwk] });
    }
    if (path === '/organizations/oauth2/v2.0/authorize') {
      if (req.method === 'GET') return send(res, 200, signInPage(url.search.slice(1)), 'text/html');
      const form = querystring.parse(await readBody(req));
      const login = String(form.login || '').trim().toLowerCase();
      const account = config.accounts.find((a) => loginOf(a) === login);
      if (!account) {
        return send(res, 200, signInPage(form.query, "We couldn't find an account with that username."), 'text/html');
      }
      const params = new URLSearchParams(String(form.query));
      params.set('login_hint', loginOf(account));
      res.writeHead(303, { location: `/${account.issuer_tid || account.tid}/v2.0/auth?${params}` });
      return res.end();
    }
    if (path === '/organizations/oauth2/v2.0/token') {
      const body = await readBody(req);
      const tid = codeTenant.get(String(querystring.parse(body).code || ''));
      if (!tid) return send(res, 400, { error: 'invalid_grant', error_description: 'unknown code' });
      req.body = body;
      req.originalUrl = `/${tid}/v2.0/token`;
      req.url = '/token';
      return providers.get(tid).callback()(req, res);
    }
    const match = path.match(/^\/([^/]+)\/v2\.0(\/.*)$/);
    const provider = match && providers.get(match[1]);
    if (!provider) return send(res, 404, { error: 'not_found' });
    if (match[2].startsWith('/interaction/')) return await handleInteraction(provider, req, res);
    req.originalUrl = req.url;
    req.url = req.url.slice(`/${match[1]}/v2.0`.length);
    return provider.callback()(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String(error) });
  }
});

server.listen(0, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  for (const tid of config.tenants) providers.set(tid, makeProvider(base, tid));
  console.log(`READY ${server.address().port}`);
});
