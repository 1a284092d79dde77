import type { SharedV3Warning } from '@ai-sdk/provider';

/** One readable line for a provider warning, kept in the manifest and shown in the summary. */
export function formatWarning(warning: SharedV3Warning | { type: string; [key: string]: unknown }): string {
  const record = warning as { type: string; feature?: string; details?: string; message?: string };
  if (record.type === 'other') return record.message ?? 'provider warning';
  const prefix = record.type === 'unsupported' ? 'unsupported' : record.type;
  return `${prefix}: ${record.feature ?? ''}${record.details ? ` (${record.details})` : ''}`;
}
