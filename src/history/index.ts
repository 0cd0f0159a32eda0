// The history's public face: the store, its query and option types (it reports through base/logger's Logger).

export { HistoryStore } from './history-store';
export type { HistoryAccess, Awaitable } from './history-access';
export type { HistoryStoreOptions, HistoryRole, HistoryChange, HistoryStats, RetentionPolicy } from './history-store';
export type { EntryPage, EntryPageQuery, EntryStateFilter } from './database/history-database';
export type { ListQuery, PageQuery, VmQuery, HistoryFilter, HistoryEntry, ClusterSummary, KeysetPage, KeysetQuery, PageCursor } from './database/history-database';
export type { ExportFormat, ExportQuery } from './history-export';
export type { PlanRunQuery, PlanRunRecord } from './plan-runs';
export { HistoryError, type HistoryErrorCode } from './history-error';
