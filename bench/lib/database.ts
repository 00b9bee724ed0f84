import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { databaseUrl } from './options.js';
import type { DataSizes } from '../workloads/types.js';

/**
 * A bench database, empty. Dropped and created again; or, with `reuse` (quick mode), emptied in
 * place when it exists: its schemas are dropped and `public` made again. DROP DATABASE forces a
 * checkpoint (about 0.6 s each here, several databases a run); dropping schemas does not.
 * Nobody else may be connected to it.
 */
export async function recreateDatabase(adminUrl: string, name: string, reuse = false): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    if (reuse && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      const db = new pg.Client({ connectionString: databaseUrl(adminUrl, name) });
      await db.connect();
      try {
        const { rows } = await db.query<{ nspname: string }>(
          `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
        );
        const schemas = rows.map((r) => `"${r.nspname.replace(/"/g, '""')}"`);
        await db.query(`DROP SCHEMA IF EXISTS ${schemas.join(', ')} CASCADE; CREATE SCHEMA public`);
      } finally {
        await db.end();
      }
      return;
    }
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function serverVersion(adminUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await c.end();
  }
}

const DEPARTMENTS = [
  'Sở Thông tin và Truyền thông',
  'Sở Tư pháp',
  'Công an tỉnh',
  'Sở Tài nguyên và Môi trường',
  'Sở Kế hoạch và Đầu tư',
  'Sở Y tế',
  'Sở Giáo dục và Đào tạo',
  'Sở Nông nghiệp và Phát triển nông thôn',
  'Sở Lao động - Thương binh và Xã hội',
  'Sở Công Thương',
];

const DOMAINS: [slug: string, vi: string, en: string][] = [
  ['ho-tich', 'Hộ tịch', 'Civil status'],
  ['dat-dai', 'Đất đai', 'Land'],
  ['doanh-nghiep', 'Doanh nghiệp', 'Enterprises'],
  ['y-te', 'Y tế', 'Health'],
  ['giao-duc', 'Giáo dục', 'Education'],
  ['nong-nghiep', 'Nông nghiệp', 'Agriculture'],
  ['lao-dong', 'Lao động', 'Labour'],
  ['giao-thong', 'Giao thông', 'Transport'],
  ['moi-truong', 'Môi trường', 'Environment'],
  ['dich-vu-cong', 'Dịch vụ công', 'Public services'],
];

const FIELDS: [name: string, type: string, classification: string, description: string | null][] = [
  ['ma_dinh_danh', 'STRING', 'PUBLIC', 'Mã định danh bản ghi'],
  ['ho_ten', 'STRING', 'PERSONAL', 'Họ và tên'],
  ['ngay_sinh', 'DATE', 'PERSONAL', 'Ngày sinh'],
  ['so_cccd', 'STRING', 'SENSITIVE_PERSONAL', 'Số căn cước công dân'],
  ['ma_xa', 'STRING', 'PUBLIC', 'Mã đơn vị hành chính cấp xã'],
  ['dia_chi', 'STRING', 'INTERNAL', 'Địa chỉ'],
  ['so_luong', 'INTEGER', 'PUBLIC', null],
  ['gia_tri', 'DECIMAL', 'INTERNAL', 'Giá trị (đồng)'],
  ['da_xac_minh', 'BOOLEAN', 'PUBLIC', null],
  ['cap_nhat_luc', 'DATETIME', 'PUBLIC', 'Thời điểm cập nhật'],
];

const SHARING = ['OPEN', 'DEFAULT', 'ON_REQUEST'] as const;

/** The hub's search folding (src/shared/text.ts foldText + DatasetService.searchTextOf), repeated here. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface GeneratedData {
  sizes: DataSizes;
  agencyCodes: string[];
  datasetCodes: string[];
}

/**
 * Generates the catalogue straight into the hub's tables: agencies, datasets (all PUBLISHED,
 * schema_version 1, search_text filled), one schema version each and its fields. Deterministic
 * content; ids are random UUIDs.
 */
