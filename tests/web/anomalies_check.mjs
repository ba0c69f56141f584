// The operators' anomalies page of a running iroise in headless Chromium: read the rows and the
// counts, filter by level, acknowledge one anomaly and ask to retry another with the page's
// buttons, and read the page again after each POST.
//
//   node tests/web/anomalies_check.mjs BASE_URL ACK_ID RETRY_ID OUT.png
//
// Prints one JSON document:
//   {"rows": [{id, level, kind, summary, ack}], "counts": {"30m", "3h", "6h"},
//    "filtered": [...rows with ?level=error...], "afterAck": {row}, "afterAckUrl": "...",
//    "afterRetry": {row}, "failures": [...], "pageErrors": [...]}
// Exits 0 when the page loaded and both buttons worked, 1 otherwise (the JSON says why).
//
// Chromium is Debian's (`IROISE_CHROMIUM`, default /usr/bin/chromium), never a download.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-proxy-server",
];

async function rows(tab) {
  return tab.$$eval("tr.anomaly", (trs) =>
    trs.map((tr) => ({
      id: Number(tr.dataset.id),
      level: tr.dataset.level,
      kind: tr.children[2].textContent.trim(),
      summary: tr.children[4].textContent.trim(),
      ack: (tr.querySelector(".ack-state") || { textContent: "" }).textContent.trim(),
      acknowledged: tr.classList.contains("acknowledged"),
    })),
  );
}

async function main() {
  const [base, ackId, retryId, out, user, token] = process.argv.slice(2);
  if (!base || !ackId || !retryId || !out || !user || !token) {
    console.error("usage: node anomalies_check.mjs BASE_URL ACK_ID RETRY_ID OUT.png ADMIN_USER ADMIN_TOKEN");
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), "iroise-anomalies-"));
  const report = { rows: [], counts: {}, filtered: [], failures: [], pageErrors: [] };
  const context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: process.env.IROISE_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
    // The admin pages ask for HTTP Basic: an admin's name and API token.
    httpCredentials: { username: user, password: token },
  });
  try {
    const tab = context.pages()[0] || (await context.newPage());
    tab.on("response", (r) => {
      if (r.url().startsWith(base) && r.status() >= 400) report.failures.push({ url: r.url(), status: r.status() });
    });
    tab.on("pageerror", (e) => report.pageErrors.push(String(e)));

    await tab.goto(`${base}/admin/anomalies`, { waitUntil: "load" });
    report.rows = await rows(tab);
    report.counts = {
      "30m": Number(await tab.textContent("#count-30m")),
      "3h": Number(await tab.textContent("#count-3h")),
      "6h": Number(await tab.textContent("#count-6h")),
    };

    // Filters are a GET form: pick "error and above" and submit.
    await tab.selectOption("select[name=level]", "error");
    await Promise.all([tab.waitForNavigation({ waitUntil: "load" }), tab.click("form.filters button[type=submit]")]);
    report.filteredUrl = tab.url();
    report.filtered = await rows(tab);

    // Acknowledge: the button POSTs and the server sends the browser back to the same view.
    await Promise.all([tab.waitForNavigation({ waitUntil: "load" }), tab.click(`#anomaly-${ackId} button.ack`)]);
    report.afterAckUrl = tab.url();
    report.afterAck = (await rows(tab)).find((r) => r.id === Number(ackId)) || null;

    await Promise.all([tab.waitForNavigation({ waitUntil: "load" }), tab.click(`#anomaly-${retryId} button.retry`)]);
    report.afterRetry = (await rows(tab)).find((r) => r.id === Number(retryId)) || null;

    // A fresh load shows the acknowledgement: it was stored, not just drawn.
    await tab.goto(`${base}/admin/anomalies?acknowledged=yes`, { waitUntil: "load" });
    report.acknowledged = await rows(tab);
    await tab.screenshot({ path: out, fullPage: true });
  } finally {
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(report, null, 1));
  const ok =
    report.rows.length > 0 &&
    report.failures.length === 0 &&
    report.pageErrors.length === 0 &&
    report.afterAck && report.afterAck.acknowledged &&
    report.afterRetry && report.afterRetry.acknowledged;
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(3);
});
