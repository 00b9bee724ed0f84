import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { generateCatalogue } from './database.js';
import { fetchToken, send } from './http.js';
export async function setupHubDatabase(o) {
    const load = (rel) => import(pathToFileURL(path.join(o.hubDir, 'dist', rel)).href);
    const { createRootLogger } = await load('shared/logger.js');
    const { loadConfig } = await load('config/config.js');
    const { startHub } = await load('app/hub.js');
    createRootLogger('warn');
    const dataDir = path.join(o.workDir, 'hub-data');
    fs.mkdirSync(dataDir, { recursive: true });
    let t = Date.now();
    const hub = await startHub(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: o.databaseUrl, LGSP_SEED: 'none', LOG_LEVEL: 'warn', LGSP_HUB_CODE: o.hubCode, LGSP_DATA_DIR: dataDir }), { controlSocket: false });
    const migrate = (Date.now() - t) / 1000;
    try {
        t = Date.now();
        const db = new pg.Client({ connectionString: o.databaseUrl });
        await db.connect();
        let data;
        try {
            data = await generateCatalogue(db, o.hubCode, o.agencies, o.datasets, o.fieldsPerDataset);
            const partial = { hubCode: o.hubCode, token: '', datasetCodes: data.datasetCodes, sizes: data.sizes };
            for (const w of o.workloads)
                await w.setup?.(db, partial);
            await db.query('ANALYZE');
        }
        finally {
            await db.end();
        }
        const generate = (Date.now() - t) / 1000;
        const client = await hub.services.clients.create({ agency: data.agencyCodes[0], roles: ['DEVELOPER'], name: 'lgsp-bench' }, { actorClient: 'lgsp-bench', requestId: 'bench-setup' });
        // Capture the statements of one request per hub workload.
        const token = await fetchToken(hub.url, client.clientId, client.clientSecret);
        const ctx = { hubCode: o.hubCode, token, datasetCodes: data.datasetCodes, sizes: data.sizes };
        let captured;
        hub.db.prisma.$on('query', (e) => captured?.push(e.query));
        const sql = hub.db.sql;
        const originalQuery = sql.query.bind(sql);
        sql.query = (text, params) => {
            captured?.push(text.replace(/\s+/g, ' ').trim());
            return originalQuery(text, params);
        };
        const capturedSql = new Map();
        for (const w of o.workloads) {
            const target = w.targets.find((x) => x.system === 'hub');
            if (!target)
                continue;
            const spec = target.requests(ctx)[0];
            captured = [];
            const r = await send(hub.url, spec);
            target.canonical(r.json());
            capturedSql.set(w.name, captured);
            captured = undefined;
        }
        sql.query = originalQuery;
        return { clientId: client.clientId, clientSecret: client.clientSecret, sizes: data.sizes, datasetCodes: data.datasetCodes, capturedSql, seconds: { migrate, generate } };
    }
    finally {
        await hub.close();
    }
}
