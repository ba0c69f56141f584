// The download statistics dashboard in headless Chromium, signed in as an admin with HTTP
// Basic (user name and API token).
//
//   node tests/web/stats_dashboard.mjs BASE_URL USER TOKEN OUT.png
//
// Prints one JSON document: {"status", "charts": [{title, points, inkPixels}], "pageErrors",
// "failures"} and exits 0 when the page loaded, every chart has data points and ink on its
// canvas, and nothing failed; 1 otherwise.
//
// Chromium is Debian's (`IROISE_CHROMIUM`, default /usr/bin/chromium), never a download.

import { chromium } from "playwright-core";

const [base, user, token, out] = process.argv.slice(2);
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-proxy-server",
];

const browser = await chromium.launch({
  executablePath: process.env.IROISE_CHROMIUM || "/usr/bin/chromium",
  args: CHROMIUM_FLAGS,
});
const result = { status: 0, charts: [], pageErrors: [], failures: [] };
try {
  const context = await browser.newContext({ httpCredentials: { username: user, password: token } });
  const page = await context.newPage();
  page.on("pageerror", (e) => result.pageErrors.push(String(e)));
  page.on("requestfailed", (r) => result.failures.push(r.url() + ": " + (r.failure() && r.failure().errorText)));
  const response = await page.goto(base + "/admin/stats", { waitUntil: "load", timeout: 60_000 });
  result.status = response.status();
  await page.waitForFunction(() => window.iroiseCharts && window.iroiseCharts.length === 5, null, { timeout: 30_000 });
  result.charts = await page.evaluate(() =>
    window.iroiseCharts.map((u) => {
      const c = u.ctx.canvas;
      const pixels = u.ctx.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) ink++;
      const ys = u.data[1] || [];
      return { title: u.root.querySelector(".u-title")?.textContent || "", points: ys.filter((v) => v > 0).length, inkPixels: ink };
    }),
  );
  await page.screenshot({ path: out, fullPage: true });
} catch (e) {
  result.failures.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
const ok = result.status === 200 && result.charts.length === 5 && result.charts.every((c) => c.points > 0 && c.inkPixels > 500)
  && result.pageErrors.length === 0 && result.failures.length === 0;
process.exit(ok ? 0 : 1);
