import { txQuery, type AnyTx } from '../../db/sql.js';

/**
 * Notes a change of a catalogue entry in the change feed peers harvest. Call it inside the
 * transaction of the change, so the feed never announces what did not commit.
 */
export async function recordCatalogueChange(tx: AnyTx, dataset: { id: string; hubCode: string; code: string }): Promise<void> {
  await txQuery(tx, 'INSERT INTO dataset_change (dataset_id, hub_code, code) VALUES ($1::uuid, $2, $3)', [dataset.id, dataset.hubCode, dataset.code]);
}
