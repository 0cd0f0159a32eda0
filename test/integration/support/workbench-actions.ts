// The UI steps a suite asks the launcher for (requestWorkbenchAction), done in the page as a
// person would: the extension host has no API for them.

import type { Page } from 'playwright-core';
import type { WorkbenchAction } from './result-events';

export async function performWorkbenchAction(page: Page, action: WorkbenchAction): Promise<void> {
  switch (action) {
    case 'grant-workspace-trust': {
      // The suite has opened Manage Workspace Trust; its "Trust" button (text "Trust" and its
      // shortcut; "Trust Parent" is the other one) trusts the folder.
      const trust = page.locator('.workspace-trust-editor .workspace-trust-buttons .monaco-button').filter({ hasText: /^Trust(?! Parent)/ });
      await trust.first().click({ timeout: 30_000 });
      return;
    }
  }
}
