import { InstalledWorkbench } from './support/installed-workbench';
describe('scratch', function () {
  this.timeout(300000);
  it('iframes', async () => {
    const wb = await InstalledWorkbench.open();
    try {
      await wb.openBlixardContainer();
      await wb.runCommand('Blixard: Start Local Dev Cluster');
      await wb.treeRow('Clusters', 'Local dev cluster').waitFor({ timeout: 60000 });
      await wb.runCommand('Blixard: Migrate VM…');
      await wb.answerQuickInput('vm-2', { pick: 'vm-2' });
      await wb.editorTab('Migrate vm-2').waitFor({ timeout: 60000 });
      await wb.page.waitForTimeout(4000);
      console.log(await wb.page.locator('iframe').evaluateAll((els) => els.map((e) => `${e.className} vis=${getComputedStyle(e).visibility} disp=${getComputedStyle(e).display} ${e.getBoundingClientRect().width}x${e.getBoundingClientRect().height}`)));
      console.log(await wb.page.locator('iframe.webview.ready:visible').count(), await wb.page.locator('iframe.webview.ready').count());
      console.log(await wb.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('h1').allTextContents());
      console.log(await wb.page.locator('iframe.webview.ready').first().contentFrame().locator('#active-frame').contentFrame().locator('h1').allTextContents());
    } finally { await wb.close(); }
  });
});
