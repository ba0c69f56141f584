// The viewer (/viewer) in headless Chromium against a running iroise demo, used the way a person
// would: pick the swath layer, bring it to the top, change the time window and step it, restyle
// it, click a pass and read the value, then reload the shared URL.
//
//   node tests/web/viewer_check.mjs BASE_URL OUT.png
//
// Prints one JSON document:
//   {"steps": [...], "value": {text, number, units, links}, "expectedUnits", "canvas":
//    {nonTransparent, total}, "snapshot", "restored", "restoredUrl", "responses": n,
//    "wmsImages": n, "failures": [...], "aborted": [...], "tileErrors": [...], "pageErrors": [...],
//    "map": {x, y, width, height}}
// and saves screenshots to OUT.png (with the value popup) and OUT-restored.png (the reloaded
// URL). Requests that the viewer itself cancels (tiles of a view it left, net::ERR_ABORTED) are
// listed under "aborted", not as failures. Exits 0 when every check passed, 1 otherwise, with
// the reasons in "problems".
//
// Chromium is Debian's (`IROISE_CHROMIUM`, default /usr/bin/chromium), never a download.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SWATH = "scat-l2-wind/wind_speed";
const TIMEOUT_MS = 90_000;
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

const report = {
  steps: [],
  problems: [],
  responses: 0,
  wmsImages: 0,
  failures: [],
  aborted: [],
  tileErrors: [],
  pageErrors: [],
};
const step = (s) => report.steps.push(s);
const problem = (p) => report.problems.push(p);

function watch(tab, base) {
  tab.on("response", (r) => {
    if (!r.url().startsWith(base)) return;
    report.responses += 1;
    const type = r.headers()["content-type"] || "";
    if (r.url().includes("/wms?") && type.startsWith("image/png") && r.status() === 200) report.wmsImages += 1;
    if (r.status() >= 400) report.failures.push({ url: r.url(), status: r.status() });
  });
  tab.on("requestfailed", (r) => {
    if (!r.url().startsWith(base)) return;
    const error = r.failure()?.errorText || "failed";
    (error.includes("ERR_ABORTED") ? report.aborted : report.failures).push({ url: r.url(), error });
  });
  tab.on("pageerror", (e) => report.pageErrors.push(String(e)));
  tab.on("console", (m) => {
    if (m.type() === "error") report.pageErrors.push("console: " + m.text());
  });
}

/** Waits until the viewer has started and no tile has been loading for a while. */
async function settle(tab) {
  await tab.waitForFunction(() => window.iroiseViewer && window.iroiseViewer.ready, null, { timeout: TIMEOUT_MS });
  let quiet = 0;
  const deadline = Date.now() + TIMEOUT_MS;
  while (quiet < 4 && Date.now() < deadline) {
    await tab.waitForTimeout(250);
    const loading = await tab.evaluate(() => window.iroiseViewer.pending.loading);
    quiet = loading === 0 ? quiet + 1 : 0;
  }
  if (quiet < 4) problem(`tiles still loading after ${TIMEOUT_MS} ms`);
}

const layerRow = (tab, name) => tab.locator(`li.layer[data-layer="${name}"]`);

