// Iroise viewer: a Syntool-like page over Iroise's own services, bundled with OpenLayers into
// server/assets/viewer.js by scripts/vendor-assets.sh (esbuild). It only talks to the server
// that serves it:
//
//   /api/collections                      the layer list (kind, time extent, default styles)
//   /api/collections/{id}/availability    days with data, for the timeline
//   /api/colocation                       days when every visible collection has data
//   /wms GetMap (TileWMS, EPSG:3857)      the maps; swaths as TIME=start/end window mosaics
//   /wms GetMetadata layerDetails/minmax  the palettes; an automatic range over the view
//   /wms GetLegendGraphic                 one legend per visible layer
//   /wms GetFeatureInfo (JSON)            values under a click, with the granule's key
//
// The view lives in the URL hash (see docs/viewer.md), so a copied URL restores it.
// `window.iroiseViewer` exposes the state and the OpenLayers objects to the browser tests.

import Map from "ol/Map.js";
import View from "ol/View.js";
import Overlay from "ol/Overlay.js";
import TileLayer from "ol/layer/Tile.js";
import TileWMS from "ol/source/TileWMS.js";
import ScaleLine from "ol/control/ScaleLine.js";
import { defaults as defaultControls } from "ol/control/defaults.js";
import { fromLonLat, toLonLat, transformExtent } from "ol/proj.js";

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const WINDOWS = [
  ["6h", 6],
  ["12h", 12],
  ["24h", 24],
  ["3 days", 72],
];
const PLAY_MS = 2000;

// A token given to the page (`/viewer?token=...`) is passed on to every request, for
// collections that need a signed-in user. It is never written into the hash.
const TOKEN = new URLSearchParams(location.search).get("token");

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};

function withToken(url) {
  if (!TOKEN) return url;
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
}

