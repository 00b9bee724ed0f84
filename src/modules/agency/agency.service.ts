import { Prisma } from '../../generated/prisma/client.js';
import { badInput, notFound } from '../../shared/errors.js';
import { decodeCursor, encodeCursor, pageSize, type Page } from '../../shared/cursor.js';
import type { AuditEvent } from '../audit/audit.service.js';
import type { Agency, AgencyRepository } from './agency.repository.js';

/** Electronic agency identifier codes look like `G22.TG.01` or `H30.12`. */
const AGENCY_CODE = /^[A-Z0-9][A-Z0-9.\-]{1,49}$/;

export interface CreateAgencyInput {
  code: string;
  name: string;
  nameEn?: string | null;
  parent?: string | null;
}

export class AgencyService {
  constructor(
    private readonly repo: AgencyRepository,
    private readonly hubCode: string,
  ) {}

  async create(input: CreateAgencyInput, audit: Omit<AuditEvent, 'action'>): Promise<Agency> {
    const code = input.code.trim().toUpperCase();
    const name = input.name.trim();
    if (!AGENCY_CODE.test(code)) throw badInput('Agency code must be 2–50 letters, digits, dots or dashes, e.g. G22.TG.01', { field: 'code' });
    if (!name || name.length > 300) throw badInput('Agency name must be 1–300 characters', { field: 'name' });
    let parentId: string | null = null;
    if (input.parent) {
      const [parent] = await this.repo.findByCodes([input.parent.trim().toUpperCase()]);
      if (!parent) throw badInput(`Parent agency not found: ${input.parent}`, { field: 'parent' });
      parentId = parent.id;
    }
    try {
      return await this.repo.create({ code, name, nameEn: input.nameEn?.trim() || null, hubCode: this.hubCode, parentId }, { ...audit, action: 'agency.create' });
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
        throw badInput(`An agency with code ${code} already exists`, { field: 'code' });
      }
      throw e;
    }
  }

  async byCode(code: string): Promise<Agency | undefined> {
    const [agency] = await this.repo.findByCodes([code.trim().toUpperCase()]);
    return agency;
  }

  async require(code: string): Promise<Agency> {
    const agency = await this.byCode(code);
    if (!agency) throw notFound('Agency', code);
    return agency;
  }

  async page(first: number | null | undefined, after: string | null | undefined): Promise<Page<Agency>> {
    const limit = pageSize(first);
    const afterCode = after ? String(decodeCursor(after, 1)[0]) : undefined;
    const rows = await this.repo.page(limit, afterCode);
    const nodes = rows.slice(0, limit);
    return {
      nodes,
      cursors: nodes.map((a) => encodeCursor([a.code])),
      hasNextPage: rows.length > limit,
      totalCount: () => this.repo.count(),
    };
  }
}