async function main() {
  const [baseArg, out] = process.argv.slice(2);
  if (!baseArg || !out) {
    console.error("usage: node viewer_check.mjs BASE_URL OUT.png");
    process.exit(2);
  }
  const base = baseArg.replace(/\/$/, "");
  const work = mkdtempSync(join(tmpdir(), "iroise-viewer-"));
  const context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: process.env.IROISE_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  try {
    const tab = context.pages()[0] || (await context.newPage());
    watch(tab, base);
    const api = await (await fetch(base + "/api/collections")).json();
    const swathMeta = api.collections.flatMap((c) => c.layers).find((l) => l.name === SWATH);
    report.expectedUnits = swathMeta ? swathMeta.units : null;
    if (!swathMeta) problem(`${SWATH} is not in /api/collections`);

    await tab.goto(base + "/viewer", { waitUntil: "load" });
    await settle(tab);
    step("loaded /viewer");

    // Pick the swath layer and bring it to the top of the list.
    await layerRow(tab, SWATH).locator("input.visible").check();
    for (let i = 0; i < 20; i++) {
      const top = await tab.locator("li.layer").first().getAttribute("data-layer");
      if (top === SWATH) break;
      await layerRow(tab, SWATH).locator("button.up").click();
    }
    if ((await tab.locator("li.layer").first().getAttribute("data-layer")) !== SWATH) problem("the swath layer did not move to the top");
    await settle(tab);
    step("picked the swath layer and moved it to the top");

    // Half-transparent grid under the swath.
    const grid = await tab.locator("li.layer.on").nth(1).getAttribute("data-layer");
    if (grid) {
      await layerRow(tab, grid).locator("input.opacity").fill("60");
      step(`set the opacity of ${grid} to 60 %`);
    }

    // Time window: 12 hours, one step forward.
    const before = await tab.evaluate(() => window.iroiseViewer.snapshot().time);
    await tab.locator("#window").selectOption("12");
    await tab.locator("#next").click();
    const after = await tab.evaluate(() => window.iroiseViewer.snapshot().time);
    if (after === before) problem(`stepping did not move the window (still ${after})`);
    const days = await tab.locator("#days .day.data").count();
    const coloc = await tab.locator("#days .day.coloc").count();
    report.timeline = { days, colocation: coloc, before, after, label: await tab.locator("#time").textContent() };
    if (days === 0) problem("the timeline marks no day with data");
    await settle(tab);
    step(`window 12 h, stepped from ${before} to ${after}`);

    // Restyle: another palette and a range.
    const row = layerRow(tab, SWATH);
    await row.locator("select.palette").selectOption("viridis");
    await settle(tab);
    await row.locator("input.min").fill("2");
    await row.locator("input.min").dispatchEvent("change");
    await row.locator("input.max").fill("18");
    await row.locator("input.max").dispatchEvent("change");
    await settle(tab);
    const legend = await row.locator("img.legend").evaluate((img) => ({
      src: img.getAttribute("src"),
      loaded: img.complete && img.naturalWidth > 0,
    }));
    report.legend = legend;
    if (!legend.loaded || !legend.src.includes("viridis") || !legend.src.includes("COLORSCALERANGE=2%2C18")) {
      problem(`the legend does not show the new style: ${JSON.stringify(legend)}`);
    }
    const params = await tab.evaluate((n) => window.iroiseViewer.olLayers[n].getSource().getParams(), SWATH);
    report.swathParams = params;
    if (params.STYLES !== "default-scalar/viridis" || params.COLORSCALERANGE !== "2,18" || !String(params.TIME).includes("/")) {
      problem(`the swath layer's WMS parameters are not the chosen ones: ${JSON.stringify(params)}`);
    }
    step("restyled the swath: viridis, 2 to 18");

    // An automatic range on the grid: one range for every tile, from GetMetadata minmax.
    if (grid) {
      await layerRow(tab, grid).locator("input.auto").check();
      await tab.waitForFunction((n) => window.iroiseViewer.state.layers.find((l) => l.name === n).autoRange, grid, {
        timeout: TIMEOUT_MS,
      });
      await settle(tab);
      const range = await tab.evaluate((n) => window.iroiseViewer.olLayers[n].getSource().getParams().COLORSCALERANGE, grid);
      report.gridAutoRange = range;
      if (!/^-?[\d.e+-]+,-?[\d.e+-]+$/.test(String(range))) problem(`the grid's auto range is not a min,max pair: ${range}`);
      step(`auto range on ${grid}: ${range}`);
    }

    // An automatic range on the swath: GetMetadata minmax of the window's mosaic in view, one
    // range for every tile and for the legend.
    await row.locator("input.auto").check();
    await tab.waitForFunction((n) => window.iroiseViewer.state.layers.find((l) => l.name === n).autoRange, SWATH, {
      timeout: TIMEOUT_MS,
    });
    await settle(tab);
    const swathRange = await tab.evaluate((n) => window.iroiseViewer.olLayers[n].getSource().getParams().COLORSCALERANGE, SWATH);
    report.swathAutoRange = swathRange;
    const [lo, hi] = String(swathRange).split(",").map(Number);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo >= 0 && hi > lo)) problem(`the swath's auto range is not a min,max pair of speeds: ${swathRange}`);
    const swathLegend = await row.locator("img.legend").evaluate((img) => ({ src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0 }));
    if (!swathLegend.loaded || !swathLegend.src.includes("COLORSCALERANGE=" + encodeURIComponent(swathRange))) {
      problem(`the swath legend does not show the automatic range ${swathRange}: ${JSON.stringify(swathLegend)}`);
    }
    step(`auto range on ${SWATH}: ${swathRange}`);

    // Click a point on a pass: a pixel where the swath layer drew something, away from its edges.
    const mapBox = await tab.locator("#map").boundingBox();
    report.map = mapBox;
    const point = await tab.evaluate(
      ([name, w, h]) => {
        const layer = window.iroiseViewer.olLayers[name];
        const drawn = (x, y) => {
          const d = layer.getData([x, y]);
          return d && d[3] > 0;
        };
        let best = null;
        for (let y = 40; y < h - 40; y += 6) {
          for (let x = 40; x < w - 40; x += 6) {
            if (!drawn(x, y)) continue;
            let score = 0;
            for (const [dx, dy] of [[-12, 0], [12, 0], [0, -12], [0, 12], [-24, 0], [24, 0], [0, -24], [0, 24]]) {
              if (drawn(x + dx, y + dy)) score += 1;
            }
            const centred = -Math.hypot(x - w / 2, y - h / 2) / 10000;
            if (!best || score + centred > best.score) best = { x, y, score: score + centred };
          }
        }
        return best;
      },
      [SWATH, Math.floor(mapBox.width), Math.floor(mapBox.height)],
    );
    report.click = point;
    if (!point) {
      problem("the swath layer drew nothing in view: no pass to click");
    } else {
      await tab.mouse.click(mapBox.x + point.x, mapBox.y + point.y);
      await tab.waitForSelector('#popup[data-state="done"]', { timeout: TIMEOUT_MS });
      const cell = tab.locator(`#popup tr[data-layer="${SWATH}"] td.value`);
      const text = (await cell.textContent()) || "";
      const number = (await cell.locator(".number").count()) ? await cell.locator(".number").textContent() : null;
      const units = (await cell.locator(".units").count()) ? await cell.locator(".units").textContent() : null;
      const links = await cell.locator("a").evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.href })));
      report.value = { text, number, units, links };
      if (number === null || !Number.isFinite(Number(number))) problem(`the popup shows no number for ${SWATH}: ${JSON.stringify(text)}`);
      if (!units || units !== report.expectedUnits) problem(`the popup's units ${JSON.stringify(units)} are not ${JSON.stringify(report.expectedUnits)}`);
      if (!links.some((l) => l.href.includes("/files/"))) problem("the popup has no download link");
      if (!links.some((l) => l.href.includes("/opendap/") && l.href.endsWith(".html"))) problem("the popup has no OPeNDAP form link");
      report.popupRows = await tab.locator("#popup tr").count();
      step(`clicked (${point.x}, ${point.y}) and read ${text}`);
    }

    // The canvas is not blank.
    report.canvas = await tab.evaluate(() => {
      let nonTransparent = 0;
      let total = 0;
      for (const c of document.querySelectorAll("#map canvas")) {
        const ctx = c.getContext("2d");
        if (!ctx || !c.width || !c.height) continue;
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        total += data.length / 4;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) nonTransparent += 1;
      }
      return { nonTransparent, total };
    });
    if (report.canvas.nonTransparent < report.canvas.total * 0.05) problem(`the map canvas is nearly blank: ${JSON.stringify(report.canvas)}`);
    report.tileErrors.push(...(await tab.evaluate(() => window.iroiseViewer.pending.errors)));
    await tab.screenshot({ path: out });

    // The shared URL restores the view.
    report.snapshot = await tab.evaluate(() => window.iroiseViewer.snapshot());
    report.sharedParams = await tab.evaluate((n) => window.iroiseViewer.olLayers[n].getSource().getParams(), SWATH);
    report.sharedUrl = tab.url();
    const second = await context.newPage();
    watch(second, base);
    await second.goto(report.sharedUrl, { waitUntil: "load" });
    await settle(second);
    report.restored = await second.evaluate(() => window.iroiseViewer.snapshot());
    report.restoredUrl = second.url();
    const a = report.snapshot;
    const b = report.restored;
    const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
    if (!same(a.layers, b.layers)) problem(`layers not restored: ${JSON.stringify(a.layers)} vs ${JSON.stringify(b.layers)}`);
    if (a.time !== b.time || a.windowHours !== b.windowHours) problem(`time not restored: ${a.time}/${a.windowHours} vs ${b.time}/${b.windowHours}`);
    if (Math.abs(a.zoom - b.zoom) > 0.01 || a.center.some((v, i) => Math.abs(v - b.center[i]) > 0.01)) {
      problem(`map position not restored: ${a.center}@${a.zoom} vs ${b.center}@${b.zoom}`);
    }
    const restoredParams = await second.evaluate((n) => window.iroiseViewer.olLayers[n].getSource().getParams(), SWATH);
    // An automatic range is kept in the URL as `auto` and recomputed over the restored view,
    // which may differ by a rounding of the zoom: the range must come back within 5 %.
    const { COLORSCALERANGE: r1, ...rest1 } = report.sharedParams;
    const { COLORSCALERANGE: r2, ...rest2 } = restoredParams;
    const [a1, b1] = String(r1).split(",").map(Number);
    const [a2, b2] = String(r2).split(",").map(Number);
    const span = Math.abs(b1 - a1);
    if (!(Math.abs(a1 - a2) <= 0.05 * span && Math.abs(b1 - b2) <= 0.05 * span)) problem(`restored automatic range ${r2} is not ${r1}`);
    if (!same(rest2, rest1)) problem(`restored WMS parameters differ: ${JSON.stringify(restoredParams)}`);
    const top = await second.locator("li.layer").first().getAttribute("data-layer");
    if (top !== SWATH) problem(`restored layer order starts with ${top}`);
    report.tileErrors.push(...(await second.evaluate(() => window.iroiseViewer.pending.errors)));
    await second.screenshot({ path: out.replace(/\.png$/, "") + "-restored.png" });
    step("reloaded the shared URL and found the same view");
  } finally {
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (report.failures.length) problem(`${report.failures.length} request(s) failed`);
  if (report.tileErrors.length) problem(`${report.tileErrors.length} tile(s) failed to load`);
  if (report.pageErrors.length) problem(`${report.pageErrors.length} page error(s)`);
  if (report.wmsImages === 0) problem("no WMS image was loaded");
  console.log(JSON.stringify(report, null, 1));
  process.exit(report.problems.length === 0 ? 0 : 1);
}

main().catch((e) => {
  report.problems.push("script error: " + (e && e.stack ? e.stack : String(e)));
  console.log(JSON.stringify(report, null, 1));
  process.exit(3);
});
