// Leaflet in headless Chromium against a running iroise: three maps on one page (XYZ tiles,
// WMS 1.3.0 in Web Mercator, WMS 1.3.0 in EPSG:4326), loaded from a file:// page.
//
//   node tests/web/leaflet_check.mjs BASE_URL OUT.png
//
// Waits for every tile layer's `load` event, records every answer from BASE_URL, takes a
// screenshot to OUT.png, and prints one JSON document:
//   {"loaded": {...}, "responses": [{url, status, contentType}], "failures": [...],
//    "tileErrors": [...], "pageErrors": [...], "maps": {id: {x, y, width, height}}}
// Exits 0 when every layer loaded and nothing failed, 1 otherwise (the JSON says why).
//
// Chromium is Debian's (`IROISE_CHROMIUM`, default /usr/bin/chromium), never a download.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const LAYER = "ghrsst-l4-sst/analysed_sst";
const LOAD_TIMEOUT_MS = 90_000;
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

function page(base) {
  const leaflet = new URL("./node_modules/leaflet/dist/", import.meta.url).href;
  // Each map records its layer's `load` and `tileerror` events in window.iroise.
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>iroise maps in Leaflet</title>
<link rel="stylesheet" href="${leaflet}leaflet.css">
<script src="${leaflet}leaflet.js"></script>
<style>
  body { margin: 0; background: #fff; font: 12px sans-serif; }
  .map { width: 512px; height: 256px; margin: 4px; display: inline-block; background: #ddd; }
</style></head>
<body>
<div id="xyz" class="map"></div><div id="wms3857" class="map"></div><div id="wms4326" class="map"></div>
<script>
  const base = ${JSON.stringify(base)};
  const layer = ${JSON.stringify(LAYER)};
  window.iroise = { loaded: {}, tileErrors: [] };
  function watch(id, tiles) {
    window.iroise.loaded[id] = false;
    tiles.on("load", () => { window.iroise.loaded[id] = true; });
    tiles.on("tileerror", (e) => { window.iroise.tileErrors.push(id + ": " + (e.tile && e.tile.src)); });
    return tiles;
  }
  const options = { zoomControl: false, attributionControl: false, fadeAnimation: false };
  L.map("xyz", options).setView([20, 0], 1)
    .addLayer(watch("xyz", L.tileLayer(base + "/tiles/" + layer + "/{z}/{x}/{y}.png")));
  const wms = { layers: layer, format: "image/png", transparent: true, version: "1.3.0" };
  L.map("wms3857", options).setView([20, 0], 1)
    .addLayer(watch("wms3857", L.tileLayer.wms(base + "/wms", wms)));
  L.map("wms4326", Object.assign({ crs: L.CRS.EPSG4326 }, options)).setView([0, 0], 1)
    .addLayer(watch("wms4326", L.tileLayer.wms(base + "/wms", wms)));
</script></body></html>`;
}

async function main() {
  const [base, out] = process.argv.slice(2);
  if (!base || !out) {
    console.error("usage: node leaflet_check.mjs BASE_URL OUT.png");
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), "iroise-leaflet-"));
  const htmlPath = join(work, "maps.html");
  writeFileSync(htmlPath, page(base.replace(/\/$/, "")));

  const report = { loaded: {}, responses: [], failures: [], tileErrors: [], pageErrors: [], maps: {} };
  const context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: process.env.IROISE_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1600, height: 300 },
  });
  try {
    const tab = context.pages()[0] || (await context.newPage());
    tab.on("response", (r) => {
      if (!r.url().startsWith(base)) return;
      const entry = { url: r.url(), status: r.status(), contentType: r.headers()["content-type"] || "" };
      report.responses.push(entry);
      if (r.status() >= 400) report.failures.push(entry);
    });
    tab.on("requestfailed", (r) => {
      if (r.url().startsWith(base)) report.failures.push({ url: r.url(), error: r.failure()?.errorText || "failed" });
    });
    tab.on("pageerror", (e) => report.pageErrors.push(String(e)));

    await tab.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
    try {
      await tab.waitForFunction(
        () => window.iroise && Object.values(window.iroise.loaded).every(Boolean),
        null,
        { timeout: LOAD_TIMEOUT_MS },
      );
    } catch (e) {
      report.pageErrors.push(`not every layer loaded within ${LOAD_TIMEOUT_MS} ms: ${e.message.split("\n")[0]}`);
    }
    const state = await tab.evaluate(() => window.iroise || { loaded: {}, tileErrors: ["no window.iroise: Leaflet did not run"] });
    report.loaded = state.loaded;
    report.tileErrors = state.tileErrors;
    for (const id of ["xyz", "wms3857", "wms4326"]) {
      report.maps[id] = await tab.locator("#" + id).boundingBox();
    }
    await tab.screenshot({ path: out });
  } finally {
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }

  console.log(JSON.stringify(report, null, 1));
  const ok =
    Object.keys(report.loaded).length === 3 &&
    Object.values(report.loaded).every(Boolean) &&
    report.failures.length === 0 &&
    report.tileErrors.length === 0 &&
    report.pageErrors.length === 0 &&
    report.responses.length > 0;
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(3);
});
