/** User exports (Auth0's users-exports jobs): the records of what to export; the file is written when downloaded. */
import type { UserExportRecord } from '../../model/jobs.ts';

export interface ExportStore {
  createExport(record: UserExportRecord): Promise<void>;
  getExport(id: string): Promise<UserExportRecord | undefined>;
  /** Deletes the exports whose download expired before `expiredBefore`; returns how many went. */
  purgeExports(expiredBefore: number): Promise<number>;
}
