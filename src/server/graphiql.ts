import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * GraphiQL served from the hub itself (no CDN): the page and the React and GraphiQL bundles come
 * from node_modules, so it works on a network with no internet.
 */
const require = createRequire(import.meta.url);
const moduleDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

export const GRAPHIQL_ASSETS: Record<string, { file: string; type: string }> = {
  '/graphiql/react.js': { file: path.join(moduleDir('react'), 'umd', 'react.production.min.js'), type: 'text/javascript' },
  '/graphiql/react-dom.js': { file: path.join(moduleDir('react-dom'), 'umd', 'react-dom.production.min.js'), type: 'text/javascript' },
  '/graphiql/graphiql.js': { file: path.join(moduleDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  '/graphiql/graphiql.css': { file: path.join(moduleDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

const cache = new Map<string, Buffer>();

export function graphiqlAsset(urlPath: string): { body: Buffer; type: string } | undefined {
  const asset = GRAPHIQL_ASSETS[urlPath];
  if (!asset) return undefined;
  let body = cache.get(urlPath);
  if (!body) {
    body = fs.readFileSync(asset.file);
    cache.set(urlPath, body);
  }
  return { body, type: asset.type };
}

const DEFAULT_QUERY = `# lgsp-hub — GraphiQL
# Lấy token / get a token:
#   curl -s -X POST http://HOST/oauth/token -d grant_type=client_credentials \\
#        -d client_id=… -d client_secret=…
# then add the header  {"Authorization": "Bearer <access_token>"}  below.

query Catalogue {
  hub { code name }
  datasets(first: 10, filter: { search: "ho tich" }) {
    totalCount
    edges { node { ref title sharingMode status owner { code name } fields { name type classification } } }
  }
}
`;

export function graphiqlPage(hubName: string): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>GraphiQL — ${escapeHtml(hubName)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">Đang tải GraphiQL… (loading)</div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)}, defaultEditorToolsVisibility: 'headers' }),
  );
</script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
