/**
 * One line of `proofline doctor`'s report. `fail` means something the configuration needs is
 * broken (the command exits 1 and `fix` says what to do); `warn` works but deserves a look;
 * `skipped` is not configured (and `detail` says why).
 */
export interface DoctorRow {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skipped';
  detail: string;
  fix: string | null;
}

export const ok = (name: string, detail: string): DoctorRow => ({ name, status: 'ok', detail, fix: null });
export const warn = (name: string, detail: string, fix: string | null = null): DoctorRow => ({ name, status: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): DoctorRow => ({ name, status: 'fail', detail, fix });
export const skipped = (name: string, why: string): DoctorRow => ({ name, status: 'skipped', detail: why, fix: null });

/** A plain-text table (name, status, detail), then one `fix:` line per failing or warning row. */
export function formatDoctorTable(rows: readonly DoctorRow[]): string {
  const nameWidth = Math.max(5, ...rows.map((r) => r.name.length));
  const statusWidth = 7;
  const header = `${'check'.padEnd(nameWidth)}  ${'status'.padEnd(statusWidth)}  detail`;
  const lines = rows.map((r) => `${r.name.padEnd(nameWidth)}  ${r.status.padEnd(statusWidth)}  ${r.detail.replace(/\s*\n\s*/g, ' ')}`);
  const fixes = rows.filter((r) => r.fix !== null).map((r) => `  ${r.name}: ${r.fix}`);
  return `${[header, '-'.repeat(header.length + 20), ...lines].join('\n')}\n${fixes.length > 0 ? `\nHow to fix:\n${fixes.join('\n')}\n` : ''}`;
}

/** True when some row failed: the command exits 1. */
export function hasFailure(rows: readonly DoctorRow[]): boolean {
  return rows.some((r) => r.status === 'fail');
}
