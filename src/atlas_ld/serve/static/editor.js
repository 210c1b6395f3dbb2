// The SPARQL editor: YASGUI on this server's /sparql (templates/editor.html, views/editor.py).
//
// Tabs: the first holds the query of the link that opened the page (?query= or ?name=) or a
// starter query with the project's PREFIX lines; then one tab per canned query. Tabs are not
// kept in the browser's storage, so the canned ones are always the shipped versions. Results show
// as a table, as the raw response, or as a chart (the "chart" plugin below, drawn with the
// vendored Vega-Lite). An error from the endpoint shows under the editor; the query stays.
// Without JavaScript, or if YASGUI cannot start, the plain form below it does the same job.
(function () {
  "use strict";

  function start() {
    var root = document.getElementById("yasgui");
    var config = JSON.parse(document.getElementById("editor-config").textContent);
    if (!root || !window.Yasgui) return;
    var Yasgui = window.Yasgui;
    if (window.vegaEmbed) Yasgui.Yasr.registerPlugin("chart", chartPlugin(root));
    var endpoint = new URL(config.endpoint, window.location.href).href;
    var first = config.query || config.starter;
    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      yasqe: { value: first },
      yasr: { pluginOrder: ["table", "chart", "response"], defaultPlugin: "table" },
    });
    var tab = yasgui.getTab();
    tab.setQuery(first);
    if (config.tab) tab.setName(config.tab);
    config.queries.forEach(function (query) {
      yasgui.addTab(false, { name: query.title, yasqe: { value: query.sparql },
                             requestConfig: { endpoint: endpoint, method: "POST" } });
    });
    yasgui.selectTabId(tab.getId());
    document.getElementById("editor").hidden = true;
    root.setAttribute("data-ready", "true");
  }

  // A YASR plugin: a bar chart of the first numeric column against the first other column.
  function chartPlugin(root) {
    var label = root.getAttribute("data-label-chart") || "Chart";

    function columns(results) {
      var vars = results.getVariables();
      var rows = results.getBindings();
      var numeric = vars.filter(function (v) {
        return rows.length && rows.every(function (r) {
          return !r[v] || (r[v].type !== "uri" && r[v].value !== "" && !isNaN(Number(r[v].value)));
        });
      });
      var other = vars.filter(function (v) { return numeric.indexOf(v) < 0; });
      return { value: numeric[0], key: other[0] || numeric[1], rows: rows };
    }

    function Chart(yasr) { this.yasr = yasr; this.priority = 5; this.label = label; }
    Chart.prototype.canHandleResults = function () {
      var results = this.yasr.results;
      if (!results || !results.getVariables || results.getType() !== "json") return false;
      var c = columns(results);
      return !!(c.value && c.key && c.rows.length && c.rows.length <= 2000);
    };
    Chart.prototype.getIcon = function () {
      var icon = document.createElement("span");
      icon.className = "editor-chart-icon";
      icon.textContent = "▮";
      return icon;
    };
    Chart.prototype.draw = function () {
      var c = columns(this.yasr.results);
      var values = c.rows.map(function (r) {
        return { key: r[c.key] ? r[c.key].value : "", value: Number(r[c.value].value) };
      });
      var holder = document.createElement("div");
      holder.className = "editor-chart";
      this.yasr.resultsEl.appendChild(holder);
      var french = (document.documentElement.lang || "fr").slice(0, 2) !== "en";
      return window.vegaEmbed(holder, {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        width: "container",
        height: { step: 18 },
        autosize: { type: "fit-x", contains: "padding" },
        data: { values: values },
        mark: { type: "bar", color: "#000091" },
        encoding: {
          y: { field: "key", type: "nominal", sort: null, title: c.key, axis: { labelLimit: 320 } },
          x: { field: "value", type: "quantitative", title: c.value },
          tooltip: [{ field: "key", title: c.key }, { field: "value", title: c.value }],
        },
      }, {
        actions: false, renderer: "svg", tooltip: false, defaultStyle: false, ast: true,
        expr: window.vegaExpressionInterpreter,
        formatLocale: french ? { decimal: ",", thousands: "\u202f", grouping: [3],
                                 currency: ["", "\u00a0€"] } : undefined,
      }).catch(function (error) { holder.textContent = String(error); });
    };
    return Chart;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
