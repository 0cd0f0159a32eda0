// What the extension's exported API offers about migrations: the live watcher's state (and what
// the output channel, status bar and Migrations view show, for tests), and the seed queries,
// all served from the durable history. Types only, so extension.ts pulls in nothing with them.

import type * as vscode from 'vscode';
import type { ClusterSummary, HistoryEntry, HistoryRole, ListQuery, PageQuery, VmQuery } from '../../history';
import type { ConnectionState } from '../../model/cluster';
import type { Event } from '../../base/event';
import type { Migration, PhaseTransition } from '../../model/migration';
import type { MigrationTransitionEvent } from '../../watch/migration-watcher';
import type { HistorySource } from '../../serve/client/team-history';
import type { HistoryPanelApi } from '../history-panel/history-panel-registration';
import type { MigrationsElement } from './core/migrations-elements';
import type { MigrationsTreeProvider } from './migrations-tree-provider';
import type { MigrationStatusBarState } from './status-bar-indicator';

export interface MigrationsApi {
  /** Resolves once the background watcher runs (it starts just after activation). */
  whenStarted(): Promise<void>;
  readonly started: boolean;
  /** Migrations not final, oldest first. */
  active(): Migration[];
  /** Migrations that ended while this window watched, newest end first. */
  recent(limit?: number): Migration[];
  /** A held migration's phases, in time order. */
  phasesOf(migrationId: string): PhaseTransition[];
  /** Cluster ids whose migration streams are followed. */
  watchedClusters(): string[];
  /** A watched cluster's stream connection. */
  streamStatus(clusterId: string): ConnectionState | undefined;
  /** Every transition as it happens (one stream, across clusters). */
  readonly onDidTransition: Event<MigrationTransitionEvent>;
  /** The transition lines printed to the "Blixard Migrations" output channel (the latest 2,000). */
  outputLines(): string[];
  /** What the status bar shows now. */
  readonly statusBar: MigrationStatusBarState;
  /** The Migrations view. */
  readonly view: { readonly provider: MigrationsTreeProvider; readonly treeView: vscode.TreeView<MigrationsElement> };
}

export interface ExportResult {
  file: string;
  /** Migrations written. */
  rows: number;
}

/** The seed application's queries, answered from the history (this window's copy of it). */
export interface MigrationHistoryApi {
  /** Resolves once the history is open; rejects with the reason when it could not be opened. */
  whenReady(): Promise<void>;
  /** The database file (in the extension's global storage). */
  readonly path: string | undefined;
  /** 'writer' in the window that writes the history, 'follower' in the others. */
  readonly role: HistoryRole | undefined;
  /** Newest first; paged (default 500 rows). */
  all(query?: ListQuery): Promise<Migration[]>;
  active(): Promise<Migration[]>;
  byId(migrationId: string): Promise<HistoryEntry | undefined>;
  byDatacenter(datacenter: string, page?: PageQuery): Promise<Migration[]>;
  byVm(vm: string, query?: VmQuery): Promise<Migration[]>;
  transitions(migrationId: string): Promise<PhaseTransition[]>;
  summaryByCluster(): Promise<ClusterSummary[]>;
  /** Writes the history (or the part a filter selects) to `file` as CSV or JSON, without asking. */
  exportTo(file: string, format: 'csv' | 'json', query?: Pick<ListQuery, 'filter' | 'text'>): Promise<ExportResult>;
  /** The history panel. */
  readonly panel: HistoryPanelApi;
  /** Where the view, the panel and the History commands read from (blixard.history.server). */
  historySource(): HistorySource;
  /** Resolves once the team history's latest list of the server is read (or failed); at once without a server. */
  whenTeamHistoryLoaded(): Promise<void>;
}