async function getJson(url) {
  const r = await fetch(withToken(url));
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/** ISO 8601 without milliseconds, as the server's examples write it. */
function iso(ms) {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}
function dayOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
function floorDay(ms) {
  return Math.floor(ms / DAY) * DAY;
}

// ---------------------------------------------------------------------------------------------
// State

/** Everything the URL keeps. `layers` is the list order: the first is drawn on top. */
const state = {
  layers: [], // {name, collection, variable, title, units, kind, time:[start,end], visible, opacity, palette, range, auto, log, defaults}
  time: 0, // window start, ms since the epoch
  windowHours: 24,
  center: [0, 20],
  zoom: 2,
};
let palettes = [];
let map;
const olLayers = {}; // layer name -> ol TileLayer
// Tiles in flight. A tile that OpenLayers drops while loading (the view moved on) fires no end
// event, so count the ones still in the LOADING state rather than starts minus ends.
const TILE_LOADING = 1;
const pending = {
  tiles: new Set(),
  errors: [],
  get loading() {
    for (const t of this.tiles) if (t.getState() !== TILE_LOADING) this.tiles.delete(t);
    return this.tiles.size;
  },
};

function byName(name) {
  return state.layers.find((l) => l.name === name);
}
function visibleLayers() {
  return state.layers.filter((l) => l.visible);
}
function windowRange() {
  return [state.time, state.time + state.windowHours * HOUR];
}
/** The part of the time line that the visible layers (or all of them) cover. */
function extent() {
  const ls = visibleLayers().length ? visibleLayers() : state.layers;
  const withTime = ls.filter((l) => l.time);
  if (!withTime.length) return null;
  return [Math.min(...withTime.map((l) => l.time[0])), Math.max(...withTime.map((l) => l.time[1]))];
}
function inWindow(l) {
  const [a, b] = windowRange();
  return l.time && a <= l.time[1] && b >= l.time[0];
}

// ---------------------------------------------------------------------------------------------
// The URL: #l=name~opacity~palette~range~log&l=...&t=ISO&w=hours&c=lon,lat&z=zoom
// (visible layers only, top first; range is "min,max", "auto" or empty for the default).

function writeHash() {
  const h = new URLSearchParams();
  for (const l of visibleLayers()) {
    const range = l.auto ? "auto" : l.range ? l.range.join(",") : "";
    h.append("l", [l.name, Math.round(l.opacity * 100), l.palette, range, l.log ? 1 : 0].join("~"));
  }
  h.set("t", iso(state.time));
  h.set("w", String(state.windowHours));
  h.set("c", state.center.map((v) => v.toFixed(4)).join(","));
  h.set("z", state.zoom.toFixed(2));
  const hash = "#" + h.toString().replaceAll("%2F", "/").replaceAll("%7E", "~").replaceAll("%2C", ",");
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function readHash() {
  const h = new URLSearchParams(location.hash.replace(/^#/, ""));
  const shown = [];
  for (const item of h.getAll("l")) {
    const [name, opacity, palette, range, log] = item.split("~");
    const l = byName(name);
    if (!l) continue;
    l.visible = true;
    const o = Number(opacity);
    if (opacity !== undefined && Number.isFinite(o)) l.opacity = Math.min(1, Math.max(0, o / 100));
    if (palette) l.palette = palette;
    if (range === "auto") l.auto = true;
    else if (range) {
      const r = range.split(",").map(Number);
      if (r.length === 2 && r.every(Number.isFinite)) l.range = r;
    }
    l.log = log === "1";
    shown.push(l);
  }
  if (shown.length) {
    for (const l of state.layers) if (!shown.includes(l)) l.visible = false;
    state.layers = [...shown, ...state.layers.filter((l) => !shown.includes(l))];
  }
  const t = Date.parse(h.get("t") || "");
  if (Number.isFinite(t)) state.time = t;
  const w = Number(h.get("w"));
  if (Number.isFinite(w) && w > 0) state.windowHours = w;
  const c = (h.get("c") || "").split(",").map(Number);
  if (c.length === 2 && c.every(Number.isFinite)) state.center = c;
  const z = Number(h.get("z"));
  if (h.get("z") && Number.isFinite(z)) state.zoom = z;
  return shown.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Map layers

function styleParams(l) {
  let range = l.auto ? "auto" : l.range ? l.range.join(",") : null;
  // An automatic range comes from GetMetadata minmax over the view (l.autoRange: of the grid,
  // or of the time window's swath mosaic), so that every tile shares one range.
  if (l.auto && l.autoRange) range = l.autoRange.join(",");
  const p = { STYLES: "default-scalar/" + l.palette, LOGSCALE: l.log ? "true" : "false" };
  if (range) p.COLORSCALERANGE = range;
  return p;
}

function timeParam(l) {
  const [a, b] = windowRange();
  if (l.kind === "swath") return iso(a) + "/" + iso(b);
  // A grid shows the time step nearest the window's middle, kept inside its extent.
  const mid = (a + b) / 2;
  return iso(Math.min(l.time[1], Math.max(l.time[0], mid)));
}

function wmsParams(l) {
  const p = {
    LAYERS: l.name,
    FORMAT: "image/png",
    TRANSPARENT: true,
    VERSION: "1.3.0",
    TIME: timeParam(l),
    ...styleParams(l),
  };
  if (TOKEN) p.token = TOKEN;
  return p;
}

function makeLayer(l) {
  const source = new TileWMS({ url: "/wms", params: wmsParams(l), transition: 0 });
  source.on("tileloadstart", (e) => pending.tiles.add(e.tile));
  source.on("tileloadend", (e) => pending.tiles.delete(e.tile));
  source.on("tileloaderror", (e) => {
    pending.tiles.delete(e.tile);
    pending.errors.push(l.name + ": " + (e.tile && e.tile.src_ ? e.tile.src_ : "tile"));
    status(`a tile of ${l.title} failed to load`);
  });
  const layer = new TileLayer({ source, visible: false, opacity: l.opacity });
  olLayers[l.name] = layer;
  return layer;
}

/** Brings every OpenLayers layer in line with the state: visibility, order, opacity, params. */
function syncLayers() {
  const n = state.layers.length;
  state.layers.forEach((l, i) => {
    const layer = olLayers[l.name];
    layer.setZIndex(n - i);
    layer.setOpacity(l.opacity);
    // Outside its time extent a layer would only answer InvalidDimensionValue: do not ask.
    const show = l.visible && inWindow(l);
    if (show) {
      const source = layer.getSource();
      const want = wmsParams(l);
      const have = source.getParams();
      const changed =
        Object.keys(want).some((k) => String(want[k]) !== String(have[k])) ||
        Object.keys(have).some((k) => !(k in want));
      if (changed) {
        for (const k of Object.keys(have)) delete have[k];
        source.updateParams(want);
      }
    }
    layer.setVisible(show);
  });
}

async function refreshAutoRanges() {
  const size = map.getSize();
  if (!size) return;
  const bbox = map.getView().calculateExtent(size);
  for (const l of visibleLayers().filter((l) => l.auto && inWindow(l))) {
    const q = new URLSearchParams({
      REQUEST: "GetMetadata",
      item: "minmax",
      layers: l.name,
      crs: "EPSG:3857",
      bbox: bbox.map((v) => v.toFixed(1)).join(","),
      width: String(Math.min(512, size[0])),
      height: String(Math.min(512, size[1])),
      time: timeParam(l),
    });
    try {
      const mm = await getJson("/wms?" + q);
      const lo = mm.robustMin ?? mm.min;
      const hi = mm.robustMax ?? mm.max;
      // Four significant digits: enough for a colour scale, and short in URLs.
      const round = (v) => Number(v.toPrecision(4));
      if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) l.autoRange = [round(lo), round(hi)];
    } catch (e) {
      status(`automatic range of ${l.title}: ${e.message}`);
    }
  }
  syncLayers();
  renderLegends();
}

// ---------------------------------------------------------------------------------------------
// Layer panel

function status(text) {
  $("#status").textContent = text;
}

function legendUrl(l) {
  const p = styleParams(l);
  const q = new URLSearchParams({
    REQUEST: "GetLegendGraphic",
    LAYER: l.name,
    STYLES: p.STYLES,
    LOGSCALE: p.LOGSCALE,
    VERTICAL: "false",
    WIDTH: "240",
    HEIGHT: "90",
  });
  // Until the view's automatic range is known, `auto` legends take the whole field's range.
  if (p.COLORSCALERANGE) q.set("COLORSCALERANGE", p.COLORSCALERANGE);
  return withToken("/wms?" + q);
}

function renderLegends() {
  for (const l of state.layers) {
    const img = document.querySelector(`img.legend[data-layer="${CSS.escape(l.name)}"]`);
    if (img) {
      const url = legendUrl(l);
      if (img.getAttribute("src") !== url) img.src = url;
    }
  }
}

function renderLayerList() {
  const list = $("#layers");
  list.replaceChildren();
  state.layers.forEach((l, i) => {
    const id = "layer-" + i;
    const row = el(
      "li",
      { class: "layer" + (l.visible ? " on" : ""), "data-layer": l.name },
      el(
        "div",
        { class: "head" },
        el("input", {
          type: "checkbox",
          id,
          class: "visible",
          checked: l.visible,
          onchange: (e) => {
            l.visible = e.target.checked;
            changed({ layers: true });
          },
        }),
        el("label", { for: id, title: l.name }, l.title, el("span", { class: "kind" }, l.kind)),
        el("button", { class: "up", title: "Move up", disabled: i === 0, onclick: () => move(i, -1) }, "▲"),
        el(
          "button",
          { class: "down", title: "Move down", disabled: i === state.layers.length - 1, onclick: () => move(i, 1) },
          "▼",
        ),
      ),
    );
    if (l.visible) {
      if (!inWindow(l)) row.append(el("div", { class: "note" }, "no data in this time window"));
      row.append(styleControls(l));
    }
    list.append(row);
  });
  renderLegends();
}

function styleControls(l) {
  const apply = () => changed({ style: true, auto: l.auto });
  const palette = el("select", {
    class: "palette",
    onchange: (e) => {
      l.palette = e.target.value;
      apply();
    },
  });
  for (const p of palettes.includes(l.palette) ? palettes : [l.palette, ...palettes]) {
    palette.append(el("option", { value: p, selected: p === l.palette }, p));
  }
  const range = l.range || l.defaults.range || [0, 1];
  const num = (cls, v) =>
    el("input", { type: "number", class: cls, step: "any", value: String(v), disabled: l.auto, onchange: readRange });
  const min = num("min", range[0]);
  const max = num("max", range[1]);
  function readRange() {
    const a = Number(min.value);
    const b = Number(max.value);
    if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) return status("the range needs min < max");
    if (l.log && a <= 0) return status("a log scale needs min > 0");
    l.range = [a, b];
    apply();
  }
  return el(
    "div",
    { class: "style" },
    el(
      "div",
      {},
      el("label", {}, "opacity "),
      el("input", {
        type: "range",
        class: "opacity",
        min: "0",
        max: "100",
        value: String(Math.round(l.opacity * 100)),
        oninput: (e) => {
          l.opacity = Number(e.target.value) / 100;
          changed({});
        },
      }),
    ),
    el("div", {}, el("label", {}, "palette "), palette),
    el(
      "div",
      {},
      el("label", {}, "range "),
      min,
      " – ",
      max,
      el(
        "label",
        { class: "inline" },
        el("input", {
          type: "checkbox",
          class: "auto",
          checked: l.auto,
          onchange: (e) => {
            l.auto = e.target.checked;
            if (!l.auto) l.autoRange = null;
            apply();
          },
        }),
        "auto",
      ),
      el(
        "label",
        { class: "inline" },
        el("input", {
          type: "checkbox",
          class: "log",
          checked: l.log,
          onchange: (e) => {
            // A log scale needs a positive minimum: rather than tiles that all fail, start the
            // range at a thousandth of its maximum.
            const r = l.range || l.defaults.range;
            if (e.target.checked && !l.auto && (!r || r[1] <= 0)) {
              e.target.checked = false;
              return status("a log scale needs a positive range: set min and max first");
            }
            l.log = e.target.checked;
            if (l.log && !l.auto && r[0] <= 0) l.range = [r[1] / 1000, r[1]];
            apply();
          },
        }),
        "log",
      ),
    ),
    el("img", { class: "legend", "data-layer": l.name, alt: "legend of " + l.title }),
  );
}

function move(i, d) {
  const j = i + d;
  if (j < 0 || j >= state.layers.length) return;
  [state.layers[i], state.layers[j]] = [state.layers[j], state.layers[i]];
  changed({ layers: true });
}

// ---------------------------------------------------------------------------------------------
// Timeline: days with data per visible collection, colocation days, the window

let timelineData = { days: {}, colocation: new Set() };

function viewBbox() {
  const size = map && map.getSize();
  if (!size) return null;
  const [w, s, e, n] = transformExtent(map.getView().calculateExtent(size), "EPSG:3857", "EPSG:4326");
  if (e - w >= 360) return null;
  const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
  const clampLat = (y) => Math.max(-90, Math.min(90, y));
  return [wrap(w), clampLat(s), wrap(e), clampLat(n)].map((v) => v.toFixed(3)).join(",");
}

async function refreshTimeline() {
  const ext = extent();
  if (!ext) return;
  const bbox = viewBbox();
  const collections = [...new Set(visibleLayers().map((l) => l.collection))];
  const q = (extra) => {
    const p = new URLSearchParams({ start: dayOf(ext[0]), end: dayOf(ext[1]), ...extra });
    if (bbox) p.set("bbox", bbox);
    return p.toString();
  };
  const days = {};
  const colocation = new Set();
  try {
    await Promise.all(
      collections.map(async (c) => {
        const a = await getJson(`/api/collections/${encodeURIComponent(c)}/availability?` + q({}));
        for (const d of a.days) (days[d.day] ||= {})[c] = d.granules;
      }),
    );
    if (collections.length >= 2) {
      const c = await getJson("/api/colocation?" + q({ collections: collections.join(",") }));
      for (const d of c.days) colocation.add(d.day);
    }
  } catch (e) {
    status("timeline: " + e.message);
  }
  timelineData = { days, colocation };
  renderTimeline();
}

function renderTimeline() {
  const ext = extent();
  const bar = $("#days");
  bar.replaceChildren();
  if (!ext) return;
  const [a, b] = windowRange();
  for (let d = floorDay(ext[0]); d <= ext[1]; d += DAY) {
    const day = dayOf(d);
    const counts = timelineData.days[day] || {};
    const total = Object.values(counts).reduce((x, y) => x + y, 0);
    const classes = ["day"];
    if (total) classes.push("data");
    if (timelineData.colocation.has(day)) classes.push("coloc");
    if (a < d + DAY && b > d) classes.push("current");
    const title =
      day +
      (total ? ": " + Object.entries(counts).map(([c, n]) => `${c} ${n}`).join(", ") : ": no data") +
      (timelineData.colocation.has(day) ? " (colocation)" : "");
    bar.append(
      el(
        "button",
        { class: classes.join(" "), "data-day": day, title, onclick: () => setTime(d) },
        el("span", { class: "label" }, day.slice(5)),
        el("span", { class: "count" }, total ? String(total) : ""),
      ),
    );
  }
  $("#time").textContent = `${iso(a).replace("T", " ")} → ${iso(b).replace("T", " ")}`;
  $("#window").value = String(state.windowHours);
}

function setTime(ms) {
  state.time = ms;
  changed({ time: true });
}

function step(sign) {
  const ext = extent();
  let t = state.time + sign * state.windowHours * HOUR;
  if (ext) {
    if (t > ext[1]) t = floorDay(ext[0]);
    if (t + state.windowHours * HOUR < ext[0]) t = Math.max(floorDay(ext[0]), floorDay(ext[1]));
  }
  setTime(t);
}

let playing = null;
function togglePlay() {
  if (playing) {
    clearInterval(playing);
    playing = null;
  } else {
    playing = setInterval(() => step(1), PLAY_MS);
  }
  $("#play").textContent = playing ? "❚❚" : "▶";
  $("#play").title = playing ? "Pause" : "Play";
}

// ---------------------------------------------------------------------------------------------
// Values under a click

let popup;

function granuleLinks(l, props, lon, lat) {
  const key = props.granule_key;
  if (!key) return null;
  const path = key.split("/").map(encodeURIComponent).join("/");
  const links = el(
    "span",
    { class: "links" },
    el("a", { href: withToken("/files/" + path), class: "download", title: props.granule }, "download"),
    " · ",
    el("a", { href: withToken("/opendap/" + path + ".html"), class: "opendap", target: "_blank" }, "OPeNDAP"),
  );
  if (l.kind === "grid") {
    const q = new URLSearchParams({
      var: l.variable,
      north: Math.min(90, lat + 2).toFixed(3),
      south: Math.max(-90, lat - 2).toFixed(3),
      west: Math.max(-180, lon - 2).toFixed(3),
      east: Math.min(180, lon + 2).toFixed(3),
      accept: "netcdf",
    });
    links.append(" · ", el("a", { href: withToken("/ncss/" + path + "?" + q), class: "ncss" }, "NCSS 4°×4°"));
  }
  return links;
}

function formatValue(v) {
  if (v === null || v === undefined) return null;
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e5) ? v.toExponential(3) : String(Number(v.toFixed(3)));
}

async function showValues(evt) {
  const [lon, lat] = toLonLat(evt.coordinate);
  const lonW = ((((lon + 180) % 360) + 360) % 360) - 180;
  const body = $("#popup-body");
  body.replaceChildren(el("div", { class: "where" }, `lat ${lat.toFixed(3)}°, lon ${lonW.toFixed(3)}°`));
  const rows = el("table", { class: "values" });
  body.append(rows);
  popup.setPosition(evt.coordinate);
  $("#popup").dataset.state = "loading";
  const view = map.getView();
  const shown = visibleLayers().filter(inWindow);
  if (!shown.length) rows.append(el("tr", {}, el("td", {}, "no visible layer has data in this window")));
  await Promise.all(
    shown.map(async (l) => {
      const row = el("tr", { "data-layer": l.name }, el("th", {}, l.title), el("td", { class: "value" }, "…"));
      rows.append(row);
      const url = olLayers[l.name]
        .getSource()
        .getFeatureInfoUrl(evt.coordinate, view.getResolution(), view.getProjection(), {
          INFO_FORMAT: "application/json",
          QUERY_LAYERS: l.name,
        });
      const cell = row.querySelector("td");
      try {
        const r = await fetch(url);
        if (!r.ok) throw new Error("HTTP " + r.status);
        const json = await r.json();
        const props = (json.features && json.features[0] && json.features[0].properties) || {};
        const v = formatValue(props.value);
        cell.replaceChildren();
        if (v === null) {
          cell.append(el("span", { class: "none" }, "no data"));
        } else {
          cell.append(
            el("span", { class: "number" }, v),
            " ",
            el("span", { class: "units" }, props.units || ""),
            el("div", { class: "time" }, (props.time || "").replace("T", " ")),
            granuleLinks(l, props, lonW, lat),
          );
        }
      } catch (e) {
        cell.textContent = "error: " + e.message;
      }
    }),
  );
  $("#popup").dataset.state = "done";
}

// ---------------------------------------------------------------------------------------------
// Changes

let timelineTimer = null;
/** One place where a change of state reaches the map, the panels and the URL. */
function changed(what) {
  syncLayers();
  if (what.layers) renderLayerList();
  else if (what.style) {
    renderLayerList();
  }
  if (what.auto || what.time || what.layers) refreshAutoRanges();
  renderTimeline();
  if (what.layers || what.view) {
    clearTimeout(timelineTimer);
    timelineTimer = setTimeout(refreshTimeline, what.view ? 400 : 0);
  }
  if (what.time) renderLayerList();
  writeHash();
}

async function main() {
  const api = await getJson("/api/collections");
  for (const c of api.collections) {
    const time = c.time ? [Date.parse(c.time.start), Date.parse(c.time.end)] : null;
    for (const layer of c.layers) {
      state.layers.push({
        name: layer.name,
        collection: c.id,
        variable: layer.name.slice(c.id.length + 1),
        title: `${c.title}: ${layer.title}`,
        units: layer.units,
        kind: c.kind,
        time,
        visible: false,
        opacity: 1,
        palette: layer.palette,
        range: layer.range,
        auto: false,
        log: !!layer.log,
        autoRange: null,
        defaults: { palette: layer.palette, range: layer.range, log: !!layer.log },
      });
    }
  }
  if (!state.layers.length) {
    status("no collection to show");
  }
  const restored = readHash();
  if (!restored) {
    // First visit: the first grid layer with data, shown from its first day.
    const first = state.layers.find((l) => l.kind === "grid" && l.time) || state.layers.find((l) => l.time);
    if (first) {
      first.visible = true;
      state.time = floorDay(first.time[0]);
    }
  }
  if (!state.time) state.time = floorDay(Date.now());
  if (state.layers.length) {
    try {
      const details = await getJson(
        "/wms?REQUEST=GetMetadata&item=layerDetails&layerName=" + encodeURIComponent(state.layers[0].name),
      );
      palettes = details.palettes || [];
    } catch (e) {
      status("palettes: " + e.message);
    }
  }

  popup = new Overlay({ element: $("#popup"), autoPan: { animation: { duration: 200 } } });
  map = new Map({
    target: "map",
    layers: state.layers.map(makeLayer),
    overlays: [popup],
    controls: defaultControls({ attribution: false }).extend([new ScaleLine()]),
    view: new View({ center: fromLonLat(state.center), zoom: state.zoom, maxZoom: 12 }),
  });
  map.on("singleclick", showValues);
  map.on("moveend", () => {
    const v = map.getView();
    state.center = toLonLat(v.getCenter());
    state.zoom = v.getZoom();
    changed({ view: true, auto: visibleLayers().some((l) => l.auto && l.kind === "grid") });
  });
  $("#popup-close").addEventListener("click", () => popup.setPosition(undefined));

  const sel = $("#window");
  for (const [label, hours] of WINDOWS) sel.append(el("option", { value: String(hours) }, label));
  if (!WINDOWS.some(([, h]) => h === state.windowHours)) {
    sel.append(el("option", { value: String(state.windowHours) }, state.windowHours + "h"));
  }
  sel.addEventListener("change", () => {
    state.windowHours = Number(sel.value);
    changed({ time: true });
  });
  $("#prev").addEventListener("click", () => step(-1));
  $("#next").addEventListener("click", () => step(1));
  $("#play").addEventListener("click", togglePlay);

  changed({ layers: true, time: true });
  window.iroiseViewer.ready = true;
}

window.iroiseViewer = {
  ready: false,
  state,
  olLayers,
  pending,
  get map() {
    return map;
  },
  /** The view as the URL keeps it, for comparisons. */
  snapshot() {
    return {
      layers: visibleLayers().map((l) => ({
        name: l.name,
        opacity: l.opacity,
        palette: l.palette,
        range: l.auto ? "auto" : l.range,
        log: l.log,
      })),
      time: iso(state.time),
      windowHours: state.windowHours,
      center: state.center.map((v) => Number(v.toFixed(3))),
      zoom: Number(state.zoom.toFixed(2)),
    };
  },
};

main().catch((e) => {
  console.error(e);
  status("cannot start the viewer: " + e.message);
});
