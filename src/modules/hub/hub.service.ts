import type { Config } from '../../config/config.js';
import type { Database } from '../../db/database.js';

export interface HubInfo {
  code: string;
  name: string;
  publicUrl: string;
}

/** This hub's identity, recorded in the database so that every process agrees on it. */
export class HubService {
  constructor(
    private readonly db: Database,
    private readonly config: Config,
  ) {}

  async ensureLocalHub(): Promise<void> {
    const { hubCode: code, hubName: name, publicUrl } = this.config;
    await this.db.prisma.hub.upsert({
      where: { code },
      create: { code, name, publicUrl, isLocal: true },
      update: { name, publicUrl, isLocal: true },
    });
  }

  info(): HubInfo {
    return { code: this.config.hubCode, name: this.config.hubName, publicUrl: this.config.publicUrl };
  }
}
