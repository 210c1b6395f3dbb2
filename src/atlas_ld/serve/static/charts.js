// Draws the charts and the world map of templates/_charts.html with Vega-Lite.
//
// The data is in <script type="application/json" id="..."> next to each chart and always also
// in a table; this script draws the chart above the table and folds the table away. The Vega
// libraries are loaded only on pages that have a chart, from /static/vendor (nothing from another
// host), and expressions run through vega-interpreter, so the Content-Security-Policy needs no
// 'unsafe-eval'. Nothing is written as an inline style or <style> element for the same reason.
(function () {
  "use strict";
  if (window.atlasCharts) return; // the macros include this file once per chart
  window.atlasCharts = true;

  var LIBS = [
    "/static/vendor/vega/vega.min.js",
    "/static/vendor/vega-lite/vega-lite.min.js",
    "/static/vendor/vega-embed/vega-embed.min.js",
    "/static/vendor/vega-interpreter/vega-interpreter.js",
  ];
  var FRENCH = { decimal: ",", thousands: "\u202f", grouping: [3], currency: ["", "\u00a0€"] };
  var ENGLISH = { decimal: ".", thousands: ",", grouping: [3], currency: ["€", ""] };

  function load(urls, done) {
    if (!urls.length) return done();
    var script = document.createElement("script");
    script.src = urls[0];
    script.onload = function () { load(urls.slice(1), done); };
    script.onerror = function () { console.warn("charts: cannot load " + urls[0]); };
    document.head.appendChild(script);
  }

  function isYear(value) { return /^\d{4}$/.test(String(value)); }

  function barSpec(data) {
    var rows = data.rows.map(function (r) {
      return { x: String(r[data.x]), y: Number(r[data.y]), href: r.href || null };
    });
    var columns = rows.every(function (r) { return isYear(r.x); });
    var whole = rows.every(function (r) { return Number.isInteger(r.y); });
    var category = { field: "x", type: columns ? "ordinal" : "nominal", title: data.x_label,
                     sort: null, axis: { labelLimit: 260, labelAngle: columns ? 0 : undefined } };
    var amount = { field: "y", type: "quantitative", title: data.y_label,
                   axis: whole ? { tickMinStep: 1, format: ",d" } : { format: ",.2~f" } };
    var encoding = columns ? { x: category, y: amount } : { y: category, x: amount };
    encoding.tooltip = [{ field: "x", title: data.x_label },
                        { field: "y", title: data.y_label, format: ",.2~f" }];
    if (rows.some(function (r) { return r.href; })) encoding.href = { field: "href" };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: "container",
      height: columns ? 220 : { step: 20 },
      // Only the width follows the container (a height by step cannot be fitted).
      autosize: { type: "fit-x", contains: "padding" },
      data: { values: rows },
      mark: { type: "bar", color: "#000091", cursor: "pointer" },
      encoding: encoding,
    };
  }

  function worldSpec(data) {
    var rows = data.rows.filter(function (r) { return r.id; }).map(function (r) {
      return { id: r.id, value: Number(r.value), label: r.label, href: r.href || null };
    });
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: "container",
      height: 340,
      autosize: { type: "fit-x", contains: "padding" },
      projection: { type: "equalEarth" },
      data: { url: data.shapes, format: { type: "topojson", feature: "countries" } },
      layer: [
        { mark: { type: "geoshape", fill: "#e6e6e6", stroke: "#ffffff", strokeWidth: 0.5 } },
        {
          transform: [
            { lookup: "id", from: { data: { values: rows }, key: "id",
                                    fields: ["value", "label", "href"] } },
            { filter: "isValid(datum.value)" },
          ],
          mark: { type: "geoshape", stroke: "#ffffff", strokeWidth: 0.5, cursor: "pointer" },
          encoding: {
            color: { field: "value", type: "quantitative", title: data.value_label,
                     scale: { scheme: "blues" } },
            href: { field: "href" },
            tooltip: [{ field: "label", title: "" },
                      { field: "value", title: data.value_label, format: ",.2~f" }],
          },
        },
      ],
    };
  }

  function draw(view) {
    var source = document.getElementById(view.getAttribute("data-chart"));
    var data = JSON.parse(source.textContent);
    var spec = data.kind === "world" ? worldSpec(data) : barSpec(data);
    var french = (document.documentElement.lang || "fr").slice(0, 2) !== "en";
    view.hidden = false;
    return window.vegaEmbed(view, spec, {
      actions: false,
      renderer: "svg",
      tooltip: false,
      defaultStyle: false,
      ast: true,
      expr: window.vegaExpressionInterpreter,
      formatLocale: french ? FRENCH : ENGLISH,
    }).then(function () {
      view.setAttribute("data-drawn", "true");
      var table = view.parentNode.querySelector("details.chart-data");
      if (table) table.open = false;
    }).catch(function (error) {
      view.hidden = true;
      console.warn("charts: " + error);
    });
  }

  // The libraries (about 840 KB, 250 KB compressed) load when the first chart comes near the
  // screen, so a page whose charts are below the fold weighs only its own HTML until then.
  var ready = null;
  var waiting = [];
  function whenReady(view) {
    if (ready === true) return draw(view);
    waiting.push(view);
    if (ready === null) {
      ready = false;
      load(LIBS, function () {
        ready = true;
        waiting.forEach(draw);
      });
    }
  }

  function start() {
    var views = document.querySelectorAll("[data-chart]");
    if (!views.length) return;
    if (!("IntersectionObserver" in window)) return views.forEach(whenReady);
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        whenReady(entry.target.querySelector("[data-chart]"));
      });
    }, { rootMargin: "400px" });
    views.forEach(function (view) { observer.observe(view.parentNode); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
