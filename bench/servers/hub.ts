import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { announceReady, exitOnSignal, requireEnv } from './common.js';

/**
 * The hub under test, as `lgsp serve` runs it: startHub from the compiled hub (BENCH_HUB_DIR/dist)
 * with the configuration from the environment (DATABASE_URL, PORT=0, LGSP_SEED=none, LOG_LEVEL).
 * Imported by path at run time so that the bench builds without the hub's sources.
 */

interface RunningHub {
  url: string;
  close(): Promise<void>;
}

const hubDir = requireEnv('BENCH_HUB_DIR');
const load = <T>(rel: string) => import(pathToFileURL(path.join(hubDir, 'dist', rel)).href) as Promise<T>;

const { createRootLogger } = await load<{ createRootLogger(level: string): unknown }>('shared/logger.js');
const { loadConfig } = await load<{ loadConfig(env: NodeJS.ProcessEnv): { logLevel: string } }>('config/config.js');
const { startHub } = await load<{ startHub(config: unknown, options?: { controlSocket?: boolean }): Promise<RunningHub> }>('app/hub.js');

const config = loadConfig(process.env);
createRootLogger(config.logLevel);
const hub = await startHub(config, { controlSocket: false });
exitOnSignal(() => hub.close());
announceReady({ url: hub.url });
