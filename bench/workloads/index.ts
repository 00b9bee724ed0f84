import { audit } from './audit.js';
import { catalogue } from './catalogue.js';
import { dataset } from './dataset.js';
import { federation } from './federation.js';
import { grant } from './grant.js';
import { importWorkload } from './import.js';
import { records } from './records.js';
import type { Workload } from './types.js';

/**
 * Every workload, in run order. To add one: write bench/workloads/NAME.ts exporting a Workload
 * (targets, goals, raw routes, optional data setup and server variants) and list it here.
 */
export const WORKLOADS: Workload[] = [catalogue, dataset, records, grant, audit, importWorkload, federation];

export function selectWorkloads(names: string[]): Workload[] {
  if (names.length === 0) return WORKLOADS;
  return names.map((name) => {
    const w = WORKLOADS.find((x) => x.name === name);
    if (!w) throw new Error(`unknown workload "${name}"; known: ${WORKLOADS.map((x) => x.name).join(', ')}`);
    return w;
  });
}