export async function generateCatalogue(db: pg.Client, hubCode: string, agencies: number, datasets: number, fieldsPerDataset: number): Promise<GeneratedData> {
  const width = Math.max(2, String(agencies).length);
  const agencyIds: string[] = [];
  const agencyCodes: string[] = [];
  const agencyNames: string[] = [];
  for (let i = 0; i < agencies; i++) {
    agencyIds.push(randomUUID());
    agencyCodes.push(`G22.${hubCode}.${String(i + 1).padStart(width, '0')}`);
    const dept = DEPARTMENTS[i % DEPARTMENTS.length]!;
    agencyNames.push(i < DEPARTMENTS.length ? `${dept} tỉnh Tiền Giang` : `${dept} tỉnh Tiền Giang (đơn vị ${Math.floor(i / DEPARTMENTS.length) + 1})`);
  }
  await db.query(
    `INSERT INTO agency (id, code, name, hub_code, created_at, updated_at)
     SELECT id, code, name, $4, now(), now() FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, code, name)`,
    [agencyIds, agencyCodes, agencyNames, hubCode],
  );

  const d = { id: [] as string[], code: [] as string[], title: [] as string[], titleEn: [] as string[], description: [] as string[], domain: [] as string[], keywords: [] as string[], sharing: [] as string[], owner: [] as string[], search: [] as string[] };
  const s = { id: [] as string[], dataset: [] as string[] };
  const f = { schema: [] as string[], position: [] as number[], name: [] as string[], type: [] as string[], description: [] as (string | null)[], required: [] as boolean[], classification: [] as string[], indexed: [] as boolean[], isKey: [] as boolean[] };
  const cw = Math.max(4, String(datasets).length);
  for (let i = 0; i < datasets; i++) {
    const [slug, vi, en] = DOMAINS[i % DOMAINS.length]!;
    const n = String(i + 1).padStart(cw, '0');
    const code = `${slug}-${n}`;
    // Each agency owns one dataset of every domain, so a page of codes spans many owners.
    const owner = Math.floor(i / DOMAINS.length) % agencies;
    const title = `Cơ sở dữ liệu ${vi.toLowerCase()} số ${n} của ${agencyNames[owner]}`;
    const titleEn = `${en} database ${n}`;
    const description = `Danh mục dữ liệu ${vi.toLowerCase()} dùng chung giữa các cơ quan nhà nước trên địa bàn tỉnh, cập nhật định kỳ; phục vụ giải quyết thủ tục hành chính và báo cáo thống kê (bản ghi ${n}).`;
    const keywords = [vi.toLowerCase(), 'dữ liệu dùng chung', `nhóm ${i % 7}`];
    const id = randomUUID();
    d.id.push(id);
    d.code.push(code);
    d.title.push(title);
    d.titleEn.push(titleEn);
    d.description.push(description);
    d.domain.push(vi);
    d.keywords.push(keywords.join('|'));
    d.sharing.push(SHARING[i % SHARING.length]!);
    d.owner.push(agencyIds[owner]!);
    d.search.push(fold([code.replace(/-/g, ' '), title, titleEn, vi, ...keywords, description].join(' ')).slice(0, 20_000));
    const schemaId = randomUUID();
    s.id.push(schemaId);
    s.dataset.push(id);
    for (let p = 0; p < fieldsPerDataset; p++) {
      const [name, type, classification, description] = FIELDS[(p + i) % FIELDS.length]!;
      f.schema.push(schemaId);
      f.position.push(p);
      f.name.push(p < FIELDS.length ? name : `${name}_${Math.floor(p / FIELDS.length)}`);
      f.type.push(type);
      f.description.push(description);
      f.required.push(p === 0);
      f.classification.push(classification);
      f.indexed.push(p === 0);
      f.isKey.push(p === 0);
    }
  }
  await db.query(
    `INSERT INTO dataset (id, hub_code, code, title, title_en, description, domain, keywords, legal_basis, update_frequency, license,
                          sharing_mode, status, owner_id, schema_version, search_text, created_at, updated_at, published_at)
     SELECT id, $11, code, title, title_en, description, domain, string_to_array(keywords, '|'), 'Nghị định 47/2020/NĐ-CP', 'monthly', 'CC-BY-4.0',
            sharing::"SharingMode", 'PUBLISHED', owner, 1, search, now(), now(), now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[])
         AS t(id, code, title, title_en, description, domain, keywords, sharing, owner, search)`,
    [d.id, d.code, d.title, d.titleEn, d.description, d.domain, d.keywords, d.sharing, d.owner, d.search, hubCode],
  );
  await db.query(
    `INSERT INTO dataset_schema (id, dataset_id, version) SELECT id, ds, 1 FROM unnest($1::uuid[], $2::uuid[]) AS t(id, ds)`,
    [s.id, s.dataset],
  );
  await db.query(
    `INSERT INTO dataset_field (schema_id, position, name, type, description, required, classification, indexed, is_key)
     SELECT schema_id, position, name, type::"FieldType", description, required, classification::"Classification", indexed, is_key
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::bool[], $9::bool[])
         AS t(schema_id, position, name, type, description, required, classification, indexed, is_key)`,
    [f.schema, f.position, f.name, f.type, f.description, f.required, f.classification, f.indexed, f.isKey],
  );
  return {
    sizes: { agencies, datasets, fieldsPerDataset, fields: datasets * fieldsPerDataset },
    agencyCodes,
    datasetCodes: [...d.code].sort(),
  };
}
